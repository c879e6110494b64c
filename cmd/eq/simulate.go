package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"eq/configs"
	"eq/queue"
	"eq/queue/store"
	"eq/reports"
	"eq/sim"
)

// maxSimDays bounds --days: a year of one day's chances is plenty.
const maxSimDays = 1000

type simulateOptions struct {
	config  string
	day     string // "" is the embedded demo day
	seed    uint64
	seedSet bool // --seed given: it overrides the spec's
	policy  string
	days    int
	format  string
	tickets string // "" writes no ticket list
	lang    string

	replay  string // a database: replay a past day instead of a spec
	date    string
	windows int
}

func newSimulateCmd() *cobra.Command {
	o := &simulateOptions{}
	cmd := &cobra.Command{
		Use:   "simulate [--day SPEC.yaml] | --replay DB --date YYYY-MM-DD [--windows +N]",
		Short: "смоделировать рабочий день на настоящей очереди (simulate a working day on the real queue)",
		Long: "Моделирует рабочий день офиса: посетители берут талоны, операторы вызывают, принимают,\n" +
			"уходят на перерывы — всё через ту же очередь, что работает в офисе, с модельными часами.\n" +
			"Выводит итоги дня (талоны, ожидание, доля вызванных в пределах срока, загрузка окон,\n" +
			"точность прогноза ожидания на талонах) и таблицы по услугам.\n\n" +
			"Без --day — встроенный обычный вторник демонстрационного офиса; `eq simulate demo-day`\n" +
			"печатает его с комментариями — образец для своего дня. --days N моделирует N дней с seed, seed+1, …\n" +
			"и печатает итоги каждого и средние. --policy меняет порядок вызова: deadline (по сроку\n" +
			"ожидания, как в офисе) или fifo (по очереди выдачи).\n\n" +
			"--replay DB --date ДАТА повторяет прошедший день из журнала: те же посетители с теми же\n" +
			"временами приёма, те же смены и перерывы — и сравнивает факт, модель «как было» и модель\n" +
			"с --windows +N окнами (сначала открываются окна, не работавшие в тот день, затем новые,\n" +
			"ведущие все услуги; -N — на N окон меньше).\n\n" +
			"Simulates a working day of the office on the real queue with a simulated clock and prints\n" +
			"the day's figures and the tables by service. Without --day, the embedded ordinary Tuesday of\n" +
			"the demo office. --days N runs N days with seeds seed, seed+1, … and prints their mean.\n" +
			"--replay DB --date DATE replays a past day from the log and compares the actual day, the\n" +
			"day simulated as it was and simulated with --windows +N windows.",
		Example: "  eq simulate\n" +
			"  eq simulate --days 20 --policy fifo --lang en\n" +
			"  eq simulate demo-day > tuesday.yaml\n" +
			"  eq simulate --day tuesday.yaml --tickets tickets.csv\n" +
			"  eq simulate --replay eq-data/eq.db --date 2026-11-24 --windows +2",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.seedSet = cmd.Flags().Changed("seed")
			return runSimulate(cmd.Context(), o, cmd.OutOrStdout())
		},
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "demo-day",
		Short: "печатает встроенный день с комментариями — образец для --day (prints the embedded demo day, a template for --day)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := cmd.OutOrStdout().Write(sim.DemoDayYAML())
			return err
		},
	})
	f := cmd.Flags()
	f.StringVar(&o.config, "config", "", "файл конфигурации офиса (office config YAML; default: the embedded demo)")
	f.StringVar(&o.day, "day", "", "описание дня YAML; по умолчанию встроенный демонстрационный день (day spec YAML; default: the embedded demo day)")
	f.Uint64Var(&o.seed, "seed", 0, "seed случайных чисел; по умолчанию из описания дня (random seed; default: the spec's)")
	f.StringVar(&o.policy, "policy", "", "порядок вызова: deadline или fifo; по умолчанию как в конфигурации (dispatch policy; default: the config's)")
	f.IntVar(&o.days, "days", 1, "сколько дней моделировать, seed за seed (how many days, one seed after another)")
	f.StringVar(&o.format, "format", "text", "формат: text, json (output format)")
	f.StringVar(&o.tickets, "tickets", "", "записать все талоны в CSV-файл (write every ticket to a CSV FILE)")
	f.StringVar(&o.lang, "lang", "ru", "язык: ru, en (language)")
	f.StringVar(&o.replay, "replay", "", "повторить день из этой базы данных SQLite (replay a day from this SQLite database)")
	f.StringVar(&o.date, "date", "", "день для --replay, ГГГГ-ММ-ДД (the day to replay, YYYY-MM-DD)")
	f.IntVar(&o.windows, "windows", 0, "для --replay: на сколько окон больше (+2) или меньше (-1) (with --replay: windows more or fewer)")
	return cmd
}

// runSimulate simulates and writes what came of it. Everything is run and
// rendered before anything is written: a failed day leaves no half a file.
func runSimulate(ctx context.Context, o *simulateOptions, stdout io.Writer) error {
	if o.format != "text" && o.format != "json" {
		return fmt.Errorf("--format %q: ожидается text или json (expected text or json)", o.format)
	}
	if err := reports.CheckLang(o.lang); err != nil {
		return fmt.Errorf("--lang: %w", bilingual(err))
	}
	if o.days < 1 || o.days > maxSimDays {
		return fmt.Errorf("--days %d: нужно от 1 до %d (1 to %d days)", o.days, maxSimDays, maxSimDays)
	}
	if o.replay != "" {
		if o.day != "" || o.days != 1 || o.seedSet || o.tickets != "" {
			return fmt.Errorf("--replay повторяет записанный день: --day, --days, --seed и --tickets к нему не относятся (--replay replays a logged day: --day, --days, --seed and --tickets do not apply)")
		}
		if o.date == "" {
			return fmt.Errorf("--replay: укажите день, --date ГГГГ-ММ-ДД (give the day to replay, --date YYYY-MM-DD)")
		}
		if _, err := time.Parse(time.DateOnly, o.date); err != nil {
			return fmt.Errorf("--date %q: нужна дата ГГГГ-ММ-ДД (a YYYY-MM-DD date is needed)", o.date)
		}
	} else if o.date != "" || o.windows != 0 {
		return fmt.Errorf("--date и --windows — для --replay (--date and --windows go with --replay)")
	}
	cfg, err := loadConfig(o.config)
	if err != nil {
		return err
	}
	office, err := withPolicy(cfg.Office, o.policy)
	if err != nil {
		return err
	}

	var b, csv bytes.Buffer
	if o.replay != "" {
		err = simulateReplay(ctx, o, office, &b)
	} else {
		err = simulateDays(ctx, o, cfg, office, &b, &csv)
	}
	if err != nil {
		return err
	}
	if o.tickets != "" {
		if err := os.WriteFile(o.tickets, csv.Bytes(), 0o644); err != nil {
			return fmt.Errorf("файл %s не записан (cannot write the file): %w", o.tickets, err)
		}
	}
	_, err = b.WriteTo(stdout)
	return err
}

// simulateDays runs the spec's day --days times and renders the runs to
// out and their tickets to csv.
func simulateDays(ctx context.Context, o *simulateOptions, cfg *configs.Config, office *queue.Office, out, csv *bytes.Buffer) error {
	var (
		day *sim.Day
		err error
	)
	if o.day == "" {
		if day, err = sim.DemoDay(office); err != nil && cfg.Source != configs.DemoSource {
			return fmt.Errorf("встроенный день написан для демонстрационного офиса, для %s нужен свой: --day ФАЙЛ.yaml "+
				"(the embedded day is the demo office's; %s needs its own: --day FILE.yaml):\n%w", cfg.Source, cfg.Source, err)
		}
	} else {
		day, err = sim.LoadDay(o.day, office)
	}
	if err != nil {
		return bilingual(err)
	}
	if o.seedSet {
		day.Seed = o.seed
	}
	runs := make([]simRun, o.days)
	for i := range runs {
		d := *day
		d.Seed = day.Seed + uint64(i)
		res, err := sim.Run(ctx, office, &d)
		if err != nil {
			return bilingual(err)
		}
		runs[i] = simRun{seed: d.Seed, figures: simulatedFigures(res), tickets: res.Tickets}
		if o.days == 1 {
			runs[i].report = res.Report // its tables are printed; a day's log is let go
		}
	}
	title := simTitle(office, day.Date, o.lang)
	if o.format == "json" {
		err = writeSimulateJSON(out, office, day.Date, runs)
	} else {
		err = writeSimulateText(out, office, runs, o.lang, title)
	}
	if err != nil {
		return err
	}
	if o.tickets != "" {
		return bilingual(reports.WriteCSV(csv, ticketsTable(office, runs), o.lang))
	}
	return nil
}

// simRun is what is kept of one simulated day.
type simRun struct {
	seed    uint64
	figures dayFigures
	tickets []sim.Ticket
	report  *reports.Report // of a single day only
}

// dayFigures are a day's headline figures: counts, times in seconds,
// shares of 1. They are floats so that the mean of many days is one too.
type dayFigures struct {
	Issued      float64 `json:"issued"`
	Live        float64 `json:"live"`
	Appointment float64 `json:"appointment"`
	Served      float64 `json:"served"`
	NoShow      float64 `json:"no_show"`
	NotServed   float64 `json:"not_served"`
	WaitMean    float64 `json:"wait_mean_s"`
	WaitMedian  float64 `json:"wait_median_s"`
	WaitP90     float64 `json:"wait_p90_s"`
	WaitMax     float64 `json:"wait_max_s"`
	Judged      float64 `json:"judged"`
	Within      float64 `json:"within"`
	WithinShare float64 `json:"within_share"`
	Utilisation float64 `json:"utilisation"`
	// Sim are the figures only a simulation knows; nil for a real day.
	Sim *simFigures `json:"simulated,omitempty"`
}

// simFigures are the figures only a simulation knows.
type simFigures struct {
	Refused       float64 `json:"refused"`        // visitors the kiosk turned away
	BreaksRefused float64 `json:"breaks_refused"` // planned breaks the rules did not allow
	PredictionMAE float64 `json:"prediction_mae_s"`
	Predictions   float64 `json:"predictions"` // tickets the MAE is over
}

func reportFigures(rep *reports.Report) dayFigures {
	t := rep.Total
	return dayFigures{
		Issued: float64(t.Attendance.Issued), Live: float64(t.Attendance.Live), Appointment: float64(t.Attendance.Appointment),
		Served: float64(t.Attendance.Served), NoShow: float64(t.Attendance.NoShow), NotServed: float64(t.Attendance.NotServed),
		WaitMean: t.Waits.WaitMean, WaitMedian: t.Waits.WaitMedian, WaitP90: t.Waits.WaitP90, WaitMax: t.Waits.WaitMax,
		Judged: float64(t.SLA.Judged), Within: float64(t.SLA.Within), WithinShare: t.SLA.Share,
		Utilisation: t.Operators.Utilisation,
	}
}

func simulatedFigures(res *sim.Result) dayFigures {
	f := reportFigures(res.Report)
	mae, n := res.PredictionError()
	f.Sim = &simFigures{Refused: float64(res.Refused), BreaksRefused: float64(res.BreaksRefused),
		PredictionMAE: mae.Seconds(), Predictions: float64(n)}
	return f
}

// meanFigures is the mean of runs' figures, field by field: each day
// counts the same, whatever its number of tickets.
func meanFigures(runs []simRun) dayFigures {
	m := dayFigures{Sim: &simFigures{}}
	n := float64(len(runs))
	for _, r := range runs {
		f := r.figures
		for _, p := range [][2]*float64{
			{&m.Issued, &f.Issued}, {&m.Live, &f.Live}, {&m.Appointment, &f.Appointment}, {&m.Served, &f.Served},
			{&m.NoShow, &f.NoShow}, {&m.NotServed, &f.NotServed}, {&m.WaitMean, &f.WaitMean}, {&m.WaitMedian, &f.WaitMedian},
			{&m.WaitP90, &f.WaitP90}, {&m.WaitMax, &f.WaitMax}, {&m.Judged, &f.Judged}, {&m.Within, &f.Within},
			{&m.WithinShare, &f.WithinShare}, {&m.Utilisation, &f.Utilisation}, {&m.Sim.Refused, &f.Sim.Refused},
			{&m.Sim.BreaksRefused, &f.Sim.BreaksRefused}, {&m.Sim.PredictionMAE, &f.Sim.PredictionMAE}, {&m.Sim.Predictions, &f.Sim.Predictions},
		} {
			*p[0] += *p[1] / n
		}
	}
	return m
}

// figureRow is one line of the figures: its label and its cell.
type figureRow struct {
	label queue.Text
	cell  func(f dayFigures) any // nil: no data
}

// inMinutes is seconds as minutes, inPercent a share as a percentage, and
// inCount a count (or a mean of counts), each to 0.1 as the reports have them.
func inMinutes(s float64) float64 { return math.Round(s/60*10) / 10 }
func inPercent(s float64) float64 { return math.Round(s*1000) / 10 }
func inCount(v float64) float64   { return math.Round(v*10) / 10 }

// simOnly is a figure only a simulation has: no data for a real day.
func simOnly(cell func(s *simFigures) float64) func(f dayFigures) any {
	return func(f dayFigures) any {
		if f.Sim == nil {
			return nil
		}
		return cell(f.Sim)
	}
}

// figureRows are the headline figures in the order they are shown.
var figureRows = []figureRow{
	{queue.Text{RU: "Выдано талонов", EN: "Tickets issued"}, func(f dayFigures) any { return inCount(f.Issued) }},
	{queue.Text{RU: "из них в живую очередь", EN: "of them live queue"}, func(f dayFigures) any { return inCount(f.Live) }},
	{queue.Text{RU: "из них по записи", EN: "of them by appointment"}, func(f dayFigures) any { return inCount(f.Appointment) }},
	{queue.Text{RU: "Обслужено", EN: "Served"}, func(f dayFigures) any { return inCount(f.Served) }},
	{queue.Text{RU: "Не явились", EN: "No-shows"}, func(f dayFigures) any { return inCount(f.NoShow) }},
	{queue.Text{RU: "Не обслужены к закрытию", EN: "Not served by closing"}, func(f dayFigures) any { return inCount(f.NotServed) }},
	{queue.Text{RU: "Не получили талон (выдача закрыта)", EN: "Turned away (issue closed)"},
		simOnly(func(s *simFigures) float64 { return inCount(s.Refused) })},
	{queue.Text{RU: "Ожидание: среднее, мин", EN: "Wait: mean, min"}, func(f dayFigures) any { return inMinutes(f.WaitMean) }},
	{queue.Text{RU: "Ожидание: медиана, мин", EN: "Wait: median, min"}, func(f dayFigures) any { return inMinutes(f.WaitMedian) }},
	{queue.Text{RU: "Ожидание: 90-й процентиль, мин", EN: "Wait: 90th percentile, min"}, func(f dayFigures) any { return inMinutes(f.WaitP90) }},
	{queue.Text{RU: "Ожидание: максимум, мин", EN: "Wait: max, min"}, func(f dayFigures) any { return inMinutes(f.WaitMax) }},
	{queue.Text{RU: "Вызваны в пределах срока, %", EN: "Called within the target, %"}, func(f dayFigures) any {
		if f.Judged == 0 {
			return nil
		}
		return inPercent(f.WithinShare)
	}},
	{queue.Text{RU: "Загрузка окон, %", EN: "Window utilisation, %"}, func(f dayFigures) any { return inPercent(f.Utilisation) }},
	{queue.Text{RU: "Ошибка прогноза ожидания (MAE), мин", EN: "Wait prediction error (MAE), min"},
		simOnly(func(s *simFigures) float64 { return inMinutes(s.PredictionMAE) })},
	{queue.Text{RU: "Прогноз проверен по талонам", EN: "Predictions checked, tickets"}, simOnly(func(s *simFigures) float64 { return inCount(s.Predictions) })},
	{queue.Text{RU: "Перерывов не разрешено правилами", EN: "Breaks the rules refused"},
		simOnly(func(s *simFigures) float64 { return inCount(s.BreaksRefused) })},
}

// figuresTable lays out figures side by side, a column each under its title.
func figuresTable(name string, title queue.Text, heads []queue.Text, figures []dayFigures) reports.Table {
	t := reports.Table{Name: name, Title: title, Columns: []reports.Column{{Key: "figure", RU: "Показатель", EN: "Figure"}}}
	for i, h := range heads {
		t.Columns = append(t.Columns, reports.Column{Key: fmt.Sprintf("c%d", i+1), RU: h.RU, EN: h.EN})
	}
	for _, row := range figureRows {
		cells := []any{row.label}
		for _, f := range figures {
			cells = append(cells, row.cell(f))
		}
		t.Rows = append(t.Rows, cells)
	}
	return t
}

// simTitle says whose day it is for the tables' titles.
func simTitle(office *queue.Office, date, lang string) string {
	title := reports.Localize(office.Name, lang)
	if title != "" {
		title += ", "
	}
	title += reports.Period(date, date, lang)
	note := queue.Text{RU: "модель, порядок вызова " + policyName(office), EN: "simulated, dispatch " + policyName(office)}
	return title + " (" + reports.Localize(note, lang) + ")"
}

// writeSimulateText writes one day's figures and its tables by service,
// or for many days the figures of each and their mean.
func writeSimulateText(w io.Writer, office *queue.Office, runs []simRun, lang, title string) error {
	var tables []reports.Table
	if len(runs) == 1 {
		r := runs[0]
		tables = append(tables, figuresTable("day", queue.Text{RU: "Итоги дня", EN: "The day's figures"},
			[]queue.Text{{RU: fmt.Sprintf("seed %d", r.seed), EN: fmt.Sprintf("seed %d", r.seed)}}, []dayFigures{r.figures}))
		for _, name := range []string{"sla", "waits"} {
			t, err := r.report.Table(name)
			if err != nil {
				return bilingual(err)
			}
			tables = append(tables, t)
		}
	} else {
		heads := []queue.Text{{RU: "Среднее", EN: "Mean"}}
		figures := []dayFigures{meanFigures(runs)}
		for _, r := range runs {
			heads = append(heads, queue.Text{RU: fmt.Sprintf("seed %d", r.seed), EN: fmt.Sprintf("seed %d", r.seed)})
			figures = append(figures, r.figures)
		}
		tables = append(tables, figuresTable("days", queue.Text{RU: fmt.Sprintf("Итоги %d дней", len(runs)), EN: fmt.Sprintf("Figures of %d days", len(runs))}, heads, figures))
	}
	return writeReportText(w, tables, lang, title)
}

// simulateJSON is what --format json writes for simulated days.
type simulateJSON struct {
	Office string       `json:"office"`
	Date   string       `json:"date"`
	Policy string       `json:"policy"`
	Days   []simDayJSON `json:"days"`
	Mean   *dayFigures  `json:"mean,omitempty"` // over the days, when more than one
}

type simDayJSON struct {
	Seed    uint64          `json:"seed"`
	Figures dayFigures      `json:"figures"`
	Tickets []simTicketJSON `json:"tickets"`
}

type simTicketJSON struct {
	Number    string         `json:"number"`
	Service   string         `json:"service"`
	Priority  queue.Priority `json:"priority"`
	IssuedAt  time.Time      `json:"issued_at"`
	Predicted float64        `json:"predicted_wait_s"`
	Waited    float64        `json:"waited_s"` // to the first call; for a ticket never called, to the day's end
	Called    bool           `json:"called"`
}

func writeSimulateJSON(w io.Writer, office *queue.Office, date string, runs []simRun) error {
	out := simulateJSON{Office: reports.Localize(office.Name, "ru"), Date: date, Policy: policyName(office)}
	for _, r := range runs {
		d := simDayJSON{Seed: r.seed, Figures: r.figures, Tickets: []simTicketJSON{}}
		for _, t := range r.tickets {
			d.Tickets = append(d.Tickets, simTicketJSON{Number: t.Number, Service: t.Service, Priority: t.Priority,
				IssuedAt: t.IssuedAt.In(office.Location), Predicted: t.Predicted.Seconds(), Waited: t.Waited.Seconds(), Called: t.Called})
		}
		out.Days = append(out.Days, d)
	}
	if len(runs) > 1 {
		m := meanFigures(runs)
		out.Mean = &m
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// ticketsTable lists every ticket of runs, the seed first when there are
// several days.
func ticketsTable(office *queue.Office, runs []simRun) reports.Table {
	t := reports.Table{Name: "tickets", Title: queue.Text{RU: "Талоны", EN: "Tickets"}}
	if len(runs) > 1 {
		t.Columns = append(t.Columns, reports.Column{Key: "seed", RU: "seed", EN: "seed"})
	}
	t.Columns = append(t.Columns,
		reports.Column{Key: "number", RU: "Талон", EN: "Ticket"},
		reports.Column{Key: "service", RU: "Услуга", EN: "Service"},
		reports.Column{Key: "priority", RU: "Категория", EN: "Class"},
		reports.Column{Key: "issued_at", RU: "Выдан", EN: "Issued at"},
		reports.Column{Key: "predicted_wait_min", RU: "Прогноз ожидания, мин", EN: "Predicted wait, min"},
		reports.Column{Key: "wait_min", RU: "Ожидание, мин", EN: "Wait, min"},
		reports.Column{Key: "called", RU: "Вызван", EN: "Called"})
	yes, no := queue.Text{RU: "да", EN: "yes"}, queue.Text{RU: "нет", EN: "no"}
	for _, r := range runs {
		for _, tk := range r.tickets {
			var row []any
			if len(runs) > 1 {
				row = append(row, fmt.Sprint(r.seed))
			}
			called := no
			if tk.Called {
				called = yes
			}
			row = append(row, tk.Number, tk.Service, string(tk.Priority), tk.IssuedAt.In(office.Location).Format(time.TimeOnly),
				inMinutes(tk.Predicted.Seconds()), inMinutes(tk.Waited.Seconds()), called)
			t.Rows = append(t.Rows, row)
		}
	}
	return t
}

// simulateReplay replays o.date from the log at o.replay: as it was and
// with o.windows more, beside the real day's figures.
func simulateReplay(ctx context.Context, o *simulateOptions, office *queue.Office, out *bytes.Buffer) error {
	// store.Open would make an empty database where none is: a mistyped
	// path must not look like a day with nothing in it.
	if _, err := os.Stat(o.replay); err != nil {
		return fmt.Errorf("база данных %s не открыта (cannot open the database): %w", o.replay, err)
	}
	st, err := store.Open(ctx, o.replay)
	if err != nil {
		return err
	}
	defer st.Close()
	actual, err := reports.NewReader(st, office).Report(ctx, o.date, o.date, reports.ByService)
	if err != nil {
		return bilingual(err)
	}
	day, err := sim.Replay(ctx, st, office, o.date)
	if err != nil {
		return bilingual(err)
	}
	base, err := sim.Run(ctx, office, day)
	if err != nil {
		return bilingual(err)
	}
	heads := []queue.Text{{RU: "Факт", EN: "Actual"}, {RU: "Модель: как было", EN: "Simulated: as it was"}}
	figures := []dayFigures{reportFigures(actual), simulatedFigures(base)}
	var added []sim.Shift
	if o.windows != 0 {
		more := *day
		more.Staff = slices.Clone(day.Staff)
		moreOffice, err := more.AddWindows(office, o.windows)
		if err != nil {
			return bilingual(err)
		}
		res, err := sim.Run(ctx, moreOffice, &more)
		if err != nil {
			return bilingual(err)
		}
		heads = append(heads, queue.Text{RU: fmt.Sprintf("Модель: %+d окн.", o.windows), EN: fmt.Sprintf("Simulated: %+d windows", o.windows)})
		figures = append(figures, simulatedFigures(res))
		if o.windows > 0 {
			added = more.Staff[len(day.Staff):]
		} else {
			added = removedShifts(day.Staff, more.Staff)
		}
	}
	if o.format == "json" {
		return writeReplayJSON(out, office, o, figures, added)
	}
	title := reports.Localize(office.Name, o.lang)
	if title != "" {
		title += ", "
	}
	title += reports.Period(o.date, o.date, o.lang)
	t := figuresTable("replay", queue.Text{RU: "Повтор дня", EN: "The day replayed"}, heads, figures)
	if err := writeReportText(out, []reports.Table{t}, o.lang, title); err != nil {
		return err
	}
	fmt.Fprintln(out)
	if o.windows != 0 {
		fmt.Fprintln(out, shiftsNote(o.windows, added, o.lang))
	}
	fmt.Fprintln(out, reports.Localize(queue.Text{
		RU: "Модель повторяет посетителей дня с их временем приёма; путь к окну у всех — медиана дня, " +
			"поэтому «как было» близко к факту, но не равно ему.",
		EN: "The model replays the day's visitors with their service times; everyone walks to the window " +
			"in the day's median time, so \"as it was\" is close to the actual day, not equal to it.",
	}, o.lang))
	return nil
}

// removedShifts are the shifts of before that after has not.
func removedShifts(before, after []sim.Shift) []sim.Shift {
	var out []sim.Shift
	for _, sh := range before {
		if !slices.ContainsFunc(after, func(a sim.Shift) bool { return a.Window == sh.Window && a.Span == sh.Span }) {
			out = append(out, sh)
		}
	}
	return out
}

// shiftsNote says which windows the "what if" opened or closed.
func shiftsNote(n int, shifts []sim.Shift, lang string) string {
	var parts []string
	for _, sh := range shifts {
		s := fmt.Sprintf("%d (%s, %s–%s)", sh.Window, sh.Operator, sh.From, sh.To)
		if n < 0 {
			s = fmt.Sprintf("%d (%s–%s)", sh.Window, sh.From, sh.To)
		}
		parts = append(parts, s)
	}
	if n > 0 {
		return reports.Localize(queue.Text{RU: "Добавлены окна: ", EN: "Windows added: "}, lang) + strings.Join(parts, ", ")
	}
	return reports.Localize(queue.Text{RU: "Закрыты окна: ", EN: "Windows closed: "}, lang) + strings.Join(parts, ", ")
}

// replayJSON is what --format json writes for a replay.
type replayJSON struct {
	Office      string      `json:"office"`
	Date        string      `json:"date"`
	Policy      string      `json:"policy"`
	Actual      dayFigures  `json:"actual"`
	AsItWas     dayFigures  `json:"as_it_was"`
	Windows     int         `json:"windows,omitempty"`
	WithWindows *dayFigures `json:"with_windows,omitempty"`
	Shifts      []shiftJSON `json:"shifts,omitempty"` // the shifts added, or with fewer windows removed
}

type shiftJSON struct {
	Window   int    `json:"window"`
	Operator string `json:"operator,omitempty"`
	From     string `json:"from"`
	To       string `json:"to"`
}

func writeReplayJSON(w io.Writer, office *queue.Office, o *simulateOptions, figures []dayFigures, shifts []sim.Shift) error {
	out := replayJSON{Office: reports.Localize(office.Name, "ru"), Date: o.date, Policy: policyName(office),
		Actual: figures[0], AsItWas: figures[1], Windows: o.windows}
	if len(figures) > 2 {
		out.WithWindows = &figures[2]
	}
	for _, sh := range shifts {
		out.Shifts = append(out.Shifts, shiftJSON{Window: sh.Window, Operator: sh.Operator, From: sh.From.String(), To: sh.To.String()})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// withPolicy is a copy of office dispatching by policy; "" keeps the
// config's.
func withPolicy(office *queue.Office, policy string) (*queue.Office, error) {
	cp := *office
	if policy == "" {
		return &cp, nil
	}
	p := queue.DispatchPolicy(policy)
	if p != queue.DispatchDeadline && p != queue.DispatchFIFO {
		return nil, fmt.Errorf("--policy %q: ожидается %s или %s (expected %s or %s)", policy,
			queue.DispatchDeadline, queue.DispatchFIFO, queue.DispatchDeadline, queue.DispatchFIFO)
	}
	cp.Dispatch = p
	return &cp, nil
}

// policyName names office's dispatch policy.
func policyName(office *queue.Office) string { return office.Dispatch.String() }
