package sim_test

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode"

	"eq/configs"
	"eq/internal/yamltest"
	"eq/queue"
	"eq/sim"
)

// Day specs are written by hand, like office configs. ParseDay promises a
// Day that Run takes, or every problem with its line. The seed corpus in
// testdata/fuzz runs with every `go test`; `make fuzz` (scripts/fuzz.sh)
// searches further.

// smallDay is a day cheap enough to run for every input that parses to
// one like it: a handful of visitors, one window.
var smallDay = spec(
	"date: 2026-11-24",
	"seed: 7",
	"arrivals: {pick-up: 2, egrn-extract: 1}",
	"profile: {9: 1.5}",
	"service_times: {default: {dist: fixed, mean: 5m}}",
	"appointments: {fill: 0.05}",
	"staff:",
	"  - {window: 8, from: \"09:00\", to: \"12:00\", breaks: [\"10:30 10m\"]}",
)

// runnable reports whether d is small enough to simulate per input.
func runnable(d *sim.Day) bool {
	total := 0.0
	for _, r := range d.Arrivals {
		total += r
	}
	for _, f := range d.Profile {
		if f > 2 {
			return false
		}
	}
	for _, dist := range append([]sim.Dist{d.Default}, mapValues(d.Service)...) {
		if dist.Mean > time.Hour {
			return false
		}
	}
	return total <= 5 && d.Fill <= 0.2 && d.WalkUp <= 10*time.Minute && d.NoShowWait <= 10*time.Minute && d.Early <= time.Hour
}

func mapValues[K comparable, V any](m map[K]V) []V {
	out := make([]V, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

// FuzzParseDay checks that ParseDay refuses a spec with every problem in
// Russian and English, or returns a Day within the documented limits, the
// same each time, that Run takes.
func FuzzParseDay(f *testing.F) {
	for _, s := range [][]byte{
		sim.DemoDayYAML(), smallDay,
		[]byte(strings.ReplaceAll(string(smallDay), "\n", "\r\n")),
		append([]byte("\ufeff"), smallDay...),
		spec("date: 2026-11-24", "staff:", "  - windows: 3, 1-2", "    from: \"08:00\"", "    to: \"20:00\"", "    breaks: [\"12:00 30m\"]", "    stagger: 30m"),
		spec("date: 2026-11-24", "staff: [{windows: \"1-9223372036854775807\", from: \"08:00\", to: \"20:00\"}]"),
		spec("date: 2026-11-24", "staff: [{windows: [1, 2, 1], from: \"08:00\", to: \"20:00\"}]"),
		spec("a: &a [*a]"), spec("date: &d 2026-11-24", "seed: *d"), {}, []byte("[]"), []byte("\xff"),
	} {
		f.Add(s)
	}
	office := configs.Demo().Office
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := sim.ParseDay("day.yaml", data, office)
		if err != nil {
			checkProblems(t, err)
			return
		}
		checkDay(t, d, office)
		if n := yamltest.Documents(data); n != 1 {
			t.Fatalf("ParseDay accepted a file of %d YAML documents: all but the first go unread", n)
		}
		again, err := sim.ParseDay("day.yaml", data, office)
		if err != nil || !reflect.DeepEqual(again, d) {
			t.Fatalf("the same spec parsed again gives %+v (%v), first %+v", again, err, d)
		}
		if runnable(d) {
			if _, err := sim.Run(context.Background(), office, d); err != nil {
				t.Fatalf("Run refuses a day ParseDay accepted: %v\n%+v", err, d)
			}
		}
	})
}

// checkProblems checks a refusal: a *configs.ValidationError naming the
// file, every problem in Russian and English, in line order.
func checkProblems(t *testing.T, err error) {
	t.Helper()
	var ve *configs.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("got %T %v, want a *configs.ValidationError", err, err)
	}
	if ve.File != "day.yaml" || len(ve.Problems) == 0 {
		t.Fatalf("file %q with %d problems", ve.File, len(ve.Problems))
	}
	for i, p := range ve.Problems {
		if !cyrillic(p.Message) || strings.TrimSpace(p.MessageEN) == "" {
			t.Errorf("problem %d: %q / %q, want Russian and English", i, p.Message, p.MessageEN)
		}
		if p.Line < 0 || (i > 0 && p.Line < ve.Problems[i-1].Line) {
			t.Errorf("problem %d at line %d after line %d", i, p.Line, ve.Problems[i-1].Line)
		}
	}
}

// checkDay checks what Run needs of a Day, as day specs document it.
func checkDay(t *testing.T, d *sim.Day, office *queue.Office) {
	t.Helper()
	date, err := time.ParseInLocation(time.DateOnly, d.Date, office.Location)
	if err != nil {
		t.Fatalf("date %q: %v", d.Date, err)
	}
	if office.Schedule != nil && len(office.Schedule.Hours(date)) == 0 {
		t.Errorf("%s: the office is closed that day", d.Date)
	}
	services := map[string]*queue.Service{}
	for i := range office.Services {
		services[office.Services[i].ID] = &office.Services[i]
	}
	for id, r := range d.Arrivals {
		svc := services[id]
		if svc == nil || r < 0 || r > 10_000 || (r > 0 && svc.Booking != nil && svc.Booking.Only) {
			t.Errorf("arrivals: %s at %v an hour", id, r)
		}
	}
	for h, f := range d.Profile {
		if h < 0 || h > 23 || f < 0 || f > 100 {
			t.Errorf("profile: hour %d, factor %v", h, f)
		}
	}
	for _, s := range []float64{d.Privileged, d.NoShow, d.Fill, d.ApptNoShow} {
		if s < 0 || s > 1 {
			t.Errorf("a share of %v", s)
		}
	}
	if d.WalkUp < 0 || d.NoShowWait < 0 || d.Early < 0 {
		t.Errorf("negative times: walk-up %v, no-show wait %v, early %v", d.WalkUp, d.NoShowWait, d.Early)
	}
	windows := map[int]bool{}
	for _, w := range office.Windows {
		windows[w.Number] = true
	}
	if len(d.Staff) == 0 {
		t.Error("no shift")
	}
	for i, s := range d.Staff {
		if !windows[s.Window] || s.From < 0 || s.To > sim.Clock(24*time.Hour) || s.To <= s.From {
			t.Errorf("shift %d: window %d from %v to %v", i, s.Window, s.From, s.To)
		}
		for _, b := range s.Breaks {
			if b.At < s.From || b.At >= s.To || b.Minutes < 1 || b.Minutes > queue.MaxBreakMinutes {
				t.Errorf("shift %d, %v–%v: a break at %v of %d min", i, s.From, s.To, b.At, b.Minutes)
			}
		}
		for j, o := range d.Staff[:i] {
			if (o.Window == s.Window || (s.Operator != "" && o.Operator == s.Operator)) && s.From < o.To && o.From < s.To {
				t.Errorf("shifts %d and %d overlap at window %d or for %q", j, i, s.Window, s.Operator)
			}
		}
	}
}

// FuzzParseClock checks that a time of day reads back from its own name.
func FuzzParseClock(f *testing.F) {
	for _, s := range []string{"08:00", " 23:59 ", "24:00", "8:00", "08:60", "-1:00", "08:00:00", "", "１２:００"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := sim.ParseClock(s)
		if err != nil {
			return
		}
		if c < 0 || c >= sim.Clock(24*time.Hour) || time.Duration(c)%time.Minute != 0 {
			t.Fatalf("ParseClock(%q) = %v, not a minute of the day", s, time.Duration(c))
		}
		if back, err := sim.ParseClock(c.String()); err != nil || back != c {
			t.Errorf("ParseClock(%q) = %v, %v; want %v", c.String(), back, err, c)
		}
	})
}

func cyrillic(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Cyrillic, r) {
			return true
		}
	}
	return false
}
