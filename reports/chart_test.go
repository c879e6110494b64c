package reports

import (
	"bytes"
	"encoding/xml"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"eq/queue"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func TestChartAxisTicks(t *testing.T) {
	tests := []struct {
		name  string
		top   float64
		whole bool
		want  []float64
	}{
		{"counts up to 12 step by 5", 12, true, []float64{0, 5, 10, 15}},
		{"counts up to 3 step by 1, not by 0.5", 3, true, []float64{0, 1, 2, 3}},
		{"a count of 1 is one step", 1, true, []float64{0, 1}},
		{"minutes up to 7.3 step by 2", 7.3, false, []float64{0, 2, 4, 6, 8}},
		{"a top on a step ends there", 15, false, []float64{0, 5, 10, 15}},
		{"percentages step by 20", 100, false, []float64{0, 20, 40, 60, 80, 100}},
		{"small fractions step by 0.1 without drift", 0.43, false, []float64{0, 0.1, 0.2, 0.3, 0.4, 0.5}},
		{"thousands step by 500", 2100, true, []float64{0, 500, 1000, 1500, 2000, 2500}},
		{"all zeros run to 1", 0, true, []float64{0, 1}},
		{"all zeros in minutes run to 1", 0, false, []float64{0, 0.2, 0.4, 0.6, 0.8, 1}},
		{"NaN runs to 1", math.NaN(), true, []float64{0, 1}},
		{"negative runs to 1", -3, true, []float64{0, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := chartTicks(tt.top, chartTicksWanted, tt.whole)
			if !slices.Equal(got, tt.want) {
				t.Errorf("axisTicks(%v, %d, %v) = %v, want %v", tt.top, chartTicksWanted, tt.whole, got, tt.want)
			}
		})
	}
}

func TestChartScale(t *testing.T) {
	tests := []struct {
		name         string
		v, top       float64
		lo, hi, want float64
	}{
		{"zero is at the bottom", 0, 15, 300, 100, 300},
		{"the top is at the top", 15, 15, 300, 100, 100},
		{"halfway is halfway", 7.5, 15, 300, 100, 200},
		{"a zero top does not divide by zero", 3, 0, 300, 100, 300},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := chartScale(tt.v, tt.top, tt.lo, tt.hi); got != tt.want {
				t.Errorf("scale(%v, %v, %v, %v) = %v, want %v", tt.v, tt.top, tt.lo, tt.hi, got, tt.want)
			}
		})
	}
}

func TestChartNumbers(t *testing.T) {
	tests := []struct {
		v        float64
		decimals int
		lang     string
		want     string
	}{
		{2.5, -1, "ru", "2,5"},
		{2.5, -1, "en", "2.5"},
		{0.2, 1, "ru", "0,2"},
		{15, -1, "ru", "15"},
		{20, 0, "en", "20"},
	}
	for _, tt := range tests {
		if got := chartNumber(tt.v, tt.decimals, tt.lang); got != tt.want {
			t.Errorf("formatNumber(%v, %d, %q) = %q, want %q", tt.v, tt.decimals, tt.lang, got, tt.want)
		}
	}
}

func TestChartWrapLabel(t *testing.T) {
	tests := []struct {
		s    string
		fit  int
		want []string
	}{
		{"23.11", 10, []string{"23.11"}},
		{"Регистрация по месту жительства", 15, []string{"Регистрация по", "месту жительст…"}},
		{"Паспорт гражданина", 10, []string{"Паспорт", "гражданина"}},
		{"Сверхдлинноеслово и ещё", 8, []string{"Сверхдл…"}},
	}
	for _, tt := range tests {
		if got := chartWrap(tt.s, tt.fit); !slices.Equal(got, tt.want) {
			t.Errorf("wrapLabel(%q, %d) = %q, want %q", tt.s, tt.fit, got, tt.want)
		}
	}
}

// The tables of the golden charts are written out by hand, as Report.Table
// lays them out, so that a change of the figures does not move the
// pictures; TestChartOfEveryTable checks the keys against Report.Table.

func attendanceByDay() Table {
	r := &Report{By: ByDay,
		Attendance: []Attendance{
			{Key: "2026-11-23", Issued: 42, Served: 38, NoShow: 2, Open: 2, Live: 40, Appointment: 2},
			{Key: "2026-11-24", Issued: 57, Served: 55, Cancelled: 2, Live: 50, Appointment: 7},
			{Key: "2026-11-25", Issued: 0, Served: 0},
			{Key: "2026-11-26", Issued: 31, Served: 31, Live: 31},
		},
		Total: Totals{Attendance: Attendance{Issued: 130, Served: 124, NoShow: 2, Cancelled: 2, Open: 2, Live: 121, Appointment: 9}},
	}
	return r.attendanceTable()
}

func waitsByService() Table {
	office := &queue.Office{Location: time.UTC, Services: []queue.Service{
		{ID: "passport", Name: queue.Text{RU: "Паспорт гражданина РФ", EN: "Russian passport"}},
		{ID: "odd", Name: queue.Text{RU: `Услуга <b> & "кавычки"`, EN: `Service <b> & "quotes"`}},
		{ID: "registration", Name: queue.Text{RU: "Регистрация по месту жительства", EN: "Registration at the place of residence"}},
	}}
	r := &Report{By: ByService, office: office,
		Waits: []Times{
			{Key: "passport", Waits: 20, WaitMean: 6.5 * 60, WaitP90: 14 * 60, Services: 20, ServiceMean: 600},
			{Key: "odd", Waits: 4, WaitMean: 18 * 60, WaitP90: 27.5 * 60},
			{Key: "registration", Services: 2, ServiceMean: 300}, // no one called: no waits
		},
		Total: Totals{Waits: Times{Waits: 24, WaitMean: 8.4 * 60, WaitP90: 20 * 60}},
	}
	return r.waitsTable()
}

func slaByHour() Table {
	r := &Report{By: ByHour,
		SLA: []SLA{
			{Key: "09", Judged: 10, Within: 10, Share: 1},
			{Key: "10", Judged: 20, Within: 17, Breached: 3, Share: 0.85},
			{Key: "11", Judged: 0},
			{Key: "12", Judged: 8, Within: 4, Breached: 4, Share: 0.5},
		},
		Total: Totals{SLA: SLA{Judged: 38, Within: 31, Breached: 7, Share: 31.0 / 38}},
	}
	return r.slaTable()
}

func TestChartGolden(t *testing.T) {
	tests := []struct {
		file  string
		table Table
		opts  ChartOptions
	}{
		{"attendance_day_ru.svg", attendanceByDay(), ChartOptions{Lang: "ru"}},
		{"waits_service_en.svg", waitsByService(), ChartOptions{Lang: "en", WaitTarget: 15 * time.Minute}},
		{"sla_hour_ru.svg", slaByHour(), ChartOptions{Lang: "ru"}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			got, ok := Chart(tt.table, tt.opts)
			if !ok {
				t.Fatalf("Chart(%s) drew nothing", tt.table.Name)
			}
			wellFormed(t, got)
			path := filepath.Join("testdata", tt.file)
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -run TestChartGolden -update ./reports to write it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from the golden file; look at it and run with -update if the change is meant\n got: %s", path, got)
			}
			again, _ := Chart(tt.table, tt.opts)
			if !bytes.Equal(got, again) {
				t.Errorf("two charts of the same table differ")
			}
		})
	}
}

// wellFormed decodes svg as XML to its end and returns its character data.
func wellFormed(t *testing.T, svg []byte) string {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(svg))
	var text strings.Builder
	root := ""
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("the SVG is not well-formed XML: %v\n%s", err, svg)
		}
		switch x := tok.(type) {
		case xml.StartElement:
			if root == "" {
				root = x.Name.Local
				attrs := map[string]string{}
				for _, a := range x.Attr {
					attrs[a.Name.Local] = a.Value
				}
				if x.Name.Space != "http://www.w3.org/2000/svg" || attrs["role"] != "img" || attrs["aria-label"] == "" {
					t.Errorf("root %v %v: want an svg in the SVG namespace with role=img and an aria-label", x.Name, x.Attr)
				}
			}
		case xml.CharData:
			text.Write(x)
			text.WriteByte('\n')
		}
	}
	if root != "svg" {
		t.Errorf("root element %q, want svg", root)
	}
	if bytes.Contains(svg, []byte("<script")) || bytes.Contains(svg, []byte("href")) || bytes.Contains(svg, []byte("url(")) {
		t.Errorf("the SVG reaches outside itself or runs scripts:\n%s", svg)
	}
	return text.String()
}

func TestChartEscapesNames(t *testing.T) {
	for _, lang := range []string{"ru", "en"} {
		svg, ok := Chart(waitsByService(), ChartOptions{Lang: lang})
		if !ok {
			t.Fatal("no chart")
		}
		text := wellFormed(t, svg)
		want := `Услуга <b> & "кавычки"`
		if lang == "en" {
			want = `Service <b> & "quotes"`
		}
		if !strings.Contains(text, want) {
			t.Errorf("%s: the decoded text lacks %q:\n%s", lang, want, text)
		}
		if bytes.Contains(svg, []byte("<b>")) {
			t.Errorf("%s: a name's markup reached the SVG unescaped", lang)
		}
	}
}

func TestChartOfEveryTable(t *testing.T) {
	r := &Report{By: ByDay,
		Attendance:   []Attendance{{Key: "2026-11-23", Issued: 1}},
		Waits:        []Times{{Key: "2026-11-23", Waits: 1, WaitMean: 60}},
		SLA:          []SLA{{Key: "2026-11-23", Judged: 1, Within: 1, Share: 1}},
		Operators:    []Workload{{Key: "2026-11-23", Operator: "op1", SignedIn: 3600, Serving: 1800, Utilisation: 0.5}},
		Appointments: []Appointments{{Key: "2026-11-23", Booked: 2, CheckedIn: 1}},
		Queue:        []QueueLength{{Key: "2026-11-23", Mean: 1.5, Max: 3, Observed: 3600}},
		Ratings:      []Ratings{{Key: "2026-11-23", Count: 2, Mean: 4.5, Marks: [queue.MaxMark]int{0, 0, 0, 1, 1}, NoReason: 2}},
		Breaches:     []Breach{{Day: "2026-11-23", Number: "П001", Waited: 1200, Target: 900}},
	}
	for _, name := range TableNames {
		t.Run(name, func(t *testing.T) {
			tab, err := r.Table(name)
			if err != nil {
				t.Fatal(err)
			}
			svg, ok := Chart(tab, ChartOptions{})
			if name == "breaches" {
				if ok {
					t.Errorf("breaches drew a chart: a list of tickets has none")
				}
				return
			}
			if !ok {
				t.Fatalf("no chart of %s: its columns %v are not the ones the chart reads", name, tab.Columns)
			}
			wellFormed(t, svg)
			if n := bytes.Count(svg, []byte("<rect ")); n < 2 { // a legend swatch and a bar at least
				t.Errorf("%s: %d rects, want a bar", name, n)
			}
		})
	}
}

func TestChartStaffing(t *testing.T) {
	tab := Table{Name: StaffingName, Title: queue.Text{RU: "Окна по часам", EN: "Staffing"},
		Columns: []Column{{"hour", "Час", "Hour"}, {"windows_needed", "Нужно", "Needed"}, {"windows_open", "Открыто", "Open"}},
		Rows:    [][]any{{"09:00", 3, 2}, {"10:00", 4, 4}, {totalLabel, 7, 6}}}
	svg, ok := Chart(tab, ChartOptions{Lang: "en"})
	if !ok {
		t.Fatal("no chart of the staffing table")
	}
	text := wellFormed(t, svg)
	for _, want := range []string{"Windows needed", "Windows open", "09:00", "10:00"} {
		if !strings.Contains(text, want) {
			t.Errorf("the chart lacks %q", want)
		}
	}
}

func TestChartLeavesOut(t *testing.T) {
	t.Run("the total row", func(t *testing.T) {
		svg, _ := Chart(attendanceByDay(), ChartOptions{})
		if text := wellFormed(t, svg); strings.Contains(text, "Итого") {
			t.Errorf("the total is drawn as a group:\n%s", text)
		}
		// 3 days with visitors × 2 series; the day with none has no bars.
		if got := bytes.Count(svg, []byte("<rect ")) - 2; got != 6 {
			t.Errorf("%d bars, want 6", got)
		}
	})
	t.Run("empty cells, as gaps", func(t *testing.T) {
		svg, _ := Chart(slaByHour(), ChartOptions{})
		text := wellFormed(t, svg)
		if got := bytes.Count(svg, []byte("<rect ")) - 1; got != 3 {
			t.Errorf("%d bars, want 3: the hour nobody was judged in has no share", got)
		}
		if !strings.Contains(text, "11:00") {
			t.Errorf("the hour without a share lost its label")
		}
	})
}

func TestChartRefuses(t *testing.T) {
	t.Run("a table it does not know", func(t *testing.T) {
		if _, ok := Chart(Table{Name: "weather"}, ChartOptions{}); ok {
			t.Error("drew a chart of an unknown table")
		}
	})
	t.Run("a table whose columns changed", func(t *testing.T) {
		tab := attendanceByDay()
		tab.Columns = slices.Clone(tab.Columns)
		tab.Columns[chartColumn(tab, "served")].Key = "done"
		if _, ok := Chart(tab, ChartOptions{}); ok {
			t.Error("drew a chart without the served column")
		}
	})
	t.Run("breaches", func(t *testing.T) {
		if _, ok := Chart(Table{Name: "breaches"}, ChartOptions{}); ok {
			t.Error("drew a chart of breaches")
		}
	})
}

func TestChartShapes(t *testing.T) {
	t.Run("no rows says so", func(t *testing.T) {
		tab := attendanceByDay()
		tab.Rows = tab.Rows[len(tab.Rows)-1:] // the total only
		svg, ok := Chart(tab, ChartOptions{Lang: "en"})
		if !ok {
			t.Fatal("no chart")
		}
		if text := wellFormed(t, svg); !strings.Contains(text, "No data to chart") {
			t.Errorf("an empty chart does not say so:\n%s", text)
		}
	})
	t.Run("one row draws bars no wider than a bar", func(t *testing.T) {
		tab := attendanceByDay()
		tab.Rows = [][]any{tab.Rows[0]}
		svg, _ := Chart(tab, ChartOptions{})
		wellFormed(t, svg)
		if !bytes.Contains(svg, []byte(`width="48"`)) {
			t.Errorf("one row's bars are not capped at 48:\n%s", svg)
		}
	})
	t.Run("all zeros divide by nothing", func(t *testing.T) {
		r := &Report{By: ByDay, Attendance: []Attendance{{Key: "2026-11-23"}, {Key: "2026-11-24"}}}
		svg, _ := Chart(r.attendanceTable(), ChartOptions{})
		wellFormed(t, svg)
		if bytes.Contains(svg, []byte("NaN")) || bytes.Contains(svg, []byte("Inf")) {
			t.Errorf("zeros made NaN or Inf:\n%s", svg)
		}
	})
	t.Run("a year of days labels every n-th", func(t *testing.T) {
		r := &Report{By: ByDay}
		day := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		for i := range 365 {
			r.Attendance = append(r.Attendance, Attendance{Key: day.AddDate(0, 0, i).Format(time.DateOnly), Issued: 100 + i%50, Served: 90 + i%40})
		}
		svg, _ := Chart(r.attendanceTable(), ChartOptions{})
		wellFormed(t, svg)
		if got := bytes.Count(svg, []byte("<rect ")) - 2; got != 730 {
			t.Errorf("%d bars, want 730", got)
		}
		labels := bytes.Count(svg, []byte("<tspan"))
		if labels < 10 || labels > 40 {
			t.Errorf("%d day labels under 365 days, want every n-th: 10 to 40", labels)
		}
		if !bytes.Contains(svg, []byte(">01.01<")) {
			t.Errorf("the first day is not labelled")
		}
	})
	t.Run("service names wrap rather than every other one left out", func(t *testing.T) {
		office := &queue.Office{Location: time.UTC}
		r := &Report{By: ByService, office: office}
		for i := range 10 {
			id := fmt.Sprintf("s%d", i)
			office.Services = append(office.Services, queue.Service{ID: id, Name: queue.Text{RU: "Регистрация прав и кадастровый учёт " + id}})
			r.SLA = append(r.SLA, SLA{Key: id, Judged: 4, Within: 3, Share: 0.75})
		}
		svg, _ := Chart(r.slaTable(), ChartOptions{})
		wellFormed(t, svg)
		if got := bytes.Count(svg, []byte(">Регистрация</tspan>")); got != 10 {
			t.Errorf("%d labels start with «Регистрация», want all 10", got)
		}
	})
	t.Run("without its title, the title is still its name", func(t *testing.T) {
		svg, _ := Chart(attendanceByDay(), ChartOptions{NoTitle: true})
		wellFormed(t, svg)
		if bytes.Contains(svg, []byte(`font-size="15" font-weight="700"`)) {
			t.Errorf("the title is drawn")
		}
		if !bytes.Contains(svg, []byte(`viewBox="0 26 960 334"`)) || !bytes.Contains(svg, []byte(`aria-label="Посещаемость: `)) {
			t.Errorf("want the view cut above the legend and the title in the accessible name:\n%s", svg)
		}
	})
	t.Run("the waits line follows the target", func(t *testing.T) {
		svg, _ := Chart(waitsByService(), ChartOptions{WaitTarget: 20 * time.Minute})
		if text := wellFormed(t, svg); !strings.Contains(text, "норма 20 мин") {
			t.Errorf("no line at the 20-minute target:\n%s", text)
		}
		svg, _ = Chart(waitsByService(), ChartOptions{})
		if text := wellFormed(t, svg); !strings.Contains(text, "норма 15 мин") {
			t.Errorf("no line at the default 15 minutes:\n%s", text)
		}
	})
}
