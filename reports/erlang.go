package reports

import (
	"math"
	"time"

	"eq/queue"
)

// The M/M/c model behind the staffing advice: visitors arrive at random
// (Poisson) at a steady rate, service times are exponential with a known
// mean, c windows serve one queue in order. The offered load A = λ·s, in
// Erlangs, is how many windows would be busy on average if there were
// enough of them.
//
// Everything is computed from the Erlang B recurrence
//
//	B(0) = 1, B(k) = A·B(k−1) / (k + A·B(k−1)),
//
// whose every step is a number in [0, 1]: no factorials and no powers of A
// that overflow, so it stays exact to a few ulps for c in the hundreds and
// loads just below c, where the textbook formula Aᶜ/c! breaks down.

// MaxWindows bounds the search of WindowsNeeded: no office has more, and a
// load asking for more means the inputs are wrong.
const MaxWindows = 200

// DefaultServiceLevel is the share of visitors that must wait no longer
// than the target: 0.95, as the staffing advice of issue 8 asks.
const DefaultServiceLevel = 0.95

// OfferedLoad returns the offered load A = λ·s in Erlangs for
// arrivalsPerHour arrivals per hour and a mean service time meanService.
func OfferedLoad(arrivalsPerHour float64, meanService time.Duration) float64 {
	return arrivalsPerHour * meanService.Hours()
}

// ErlangB returns the Erlang B blocking probability for servers servers and
// a load of load Erlangs: the share of arrivals that would find every server
// busy if they left instead of waiting. It is NaN for a negative, infinite
// or NaN load and 1 for fewer than one server.
func ErlangB(servers int, load float64) float64 {
	if !validLoad(load) {
		return math.NaN()
	}
	b := 1.0
	for k := 1; k <= servers; k++ {
		b = nextErlangB(k, load, b)
	}
	return b
}

// nextErlangB is one step of the recurrence: B(k) from B(k−1).
func nextErlangB(k int, load, prev float64) float64 {
	ab := load * prev
	return ab / (float64(k) + ab)
}

// ErlangC returns the Erlang C probability that an arrival has to wait at
// all, P(wait > 0), with servers windows and a load of load Erlangs. With
// no load nobody waits (0); with servers ≤ load the queue never clears and
// everyone waits (1). It is NaN for a negative, infinite or NaN load.
func ErlangC(servers int, load float64) float64 {
	if !validLoad(load) {
		return math.NaN()
	}
	return erlangCFromB(servers, load, ErlangB(servers, load))
}

// erlangCFromB turns B(c) into C(c) = c·B / (c − A·(1 − B)). For c > A the
// denominator is (c − A) + A·B, a sum of two positive numbers, so it never
// cancels to zero even when A is a hair below c.
func erlangCFromB(servers int, load, b float64) float64 {
	if load == 0 {
		return 0
	}
	c := float64(servers)
	if c <= load {
		return 1
	}
	return c * b / ((c - load) + load*b)
}

// ServiceLevel returns P(wait ≤ target), the share of visitors served
// within target, for servers windows, a load of load Erlangs and a mean
// service time meanService:
//
//	1 − C·exp(−(c − A)·t/s)
//
// It is 0 when servers ≤ load (the queue grows without bound) and 1 with no
// load. It is NaN for an invalid load, a non-positive mean service time or
// a negative target.
func ServiceLevel(servers int, load float64, meanService, target time.Duration) float64 {
	if !validLoad(load) || meanService <= 0 || target < 0 {
		return math.NaN()
	}
	return serviceLevel(servers, load, ErlangC(servers, load), target.Seconds()/meanService.Seconds())
}

// serviceLevel is ServiceLevel with C already known and the target given in
// mean service times.
func serviceLevel(servers int, load, erlangC, targetInServices float64) float64 {
	if load == 0 {
		return 1
	}
	c := float64(servers)
	if c <= load {
		return 0
	}
	return 1 - erlangC*math.Exp(-(c-load)*targetInServices)
}

// MeanWait returns the mean wait in the queue, C·s/(c − A), for servers
// windows, a load of load Erlangs and a mean service time meanService. ok is
// false when the mean is not finite: servers ≤ load, an invalid load or a
// non-positive mean service time.
func MeanWait(servers int, load float64, meanService time.Duration) (wait time.Duration, ok bool) {
	if !validLoad(load) || meanService <= 0 {
		return 0, false
	}
	if load == 0 {
		return 0, true
	}
	c := float64(servers)
	if c <= load {
		return 0, false
	}
	w := ErlangC(servers, load) * meanService.Seconds() / (c - load)
	if w*float64(time.Second) >= math.MaxInt64 {
		return 0, false
	}
	return time.Duration(math.Round(w * float64(time.Second))), true
}

// WindowsNeeded returns the fewest windows c for which P(wait ≤ target) ≥
// level, given arrivalsPerHour arrivals per hour and a mean service time
// meanService. No arrivals need no windows. It refuses (EINVALID) inputs
// that are not numbers of the right sign, a level outside (0, 1), and loads
// that would need more than MaxWindows windows.
func WindowsNeeded(arrivalsPerHour float64, meanService, target time.Duration, level float64) (int, error) {
	switch {
	case math.IsNaN(arrivalsPerHour) || math.IsInf(arrivalsPerHour, 0) || arrivalsPerHour < 0:
		return 0, queue.Errorf(queue.EINVALID,
			"число посетителей в час должно быть неотрицательным числом, а не %v",
			"arrivals per hour must be a non-negative number, not %v", arrivalsPerHour)
	case meanService <= 0:
		return 0, queue.Errorf(queue.EINVALID,
			"среднее время обслуживания должно быть положительным, а не %v",
			"the mean service time must be positive, not %v", meanService)
	case target < 0:
		return 0, queue.Errorf(queue.EINVALID,
			"допустимое ожидание не может быть отрицательным: %v",
			"the wait target cannot be negative: %v", target)
	case !(level > 0 && level < 1):
		// A level of 1 is out of reach: with any load some visitor waits
		// longer than any target.
		return 0, queue.Errorf(queue.EINVALID,
			"доля обслуженных в срок должна быть больше 0 и меньше 1, а не %v",
			"the service level must be above 0 and below 1, not %v", level)
	}
	if arrivalsPerHour == 0 {
		return 0, nil
	}
	load := OfferedLoad(arrivalsPerHour, meanService)
	if load >= MaxWindows {
		return 0, tooManyWindows(arrivalsPerHour, meanService, load)
	}
	t := target.Seconds() / meanService.Seconds()
	// Walk the B recurrence once: every c below the load is unstable and
	// only feeds the recurrence, every c above it is a candidate.
	b := 1.0
	for c := 1; c <= MaxWindows; c++ {
		b = nextErlangB(c, load, b)
		if float64(c) <= load {
			continue
		}
		if serviceLevel(c, load, erlangCFromB(c, load, b), t) >= level {
			return c, nil
		}
	}
	return 0, tooManyWindows(arrivalsPerHour, meanService, load)
}

func tooManyWindows(arrivalsPerHour float64, meanService time.Duration, load float64) error {
	return queue.Errorf(queue.EINVALID,
		"%.4g посетителей в час при среднем обслуживании %.4g мин (нагрузка %.4g Эрл) требуют больше %d окон: проверьте данные",
		"%.4g arrivals per hour with a mean service time of %.4g min (a load of %.4g Erlangs) need more than %d windows: check the data",
		arrivalsPerHour, meanService.Minutes(), load, MaxWindows)
}

func validLoad(load float64) bool {
	return load >= 0 && !math.IsInf(load, 1) // NaN fails load >= 0
}
