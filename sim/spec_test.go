package sim_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"eq/configs"
	"eq/queue"
	"eq/sim"
)

// spec joins lines into a day spec: line i of the test is line i+1 of the file.
func spec(lines ...string) []byte { return []byte(strings.Join(lines, "\n") + "\n") }

func TestDemoDaySpec(t *testing.T) {
	office := configs.Demo().Office
	d, err := sim.DemoDay(office)
	if err != nil {
		t.Fatal(err)
	}
	if d.Date != "2026-11-24" || d.Seed != 1 || d.Hours != (sim.Span{From: clock(t, "08:00"), To: clock(t, "19:00")}) {
		t.Errorf("date %s, seed %d, hours %v: want 2026-11-24, 1, 08:00–19:00", d.Date, d.Seed, d.Hours)
	}
	if d.Default != (sim.Dist{Kind: sim.LogNormal, CV: 0.5}) || d.Privileged != 0.03 || d.NoShow != 0.03 ||
		d.WalkUp != 40*time.Second || d.NoShowWait != time.Minute || d.Fill != 0.3 || d.ApptNoShow != 0.03 || d.Early != 10*time.Minute {
		t.Errorf("the day's behaviour is not what demo.yaml says: %+v", d)
	}
	// The profile averages 1 over the hours visitors come, so that
	// arrivals are the day's mean rates, as the file's sums assume.
	var sum float64
	for h := 8; h < 19; h++ {
		sum += d.Profile[h]
	}
	if sum/11 < 0.999 || sum/11 > 1.001 {
		t.Errorf("the profile averages %.3f over 08–18, the file's load assumes 1", sum/11)
	}
	// Lunches 30 minutes from 12:00 every 25 minutes, short breaks from
	// 16:00, in an order that never sends two windows that stand in for
	// each other one after the other.
	order := []int{1, 4, 6, 8, 2, 5, 7, 3}
	if len(d.Staff) != len(order) {
		t.Fatalf("%d shifts, want %d", len(d.Staff), len(order))
	}
	for i, sh := range d.Staff {
		step := sim.Clock(time.Duration(i) * 25 * time.Minute)
		want := sim.Shift{Window: order[i], Span: sim.Span{From: clock(t, "08:00"), To: clock(t, "20:00")},
			Breaks: []sim.Break{{At: clock(t, "12:00") + step, Minutes: 30}, {At: clock(t, "16:00") + step, Minutes: 15}}}
		if !reflect.DeepEqual(sh, want) {
			t.Errorf("shift %d = %+v, want %+v", i, sh, want)
		}
	}
}

func TestDemoDayRunsTheOfficeAtItsPlannedLoad(t *testing.T) {
	// demo.yaml works out 46 % of the windows' time at the window with a
	// visitor; ten days of it must land near that.
	office := configs.Demo().Office
	d, err := sim.DemoDay(office)
	if err != nil {
		t.Fatal(err)
	}
	var util float64
	const days = 10
	for seed := range uint64(days) {
		d.Seed = seed + 1
		res, err := sim.Run(context.Background(), office, d)
		if err != nil {
			t.Fatal(err)
		}
		util += res.Report.Total.Operators.Utilisation / days
		// Every service has two windows and no two windows that stand
		// in for each other break one after the other: the rules have
		// no break to refuse.
		if res.BreaksRefused != 0 {
			t.Errorf("seed %d: %d breaks refused, want none", d.Seed, res.BreaksRefused)
		}
	}
	if util < 0.42 || util > 0.50 {
		t.Errorf("mean utilisation %.3f over %d days, demo.yaml plans 0.46", util, days)
	}
}

func TestParseDayReadsEveryKey(t *testing.T) {
	office := configs.Demo().Office
	d, err := sim.ParseDay("day.yaml", spec(
		"date: 2026-11-24",
		"seed: 42",
		"arrivals: {pick-up: 5, egrn-extract: 2.5}",
		"profile: {9: 1.5, \"10\": 1.2}",
		"service_times:",
		"  default: {dist: exponential}",
		"  pick-up: {dist: fixed, mean: 4m}",
		"  egrn-extract: {mean: 12m, cv: 0.8}",
		"privileged: 5%",
		"walk_up: 0s",
		"no_show: 0.1",
		"no_show_wait: 90s",
		"appointments: {fill: 0.5, no_show: 10%, early: 5m}",
		"staff:",
		"  - {window: 8, operator: manager, from: \"09:00\", to: \"13:00\", breaks: [\"11:00 10\"]}",
		"  - {window: 5, from: \"09:00\", to: \"18:00\"}",
	), office)
	if err != nil {
		t.Fatal(err)
	}
	want := &sim.Day{Date: "2026-11-24", Seed: 42,
		Arrivals:   map[string]float64{"pick-up": 5, "egrn-extract": 2.5},
		Profile:    map[int]float64{9: 1.5, 10: 1.2},
		Default:    sim.Dist{Kind: sim.Exponential},
		Service:    map[string]sim.Dist{"pick-up": {Kind: sim.Fixed, Mean: 4 * time.Minute}, "egrn-extract": {Mean: 12 * time.Minute, CV: 0.8}},
		Privileged: 0.05, NoShow: 0.1, NoShowWait: 90 * time.Second,
		Fill: 0.5, ApptNoShow: 0.1, Early: 5 * time.Minute,
		Staff: []sim.Shift{
			{Window: 8, Operator: "manager", Span: sim.Span{From: clock(t, "09:00"), To: clock(t, "13:00")}, Breaks: []sim.Break{{At: clock(t, "11:00"), Minutes: 10}}},
			{Window: 5, Span: sim.Span{From: clock(t, "09:00"), To: clock(t, "18:00")}},
		},
	}
	if !reflect.DeepEqual(d, want) {
		t.Errorf("got  %+v\nwant %+v", d, want)
	}
}

func TestParseDayShorthandIsTheSameAsShiftByShift(t *testing.T) {
	office := configs.Demo().Office
	short, err := sim.ParseDay("short.yaml", spec(
		"date: 2026-11-24",
		"staff:",
		"  - windows: 3, 1-2",
		"    from: \"08:00\"",
		"    to: \"20:00\"",
		"    breaks: [\"12:00 30m\", \"16:00 15m\"]",
		"    stagger: 30m",
	), office)
	if err != nil {
		t.Fatal(err)
	}
	long, err := sim.ParseDay("long.yaml", spec(
		"date: 2026-11-24",
		"staff:",
		"  - {window: 3, from: \"08:00\", to: \"20:00\", breaks: [\"12:00 30m\", \"16:00 15m\"]}",
		"  - {window: 1, from: \"08:00\", to: \"20:00\", breaks: [\"12:30 30m\", \"16:30 15m\"]}",
		"  - {window: 2, from: \"08:00\", to: \"20:00\", breaks: [\"13:00 30m\", \"17:00 15m\"]}",
	), office)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(short.Staff, long.Staff) {
		t.Errorf("windows: 3, 1-2 gives %+v\nshift by shift: %+v", short.Staff, long.Staff)
	}
	if short.WalkUp != sim.DefaultWalkUp {
		t.Errorf("walk-up %v when the spec names none, want %v", short.WalkUp, sim.DefaultWalkUp)
	}
}

func TestParseDayRefuses(t *testing.T) {
	office := configs.Demo().Office
	head := []string{"date: 2026-11-24", "staff:", "  - {window: 8, from: \"08:00\", to: \"20:00\"}"} // lines 1–3
	with := func(lines ...string) []byte { return spec(append(append([]string{}, head...), lines...)...) }
	for _, tc := range []struct {
		name string
		data []byte
		line int
		want string
	}{
		{"a misspelt key", with("arivals: {pick-up: 3}"), 4, "неизвестный ключ arivals"},
		{"a key given twice", with("seed: 1", "seed: 2"), 5, "уже указан в строке 4"},
		{"a service the office lacks", with("arrivals:", "  pick-up: 3", "  tarot: 2"), 6, `"tarot"`},
		{"a live queue for a service by appointment only", with("arrivals: {maternity-capital: 1}"), 4, "только по записи"},
		{"arrivals that are no number", with("arrivals: {pick-up: many}"), 4, `"many"`},
		{"negative arrivals", with("arrivals: {pick-up: -1}"), 4, "от 0 до"},
		{"an hour past the day", with("profile: {\"25\": 1.2}"), 4, `час "25"`},
		{"an unknown distribution", with("service_times:", "  default: {dist: pareto}"), 5, `"pareto"`},
		{"a cv for a distribution it does not shape", with("service_times:", "  pick-up: {dist: exponential, cv: 1}"), 5, "только у lognormal"},
		{"a mean of nothing", with("service_times: {pick-up: {mean: 0s}}"), 4, "больше нуля"},
		{"a share above one", with("privileged: 1.5"), 4, `"1.5"`},
		{"a share above a hundred per cent", with("appointments: {no_show: 120%}"), 4, `"120%"`},
		{"a duration without a unit", with("walk_up: 40"), 4, `"40"`},
		{"a window the office lacks", with("  - {window: 99, from: \"08:00\", to: \"20:00\"}"), 4, "окна 99"},
		{"a range past the windows", with("  - {windows: 6-9, from: \"08:00\", to: \"20:00\"}"), 4, "окна 9"},
		{"an operator the office lacks", with("  - {window: 1, operator: ghost, from: \"08:00\", to: \"20:00\"}"), 4, `"ghost"`},
		{"one operator for several windows", with("  - {windows: 1-2, operator: op1, from: \"08:00\", to: \"20:00\"}"), 4, "нескольких окнах"},
		{"a shift ending before it starts", with("  - {window: 1, from: \"20:00\", to: \"08:00\"}"), 4, "раньше начала"},
		{"a shift without its end", with("  - {window: 1, from: \"08:00\"}"), 4, "конец смены"},
		{"a time that is no time", with("  - {window: 1, from: \"8 утра\", to: \"20:00\"}"), 4, "ЧЧ:ММ"},
		{"two shifts at one window at once", with("  - {window: 8, from: \"12:00\", to: \"14:00\"}"), 4, "окно 8 уже занято"},
		{"one operator at two windows at once", with("  - {window: 1, operator: op8, from: \"12:00\", to: \"14:00\"}"), 4, "op8 в это время уже работает в окне 8"},
		{"a break of two hours", with("  - {window: 1, from: \"08:00\", to: \"20:00\", breaks: [\"12:00 2h\"]}"), 4, "от 1 до 60"},
		{"a break without its length", with("  - {window: 1, from: \"08:00\", to: \"20:00\", breaks: [\"12:00\"]}"), 4, "12:00 30m"},
		{"a break after the shift", with("  - {window: 1, from: \"08:00\", to: \"12:00\", breaks: [\"13:00 30m\"]}"), 4, "вне смены"},
		{"a stagger outside the shift", with("  - {windows: 1-3, from: \"08:00\", to: \"13:00\", breaks: [\"12:00 30m\"], stagger: 40m}"), 4, "окно 3: перерыв в 13:20"},
		{"a stagger for one window", with("  - {window: 1, from: \"08:00\", to: \"20:00\", stagger: 10m}"), 4, "stagger"},
		{"a day the office is closed", spec("date: 2026-11-29", "staff: [{window: 8, from: \"09:00\", to: \"12:00\"}]"), 1, "не работает"},
		{"a date that is no date", spec("date: 24.11.2026", "staff: [{window: 8, from: \"09:00\", to: \"12:00\"}]"), 1, "ГГГГ-ММ-ДД"},
		{"no staff", spec("date: 2026-11-24", "seed: 3"), 1, "staff"},
		{"no date", spec("staff: [{window: 8, from: \"09:00\", to: \"12:00\"}]"), 1, "не указана дата"},
		{"broken YAML", with("seed: x: 1"), 4, "синтаксиса YAML"},
		{"a list for the whole file", spec("- date: 2026-11-24"), 1, "набор полей"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := sim.ParseDay("day.yaml", tc.data, office)
			var ve *configs.ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("err = %v, want a *configs.ValidationError", err)
			}
			found := false
			for _, p := range ve.Problems {
				found = found || p.Line == tc.line && strings.Contains(p.Message, tc.want) && p.MessageEN != ""
			}
			if !found {
				t.Errorf("problems:\n%v\nwant one at line %d saying %q, in both languages", err, tc.line, tc.want)
			}
			if !strings.Contains(err.Error(), fmt.Sprintf("day.yaml:%d: ", tc.line)) {
				t.Errorf("the message %q does not name day.yaml:%d", err, tc.line)
			}
		})
	}
}

func TestParseDayTellsEveryProblemAtOnce(t *testing.T) {
	_, err := sim.ParseDay("day.yaml", spec(
		"date: 2026-11-24",
		"privileged: 2",
		"walk_up: soon",
		"staff: [{window: 99, from: \"08:00\", to: \"20:00\"}]",
	), configs.Demo().Office)
	var ve *configs.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("err = %v, want a *configs.ValidationError", err)
	}
	var lines []int
	for _, p := range ve.Problems {
		lines = append(lines, p.Line)
	}
	if want := []int{2, 3, 4}; !reflect.DeepEqual(lines, want) {
		t.Errorf("problems at lines %v, want %v:\n%v", lines, want, err)
	}
}

func TestDemoDayNeedsTheDemoOffice(t *testing.T) {
	office := configs.Demo().Office
	office.Services = office.Services[:3]
	office.Windows = office.Windows[:3]
	for i := range office.Windows {
		office.Windows[i].Services = queue.ServiceLevels{{Service: "passport", Level: 1}}
	}
	_, err := sim.DemoDay(office)
	if err == nil || !strings.Contains(err.Error(), "egrn-extract") {
		t.Errorf("err = %v, want one naming a service the office lacks", err)
	}
}

func TestLoadDay(t *testing.T) {
	office := configs.Demo().Office
	path := filepath.Join(t.TempDir(), "day.yaml")
	if err := os.WriteFile(path, sim.DemoDayYAML(), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := sim.LoadDay(path, office)
	if err != nil {
		t.Fatal(err)
	}
	want, err := sim.DemoDay(office)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Error("the demo day read from a file differs from the embedded one")
	}
	if _, err := sim.LoadDay(filepath.Join(t.TempDir(), "missing.yaml"), office); err == nil || !strings.Contains(err.Error(), "не удалось прочитать") {
		t.Errorf("a missing file: err = %v", err)
	}
}
