package reports

import (
	"fmt"
	"time"

	"eq/queue"
)

// StaffingHour is one hour of the day as the staffing advice reads it: what
// came on past days and what is open.
type StaffingHour struct {
	// Hour is the hour of the day, 0–23: from Hour:00 to Hour+1:00.
	// Час суток, 0–23: с Hour:00 до Hour+1:00.
	Hour int
	// Arrivals holds the visitors (tickets issued) in this hour on each of
	// several past days, the same weekday as the day advised on.
	// Посетители (выданные талоны) за этот час в несколько прошедших дней
	// того же дня недели.
	Arrivals []int
	// Open is the number of windows actually open in this hour.
	// Сколько окон фактически открыто в этот час.
	Open int
}

// StaffingParams are the figures the advice holds fixed over the day.
type StaffingParams struct {
	// MeanService is the mean service time of past weeks.
	// Среднее время обслуживания за прошедшие недели.
	MeanService time.Duration
	// Target is the promised longest wait, 15 minutes by the regulation.
	// Допустимое ожидание: по регламенту 15 минут.
	Target time.Duration
	// Level is the share of visitors who must wait no longer than Target,
	// DefaultServiceLevel (0.95) as a rule.
	// Доля посетителей, ожидающих не дольше Target; обычно 0,95.
	Level float64
}

// StaffingRow is one hour of the staffing advice: needed against open. It
// is flat so that a report table, CSV and XLSX show it column by column.
type StaffingRow struct {
	// Hour is the hour of the day, 0–23. Час суток, 0–23.
	Hour int `json:"hour"`
	// Days is how many past days were averaged.
	// Сколько прошедших дней усреднено.
	Days int `json:"days"`
	// MeanArrivals is the mean number of visitors in this hour, λ per hour.
	// Среднее число посетителей за час, λ в час.
	MeanArrivals float64 `json:"mean_arrivals"`
	// OfferedLoad is λ·s in Erlangs: windows busy on average.
	// Нагрузка λ·s в эрлангах: сколько окон в среднем занято.
	OfferedLoad float64 `json:"offered_load"`
	// WindowsNeeded is the fewest windows meeting the target at the level.
	// Наименьшее число окон, при котором норматив выполняется.
	WindowsNeeded int `json:"windows_needed"`
	// WindowsOpen is the number of windows actually open.
	// Сколько окон фактически открыто.
	WindowsOpen int `json:"windows_open"`
	// Gap is WindowsNeeded − WindowsOpen: above zero, windows to open;
	// below zero, windows to spare.
	// Нехватка: больше нуля — сколько окон открыть, меньше нуля — лишние окна.
	Gap int `json:"gap"`
	// ServiceLevelOpen is the expected share of visitors waiting no longer
	// than the target with the windows actually open (0 when they cannot
	// keep up at all).
	// Ожидаемая доля посетителей, дождавшихся в срок при фактически
	// открытых окнах (0, если окна не справляются с потоком).
	ServiceLevelOpen float64 `json:"service_level_open"`
}

// Staffing turns, for each hour given, the arrivals of past days and the
// windows open into the windows needed for P(wait ≤ p.Target) ≥ p.Level
// (Erlang C, see WindowsNeeded) and the gap. Rows come in the order of
// hours.
//
// The mean of the past days' counts estimates the hour's arrival rate;
// the model assumes that rate holds across the hour, so a rush inside the
// hour is averaged out and the advice is then a lower bound.
func Staffing(hours []StaffingHour, p StaffingParams) ([]StaffingRow, error) {
	// Check the parameters once, apart from any hour: with no arrivals
	// WindowsNeeded only validates.
	if _, err := WindowsNeeded(0, p.MeanService, p.Target, p.Level); err != nil {
		return nil, err
	}
	rows := make([]StaffingRow, 0, len(hours))
	var seen [24]bool
	for _, h := range hours {
		if h.Hour < 0 || h.Hour > 23 {
			return nil, queue.Errorf(queue.EINVALID,
				"час суток должен быть от 0 до 23, а не %d",
				"the hour of the day must be 0 to 23, not %d", h.Hour)
		}
		if seen[h.Hour] {
			return nil, hourError(h.Hour, "час указан дважды", "the hour is given twice")
		}
		seen[h.Hour] = true
		if len(h.Arrivals) == 0 {
			return nil, hourError(h.Hour, "нет данных ни за один прошедший день", "no past day is given")
		}
		if h.Open < 0 {
			return nil, hourError(h.Hour,
				fmt.Sprintf("число открытых окон не может быть отрицательным: %d", h.Open),
				fmt.Sprintf("the number of open windows cannot be negative: %d", h.Open))
		}
		sum := 0
		for _, n := range h.Arrivals {
			if n < 0 {
				return nil, hourError(h.Hour,
					fmt.Sprintf("число посетителей не может быть отрицательным: %d", n),
					fmt.Sprintf("the number of arrivals cannot be negative: %d", n))
			}
			sum += n
		}
		mean := float64(sum) / float64(len(h.Arrivals))
		load := OfferedLoad(mean, p.MeanService)
		needed, err := WindowsNeeded(mean, p.MeanService, p.Target, p.Level)
		if err != nil {
			return nil, atHour(h.Hour, err)
		}
		rows = append(rows, StaffingRow{
			Hour:             h.Hour,
			Days:             len(h.Arrivals),
			MeanArrivals:     mean,
			OfferedLoad:      load,
			WindowsNeeded:    needed,
			WindowsOpen:      h.Open,
			Gap:              needed - h.Open,
			ServiceLevelOpen: ServiceLevel(h.Open, load, p.MeanService, p.Target),
		})
	}
	return rows, nil
}

// hourError is an EINVALID error about one hour of the day.
func hourError(hour int, ru, en string) error {
	return &queue.Error{Code: queue.EINVALID,
		Message:   fmt.Sprintf("%02d:00: %s", hour, ru),
		MessageEN: fmt.Sprintf("%02d:00: %s", hour, en)}
}

// atHour prefixes the messages of a domain error with the hour it is about,
// keeping its code.
func atHour(hour int, err error) error {
	if e, ok := err.(*queue.Error); ok {
		return &queue.Error{Code: e.Code,
			Message:   fmt.Sprintf("%02d:00: %s", hour, e.Message),
			MessageEN: fmt.Sprintf("%02d:00: %s", hour, e.MessageEN),
			Details:   e.Details}
	}
	return fmt.Errorf("reports: staffing %02d:00: %w", hour, err)
}
