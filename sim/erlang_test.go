package sim_test

import (
	"context"
	"fmt"
	"math"
	"reflect"
	"runtime"
	"sync"
	"testing"
	"time"

	"eq/queue"
	"eq/reports"
	"eq/sim"
)

// The simulator against theory. erlangModel is an M/M/c queue run on the
// real engine: one service, c = 4 identical windows staffed from 00:00 to
// 23:59 without breaks, Poisson arrivals at λ = 32 an hour from 00:00 to
// 20:00, exponential service times of mean s = 6 min, no walk-up
// (Day.WalkUp 0: the called visitor is at the window at once, so the
// window is busy for the service time only), no privileged visitors, no
// no-shows, no appointments. The load is A = λ·s = 3.2 Erlangs, ρ = 0.8,
// and Erlang C gives
//
//	P(wait > 0)      = C(4, 3.2)        = 0.5964
//	mean wait        = C·s/(c − A)      = 268.4 s
//	P(wait > t)      = C·e^(−(c−A)·t/s): t = 5 min 0.3062, t = 15 min 0.0807
//
// The wait of M/M/c runs from the arrival to the start of service, here
// from the issue to the call (Ticket.Waited), the same instant with no
// walk-up. With one service and no privilege the dispatcher's earliest
// deadline first is first come, first served, as the model has it.
//
// Each day opens empty, so its first hours wait less than the stationary
// queue does. The deviation dies out like e^(−t/τ), τ ≈ s/(√c − √A)² =
// 2.2 h by the heavy-traffic (M/M/1-like) approximation; the exact curve
// from empty, by the forward equations (transient, below), has an arrival
// at 03:00 wait 5 % less than the stationary mean, at 05:00 1.3 % less.
// The tickets issued before 05:00 are left out: what the opening leaves in
// the figures over 05:00–20:00 is −0.14 % of the mean wait, −0.02 % of
// P(wait > 0), −0.07 % and −0.24 % of P(wait > 5 and 15 min) — far below
// the 3 % asked and below the noise of the long run; the test checks it
// stays under 0.5 %. Tickets issued before 20:00 wait the same whether or
// not visitors come after them (first come, first served), and the
// windows stay open until 23:59 to call them all: a measured ticket never
// called fails the run.
//
// The days are independent replications (seeds 1, 2, …, each empty at its
// start), so the per-day figures are proper batch means and the standard
// errors come from their spread. A day's mean wait varies by about 62 %
// from day to day (P(wait > 0) 16 %, P(wait > 5 min) 42 %, P(wait > 15
// min) 118 %, from the long run): a queue at ρ = 0.8 remembers for hours.
//
//   - TestErlangCAgreement runs ciDays = 48 days (seeds 1–48, about 23 000
//     tickets measured; 4.5 s with -race on 2 cores) and asks agreement
//     within 4 standard errors: about ±35 % for the mean wait, ±9 % for
//     P(wait > 0), ±24 % and ±68 % for P(wait > 5 and 15 min). That is a
//     check that the simulator is M/M/c at all — a 40 s walk-up doubles
//     the mean wait (+5.9 SE), a window staffed from noon only makes it
//     nine times longer — fast enough for CI.
//   - BenchmarkErlangCLongRun runs longDays = 20 000 days (seeds 1–20 000,
//     9.6 million tickets measured; 5 to 7 min on 2 cores) and asks the
//     3 % of the issue. The standard errors there are 0.44 % for the mean
//     wait, 0.12 % for P(wait > 0), 0.30 % and 0.83 % for P(wait > 5 and
//     15 min).
var erlangModel = mmc{Windows: 4, Rate: 32, Service: 6 * time.Minute, WarmUp: 5 * time.Hour, Until: 20 * time.Hour}

const (
	ciDays   = 48
	longDays = 20_000
)

func TestErlangCAgreement(t *testing.T) {
	m := erlangModel
	start := time.Now()
	fits := m.compare(t, m.measure(t, seeds(ciDays)))
	t.Logf("M/M/%d, λ = %v/h, s = %v, ρ = %.2f; %d days (seeds 1–%d), arrivals %v–%v measured, %v",
		m.Windows, m.Rate, m.Service, m.load()/float64(m.Windows), ciDays, ciDays, m.WarmUp, m.Until, time.Since(start).Round(time.Millisecond))
	for _, f := range fits {
		t.Log(f)
		if tol := 4 * f.se; math.Abs(f.got-f.want) > tol {
			t.Errorf("%s: simulated %.4g, Erlang C %.4g: off by %.1f standard errors", f.name, f.got, f.want, math.Abs(f.got-f.want)/f.se)
		}
		// M/M/c's days vary this much and no more: a run whose days
		// scatter far wider is not M/M/c even if its mean comes out right.
		if want := f.daySD / math.Sqrt(ciDays); f.relSE() > 2*want {
			t.Errorf("%s: standard error %.2f %%, M/M/c's is about %.2f %% over %d days", f.name, 100*f.relSE(), 100*want, ciDays)
		}
		if math.Abs(f.bias) > 0.005 {
			t.Errorf("%s: the warm-up leaves %.2f %% in the figure: make it longer", f.name, 100*f.bias)
		}
	}
}

// BenchmarkErlangCLongRun is the long run of TestErlangCAgreement:
// longDays days, seeds 1 to longDays. Run it once; it takes 5 to 7 min on
// 2 cores, near go test's 10 min default timeout, so give a slower machine
// -timeout 30m:
//
//	go test -run xxx -bench ErlangC -benchtime 1x ./sim
func BenchmarkErlangCLongRun(b *testing.B) {
	m := erlangModel
	var fits []fit
	for b.Loop() {
		fits = m.compare(b, m.measure(b, seeds(longDays)))
	}
	for _, f := range fits {
		b.Log(f)
		b.ReportMetric(100*f.err(), f.metric+"_err_%")
		b.ReportMetric(100*f.relSE(), f.metric+"_se_%")
		if math.Abs(f.err()) > 0.03 {
			b.Errorf("%s: simulated %.4g, Erlang C %.4g: %+.2f %%, more than 3 %%", f.name, f.got, f.want, 100*f.err())
		}
	}
}

func TestErlangCSameSeedSameWaits(t *testing.T) {
	m := erlangModel
	waits := func(seed uint64) []time.Duration {
		t.Helper()
		res, err := sim.Run(context.Background(), m.office(), m.day(seed))
		if err != nil {
			t.Fatal(err)
		}
		var out []time.Duration
		for _, tk := range res.Tickets {
			out = append(out, tk.Waited)
		}
		return out
	}
	a, b, c := waits(3), waits(3), waits(4)
	if len(a) < 500 {
		t.Fatalf("%d tickets, want about %v", len(a), m.Rate*m.Until.Hours())
	}
	if !reflect.DeepEqual(a, b) {
		t.Error("two runs with seed 3 waited differently")
	}
	if reflect.DeepEqual(a, c) {
		t.Error("seeds 3 and 4 waited the same")
	}
	// The days run in parallel: which worker takes which day must not matter.
	if x, y := m.measure(t, seeds(4)), m.measure(t, seeds(4)); !reflect.DeepEqual(x, y) {
		t.Errorf("two measures of seeds 1–4 differ:\n%+v\n%+v", x, y)
	}
}

// mmc is an M/M/c queue as the simulator runs it: one service, Windows
// identical windows staffed all day, Poisson arrivals at Rate an hour from
// 00:00 to Until, exponential service times of mean Service, nothing
// else. Waits count over the tickets issued from WarmUp to Until.
type mmc struct {
	Windows int
	Rate    float64 // arrivals per hour, λ
	Service time.Duration
	WarmUp  time.Duration
	Until   time.Duration
}

const mmcDate = "2026-11-24"

func (m mmc) load() float64 { return reports.OfferedLoad(m.Rate, m.Service) }

func (m mmc) office() *queue.Office {
	o := &queue.Office{
		Name:       queue.Text{RU: "Очередь M/M/c", EN: "An M/M/c queue"},
		Location:   time.UTC,
		LevelStep:  queue.DefaultLevelStep,
		BreakLimit: queue.DefaultBreakLimit,
		Checkin:    queue.CheckinRules{Early: queue.DefaultCheckinEarly, Late: queue.DefaultCheckinLate},
		Services: []queue.Service{{ID: "passport", Prefix: "П", Name: queue.Text{RU: "Паспорт", EN: "Passport"},
			WaitTarget: 15 * time.Minute, ServiceTime: m.Service}},
	}
	for n := 1; n <= m.Windows; n++ {
		o.Windows = append(o.Windows, queue.Window{Number: n, Services: queue.ServiceLevels{{Service: "passport", Level: 1}}})
		o.Operators = append(o.Operators, queue.Operator{Login: fmt.Sprintf("op%d", n), Name: fmt.Sprintf("Оператор %d", n), Role: queue.RoleOperator})
	}
	return o
}

func (m mmc) day(seed uint64) *sim.Day {
	d := &sim.Day{Date: mmcDate, Seed: seed,
		Arrivals: map[string]float64{"passport": m.Rate},
		Hours:    sim.Span{From: 0, To: sim.Clock(m.Until)},
		Default:  sim.Dist{Kind: sim.Exponential, Mean: m.Service},
		WalkUp:   0, // as M/M/c has it: the window serves from the call
	}
	for n := 1; n <= m.Windows; n++ {
		d.Staff = append(d.Staff, sim.Shift{Window: n, Span: sim.Span{From: 0, To: sim.Clock(24*time.Hour - time.Minute)}})
	}
	return d
}

func seeds(n int) []uint64 {
	out := make([]uint64, n)
	for i := range out {
		out[i] = uint64(i + 1)
	}
	return out
}

// thresholds are the t of the P(wait > t) compared.
var thresholds = [...]time.Duration{0, 5 * time.Minute, 15 * time.Minute}

// dayWaits is what the tickets of one day issued from the warm-up on waited.
type dayWaits struct {
	N    int
	Wait float64 // seconds, all tickets together
	Over [len(thresholds)]int
}

// measure runs a day for every seed, as many at once as there are
// processors, each on its own office.
func (m mmc) measure(tb testing.TB, seeds []uint64) []dayWaits {
	tb.Helper()
	out := make([]dayWaits, len(seeds))
	errs := make([]error, len(seeds))
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for i := range jobs {
				out[i], errs[i] = m.runDay(seeds[i])
			}
		})
	}
	for i := range seeds {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			tb.Fatalf("seed %d: %v", seeds[i], err)
		}
	}
	return out
}

func (m mmc) runDay(seed uint64) (dayWaits, error) {
	var w dayWaits
	res, err := sim.Run(context.Background(), m.office(), m.day(seed))
	if err != nil {
		return w, err
	}
	if res.Refused > 0 {
		return w, fmt.Errorf("%d visitors refused", res.Refused)
	}
	date, err := time.Parse(time.DateOnly, mmcDate)
	if err != nil {
		return w, err
	}
	from := date.Add(m.WarmUp)
	for _, tk := range res.Tickets {
		if tk.IssuedAt.Before(from) {
			continue
		}
		if !tk.Called {
			return w, fmt.Errorf("ticket %s issued at %s never called", tk.Number, tk.IssuedAt.Format("15:04:05"))
		}
		w.N++
		w.Wait += tk.Waited.Seconds()
		for j, t := range thresholds {
			if tk.Waited > t {
				w.Over[j]++
			}
		}
	}
	return w, nil
}

// fit is one figure of the waits, simulated and by Erlang C.
type fit struct {
	name, metric string
	got, want    float64
	se           float64 // the standard error of got, from the spread of the days
	bias         float64 // what the warm-up leaves in the figure, relative, by transient
	daySD        float64 // about how much one day's figure varies, relative: from the long run
}

func (f fit) err() float64   { return f.got/f.want - 1 }
func (f fit) relSE() float64 { return f.se / f.want }

func (f fit) String() string {
	return fmt.Sprintf("%-16s simulated %9.4f ± %.4f (%.2f %%), Erlang C %9.4f: %+6.2f %% (%+.1f SE); warm-up bias %+.2f %%",
		f.name, f.got, f.se, 100*f.relSE(), f.want, 100*f.err(), (f.got-f.want)/f.se, 100*f.bias)
}

// compare sets the days' waits against Erlang C.
func (m mmc) compare(tb testing.TB, days []dayWaits) []fit {
	tb.Helper()
	load := m.load()
	wait, ok := reports.MeanWait(m.Windows, load, m.Service)
	if !ok {
		tb.Fatalf("M/M/%d with a load of %.2f Erlangs has no stationary wait", m.Windows, load)
	}
	tWait, tOver := m.transient()
	mean, se := ratio(days, func(d dayWaits) float64 { return d.Wait })
	fits := []fit{{name: "mean wait, s", metric: "meanwait", got: mean, se: se, want: wait.Seconds(), daySD: 0.62}}
	fits[0].bias = tWait/fits[0].want - 1
	daySD := [len(thresholds)]float64{0.163, 0.42, 1.18}
	for j, t := range thresholds {
		p, se := ratio(days, func(d dayWaits) float64 { return float64(d.Over[j]) })
		want := 1 - reports.ServiceLevel(m.Windows, load, m.Service, t)
		fits = append(fits, fit{name: fmt.Sprintf("P(wait > %v)", t), metric: fmt.Sprintf("p_wait_gt_%s", minutes(t)),
			got: p, se: se, want: want, bias: tOver[j]/want - 1, daySD: daySD[j]})
	}
	return fits
}

func minutes(t time.Duration) string { return fmt.Sprintf("%dm", int(t.Minutes())) }

// ratio is Σy/Σn over the days, a figure per ticket, and its standard
// error. The days have different numbers of tickets, so it is the ratio
// estimator's: √(Σ(yᵢ − R·nᵢ)² / (k(k−1))) / n̄ over k days.
func ratio(days []dayWaits, y func(dayWaits) float64) (r, se float64) {
	var sy, sn float64
	for _, d := range days {
		sy += y(d)
		sn += float64(d.N)
	}
	r = sy / sn
	var ss float64
	for _, d := range days {
		e := y(d) - r*float64(d.N)
		ss += e * e
	}
	k := float64(len(days))
	return r, math.Sqrt(ss/(k*(k-1))) / (sn / k)
}

// transient is what the arrivals from WarmUp to Until meet on average in
// the M/M/c queue that opens empty at midnight: the mean wait in seconds
// and P(wait > t) for the thresholds. It integrates the forward equations
// of the number in the system (cut off at c + 200, where ρ^200 is 10⁻¹⁹)
// by RK4 in steps of 5 s; an arrival at t meets the distribution p(t)
// (PASTA) and, finding n ≥ c there, waits for n − c + 1 departures at rate
// c·μ: P(wait > x | n) = P(Poisson(c·μ·x) ≤ n − c).
func (m mmc) transient() (wait float64, over [len(thresholds)]float64) {
	const dt, cut = 5.0, 200
	c, lambda, mu := m.Windows, m.Rate/3600, 1/m.Service.Seconds()
	n := c + cut
	// cdf[j][k] = P(Poisson(c·μ·tⱼ) ≤ k).
	var cdf [len(thresholds)][]float64
	for j, t := range thresholds {
		a := float64(c) * mu * t.Seconds()
		cdf[j] = make([]float64, cut+1)
		term := math.Exp(-a)
		sum := term
		for k := range cdf[j] {
			if k > 0 {
				term *= a / float64(k)
				sum += term
			}
			cdf[j][k] = min(sum, 1)
		}
	}
	deriv := func(p, d []float64) {
		clear(d)
		for i, pi := range p {
			if i < n {
				d[i] -= lambda * pi
				d[i+1] += lambda * pi
			}
			if i > 0 {
				r := float64(min(i, c)) * mu * pi
				d[i] -= r
				d[i-1] += r
			}
		}
	}
	p := make([]float64, n+1)
	p[0] = 1
	k1, k2, k3, k4, tmp := make([]float64, n+1), make([]float64, n+1), make([]float64, n+1), make([]float64, n+1), make([]float64, n+1)
	step := func(h float64, k, into []float64) {
		for i := range p {
			into[i] = p[i] + h*k[i]
		}
	}
	from, until := m.WarmUp.Seconds(), m.Until.Seconds()
	samples := 0
	for t := 0.0; t < until; t += dt {
		if t >= from {
			for i := c; i <= n; i++ {
				wait += p[i] * float64(i-c+1) / (float64(c) * mu)
				for j := range thresholds {
					over[j] += p[i] * cdf[j][i-c]
				}
			}
			samples++
		}
		deriv(p, k1)
		step(dt/2, k1, tmp)
		deriv(tmp, k2)
		step(dt/2, k2, tmp)
		deriv(tmp, k3)
		step(dt, k3, tmp)
		deriv(tmp, k4)
		for i := range p {
			p[i] += dt / 6 * (k1[i] + 2*k2[i] + 2*k3[i] + k4[i])
		}
	}
	wait /= float64(samples)
	for j := range over {
		over[j] /= float64(samples)
	}
	return wait, over
}
