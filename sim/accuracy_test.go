package sim_test

import (
	"context"
	"testing"
	"time"

	"eq/configs"
	"eq/queue"
	"eq/sim"
)

// TestPredictionErrorOnTheDemoDay holds the wait printed on live tickets
// to within 2 minutes of the wait that followed, on average, on the demo
// office's ordinary day (sim/days/demo.yaml): 8 windows, about 210 tickets
// a day of which 130 live, windows 47 % busy, a peak 30 % over the mean,
// appointments called before the live queue, breaks the queue learns of
// only when they start. The error has a floor the predictor cannot go
// under: a ticket waiting for a few visits to end waits for their spread
// too (lognormal, CV 0.5), so the threshold is met at an ordinary load and
// not at a busy one, where most tickets wait behind several visits.
func TestPredictionErrorOnTheDemoDay(t *testing.T) {
	office := configs.Demo().Office
	d, err := sim.DemoDay(office)
	if err != nil {
		t.Fatal(err)
	}
	const days = 20
	var (
		sumErr, sumWait time.Duration
		n, tickets      int
		util            float64
	)
	for seed := range uint64(days) {
		d.Seed = seed + 1
		res, err := sim.Run(context.Background(), office, d)
		if err != nil {
			t.Fatal(err)
		}
		mae, k := res.PredictionError()
		sumErr += mae * time.Duration(k)
		n += k
		tickets += len(res.Tickets)
		util += res.Report.Total.Operators.Utilisation / days
		for _, tk := range res.Tickets {
			if tk.Called && tk.Priority != queue.PriorityAppointment {
				sumWait += tk.Waited
			}
		}
	}
	if n == 0 {
		t.Fatal("no live ticket was called")
	}
	mae := sumErr / time.Duration(n)
	// Printing no wait at all would be off by the mean wait: the
	// predictor must be a good deal better than that, not only under 2
	// minutes because the day is quiet.
	blind := sumWait / time.Duration(n)
	t.Logf("%d days, %.0f tickets a day, windows %.0f %% busy: MAE %v over %d live tickets; printing 0 would be off by %v",
		days, float64(tickets)/days, util*100, mae.Round(time.Second), n, blind.Round(time.Second))
	if mae >= 2*time.Minute {
		t.Errorf("predicted waits are off by %v on average, want under 2 min", mae.Round(time.Second))
	}
	if mae > blind*3/4 {
		t.Errorf("predicted waits are off by %v, printing 0 would be off by %v", mae.Round(time.Second), blind.Round(time.Second))
	}
}
