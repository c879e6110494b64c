package display

import (
	"math"
	"strconv"
	"strings"
	"time"

	"eq/display/feed"
)

// Layouter places a Screen on a screen of a given size. It is called every
// frame, so it reuses its Frame and keeps every string it builds until what
// the string shows changes: after the first frame a Layout allocates
// nothing unless the data, the minute or the size changed.
//
// A Layouter is not safe for concurrent use.
type Layouter struct {
	measure Measure
	frame   Frame

	// the office's clock
	tz      string
	loc     *time.Location
	minute  int64 // Unix minutes of clock
	day     int   // yyyymmdd of date
	lang    string
	clock   string
	date    string
	weekday string

	office  fitted
	running struct {
		text  string
		size  float64
		width float64
	}
	services []serviceRow
	sign     struct {
		number int
		lang   string
		text   string
	}
	nums   []string // decimal strings of small numbers
	texts  []fitted // free-standing fitted texts, by slot
	labels map[labelKey]float64
}

// fitted caches a text fitted to a width.
type fitted struct {
	in        string
	size, max float64
	minSize   float64
	bold      bool
	out       string
	outSize   float64
}

type serviceRow struct {
	name    fitted
	minutes int // -1: no wait to show
	lang    string
	wait    string
}

type labelKey struct {
	text string
	size float64
	bold bool
}

// NewLayouter returns a Layouter measuring text with m; nil means
// ApproxMeasure.
func NewLayouter(m Measure) *Layouter {
	if m == nil {
		m = ApproxMeasure
	}
	return &Layouter{measure: m, minute: math.MinInt64, frame: Frame{Items: make([]Item, 0, 256)},
		labels: make(map[labelKey]float64)}
}

// Layout lays out board (the hall or one window's sign) for s on a screen
// of size at now (the display's clock), in lang ("ru" or "en"). The Frame
// is the Layouter's and is valid until the next call.
func (l *Layouter) Layout(s *Screen, board feed.Board, size Size, now time.Time, lang string) *Frame {
	f := &l.frame
	f.Size = size
	f.Items = f.Items[:0]
	if size.W <= 0 || size.H <= 0 {
		return f
	}
	w := wordsFor(lang)
	l.rect(RoleBackground, 0, Rect{0, 0, float64(size.W), float64(size.H)}, ColorBackground)
	if board.Window == 0 {
		l.hall(s, size, now, lang, w)
	} else {
		l.windowSign(s, board.Window, size, now, lang, w)
	}
	if !s.Online {
		l.offline(size, w)
	}
	return f
}

// unit is the size everything on a screen derives from: a hundredth of its
// smaller side.
func unit(size Size) float64 { return float64(min(size.W, size.H)) / 100 }

// px rounds a length to whole pixels.
func px(v float64) float64 { return math.Round(v) }

// fontPx rounds a font size to whole pixels, at least one: the renderer
// keeps a face per size.
func fontPx(v float64) float64 { return max(1, math.Round(v)) }

func (l *Layouter) rect(role Role, i int, r Rect, c Color) {
	l.frame.Items = append(l.frame.Items, Item{Kind: KindRect, Role: role, Index: i, Rect: r, Color: c, Visible: true})
}

func (l *Layouter) text(role Role, i int, r Rect, s string, size float64, bold bool, c Color, a Align, visible bool) {
	l.frame.Items = append(l.frame.Items, Item{Kind: KindText, Role: role, Index: i, Rect: r, Text: s,
		FontSize: size, Bold: bold, Color: c, Align: a, Visible: visible})
}

// offline puts a small "no connection" mark in the bottom right corner,
// over whatever is there.
func (l *Layouter) offline(size Size, w *words) {
	u := unit(size)
	fs := fontPx(2.6 * u)
	tw := l.width(w.offline, fs, false)
	h := px(4.2 * u)
	r := Rect{float64(size.W) - px(tw+3.2*u), float64(size.H) - h - px(0.8*u), px(tw + 2.4*u), h}
	l.rect(RoleOfflineBack, 0, r, ColorBackground)
	l.text(RoleOffline, 0, r, w.offline, fs, false, ColorAlert, AlignCenter, true)
}

// width measures a fixed label once per size.
func (l *Layouter) width(text string, size float64, bold bool) float64 {
	k := labelKey{text, size, bold}
	if v, ok := l.labels[k]; ok {
		return v
	}
	if len(l.labels) > 256 { // sizes change only with the screen; forget old ones
		clear(l.labels)
	}
	v := l.measure(text, size, bold)
	l.labels[k] = v
	return v
}

// fit returns text fitted to maxW: at size if it fits, else smaller down
// to minSize, else cut with an ellipsis at minSize. The result is cached in c.
func (l *Layouter) fit(c *fitted, text string, size, minSize, maxW float64, bold bool) (string, float64) {
	if c.in == text && c.size == size && c.minSize == minSize && c.max == maxW && c.bold == bold && c.out != "" {
		return c.out, c.outSize
	}
	c.in, c.size, c.minSize, c.max, c.bold = text, size, minSize, maxW, bold
	c.out, c.outSize = fitText(l.measure, text, size, minSize, maxW, bold)
	if c.out == "" {
		c.in = "" // nothing to cache; keeps the check above simple
	}
	return c.out, c.outSize
}

func fitText(m Measure, text string, size, minSize, maxW float64, bold bool) (string, float64) {
	minSize = min(minSize, size)
	w := m(text, size, bold)
	if w <= maxW || text == "" {
		return text, size
	}
	// Width grows with the size about linearly: guess, then step down.
	for s := math.Floor(size * maxW / w); s >= minSize; s-- {
		if m(text, s, bold) <= maxW {
			return text, s
		}
	}
	runes := []rune(text)
	cut := func(n int) string {
		return strings.TrimRight(string(runes[:n]), " ,.;:-–—") + "…"
	}
	lo, hi := 0, len(runes)
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if m(cut(mid), minSize, bold) <= maxW {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return cut(lo), minSize
}

// textAt is fit for texts that are not part of a row, each in its own slot.
func (l *Layouter) textAt(slot int, text string, size, minSize, maxW float64, bold bool) (string, float64) {
	for len(l.texts) <= slot {
		l.texts = append(l.texts, fitted{})
	}
	return l.fit(&l.texts[slot], text, size, minSize, maxW, bold)
}

// num returns n in decimal without allocating for the numbers a board shows.
func (l *Layouter) num(n int) string {
	if n < 0 || n >= 1000 {
		return strconv.Itoa(n)
	}
	if l.nums == nil {
		l.nums = make([]string, 1000)
	}
	if l.nums[n] == "" {
		l.nums[n] = strconv.Itoa(n)
	}
	return l.nums[n]
}

// now sets the clock strings for now in the office's time zone. The zone is
// loaded when it changes, the strings when the minute does.
func (l *Layouter) now(tz string, now time.Time, lang string, w *words) {
	if l.loc == nil || tz != l.tz {
		l.tz, l.loc = tz, time.Local
		if tz != "" {
			if loc, err := time.LoadLocation(tz); err == nil {
				l.loc = loc
			}
		}
		l.minute = math.MinInt64
	}
	m := now.Unix() / 60
	if now.Unix() < 0 && now.Unix()%60 != 0 {
		m--
	}
	if m == l.minute && lang == l.lang {
		return
	}
	l.minute = m
	t := now.In(l.loc)
	l.clock = t.Format("15:04")
	y, mo, d := t.Date()
	if day := y*10000 + int(mo)*100 + d; day != l.day || lang != l.lang {
		l.day, l.lang = day, lang
		l.date = t.Format("02.01.2006")
		l.weekday = w.weekday(t.Weekday())
	}
}
