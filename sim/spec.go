package sim

import (
	"bytes"
	_ "embed"
	"fmt"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"eq/configs"
	"eq/queue"
)

// A day spec is a YAML file a manager writes by hand to describe a Day:
// who comes, how long they take, who sits at which window. days/demo.yaml
// is the annotated example; its comments are the reference for the keys.
// Parsing is strict, as for office configs: an unknown or misspelt key is
// an error, and every problem found is told with its line, Russian first.

//go:embed days/demo.yaml
var demoYAML []byte

// DemoDayName is the name the embedded demo day goes by in messages.
const DemoDayName = "sim/days/demo.yaml (встроенный)"

// DemoDayYAML returns a copy of the embedded demo day spec, a starting
// point for a real one.
func DemoDayYAML() []byte { return bytes.Clone(demoYAML) }

// DemoDay returns the embedded demo day, an ordinary Tuesday of the demo
// office, parsed for office. It fails for an office without the demo's
// services, windows and operators.
func DemoDay(office *queue.Office) (*Day, error) {
	return ParseDay(DemoDayName, demoYAML, office)
}

// LoadDay reads and parses the day spec at path for office.
func LoadDay(path string, office *queue.Office) (*Day, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("sim: не удалось прочитать описание дня (cannot read the day spec): %w", err)
	}
	return ParseDay(path, data, office)
}

// ParseDay parses a day spec for office; name is the file's name in
// messages. Any problem of the file is a *configs.ValidationError listing
// every one with its line; the Day is checked for office as Run checks
// it, so a Day ParseDay returns runs.
func ParseDay(name string, data []byte, office *queue.Office) (*Day, error) {
	if office == nil {
		return nil, queue.Errorf(queue.EINVALID, "не задан офис", "no office")
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, &configs.ValidationError{File: name, Problems: []configs.Problem{configs.SyntaxProblem(err)}}
	}
	if pr, extra := configs.ExtraDocument(data); extra {
		return nil, &configs.ValidationError{File: name, Problems: []configs.Problem{pr}}
	}
	p := newSpecParser(office)
	d := p.day(&root)
	if len(p.problems) == 0 {
		// What the file's own checks let through, Run would refuse:
		// better said now, if without a line.
		if err := d.check(office); err != nil {
			ru, en := queue.ErrorMessages(err)
			p.problems = append(p.problems, configs.Problem{Message: ru, MessageEN: en})
		}
	}
	if len(p.problems) > 0 {
		slices.SortStableFunc(p.problems, func(a, b configs.Problem) int { return a.Line - b.Line })
		if len(p.problems) > maxSpecProblems {
			p.problems = append(p.problems[:maxSpecProblems], configs.Problem{
				Message:   "и другие ошибки",
				MessageEN: "and more problems"})
		}
		return nil, &configs.ValidationError{File: name, Problems: p.problems}
	}
	return d, nil
}

// Limits of a spec: past them it is a mistake, not a day.
const (
	maxSpecNodes    = 20_000 // aliases may make a small file huge
	maxSpecProblems = 50
	maxArrivals     = 10_000 // visitors per hour of one service
	maxFactor       = 100
	maxCV           = 5
)

// Keys a spec and its sections may hold, in the order the messages list them.
var (
	specKeys = []string{"date", "seed", "hours", "arrivals", "profile", "service_times", "privileged",
		"walk_up", "no_show", "no_show_wait", "appointments", "staff"}
	distKeys  = []string{"dist", "mean", "cv"}
	apptKeys  = []string{"fill", "no_show", "early"}
	shiftKeys = []string{"window", "windows", "operator", "from", "to", "breaks", "stagger"}
)

// specParser turns a spec's node tree into a Day, noting problems with
// their lines as it goes rather than stopping at the first.
type specParser struct {
	office    *queue.Office
	services  map[string]*queue.Service
	windows   map[int]bool
	operators map[string]bool
	problems  []configs.Problem
	nodes     int
}

func newSpecParser(office *queue.Office) *specParser {
	p := &specParser{office: office, services: map[string]*queue.Service{}, windows: map[int]bool{}, operators: map[string]bool{}}
	for i := range office.Services {
		p.services[office.Services[i].ID] = &office.Services[i]
	}
	for _, w := range office.Windows {
		p.windows[w.Number] = true
	}
	for _, o := range office.Operators {
		p.operators[o.Login] = true
	}
	return p
}

// problem notes a problem at n (nil: no place in the file) about path;
// ru and en are formats sharing args.
func (p *specParser) problem(n *yaml.Node, path, ru, en string, args ...any) {
	pr := configs.Problem{Path: path, Message: fmt.Sprintf(ru, args...), MessageEN: fmt.Sprintf(en, args...)}
	if n != nil {
		pr.Line, pr.Column = n.Line, n.Column
	}
	p.problems = append(p.problems, pr)
}

// resolve follows aliases, counting the nodes visited: a file of aliases
// of aliases stops at the limit instead of filling memory.
func (p *specParser) resolve(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	p.nodes++
	if p.nodes == maxSpecNodes {
		p.problem(n, "", "файл слишком велик или раскрывается в слишком много значений", "the file is too large or expands to too many values")
	}
	return n
}

// entry is one key of a mapping with its value.
type entry struct {
	key, val *yaml.Node
	path     string
}

// mapping returns n's entries in file order. Keys not in allowed (nil
// allows any) and keys given twice are problems, left out.
func (p *specParser) mapping(n *yaml.Node, path string, allowed []string) []entry {
	n = p.resolve(n)
	if p.nodes >= maxSpecNodes {
		return nil
	}
	if isNull(n) {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		p.problem(n, path, "ожидается набор полей «ключ: значение», а не %s", "expected a mapping of keys to values, not %s", describe(n))
		return nil
	}
	var out []entry
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := p.resolve(n.Content[i]), n.Content[i+1]
		kpath := join(path, k.Value)
		if line, dup := seen[k.Value]; dup {
			p.problem(k, kpath, "ключ %s уже указан в строке %d", "key %s is already given at line %d", k.Value, line)
			continue
		}
		seen[k.Value] = k.Line
		if allowed != nil && !slices.Contains(allowed, k.Value) {
			p.problem(k, kpath, "неизвестный ключ %s; допустимы: %s", "unknown key %s; allowed: %s", k.Value, strings.Join(allowed, ", "))
			continue
		}
		out = append(out, entry{key: k, val: v, path: kpath})
	}
	return out
}

func isNull(n *yaml.Node) bool {
	return n == nil || n.Kind == 0 || n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// describe names a node for messages.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "{…}"
	case yaml.SequenceNode:
		return "[…]"
	}
	return strconv.Quote(n.Value)
}

// scalar is the text of e's value, or a problem.
func (p *specParser) scalar(e entry) (string, bool) {
	n := p.resolve(e.val)
	if n.Kind != yaml.ScalarNode || isNull(n) {
		p.problem(e.key, e.path, "ожидается значение, а не %s", "expected a value, not %s", describe(n))
		return "", false
	}
	return strings.TrimSpace(n.Value), true
}

// number reads a number from lo to hi.
func (p *specParser) number(e entry, lo, hi float64) (float64, bool) {
	s, ok := p.scalar(e)
	if !ok {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		p.problem(e.key, e.path, "ожидается число, а не %q", "expected a number, not %q", s)
		return 0, false
	}
	if f < lo || f > hi {
		p.problem(e.key, e.path, "%v: нужно число от %v до %v", "%v: a number from %v to %v is needed", f, lo, hi)
		return 0, false
	}
	return f, true
}

// share reads a share of 1: 0.03 or "3%".
func (p *specParser) share(e entry) (float64, bool) {
	s, ok := p.scalar(e)
	if !ok {
		return 0, false
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(s, "%")), 64)
	if err == nil && strings.HasSuffix(s, "%") {
		f /= 100
	}
	if err != nil || math.IsNaN(f) || f < 0 || f > 1 {
		p.problem(e.key, e.path, "%q: нужна доля от 0 до 1 (0.03) или процент (3%%)", "%q: a share from 0 to 1 (0.03) or a percentage (3%%) is needed", s)
		return 0, false
	}
	return f, true
}

// duration reads a non-negative Go duration: 15m, 90s, 1h30m.
func (p *specParser) duration(e entry) (time.Duration, bool) {
	s, ok := p.scalar(e)
	if !ok {
		return 0, false
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		p.problem(e.key, e.path, "неверная длительность %q: пишите как 15m, 90s или 1h30m", "invalid duration %q: write it as 15m, 90s or 1h30m", s)
		return 0, false
	}
	return d, true
}

// clockAt reads "HH:MM" from s, noting a problem at e.
func (p *specParser) clockAt(e entry, s string) (Clock, bool) {
	c, err := ParseClock(s)
	if err != nil {
		p.problem(e.key, e.path, "время %q не в формате ЧЧ:ММ", "time %q is not HH:MM", s)
		return 0, false
	}
	return c, true
}

func (p *specParser) clock(e entry) (Clock, bool) {
	s, ok := p.scalar(e)
	if !ok {
		return 0, false
	}
	return p.clockAt(e, s)
}

// day reads the whole spec.
func (p *specParser) day(root *yaml.Node) *Day {
	d := &Day{WalkUp: DefaultWalkUp}
	doc := root
	if doc.Kind == yaml.DocumentNode {
		if len(doc.Content) == 0 {
			doc = nil
		} else {
			doc = doc.Content[0]
		}
	}
	if isNull(doc) {
		p.problem(nil, "", "файл пуст", "the file is empty")
		return d
	}
	var hasDate, hasStaff bool
	for _, e := range p.mapping(doc, "", specKeys) {
		switch e.key.Value {
		case "date":
			hasDate = true
			p.date(e, d)
		case "seed":
			if s, ok := p.scalar(e); ok {
				seed, err := strconv.ParseUint(s, 10, 64)
				if err != nil {
					p.problem(e.key, e.path, "ожидается целое число от 0, а не %q", "expected a whole number from 0, not %q", s)
				}
				d.Seed = seed
			}
		case "hours":
			p.hours(e, d)
		case "arrivals":
			p.arrivals(e, d)
		case "profile":
			p.profile(e, d)
		case "service_times":
			p.serviceTimes(e, d)
		case "privileged":
			d.Privileged, _ = p.share(e)
		case "walk_up":
			d.WalkUp, _ = p.duration(e)
		case "no_show":
			d.NoShow, _ = p.share(e)
		case "no_show_wait":
			d.NoShowWait, _ = p.duration(e)
		case "appointments":
			p.appointments(e, d)
		case "staff":
			hasStaff = true
			p.staff(e, d)
		}
	}
	if !hasDate && p.nodes < maxSpecNodes {
		p.problem(doc, "date", "не указана дата дня (date: 2026-11-24)", "the day's date is missing (date: 2026-11-24)")
	}
	if !hasStaff && p.nodes < maxSpecNodes {
		p.problem(doc, "staff", "не указано, кто и когда работает в окнах (staff)", "who works at which window and when is missing (staff)")
	}
	return d
}

func (p *specParser) date(e entry, d *Day) {
	s, ok := p.scalar(e)
	if !ok {
		return
	}
	t, err := time.ParseInLocation(time.DateOnly, s, p.office.Location)
	if err != nil {
		p.problem(e.key, e.path, "дата %q не в формате ГГГГ-ММ-ДД", "date %q is not YYYY-MM-DD", s)
		return
	}
	d.Date = s
	if sc := p.office.Schedule; sc != nil && len(sc.Hours(t)) == 0 {
		p.problem(e.key, e.path, "%s офис по расписанию не работает", "the office is closed on %s by its schedule", s)
	}
}

// hours reads "08:00-19:00".
func (p *specParser) hours(e entry, d *Day) {
	s, ok := p.scalar(e)
	if !ok {
		return
	}
	from, to, cut := strings.Cut(strings.ReplaceAll(s, "–", "-"), "-")
	if !cut {
		p.problem(e.key, e.path, "часы %q: пишите как 08:00-19:00", "hours %q: write them as 08:00-19:00", s)
		return
	}
	f, ok1 := p.clockAt(e, from)
	t, ok2 := p.clockAt(e, to)
	if !ok1 || !ok2 {
		return
	}
	if t <= f {
		p.problem(e.key, e.path, "часы %s кончаются раньше начала", "the hours %s end before they start", s)
		return
	}
	d.Hours = Span{From: f, To: t}
}

func (p *specParser) arrivals(e entry, d *Day) {
	d.Arrivals = map[string]float64{}
	for _, a := range p.mapping(e.val, e.path, nil) {
		svc, ok := p.services[a.key.Value]
		if !ok {
			p.problem(a.key, a.path, "услуги %q нет в конфигурации офиса", "the office has no service %q", a.key.Value)
			continue
		}
		rate, ok := p.number(a, 0, maxArrivals)
		if !ok {
			continue
		}
		if rate > 0 && svc.Booking != nil && svc.Booking.Only {
			p.problem(a.key, a.path, "услуга %s — только по записи: живой очереди у неё нет", "service %s is by appointment only: it has no live queue", svc.ID)
			continue
		}
		d.Arrivals[svc.ID] = rate
	}
}

func (p *specParser) profile(e entry, d *Day) {
	d.Profile = map[int]float64{}
	for _, h := range p.mapping(e.val, e.path, nil) {
		hour, err := strconv.Atoi(strings.TrimSpace(h.key.Value))
		if err != nil || hour < 0 || hour > 23 {
			p.problem(h.key, h.path, "час %q: нужен час суток от 0 до 23 (\"09\")", "hour %q: an hour of the day from 0 to 23 is needed (\"09\")", h.key.Value)
			continue
		}
		if _, dup := d.Profile[hour]; dup {
			p.problem(h.key, h.path, "час %d уже указан", "hour %d is already given", hour)
			continue
		}
		if f, ok := p.number(h, 0, maxFactor); ok {
			d.Profile[hour] = f
		}
	}
}

func (p *specParser) serviceTimes(e entry, d *Day) {
	d.Service = map[string]Dist{}
	for _, s := range p.mapping(e.val, e.path, nil) {
		if s.key.Value != "default" {
			if _, ok := p.services[s.key.Value]; !ok {
				p.problem(s.key, s.path, "услуги %q нет в конфигурации офиса (или напишите default)", "the office has no service %q (or write default)", s.key.Value)
				continue
			}
		}
		dist, ok := p.dist(s)
		if !ok {
			continue
		}
		if s.key.Value == "default" {
			d.Default = dist
		} else {
			d.Service[s.key.Value] = dist
		}
	}
}

// dist reads {dist: lognormal, mean: 15m, cv: 0.5}; every key may be left
// out: lognormal, the service's time from the config, cv 0.5.
func (p *specParser) dist(e entry) (Dist, bool) {
	var dist Dist
	ok := true
	var cv *entry
	for _, f := range p.mapping(e.val, e.path, distKeys) {
		switch f.key.Value {
		case "dist":
			s, _ := p.scalar(f)
			switch k := DistKind(s); k {
			case Exponential, LogNormal, Fixed:
				dist.Kind = k
			default:
				p.problem(f.key, f.path, "распределение %q: exponential, lognormal или fixed", "distribution %q: exponential, lognormal or fixed", s)
				ok = false
			}
		case "mean":
			m, good := p.duration(f)
			if good && m == 0 {
				p.problem(f.key, f.path, "среднее время должно быть больше нуля", "the mean must be above zero")
				good = false
			}
			dist.Mean, ok = m, ok && good
		case "cv":
			c, good := p.number(f, 0, maxCV)
			dist.CV, ok, cv = c, ok && good, &f
		}
	}
	if cv != nil && dist.Kind != "" && dist.Kind != LogNormal {
		p.problem(cv.key, cv.path, "cv задаёт разброс только у lognormal", "cv shapes only the lognormal")
		ok = false
	}
	return dist, ok
}

func (p *specParser) appointments(e entry, d *Day) {
	for _, a := range p.mapping(e.val, e.path, apptKeys) {
		switch a.key.Value {
		case "fill":
			d.Fill, _ = p.share(a)
		case "no_show":
			d.ApptNoShow, _ = p.share(a)
		case "early":
			d.Early, _ = p.duration(a)
		}
	}
}

// placed is a shift with where it was written, for the checks across
// shifts.
type placed struct {
	Shift
	operator string // the login, the default resolved
	at       *yaml.Node
	path     string
}

func (p *specParser) staff(e entry, d *Day) {
	n := p.resolve(e.val)
	if n.Kind != yaml.SequenceNode {
		p.problem(e.key, e.path, "ожидается список смен, а не %s", "expected a list of shifts, not %s", describe(n))
		return
	}
	var all []placed
	for i, item := range n.Content {
		all = append(all, p.shifts(p.resolve(item), fmt.Sprintf("%s[%d]", e.path, i))...)
	}
	// Two shifts of one window or of one operator at once: the engine
	// would refuse the second opening in the middle of the day.
	for i, a := range all {
		for _, b := range all[:i] {
			if a.From >= b.To || b.From >= a.To {
				continue
			}
			switch {
			case a.Window == b.Window:
				p.problem(a.at, a.path, "окно %d уже занято в это время (%s)", "window %d is already staffed then (%s)", a.Window, b.path)
			case a.operator == b.operator:
				p.problem(a.at, a.path, "сотрудник %s в это время уже работает в окне %d (%s)", "%s already works at window %d then (%s)", a.operator, b.Window, b.path)
			}
		}
	}
	for _, s := range all {
		d.Staff = append(d.Staff, s.Shift)
	}
}

// shifts reads one entry of staff: a shift at one window, or with
// windows the same hours at several, the breaks of the i-th window listed
// moved by i·stagger.
func (p *specParser) shifts(n *yaml.Node, path string) []placed {
	var (
		windows     []int
		windowsAt   entry
		operator    string
		hasOperator bool
		span        Span
		hasFrom     bool
		hasTo       bool
		breaks      []Break
		breaksAt    entry
		stagger     time.Duration
		staggerAt   *entry
		ok          = true
	)
	entries := p.mapping(n, path, shiftKeys)
	if entries == nil {
		if n.Kind == yaml.MappingNode {
			p.problem(n, path, "пустая смена: нужны window, from и to", "an empty shift: window, from and to are needed")
		}
		return nil
	}
	for _, f := range entries {
		switch f.key.Value {
		case "window", "windows":
			if windows != nil {
				p.problem(f.key, f.path, "укажите window или windows, не оба", "give window or windows, not both")
				ok = false
				continue
			}
			windowsAt = f
			windows = p.windowList(f)
			if windows == nil {
				ok = false
			}
		case "operator":
			hasOperator = true
			var good bool
			if operator, good = p.scalar(f); good && !p.operators[operator] {
				p.problem(f.key, f.path, "сотрудника %q нет в конфигурации офиса", "the office has no staff member %q", operator)
				good = false
			}
			ok = ok && good
		case "from":
			var good bool
			span.From, good = p.clock(f)
			hasFrom, ok = true, ok && good
		case "to":
			var good bool
			span.To, good = p.clock(f)
			hasTo, ok = true, ok && good
		case "breaks":
			breaksAt = f
			breaks = p.breaks(f)
		case "stagger":
			stagger, _ = p.duration(f)
			staggerAt = &f
		}
	}
	if windows == nil && ok {
		p.problem(n, path, "не указано окно (window: 3 или windows: 1-8)", "no window given (window: 3 or windows: 1-8)")
		ok = false
	}
	if !hasFrom || !hasTo {
		p.problem(n, path, "укажите начало и конец смены (from: \"08:00\", to: \"20:00\")", "give the shift's start and end (from: \"08:00\", to: \"20:00\")")
		return nil
	}
	if !ok {
		return nil
	}
	if span.To <= span.From {
		p.problem(n, path, "смена %s–%s кончается раньше начала", "the shift %s–%s ends before it starts", span.From, span.To)
		return nil
	}
	if hasOperator && len(windows) > 1 {
		p.problem(windowsAt.key, path, "один сотрудник не работает в нескольких окнах сразу: опишите окна по одному", "one operator cannot work at several windows at once: list the windows one by one")
		ok = false
	}
	if staggerAt != nil && len(windows) < 2 {
		p.problem(staggerAt.key, staggerAt.path, "stagger сдвигает перерывы окон из списка windows", "stagger moves the breaks of the windows listed in windows")
		ok = false
	}
	if !ok {
		return nil
	}
	var out []placed
	for i, w := range windows {
		s := placed{Shift: Shift{Window: w, Operator: operator, Span: span}, operator: operator, at: n, path: path}
		if operator == "" {
			// Run's default: the window's usual operator, opN.
			s.operator = fmt.Sprintf("op%d", w)
			if !p.operators[s.operator] {
				p.problem(windowsAt.key, path, "у окна %d не указан operator, а сотрудника %s в конфигурации нет", "window %d has no operator and the office has no %s", w, s.operator)
				continue
			}
		}
		for _, b := range breaks {
			b.At += Clock(time.Duration(i) * stagger)
			if b.At < span.From || b.At >= span.To {
				p.problem(breaksAt.key, breaksAt.path, "окно %d: перерыв в %s — вне смены %s–%s", "window %d: the break at %s is outside the shift %s–%s", w, b.At, span.From, span.To)
				continue
			}
			s.Breaks = append(s.Breaks, b)
		}
		out = append(out, s)
	}
	return out
}

// windowList reads 3, "1-8", "1, 4, 6, 2" or [1, 4, 6]: the windows in
// the order written, each a window of the office.
func (p *specParser) windowList(e entry) []int {
	n := p.resolve(e.val)
	var parts []string
	switch n.Kind {
	case yaml.ScalarNode:
		parts = strings.Split(n.Value, ",")
	case yaml.SequenceNode:
		for _, item := range n.Content {
			item = p.resolve(item)
			if item.Kind != yaml.ScalarNode {
				p.problem(item, e.path, "ожидается номер окна, а не %s", "expected a window number, not %s", describe(item))
				return nil
			}
			parts = append(parts, item.Value)
		}
	default:
		p.problem(e.key, e.path, "ожидается номер окна или список вида 1-8, а не %s", "expected a window number or a list such as 1-8, not %s", describe(n))
		return nil
	}
	var out []int
	for _, part := range parts {
		part = strings.TrimSpace(part)
		lo, hi, isRange := strings.Cut(strings.ReplaceAll(part, "–", "-"), "-")
		a, err1 := strconv.Atoi(strings.TrimSpace(lo))
		b, err2 := a, error(nil)
		if isRange {
			b, err2 = strconv.Atoi(strings.TrimSpace(hi))
		}
		if err1 != nil || err2 != nil || b < a || b-a > 1000 {
			p.problem(e.key, e.path, "%q: ожидается номер окна или диапазон вида 1-8", "%q: expected a window number or a range such as 1-8", part)
			return nil
		}
		for w := a; w <= b; w++ {
			if !p.windows[w] {
				p.problem(e.key, e.path, "окна %d нет в конфигурации офиса", "the office has no window %d", w)
				return nil
			}
			if slices.Contains(out, w) {
				p.problem(e.key, e.path, "окно %d указано дважды", "window %d is listed twice", w)
				return nil
			}
			out = append(out, w)
		}
	}
	if len(out) == 0 {
		p.problem(e.key, e.path, "не указано ни одного окна", "no window is given")
		return nil
	}
	return out
}

// breaks reads ["12:00 30m", "16:00 15"]: when and how long, a bare
// number being minutes.
func (p *specParser) breaks(e entry) []Break {
	n := p.resolve(e.val)
	if n.Kind != yaml.SequenceNode {
		p.problem(e.key, e.path, "ожидается список перерывов вида [\"12:00 30m\"], а не %s", "expected a list of breaks such as [\"12:00 30m\"], not %s", describe(n))
		return nil
	}
	var out []Break
	for i, item := range n.Content {
		item = p.resolve(item)
		path := fmt.Sprintf("%s[%d]", e.path, i)
		fields := strings.Fields(item.Value)
		if item.Kind != yaml.ScalarNode || len(fields) != 2 {
			p.problem(item, path, "перерыв %s: пишите как \"12:00 30m\"", "break %s: write it as \"12:00 30m\"", describe(item))
			continue
		}
		at, err := ParseClock(fields[0])
		if err != nil {
			p.problem(item, path, "время %q не в формате ЧЧ:ММ", "time %q is not HH:MM", fields[0])
			continue
		}
		long, err := time.ParseDuration(fields[1])
		if m, err2 := strconv.Atoi(fields[1]); err2 == nil {
			long, err = time.Duration(m)*time.Minute, nil
		}
		if err != nil || long%time.Minute != 0 || long < time.Minute || long > queue.MaxBreakMinutes*time.Minute {
			p.problem(item, path, "длительность перерыва %q: целое число минут от 1 до %d (30m)", "break length %q: whole minutes from 1 to %d (30m)", fields[1], queue.MaxBreakMinutes)
			continue
		}
		out = append(out, Break{At: at, Minutes: int(long / time.Minute)})
	}
	return out
}
