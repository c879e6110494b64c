package sim_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"eq/configs"
	"eq/sim"
)

func clock(t *testing.T, s string) sim.Clock {
	t.Helper()
	c, err := sim.ParseClock(s)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// demoDay is an overloaded weekday of the demo office — more visitors than
// its windows can take — for the checks that must hold on any day:
// determinism, and every printed ticket accounted for.
func demoDay(t *testing.T, seed uint64) *sim.Day {
	t.Helper()
	d := &sim.Day{Date: "2026-11-24", Seed: seed, WalkUp: sim.DefaultWalkUp, Privileged: 0.03, NoShow: 0.03, Fill: 0.6, ApptNoShow: 0.1,
		Default: sim.Dist{Kind: sim.LogNormal, CV: 0.5},
		Arrivals: map[string]float64{"passport": 6, "foreign-passport": 4, "residence": 3, "property-rights": 2, "egrn-extract": 5,
			"birth": 1.5, "child-benefits": 2, "housing-subsidy": 2.5, "criminal-record": 3, "pick-up": 6}}
	for n := 1; n <= 8; n++ {
		d.Staff = append(d.Staff, sim.Shift{Window: n, Span: sim.Span{From: clock(t, "08:00"), To: clock(t, "20:00")},
			Breaks: []sim.Break{{At: clock(t, "12:00") + sim.Clock(time.Duration(n)*10*time.Minute), Minutes: 30}}})
	}
	return d
}

func TestDemoDay(t *testing.T) {
	cfg := configs.Demo()
	start := time.Now()
	res, err := sim.Run(context.Background(), cfg.Office, demoDay(t, 1))
	if err != nil {
		t.Fatal(err)
	}
	mae, n := res.PredictionError()
	tot := res.Report.Total
	t.Logf("%v: %d tickets, %d events, refused %d, breaks refused %d; issued %d served %d; mae %v over %d; sla %+v",
		time.Since(start), len(res.Tickets), res.Logged, res.Refused, res.BreaksRefused, tot.Attendance.Issued, tot.Attendance.Served, mae, n, tot.SLA)
	t.Logf("waits %+v", tot.Waits)
}

func TestSameSeedSameDay(t *testing.T) {
	cfg := configs.Demo()
	ctx := context.Background()
	run := func(seed uint64) *sim.Result {
		t.Helper()
		res, err := sim.Run(ctx, cfg.Office, demoDay(t, seed))
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	a, b, c := run(7), run(7), run(8)
	if len(a.Tickets) == 0 {
		t.Fatal("a day without tickets")
	}
	if !reflect.DeepEqual(a.Tickets, b.Tickets) || !reflect.DeepEqual(a.Report.Total, b.Report.Total) {
		t.Error("two runs with seed 7 differ")
	}
	if reflect.DeepEqual(a.Tickets, c.Tickets) {
		t.Error("seeds 7 and 8 gave the same day")
	}
	// Every ticket the kiosk printed is in the report, every one called
	// was called after its issue.
	if got, want := a.Report.Total.Attendance.Issued, len(a.Tickets); got != want {
		t.Errorf("the report counts %d tickets issued, the run printed %d", got, want)
	}
	for _, tk := range a.Tickets {
		if tk.Waited < 0 {
			t.Errorf("ticket %s waited %v", tk.Number, tk.Waited)
		}
	}
}
