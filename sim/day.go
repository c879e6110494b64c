package sim

import (
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"eq/queue"
)

// Day describes a working day to simulate: who comes, how long they take,
// who sits at which window. The office itself — services, windows, wait
// targets, hours, the dispatcher — is the real config's.
type Day struct {
	Date string // YYYY-MM-DD, a working day of the office
	Seed uint64 // the same seed gives the same day, visitor by visitor

	// Arrivals are live visitors per hour by service, over Hours. Profile
	// scales them by the hour of the day ("09" → 1.4); hours it does not
	// name keep 1.
	Arrivals map[string]float64
	Profile  map[int]float64
	Hours    Span // when live visitors come; zero: from open to the end of ticket issue

	// Service is the time at the window by service; Default for the rest,
	// with the config's service_time as the mean where a Dist has none.
	Service map[string]Dist
	Default Dist

	// Privileged is the share of live visitors with a privilege (disabled
	// visitors, veterans), who are called first.
	Privileged float64
	// WalkUp is how long a called visitor takes to reach the window; the
	// window is theirs meanwhile. 0: they are there at once, as in M/M/c
	// (day specs default to DefaultWalkUp).
	WalkUp time.Duration
	// NoShow is the share of called live visitors who never come: the
	// operator recalls once after NoShowWait and marks them gone after
	// another NoShowWait.
	NoShow     float64
	NoShowWait time.Duration

	// Appointments: Fill is the share of each bookable service's slots
	// booked the day before; ApptNoShow the share of them nobody comes
	// for; booked visitors come up to Early before their slot.
	Fill       float64
	ApptNoShow float64
	Early      time.Duration

	Staff []Shift

	// Visitors, when set, are the day's visitors as they are, replayed
	// from a real day's log (Replay): Arrivals, Service, Privileged and
	// the appointment settings are not drawn then.
	Visitors []Visitor
}

// Span is a stretch of the day, as clock times.
type Span struct{ From, To Clock }

// Clock is a time of day.
type Clock time.Duration

// ParseClock reads "HH:MM".
func ParseClock(s string) (Clock, error) {
	t, err := time.Parse("15:04", strings.TrimSpace(s))
	if err != nil {
		return 0, fmt.Errorf("время %q не в формате ЧЧ:ММ (time %q is not HH:MM)", s, s)
	}
	return Clock(time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute), nil
}

func (c Clock) String() string {
	d := time.Duration(c)
	return fmt.Sprintf("%02d:%02d", int(d.Hours()), int(d.Minutes())%60)
}

// on is the instant c of date in loc.
func (c Clock) on(date time.Time) time.Time { return date.Add(time.Duration(c)) }

// Shift is one operator at one window: from, to, and breaks.
type Shift struct {
	Window   int
	Operator string // a login of the office; "" is the window's usual operator (opN)
	Span
	Breaks []Break
}

// Break is a planned break: the operator leaves at At, or on finishing
// the visitor then at the window, for Minutes.
type Break struct {
	At      Clock
	Minutes int
}

// DistKind names a distribution of service times.
type DistKind string

// Distributions.
const (
	Exponential DistKind = "exponential" // M/M/c's: as many short visits as long ones past the mean
	LogNormal   DistKind = "lognormal"   // what service times at a window look like: a long right tail
	Fixed       DistKind = "fixed"       // every visit the mean: for checks by hand
)

// Dist is a distribution of service times with mean Mean; CV (the
// standard deviation over the mean) shapes the lognormal.
type Dist struct {
	Kind DistKind
	Mean time.Duration // 0: the service's service_time from the config
	CV   float64       // lognormal only; 0 means 0.5
}

// draw draws a time with mean mean (Dist.Mean, if set, overrides it).
func (d Dist) draw(rng *rand.Rand, mean time.Duration) time.Duration {
	if d.Mean > 0 {
		mean = d.Mean
	}
	m := mean.Seconds()
	var s float64
	switch d.Kind {
	case Exponential:
		s = rng.ExpFloat64() * m
	case Fixed:
		s = m
	default: // lognormal
		cv := d.CV
		if cv <= 0 {
			cv = 0.5
		}
		sigma2 := math.Log1p(cv * cv)
		s = math.Exp(math.Log(m) - sigma2/2 + math.Sqrt(sigma2)*rng.NormFloat64())
	}
	return max(time.Duration(s*float64(time.Second)), time.Second)
}

// Visitor is one visitor of the day, with everything chance decides
// about them drawn before the day runs: two runs of the same visitors
// under two policies see the same visitors.
type Visitor struct {
	At          time.Time // arrival at the kiosk
	Service     string
	Priority    queue.Priority // normal or privileged; appointment for a check-in
	ServiceTime time.Duration
	NoShow      bool      // called, never comes
	Slot        time.Time // appointment: the slot's start
	// Booked is an appointment booked for Slot; the visitor comes at At
	// to check in, unless Missing.
	Booked  bool
	Missing bool
	Code    string // the booking's code, once booked
}

// check reports what is wrong with d for office.
func (d *Day) check(office *queue.Office) error {
	var errs []string
	bad := func(format string, args ...any) { errs = append(errs, fmt.Sprintf(format, args...)) }
	if _, err := time.Parse(time.DateOnly, d.Date); err != nil {
		bad("дата %q не в формате ГГГГ-ММ-ДД (date is not YYYY-MM-DD)", d.Date)
	}
	services := map[string]queue.Service{}
	for _, s := range office.Services {
		services[s.ID] = s
	}
	for _, id := range slices.Sorted(maps.Keys(d.Arrivals)) {
		if _, ok := services[id]; !ok {
			bad("arrivals: услуги %q нет в конфигурации (no such service)", id)
		}
		if r := d.Arrivals[id]; r < 0 || math.IsNaN(r) || r > 10_000 {
			bad("arrivals: %s: %v посетителей в час — нужно от 0 до 10000 (visitors per hour must be 0 to 10000)", id, r)
		}
	}
	for h, f := range d.Profile {
		if h < 0 || h > 23 || f < 0 || math.IsNaN(f) {
			bad("profile: час %d, множитель %v (hour 0–23, factor ≥ 0)", h, f)
		}
	}
	for id, dist := range d.Service {
		if _, ok := services[id]; !ok {
			bad("service_times: услуги %q нет в конфигурации (no such service)", id)
		}
		if err := dist.check(); err != nil {
			bad("service_times: %s: %v", id, err)
		}
	}
	if err := d.Default.check(); err != nil {
		bad("service_times: default: %v", err)
	}
	for _, p := range []struct {
		name string
		v    float64
	}{{"privileged", d.Privileged}, {"no_show", d.NoShow}, {"appointments.fill", d.Fill}, {"appointments.no_show", d.ApptNoShow}} {
		if p.v < 0 || p.v > 1 || math.IsNaN(p.v) {
			bad("%s: %v — нужна доля от 0 до 1 (a share from 0 to 1)", p.name, p.v)
		}
	}
	windows := map[int]bool{}
	for _, w := range office.Windows {
		windows[w.Number] = true
	}
	operators := map[string]bool{}
	for _, o := range office.Operators {
		operators[o.Login] = true
	}
	for i, sh := range d.Staff {
		if !windows[sh.Window] {
			bad("staff[%d]: окна %d нет в конфигурации (no such window)", i, sh.Window)
		}
		if sh.Operator != "" && !operators[sh.Operator] {
			bad("staff[%d]: сотрудника %q нет в конфигурации (no such operator)", i, sh.Operator)
		}
		if sh.To <= sh.From {
			bad("staff[%d]: смена %s–%s кончается раньше начала (the shift ends before it starts)", i, sh.From, sh.To)
		}
		for _, b := range sh.Breaks {
			if b.Minutes <= 0 || b.Minutes > 240 {
				bad("staff[%d]: перерыв в %s на %d мин — нужно от 1 до 240 минут (a break of 1 to 240 minutes)", i, b.At, b.Minutes)
			}
		}
	}
	if d.WalkUp < 0 || d.NoShowWait < 0 || d.Early < 0 {
		bad("walk_up, no_show_wait, appointments.early: время не может быть отрицательным (a time cannot be negative)")
	}
	for i, a := range d.Staff {
		for j, b := range d.Staff[:i] {
			if a.Window == b.Window && a.From < b.To && b.From < a.To {
				bad("staff[%d] и staff[%d]: смены окна %d пересекаются (two shifts of window %d overlap)", j, i, a.Window, a.Window)
			}
		}
	}
	if len(d.Staff) == 0 {
		bad("staff: ни одного окна не открыто (no window is staffed)")
	}
	if len(errs) > 0 {
		return queue.Errorf(queue.EINVALID, "%s", "%s", strings.Join(errs, "; "))
	}
	return nil
}

func (d Dist) check() error {
	switch d.Kind {
	case "", Exponential, LogNormal, Fixed:
	default:
		return fmt.Errorf("распределение %q: exponential, lognormal или fixed (unknown distribution)", d.Kind)
	}
	if d.Mean < 0 || d.CV < 0 || d.CV > 5 {
		return fmt.Errorf("среднее %v, cv %v: нужно среднее ≥ 0 и cv от 0 до 5 (mean ≥ 0, cv 0 to 5)", d.Mean, d.CV)
	}
	return nil
}
