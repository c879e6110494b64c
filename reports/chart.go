package reports

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"eq/queue"
)

// ChartOptions are what a chart is drawn against and in which language.
type ChartOptions struct {
	// Lang is the language of the labels: "en", or Russian for anything else.
	Lang string
	// WaitTarget is where the waits chart draws its target line; 0 is
	// queue.DefaultWaitTarget (15 minutes by the regulation).
	WaitTarget time.Duration
	// Level is where the chart of the share within the target draws its
	// line, a fraction of 1; 0 is DefaultServiceLevel (95 %).
	Level float64
	// NoTitle leaves the table's title out of the picture, for a page that
	// heads the chart itself; the accessible name keeps it.
	NoTitle bool
}

// Chart draws t as an SVG bar chart: a group of bars per row, the total
// row left out. It finds its figures by Column.Key and returns ok false for
// a table it has no chart for (breaches, names it does not know) or whose
// columns are not the ones it knows, so a changed table draws nothing
// rather than nonsense.
//
// The SVG is self-contained (no scripts, fonts or links), every text in it
// is escaped, and the same table and options give the same bytes. A table
// with no rows but the total gives a chart that says it has nothing to draw.
func Chart(t Table, o ChartOptions) (svg []byte, ok bool) {
	spec, ok := chartSpecs[t.Name]
	if !ok {
		return nil, false
	}
	cols := make([]int, len(spec.series))
	for i, s := range spec.series {
		if cols[i] = chartColumn(t, s.key); cols[i] < 0 {
			return nil, false
		}
	}
	lang := chartLang(o.Lang)
	c := chart{spec: spec, lang: lang, title: chartText(t.Title, lang), noTitle: o.NoTitle}
	for _, row := range t.Rows {
		if IsTotalRow(row) {
			continue
		}
		short, full := chartRowLabel(t, row, lang)
		vals := make([]float64, len(cols))
		for i, col := range cols {
			vals[i] = math.NaN()
			if col < len(row) {
				vals[i] = chartCellValue(row[col])
			}
		}
		c.rows = append(c.rows, chartRow{label: short, full: full, values: vals})
	}
	if spec.line != nil {
		c.lineValue, c.lineLabel = spec.line(o)
		c.hasLine = true
	}
	return c.draw(), true
}

// IsTotalRow reports whether row is a table's total row: its first cell
// says «Итого».
func IsTotalRow(row []any) bool {
	if len(row) == 0 {
		return false
	}
	t, ok := row[0].(queue.Text)
	return ok && t == totalLabel
}

// chartSeries is one bar of each group: the column it reads and its name
// in the legend.
type chartSeries struct {
	key  string
	name queue.Text
}

// chartSpec is how one table is drawn.
type chartSpec struct {
	series  []chartSeries
	unit    queue.Text // over the value axis
	whole   bool       // counts: the axis steps by whole numbers
	percent bool       // the axis runs to 100 at least
	// line is the reference line, if any: its value and its label.
	line func(ChartOptions) (float64, queue.Text)
}

var chartSpecs = map[string]chartSpec{
	"attendance": {
		series: []chartSeries{
			{"issued", queue.Text{RU: "Выдано талонов", EN: "Tickets issued"}},
			{"served", queue.Text{RU: "Обслужено", EN: "Served"}},
		},
		unit:  queue.Text{RU: "человек", EN: "visitors"},
		whole: true,
	},
	"waits": {
		series: []chartSeries{
			{"wait_mean_min", queue.Text{RU: "Ожидание в среднем", EN: "Mean wait"}},
			{"wait_p90_min", queue.Text{RU: "90 % ждали не дольше", EN: "90th percentile wait"}},
		},
		unit: queue.Text{RU: "мин", EN: "min"},
		line: func(o ChartOptions) (float64, queue.Text) {
			target := o.WaitTarget
			if target <= 0 {
				target = queue.DefaultWaitTarget
			}
			m := math.Round(target.Minutes()*10) / 10
			return m, queue.Text{RU: "норма " + chartNumber(m, -1, "ru") + " мин", EN: "target " + chartNumber(m, -1, "en") + " min"}
		},
	},
	"sla": {
		series: []chartSeries{
			{"share_pct", queue.Text{RU: "Доля в пределах срока", EN: "Share within the target"}},
		},
		unit:    queue.Text{RU: "%", EN: "%"},
		percent: true,
		line: func(o ChartOptions) (float64, queue.Text) {
			level := o.Level
			if level <= 0 || level > 1 {
				level = DefaultServiceLevel
			}
			p := inPercent(level)
			return p, queue.Text{RU: "цель " + chartNumber(p, -1, "ru") + " %", EN: "target " + chartNumber(p, -1, "en") + "%"}
		},
	},
	"queue": {
		series: []chartSeries{
			{"mean", queue.Text{RU: "Ожидающих в среднем", EN: "Waiting on average"}},
			{"max", queue.Text{RU: "Ожидающих максимум", EN: "Waiting at most"}},
		},
		unit: queue.Text{RU: "человек", EN: "visitors"},
	},
	"operators": {
		series: []chartSeries{
			{"utilisation_pct", queue.Text{RU: "Загрузка", EN: "Utilisation"}},
		},
		unit:    queue.Text{RU: "%", EN: "%"},
		percent: true,
	},
	"appointments": {
		series: []chartSeries{
			{"booked", queue.Text{RU: "Записано", EN: "Booked"}},
			{"checked_in", queue.Text{RU: "Пришли", EN: "Checked in"}},
			{"missed", queue.Text{RU: "Не пришли", EN: "Missed"}},
		},
		unit:  queue.Text{RU: "записей", EN: "appointments"},
		whole: true,
	},
	"ratings": {
		series: []chartSeries{
			{"mean_mark", queue.Text{RU: "Средняя оценка", EN: "Mean mark"}},
		},
		unit: queue.Text{RU: "оценка от 1 до 5", EN: "mark, 1 to 5"},
	},
	StaffingName: {
		series: []chartSeries{
			{"windows_needed", queue.Text{RU: "Нужно окон", EN: "Windows needed"}},
			{"windows_open", queue.Text{RU: "Открыто окон", EN: "Windows open"}},
		},
		unit:  queue.Text{RU: "окон", EN: "windows"},
		whole: true,
	},
}

// The chart's colours: the Okabe–Ito blue, vermillion and bluish green,
// told apart with the common colour blindnesses and at least 3:1 against
// white, as graphics need (WCAG 1.4.11).
var chartColours = []string{"#0072b2", "#d55e00", "#009e73"}

const (
	chartInk     = "#1a1a1a"
	chartMuted   = "#4a525c" // 8:1 on white
	chartGrid    = "#dde2e8"
	chartAxis    = "#6b7480"
	chartLineInk = "#1a1a1a"
)

// The chart's geometry in SVG units; pages scale it to their width.
const (
	chartW           = 960.0
	chartH           = 360.0
	chartLeft        = 64.0
	chartRight       = chartW - 16
	chartTop         = 76.0
	chartBottom      = chartH - 48
	chartFont        = 12.0
	chartCharWidth   = 7.0  // a generous mean advance of a 12px sans-serif letter
	chartMaxBar      = 48.0 // one row must not fill the chart with one bar
	chartValueBar    = 28.0 // bars this wide and wider are labelled with their values
	chartTicksWanted = 5    // about how many steps the value axis has
)

type chartRow struct {
	label, full string
	values      []float64 // NaN: no data
}

type chart struct {
	spec      chartSpec
	lang      string
	title     string
	rows      []chartRow
	hasLine   bool
	lineValue float64
	lineLabel queue.Text
	noTitle   bool
}

// draw writes the SVG.
func (c *chart) draw() []byte {
	var b chartWriter
	names := make([]string, len(c.spec.series))
	for i, s := range c.spec.series {
		names[i] = chartText(s.name, c.lang)
	}
	label := c.title + ": " + strings.Join(names, ", ")
	if c.hasLine {
		label += "; " + chartText(c.lineLabel, c.lang)
	}
	// Without its title the picture is cut above the legend: the same
	// drawing, a shorter view of it.
	cut := 0.0
	if c.noTitle {
		cut = 26
	}
	b.printf(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 %s %s %s" width="%s" height="%s" role="img" aria-label="%s" font-family="system-ui, sans-serif" font-size="%s">`+"\n",
		chartNum(cut), chartNum(chartW), chartNum(chartH-cut), chartNum(chartW), chartNum(chartH-cut), chartEsc(label), chartNum(chartFont))
	b.printf("<title>%s</title>\n", chartEsc(label))
	if !c.noTitle {
		b.printf(`<text x="16" y="24" font-size="15" font-weight="700" fill="%s">%s</text>`+"\n", chartInk, chartEsc(c.title))
	}
	c.legend(&b, names)

	top := c.axisTop()
	ticks := chartTicks(top, chartTicksWanted, c.spec.whole)
	top = ticks[len(ticks)-1]
	y := func(v float64) float64 { return chartScale(v, top, chartBottom, chartTop) }
	decimals := chartTickDecimals(ticks)
	b.printf(`<text x="16" y="%s" fill="%s">%s</text>`+"\n", chartNum(chartTop-14), chartMuted, chartEsc(chartText(c.spec.unit, c.lang)))
	b.printf(`<g stroke="%s" stroke-width="1">`+"\n", chartGrid)
	for _, v := range ticks[1:] {
		b.printf(`<line x1="%s" y1="%s" x2="%s" y2="%s"/>`+"\n", chartNum(chartLeft), chartNum(y(v)), chartNum(chartRight), chartNum(y(v)))
	}
	b.printf("</g>\n")
	b.printf(`<g fill="%s" text-anchor="end">`+"\n", chartMuted)
	for _, v := range ticks {
		b.printf(`<text x="%s" y="%s">%s</text>`+"\n", chartNum(chartLeft-8), chartNum(y(v)+4), chartEsc(chartNumber(v, decimals, c.lang)))
	}
	b.printf("</g>\n")

	if len(c.rows) == 0 {
		none := queue.Text{RU: "Нет данных для графика", EN: "No data to chart"}
		b.printf(`<text x="%s" y="%s" text-anchor="middle" font-size="15" fill="%s">%s</text>`+"\n",
			chartNum((chartLeft+chartRight)/2), chartNum((chartTop+chartBottom)/2), chartMuted, chartEsc(chartText(none, c.lang)))
	} else {
		c.bars(&b, names, y)
		c.labels(&b)
	}
	if c.hasLine {
		ly := y(c.lineValue)
		b.printf(`<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="1.5" stroke-dasharray="6 4"/>`+"\n",
			chartNum(chartLeft), chartNum(ly), chartNum(chartRight), chartNum(ly), chartLineInk)
		b.printf(`<text x="%s" y="%s" text-anchor="end" font-weight="700" fill="%s" stroke="#fff" stroke-width="3" paint-order="stroke">%s</text>`+"\n",
			chartNum(chartRight-4), chartNum(ly-6), chartLineInk, chartEsc(chartText(c.lineLabel, c.lang)))
	}
	c.values(&b, y)
	b.printf(`<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="1"/>`+"\n",
		chartNum(chartLeft), chartNum(chartBottom), chartNum(chartRight), chartNum(chartBottom), chartAxis)
	b.printf("</svg>\n")
	return b.Bytes()
}

// legend names the series, and the reference line, in a row under the title.
func (c *chart) legend(b *chartWriter, names []string) {
	x, y := chartLeft, 48.0
	for i, name := range names {
		b.printf(`<rect x="%s" y="%s" width="12" height="12" fill="%s"/>`+"\n", chartNum(x), chartNum(y-10), chartColours[i%len(chartColours)])
		b.printf(`<text x="%s" y="%s" fill="%s">%s</text>`+"\n", chartNum(x+17), chartNum(y), chartInk, chartEsc(name))
		x += 17 + chartTextWidth(name) + 14
	}
	if c.hasLine {
		b.printf(`<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="1.5" stroke-dasharray="6 4"/>`+"\n",
			chartNum(x), chartNum(y-4), chartNum(x+22), chartNum(y-4), chartLineInk)
		b.printf(`<text x="%s" y="%s" fill="%s">%s</text>`+"\n", chartNum(x+27), chartNum(y), chartInk, chartEsc(chartText(c.lineLabel, c.lang)))
	}
}

// axisTop is the highest value the axis must reach: the data's and the
// reference line's.
func (c *chart) axisTop() float64 {
	top := 0.0
	for _, r := range c.rows {
		for _, v := range r.values {
			if !math.IsNaN(v) && !math.IsInf(v, 0) {
				top = max(top, v)
			}
		}
	}
	if c.hasLine {
		top = max(top, c.lineValue)
	}
	if c.spec.percent {
		top = max(top, 100)
	}
	return top
}

// slot is the width each row has on the plot.
func (c *chart) slot() float64 { return (chartRight - chartLeft) / float64(len(c.rows)) }

// bars draws a group of bars per row, leaving a gap where a cell is empty.
func (c *chart) bars(b *chartWriter, names []string, y func(float64) float64) {
	for i := range c.spec.series {
		b.printf(`<g fill="%s">`+"\n", chartColours[i%len(chartColours)])
		for j, r := range c.rows {
			if v := r.values[i]; drawable(v) {
				x, w := c.bar(j, i)
				top := y(v)
				b.printf(`<rect x="%s" y="%s" width="%s" height="%s"><title>%s — %s: %s</title></rect>`+"\n",
					chartNum(x), chartNum(top), chartNum(w), chartNum(chartBottom-top),
					chartEsc(r.full), chartEsc(names[i]), chartEsc(chartNumber(v, -1, c.lang)))
			}
		}
		b.printf("</g>\n")
	}
}

// values writes wide bars' values over them, which a printed page cannot
// hover for; narrow bars have only their tooltips.
func (c *chart) values(b *chartWriter, y func(float64) float64) {
	if _, w := c.bar(0, 0); len(c.rows) == 0 || w < chartValueBar {
		return
	}
	b.printf(`<g fill="%s" font-size="11" text-anchor="middle" stroke="#fff" stroke-width="3" paint-order="stroke">`+"\n", chartMuted)
	for j, r := range c.rows {
		for i, v := range r.values {
			if drawable(v) {
				x, w := c.bar(j, i)
				b.printf(`<text x="%s" y="%s">%s</text>`+"\n", chartNum(x+w/2), chartNum(y(v)-4), chartEsc(chartNumber(v, -1, c.lang)))
			}
		}
	}
	b.printf("</g>\n")
}

// bar is where series' bar of row starts and how wide it is: the bars of
// a row side by side in the middle of its slot, a fifth of which is left
// between rows while there is room.
func (c *chart) bar(row, series int) (x, width float64) {
	slot := c.slot()
	k := float64(len(c.spec.series))
	group := slot * 0.8
	if slot < 6 {
		group = slot // hundreds of rows: no room for gaps between them
	}
	group = min(group, chartMaxBar*k)
	width = group / k
	return chartLeft + float64(row)*slot + (slot-group)/2 + float64(series)*width, width
}

// drawable tells a value with a bar: no data, and 0, have none.
func drawable(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) && v > 0 }

// labels writes the rows' labels under the axis: every row's when they
// fit, else every n-th, each in up to two lines.
func (c *chart) labels(b *chartWriter) {
	slot := c.slot()
	// A label needs room for its longest word; a longer one wraps, and a
	// word past 10 letters is cut rather than every other label left out:
	// the tooltip has it whole.
	letters := 4
	for _, r := range c.rows {
		for _, w := range strings.Fields(r.label) {
			letters = max(letters, utf8.RuneCountInString(w))
		}
	}
	need := float64(min(letters, 10))*chartCharWidth + 8
	step := max(1, int(math.Ceil(need/slot)))
	width := slot*float64(step) - 6
	fit := max(3, int(width/chartCharWidth))
	b.printf(`<g fill="%s" text-anchor="middle">`+"\n", chartInk)
	for j := 0; j < len(c.rows); j += step {
		r := c.rows[j]
		x := chartLeft + (float64(j)+0.5)*slot
		b.printf(`<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s"/>`+"\n", chartNum(x), chartNum(chartBottom), chartNum(x), chartNum(chartBottom+4), chartAxis)
		lines := chartWrap(r.label, fit)
		b.printf(`<text x="%s" y="%s"><title>%s</title>`, chartNum(x), chartNum(chartBottom+18), chartEsc(r.full))
		for i, l := range lines {
			if i == 0 {
				b.printf(`<tspan x="%s">%s</tspan>`, chartNum(x), chartEsc(l))
			} else {
				b.printf(`<tspan x="%s" dy="15">%s</tspan>`, chartNum(x), chartEsc(l))
			}
		}
		b.printf("</text>\n")
	}
	b.printf("</g>\n")
}

// chartWrap breaks s into at most two lines of at most fit letters, at
// spaces where it can, cutting the rest with an ellipsis.
func chartWrap(s string, fit int) []string {
	if utf8.RuneCountInString(s) <= fit {
		return []string{s}
	}
	words := strings.Fields(s)
	first := ""
	rest := words
	for i, w := range words {
		next := w
		if first != "" {
			next = first + " " + w
		}
		if utf8.RuneCountInString(next) > fit {
			break
		}
		first, rest = next, words[i+1:]
	}
	if first == "" { // a first word longer than a line
		return []string{chartCut(s, fit)}
	}
	if len(rest) == 0 {
		return []string{first}
	}
	return []string{first, chartCut(strings.Join(rest, " "), fit)}
}

// chartCut shortens s to fit letters, the last of them an ellipsis.
func chartCut(s string, fit int) string {
	if utf8.RuneCountInString(s) <= fit {
		return s
	}
	r := []rune(s)
	return strings.TrimRight(string(r[:fit-1]), " ") + "…"
}

// chartTicks returns the ticks of a value axis from 0 to the first tick at
// or above top, about want steps of 1, 2 or 5 times a power of ten; whole
// keeps steps at 1 or more, for counts. An axis with nothing above 0 runs
// to 1.
func chartTicks(top float64, want int, whole bool) []float64 {
	if !(top > 0) || math.IsInf(top, 0) {
		top = 1
	}
	raw := top / float64(max(want, 1))
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	var step float64
	switch f := raw / mag; {
	case f <= 1:
		step = mag
	case f <= 2:
		step = 2 * mag
	case f <= 5:
		step = 5 * mag
	default:
		step = 10 * mag
	}
	if whole && step < 1 {
		step = 1
	}
	n := int(math.Ceil(top/step - 1e-9))
	ticks := make([]float64, n+1)
	for i := range ticks {
		// i·step, not a running sum: no creeping 0.30000000000000004.
		ticks[i] = chartRound(float64(i)*step, step)
	}
	return ticks
}

// chartRound rounds v to the decimals step has.
func chartRound(v, step float64) float64 {
	d := math.Pow(10, float64(chartDecimals(step)))
	return math.Round(v*d) / d
}

// chartDecimals is how many decimals a step of 1, 2 or 5 times a power of ten
// needs: 0 for 1 and more, 1 for 0.5, 2 for 0.05.
func chartDecimals(step float64) int {
	if step >= 1 || step <= 0 {
		return 0
	}
	return int(math.Ceil(-math.Log10(step) - 1e-9))
}

func chartTickDecimals(ticks []float64) int {
	if len(ticks) < 2 {
		return 0
	}
	return chartDecimals(ticks[1] - ticks[0])
}

// chartScale maps v of an axis from 0 to top onto the pixels from lo (at 0) to
// hi (at top). A top of 0 or less maps everything to lo.
func chartScale(v, top, lo, hi float64) float64 {
	if !(top > 0) {
		return lo
	}
	return lo + (hi-lo)*v/top
}

// chartNumber writes v with decimals places (-1: as few as it needs) and
// a decimal comma in Russian.
func chartNumber(v float64, decimals int, lang string) string {
	s := strconv.FormatFloat(v, 'f', decimals, 64)
	if lang != "en" {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}

// chartCellValue is a cell as a number, NaN when it holds none.
func chartCellValue(v any) float64 {
	switch x := v.(type) {
	case int:
		return float64(x)
	case int64:
		return float64(x)
	case float64:
		return x
	}
	return math.NaN()
}

// chartRowLabel names a row on the chart: short under the axis, full in its
// tooltip. Days are shortened to the day and month; services and operators
// go by name; operators' rows by another grouping name both.
func chartRowLabel(t Table, row []any, lang string) (short, full string) {
	first := ""
	if len(row) > 0 {
		first = chartCellText(row[0], lang)
		full = first
	}
	short = first
	if len(row) > 0 && len(t.Columns) > 0 {
		switch key := t.Columns[0].Key; {
		case key == "day":
			if d, err := time.Parse(time.DateOnly, first); err == nil {
				short = d.Format("02.01")
				if lang == "en" {
					short = d.Format("Jan 2")
				}
			}
		case key == "window":
			if _, ok := row[0].(int); ok {
				short = chartText(queue.Text{RU: "Окно ", EN: "Window "}, lang) + first
				full = short
			}
		}
	}
	for _, key := range []string{"name", "operator_name"} {
		i := chartColumn(t, key)
		if i < 0 || i >= len(row) {
			continue
		}
		name := chartCellText(row[i], lang)
		if name == "" {
			continue
		}
		if key == "name" {
			short, full = name, name
		} else {
			short, full = short+" · "+name, full+" · "+name
		}
	}
	return short, full
}

// chartCellText is a cell as plain text in lang; nil is empty.
func chartCellText(v any, lang string) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case queue.Text:
		return chartText(x, lang)
	case float64:
		return chartNumber(x, -1, lang)
	}
	return fmt.Sprint(v)
}

func chartColumn(t Table, key string) int {
	for i, c := range t.Columns {
		if c.Key == key {
			return i
		}
	}
	return -1
}

func chartLang(lang string) string {
	if lang == "en" {
		return "en"
	}
	return "ru"
}

// chartText is t in lang, the Russian when there is no English.
func chartText(t queue.Text, lang string) string {
	if lang == "en" && t.EN != "" {
		return t.EN
	}
	return t.RU
}

// chartTextWidth guesses how wide s is drawn at the chart's font size.
func chartTextWidth(s string) float64 { return float64(utf8.RuneCountInString(s)) * chartCharWidth }

// chartNum writes a coordinate to 0.01, without trailing zeros.
func chartNum(v float64) string {
	s := strconv.FormatFloat(math.Round(v*100)/100, 'f', 2, 64)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	if s == "-0" {
		return "0"
	}
	return s
}

// chartEsc escapes s for XML text and attributes, replacing characters XML
// cannot hold.
func chartEsc(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s)) //nolint:errcheck // a strings.Builder does not fail
	return b.String()
}

type chartWriter struct{ bytes.Buffer }

func (w *chartWriter) printf(format string, args ...any) { fmt.Fprintf(&w.Buffer, format, args...) }
