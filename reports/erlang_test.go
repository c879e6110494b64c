package reports

import (
	"fmt"
	"math"
	"math/big"
	"testing"
	"time"

	"eq/queue"
)

// refPrec is the precision of the reference computation: 200 bits keep
// Aᶜ/c! and the sums exact far beyond float64 for c ≤ 50.
const refPrec = 200

// referenceErlang computes Erlang B and C from the textbook formulas
//
//	B = (Aᶜ/c!) / Σ_{k=0..c} Aᵏ/k!
//	C = (Aᶜ/c! · c/(c−A)) / (Σ_{k=0..c−1} Aᵏ/k! + Aᶜ/c! · c/(c−A))
//
// in 200-bit floats: an independent check of the recurrence, which shares
// no code with it. It needs c > A.
func referenceErlang(c int, a float64) (b, erlangC float64) {
	f := func() *big.Float { return new(big.Float).SetPrec(refPrec) }
	load := f().SetFloat64(a)
	term := f().SetInt64(1) // Aᵏ/k!, starting at k = 0
	below := f()            // Σ_{k<c} Aᵏ/k!
	for k := 1; k <= c; k++ {
		below.Add(below, term)
		term.Mul(term, load)
		term.Quo(term, f().SetInt64(int64(k)))
	}
	all := f().Add(below, term)
	bf, _ := f().Quo(term, all).Float64()

	servers := f().SetInt64(int64(c))
	top := f().Mul(term, servers)
	top.Quo(top, f().Sub(servers, load))
	cf, _ := f().Quo(top, f().Add(below, top)).Float64()
	return bf, cf
}

func relErr(got, want float64) float64 {
	if got == want {
		return 0
	}
	return math.Abs(got-want) / math.Max(math.Abs(want), math.SmallestNonzeroFloat64)
}

func TestErlangMatchesTheTextbookFormulaInHighPrecision(t *testing.T) {
	// Loads as a share of c, from light to a hair below saturation, where
	// the textbook formula in float64 would lose most of its digits.
	for _, rho := range []float64{0.05, 0.3, 0.5, 0.8, 0.9, 0.95, 0.99, 0.999} {
		for c := 1; c <= 50; c++ {
			a := rho * float64(c)
			wantB, wantC := referenceErlang(c, a)
			if got := ErlangB(c, a); relErr(got, wantB) > 1e-12 {
				t.Errorf("ErlangB(%d, %v) = %.17g, want %.17g", c, a, got, wantB)
			}
			if got := ErlangC(c, a); relErr(got, wantC) > 1e-12 {
				t.Errorf("ErlangC(%d, %v) = %.17g, want %.17g", c, a, got, wantC)
			}
		}
	}
}

func TestErlangCHandCheckableValues(t *testing.T) {
	tests := []struct {
		name    string
		servers int
		load    float64
		want    float64
		tol     float64
	}{
		// M/M/1: an arrival waits exactly when the one server is busy, C = ρ.
		{"one window waits with probability rho 0.3", 1, 0.3, 0.3, 1e-15},
		{"one window waits with probability rho 0.9", 1, 0.9, 0.9, 1e-15},
		// Two servers: C(2, A) = A²/(2 + A); A = 1 gives 1/3.
		{"two windows with one Erlang wait one time in three", 2, 1, 1.0 / 3, 1e-15},
		{"two windows with 1.5 Erlangs follow A²/(2+A)", 2, 1.5, 1.5 * 1.5 / 3.5, 1e-15},
		// The call-centre example of A = 10 Erlangs (360 calls an hour of
		// 100 s, or 200 calls of 180 s) tabulated in Erlang C tutorials as
		// 0.682, 0.449, 0.285, 0.174 for 11–14 agents; the digits below are
		// those of referenceErlang, which TestErlangCTutorialFiguresAgreeWithReference
		// holds them to.
		{"ten Erlangs on 11 windows", 11, 10, 0.682118, 5e-7},
		{"ten Erlangs on 12 windows", 12, 10, 0.449388, 5e-7},
		{"ten Erlangs on 13 windows", 13, 10, 0.285270, 5e-7},
		{"ten Erlangs on 14 windows", 14, 10, 0.174132, 5e-7},
		// A textbook exercise (120 customers an hour, 3 minutes each, 10
		// assistants) reads "about 0.10" off the Erlang C curve.
		{"six Erlangs on ten windows wait about one time in ten", 10, 6, 0.10, 0.005},
		{"no load means nobody waits", 5, 0, 0, 0},
		{"load equal to the windows means everyone waits", 5, 5, 1, 0},
		{"load above the windows means everyone waits", 5, 7.2, 1, 0},
		{"no windows means everyone waits", 0, 0.5, 1, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ErlangC(tt.servers, tt.load); math.Abs(got-tt.want) > tt.tol {
				t.Errorf("ErlangC(%d, %v) = %.9f, want %.9f ± %g", tt.servers, tt.load, got, tt.want, tt.tol)
			}
		})
	}
}

func TestErlangCTutorialFiguresAgreeWithReference(t *testing.T) {
	published := map[int]float64{11: 0.682, 12: 0.449, 13: 0.285, 14: 0.174}
	for c, want := range published {
		_, ref := referenceErlang(c, 10)
		if math.Abs(ref-want) > 0.0005 {
			t.Errorf("reference C(%d, 10) = %.6f, the published %.3f does not round from it", c, ref, want)
		}
	}
}

func TestErlangCStaysFiniteNearSaturationWith200Windows(t *testing.T) {
	for _, a := range []float64{100, 190, 195, 199, 199.9, 199.999} {
		got := ErlangC(200, a)
		if math.IsNaN(got) || math.IsInf(got, 0) || got <= 0 || got >= 1 {
			t.Errorf("ErlangC(200, %v) = %v, want a number in (0, 1)", a, got)
		}
	}
	// Aᶜ/c! for c = 200 overflows float64 (195²⁰⁰ ≈ 10⁴⁵⁸), so check the
	// recurrence against the 200-bit reference here too.
	for _, a := range []float64{150, 195, 199.9} {
		_, want := referenceErlang(200, a)
		if got := ErlangC(200, a); relErr(got, want) > 1e-11 {
			t.Errorf("ErlangC(200, %v) = %.17g, want %.17g", a, got, want)
		}
	}
}

func TestErlangCFallsWithMoreWindowsAndRisesWithLoad(t *testing.T) {
	for _, a := range []float64{0.5, 7.5, 42, 150, 195} {
		prev := 1.0
		for c := 1; c <= MaxWindows; c++ {
			got := ErlangC(c, a)
			if got > prev {
				t.Fatalf("ErlangC(%d, %v) = %v rose above ErlangC(%d) = %v", c, a, got, c-1, prev)
			}
			prev = got
		}
	}
	for _, c := range []int{1, 10, 200} {
		prev := 0.0
		for i := 1; i <= 100; i++ {
			a := float64(c) * float64(i) / 100
			got := ErlangC(c, a)
			if got < prev {
				t.Fatalf("ErlangC(%d, %v) = %v fell below %v at a lighter load", c, a, got, prev)
			}
			prev = got
		}
	}
}

func TestErlangRefusesLoadsThatAreNotNumbers(t *testing.T) {
	for _, a := range []float64{-1, math.NaN(), math.Inf(1), math.Inf(-1)} {
		if got := ErlangC(3, a); !math.IsNaN(got) {
			t.Errorf("ErlangC(3, %v) = %v, want NaN", a, got)
		}
		if got := ErlangB(3, a); !math.IsNaN(got) {
			t.Errorf("ErlangB(3, %v) = %v, want NaN", a, got)
		}
	}
}

func TestServiceLevel(t *testing.T) {
	tests := []struct {
		name         string
		servers      int
		load         float64
		service, tgt time.Duration
		want         float64
	}{
		// 1 − C·exp(−(c−A)·t/s) with C(14, 10) = 0.174132 and t/s = 0.2.
		{"14 windows answer 92% of ten Erlangs of 100 s within 20 s", 14, 10, 100 * time.Second, 20 * time.Second, 1 - 0.174132*math.Exp(-0.8)},
		// M/M/1 with ρ = 0.5: P(wait ≤ s) = 1 − ρ·e^{−(1−ρ)}.
		{"one window half busy serves within one service time", 1, 0.5, 10 * time.Minute, 10 * time.Minute, 1 - 0.5*math.Exp(-0.5)},
		{"a zero target is the share that does not wait", 2, 1, time.Minute, 0, 2.0 / 3},
		{"no load is always in time", 3, 0, time.Minute, 0, 1},
		{"too few windows are never in time", 3, 3, time.Minute, time.Hour, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ServiceLevel(tt.servers, tt.load, tt.service, tt.tgt); math.Abs(got-tt.want) > 1e-6 {
				t.Errorf("ServiceLevel = %.9f, want %.9f", got, tt.want)
			}
		})
	}
	if got := ServiceLevel(3, 1, 0, time.Minute); !math.IsNaN(got) {
		t.Errorf("ServiceLevel with no service time = %v, want NaN", got)
	}
	if got := ServiceLevel(3, 1, time.Minute, -time.Second); !math.IsNaN(got) {
		t.Errorf("ServiceLevel with a negative target = %v, want NaN", got)
	}
}

func TestMeanWait(t *testing.T) {
	tests := []struct {
		name    string
		servers int
		load    float64
		service time.Duration
		want    time.Duration
		wantOK  bool
	}{
		// M/M/1: Wq = ρ·s/(1−ρ).
		{"one window half busy keeps people one service time", 1, 0.5, 10 * time.Minute, 10 * time.Minute, true},
		// C(2, 1) = 1/3, Wq = C·s/(c−A) = s/3.
		{"two windows with one Erlang keep people a third of a service", 2, 1, 15 * time.Minute, 5 * time.Minute, true},
		// C(14, 10) = 0.174132: Wq = 0.174132·100 s / 4 = 4.3533 s.
		{"14 windows for ten Erlangs of 100 s keep people 4.35 s", 14, 10, 100 * time.Second, 4353300 * time.Microsecond, true},
		{"no load keeps nobody", 2, 0, time.Minute, 0, true},
		{"too few windows have no mean", 2, 2, time.Minute, 0, false},
		{"a bad load has no mean", 2, math.NaN(), time.Minute, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := MeanWait(tt.servers, tt.load, tt.service)
			if ok != tt.wantOK || (got-tt.want).Abs() > 100*time.Microsecond {
				t.Errorf("MeanWait = %v, %v; want %v, %v", got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestOfferedLoadIsArrivalsTimesServiceTime(t *testing.T) {
	tests := []struct {
		perHour float64
		service time.Duration
		want    float64
	}{
		{360, 100 * time.Second, 10},
		{30, 15 * time.Minute, 7.5},
		{0, time.Hour, 0},
	}
	for _, tt := range tests {
		if got := OfferedLoad(tt.perHour, tt.service); math.Abs(got-tt.want) > 1e-12 {
			t.Errorf("OfferedLoad(%v, %v) = %v, want %v", tt.perHour, tt.service, got, tt.want)
		}
	}
}

func TestWindowsNeeded(t *testing.T) {
	tests := []struct {
		name    string
		perHour float64
		service time.Duration
		target  time.Duration
		level   float64
		want    int
	}{
		// 80/20 on ten Erlangs: with 180 s calls (200 an hour) 13 windows
		// answer 79.6% in 20 s and 14 answer 88.8%, the tutorial's 14; with
		// 100 s calls (360 an hour) the same load is met by 13 (84.3%).
		{"80 percent in 20 s of 200 calls of 3 min needs 14", 200, 180 * time.Second, 20 * time.Second, 0.8, 14},
		{"80 percent in 20 s of 360 calls of 100 s needs 13", 360, 100 * time.Second, 20 * time.Second, 0.8, 13},
		{"90 percent in 20 s of 360 calls of 100 s needs 14", 360, 100 * time.Second, 20 * time.Second, 0.9, 14},
		// The МФЦ: 30 visitors an hour, 15 minutes each (7.5 Erlangs), 95%
		// within the 15-minute promise: 9 windows give 88.6%, 10 give 97.5%.
		{"the МФЦ with 30 visitors an hour of 15 min needs 10 for 95 percent in 15 min", 30, 15 * time.Minute, 15 * time.Minute, 0.95, 10},
		// A support desk of 30 calls an hour of 5 minutes, 90% not delayed
		// at all: 1 − C(5, 2.5) = 0.870, 1 − C(6, 2.5) > 0.9.
		{"90 percent not delayed of 30 calls of 5 min needs 6", 30, 5 * time.Minute, 0, 0.9, 6},
		{"a light hour still needs one window", 1, 5 * time.Minute, 15 * time.Minute, 0.95, 1},
		{"no visitors need no windows", 0, 15 * time.Minute, 15 * time.Minute, 0.95, 0},
		// 175 Erlangs: 177 windows give 88.8%, 178 give 96.3%.
		{"a load near the cap fits under 200", 700, 15 * time.Minute, 15 * time.Minute, 0.95, 178},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := WindowsNeeded(tt.perHour, tt.service, tt.target, tt.level)
			if err != nil {
				t.Fatalf("WindowsNeeded: %v", err)
			}
			if got != tt.want {
				t.Errorf("WindowsNeeded = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestWindowsNeededIsTheFewestMeetingTheLevel(t *testing.T) {
	for _, perHour := range []float64{0.5, 3, 12, 30, 57.5, 120, 400} {
		for _, target := range []time.Duration{0, 5 * time.Minute, 15 * time.Minute} {
			for _, level := range []float64{0.5, 0.8, 0.95, 0.99} {
				service := 12 * time.Minute
				c, err := WindowsNeeded(perHour, service, target, level)
				if err != nil {
					t.Fatalf("WindowsNeeded(%v, %v, %v, %v): %v", perHour, service, target, level, err)
				}
				load := OfferedLoad(perHour, service)
				if got := ServiceLevel(c, load, service, target); got < level {
					t.Errorf("%v/h, %v, %v: %d windows reach %v, short of %v", perHour, target, level, c, got, level)
				}
				if got := ServiceLevel(c-1, load, service, target); got >= level {
					t.Errorf("%v/h, %v, %v: %d windows already reach %v ≥ %v", perHour, target, level, c-1, got, level)
				}
			}
		}
	}
}

func TestWindowsNeededRefuses(t *testing.T) {
	const q = 15 * time.Minute
	tests := []struct {
		name    string
		perHour float64
		service time.Duration
		target  time.Duration
		level   float64
	}{
		{"negative arrivals", -1, q, q, 0.95},
		{"arrivals that are not a number", math.NaN(), q, q, 0.95},
		{"infinite arrivals", math.Inf(1), q, q, 0.95},
		{"no service time", 30, 0, q, 0.95},
		{"a negative service time", 30, -q, q, 0.95},
		{"a negative target", 30, q, -time.Second, 0.95},
		{"a level of one", 30, q, q, 1},
		{"a level of zero", 30, q, q, 0},
		{"a level that is not a number", 30, q, q, math.NaN()},
		{"a load of 200 Erlangs", 800, q, q, 0.95},
		{"a huge load", 1e300, q, q, 0.95},
		// 199 Erlangs with no wait allowed for 99.9%: 200 windows leave
		// nearly everyone waiting.
		{"a load that fits under 200 but not at the level", 796, q, 0, 0.999},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := WindowsNeeded(tt.perHour, tt.service, tt.target, tt.level)
			if queue.ErrorCode(err) != queue.EINVALID {
				t.Fatalf("WindowsNeeded = %d, %v; want an %s error", got, err, queue.EINVALID)
			}
			if ru, en := queue.ErrorMessages(err); ru == "" || en == "" {
				t.Errorf("messages %q, %q: want both languages", ru, en)
			}
		})
	}
}

func BenchmarkWindowsNeeded(b *testing.B) {
	for _, perHour := range []float64{30, 300, 780} {
		b.Run(fmt.Sprintf("%v per hour of 15 min", perHour), func(b *testing.B) {
			for b.Loop() {
				if _, err := WindowsNeeded(perHour, 15*time.Minute, 15*time.Minute, DefaultServiceLevel); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
