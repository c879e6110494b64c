package server_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"eq/queue"
	"eq/reports"
	"eq/server"
)

// reportJSON is GET /api/v1/reports/{name} as a client reads it.
type reportJSON struct {
	Name    string     `json:"name"`
	Title   queue.Text `json:"title"`
	From    string     `json:"from"`
	To      string     `json:"to"`
	By      string     `json:"by"`
	Columns []struct {
		Key string `json:"key"`
		RU  string `json:"ru"`
		EN  string `json:"en"`
	} `json:"columns"`
	Rows [][]any `json:"rows"`
}

// cell is the value of column key in row, failing if there is no such column.
func (rep reportJSON) cell(t *testing.T, row []any, key string) any {
	t.Helper()
	for i, c := range rep.Columns {
		if c.Key == key {
			return row[i]
		}
	}
	t.Fatalf("report %s has no column %q", rep.Name, key)
	return nil
}

// reportCellText is a JSON cell as CSV and spreadsheets show it in lang.
func reportCellText(t *testing.T, cell any, lang string) string {
	t.Helper()
	switch v := cell.(type) {
	case nil:
		return ""
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case map[string]any:
		s, _ := v[lang].(string)
		return s
	}
	t.Fatalf("a JSON cell %v of type %T", cell, cell)
	return ""
}

// reportDay is a small day at window 1: three passport tickets, one served
// in 7 minutes, one not come, one still waiting.
func reportDay(t *testing.T) *stack {
	t.Helper()
	s := newStack(t)
	op1 := s.signIn(t, "op1")
	for range 3 {
		s.issue(t, "passport")
	}
	op1.act(t, "1", "open", "")
	s.clock.Advance(2 * time.Minute)
	op1.act(t, "1", "call-next", "")
	op1.act(t, "1", "start", "")
	s.clock.Advance(7 * time.Minute)
	op1.act(t, "1", "finish", "")
	op1.act(t, "1", "call-next", "")
	s.clock.Advance(3 * time.Minute)
	op1.act(t, "1", "no-show", "")
	return s
}

func TestReportAPI(t *testing.T) {
	t.Parallel()
	s := reportDay(t)
	manager := s.signIn(t, "manager")

	var att reportJSON
	manager.get(t, "/api/v1/reports/attendance").decode(t, http.StatusOK, &att)
	t.Run("attendance counts the day, over the month so far by default", func(t *testing.T) {
		if att.Name != "attendance" || att.Title.RU != "Посещаемость" || att.Title.EN != "Attendance" {
			t.Errorf("report %q titled %+v", att.Name, att.Title)
		}
		if att.From != "2026-11-01" || att.To != "2026-11-23" || att.By != "day" {
			t.Errorf("period %s to %s by %s, want 2026-11-01 to 2026-11-23 by day", att.From, att.To, att.By)
		}
		if len(att.Rows) != 2 {
			t.Fatalf("rows = %v, want the day and the total", att.Rows)
		}
		day, total := att.Rows[0], att.Rows[1]
		if got := att.cell(t, day, "day"); got != "2026-11-23" {
			t.Errorf("first row's day = %v", got)
		}
		if got, ok := total[0].(map[string]any); !ok || got["ru"] != "Итого" || got["en"] != "Total" {
			t.Errorf("the total row's label = %#v, want {ru: Итого, en: Total}", total[0])
		}
		for _, row := range att.Rows {
			for key, want := range map[string]float64{"issued": 3, "served": 1, "no_show": 1, "cancelled": 0} {
				if got := att.cell(t, row, key); got != want {
					t.Errorf("%v %s = %v, want %v", row[0], key, got, want)
				}
			}
		}
	})

	t.Run("the waits are in minutes", func(t *testing.T) {
		var waits reportJSON
		manager.get(t, "/api/v1/reports/waits?by=window&from=2026-11-23&to=2026-11-23").decode(t, http.StatusOK, &waits)
		if waits.By != "window" || len(waits.Rows) != 2 {
			t.Fatalf("waits by window = %+v, want window 1 and the total", waits.Rows)
		}
		if got := waits.cell(t, waits.Rows[0], "window"); got != 1.0 {
			t.Errorf("first row is window %v, want 1", got)
		}
		// Issued at 09:00, called at 09:02 and 09:09: waits of 2 and 9
		// minutes; the one served took 7.
		for key, want := range map[string]float64{"waits": 2, "wait_mean_min": 5.5, "wait_max_min": 9, "services": 1} {
			if got := waits.cell(t, waits.Rows[0], key); got != want {
				t.Errorf("window 1 %s = %v, want %v", key, got, want)
			}
		}
		if got := waits.cell(t, waits.Rows[0], "service_mean_min"); got != 7.0 {
			t.Errorf("mean service at window 1 = %v min, want 7", got)
		}
	})

	for _, lang := range []string{"ru", "en"} {
		t.Run("the CSV in "+lang+" holds the JSON's rows", func(t *testing.T) {
			r := manager.get(t, "/api/v1/reports/attendance?format=csv&lang="+lang)
			if r.Status != http.StatusOK {
				t.Fatalf("status %d: %s", r.Status, r.Body)
			}
			if ct := r.Header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
				t.Errorf("Content-Type = %q", ct)
			}
			if cd := r.Header.Get("Content-Disposition"); cd != `attachment; filename="eq-attendance-2026-11-01-2026-11-23.csv"` {
				t.Errorf("Content-Disposition = %q", cd)
			}
			body, ok := bytes.CutPrefix(r.Body, []byte("\ufeff"))
			if !ok {
				t.Errorf("the CSV has no byte order mark")
			}
			recs, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			want := [][]string{reportHeader(att, lang)}
			for _, row := range att.Rows {
				var rec []string
				for _, cell := range row {
					rec = append(rec, reportCellText(t, cell, lang))
				}
				want = append(want, rec)
			}
			if !slices.EqualFunc(recs, want, slices.Equal) {
				t.Errorf("CSV\n%q\nwant\n%q", recs, want)
			}
		})
	}

	t.Run("the XLSX holds the JSON's cells, numbers as numbers", func(t *testing.T) {
		r := manager.get(t, "/api/v1/reports/attendance?format=xlsx&from=2026-11-23")
		if r.Status != http.StatusOK {
			t.Fatalf("status %d: %s", r.Status, r.Body)
		}
		if ct := r.Header.Get("Content-Type"); ct != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" {
			t.Errorf("Content-Type = %q", ct)
		}
		if cd := r.Header.Get("Content-Disposition"); cd != `attachment; filename="eq-attendance-2026-11-23-2026-11-23.xlsx"` {
			t.Errorf("Content-Disposition = %q", cd)
		}
		f, err := excelize.OpenReader(bytes.NewReader(r.Body))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if got := f.GetSheetList(); !slices.Equal(got, []string{"Посещаемость"}) {
			t.Fatalf("sheets = %q", got)
		}
		rows, err := f.GetRows("Посещаемость", excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != len(att.Rows)+2 || !strings.HasPrefix(rows[0][0], "Посещаемость") || !strings.Contains(rows[0][0], "23.11.2026") {
			t.Fatalf("rows = %q, want the title with the period, the header and %d rows", rows, len(att.Rows))
		}
		if !slices.Equal(rows[1], reportHeader(att, "ru")) {
			t.Errorf("header = %q", rows[1])
		}
		for i, row := range att.Rows {
			for j, cell := range row {
				ref, _ := excelize.CoordinatesToCellName(j+1, i+3)
				got, _ := f.GetCellValue("Посещаемость", ref, excelize.Options{RawCellValue: true})
				if want := reportCellText(t, cell, "ru"); got != want {
					t.Errorf("%s = %q, want %q", ref, got, want)
				}
				typ, _ := f.GetCellType("Посещаемость", ref)
				_, number := cell.(float64)
				if isNumber := typ == excelize.CellTypeUnset || typ == excelize.CellTypeNumber; number && !isNumber {
					t.Errorf("%s (%v) is of type %v, want a number", ref, cell, typ)
				}
			}
		}
	})

	t.Run("all is one workbook with a sheet per report", func(t *testing.T) {
		var want []string
		for _, name := range reports.Names {
			var rep reportJSON
			manager.get(t, "/api/v1/reports/"+name+"?lang=en").decode(t, http.StatusOK, &rep)
			want = append(want, rep.Title.EN)
		}
		r := manager.get(t, "/api/v1/reports/all?format=xlsx&lang=en")
		if r.Status != http.StatusOK {
			t.Fatalf("status %d: %s", r.Status, r.Body)
		}
		if cd := r.Header.Get("Content-Disposition"); cd != `attachment; filename="eq-all-2026-11-01-2026-11-23.xlsx"` {
			t.Errorf("Content-Disposition = %q", cd)
		}
		f, err := excelize.OpenReader(bytes.NewReader(r.Body))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if got := f.GetSheetList(); !slices.Equal(got, want) {
			t.Errorf("sheets = %q, want %q", got, want)
		}
		if rows, _ := f.GetRows(want[0]); len(rows) < 2 || rows[1][1] != "Tickets issued" {
			t.Errorf("the first sheet's rows = %q, want English headers", rows)
		}
	})

	t.Run("an admin may read reports too", func(t *testing.T) {
		if r := s.signIn(t, "admin").get(t, "/api/v1/reports/sla"); r.Status != http.StatusOK {
			t.Errorf("status %d: %s", r.Status, r.Body)
		}
	})
}

// reportHeader is the report's column titles in lang.
func reportHeader(rep reportJSON, lang string) []string {
	var out []string
	for _, c := range rep.Columns {
		out = append(out, map[string]string{"ru": c.RU, "en": c.EN}[lang])
	}
	return out
}

func TestReportAPIRefused(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	manager := s.signIn(t, "manager")

	t.Run("an operator is forbidden", func(t *testing.T) {
		checkError(t, s.signIn(t, "op1").get(t, "/api/v1/reports/attendance"), http.StatusForbidden, queue.EFORBIDDEN)
	})
	t.Run("nobody signed in is unauthorized", func(t *testing.T) {
		checkError(t, s.anon().get(t, "/api/v1/reports/attendance"), http.StatusUnauthorized, queue.EUNAUTHORIZED)
		checkError(t, s.kiosk().get(t, "/api/v1/reports/attendance?format=csv"), http.StatusUnauthorized, queue.EUNAUTHORIZED)
	})
	t.Run("an unknown report is not found", func(t *testing.T) {
		checkError(t, manager.get(t, "/api/v1/reports/nonsense"), http.StatusNotFound, queue.ENOTFOUND)
		checkError(t, manager.get(t, "/api/v1/reports/nonsense?format=xlsx"), http.StatusNotFound, queue.ENOTFOUND)
	})
	for _, tc := range []struct {
		name, query, param string
	}{
		{"a date not as YYYY-MM-DD", "from=23.11.2026", "from"},
		{"an impossible date", "from=2026-02-30", "from"},
		{"a bad end date", "to=2026-11", "to"},
		{"a start after the end", "from=2026-11-24&to=2026-11-23", "from"},
		{"a start after today", "from=2026-12-01", "from"},
		{"an unknown grouping", "by=week", "by"},
		{"an unknown format", "format=pdf", "format"},
		{"an unknown language", "lang=de", "lang"},
	} {
		t.Run(tc.name+" is refused naming "+tc.param, func(t *testing.T) {
			e := checkError(t, manager.get(t, "/api/v1/reports/attendance?"+tc.query), http.StatusBadRequest, queue.EINVALID)
			if !strings.Contains(e.Error.Message, tc.param) || !strings.Contains(e.Error.MessageEN, "parameter "+tc.param) ||
				e.Error.Details["param"] != tc.param {
				t.Errorf("error %+v does not name %s", e.Error, tc.param)
			}
		})
	}
	for _, format := range []string{"json", "csv", ""} {
		t.Run("all as "+strconv.Quote(format)+" is refused: only a workbook holds them all", func(t *testing.T) {
			e := checkError(t, manager.get(t, "/api/v1/reports/all?format="+format), http.StatusBadRequest, queue.EINVALID)
			if e.Error.Details["param"] != "format" || !strings.Contains(e.Error.MessageEN, "xlsx") {
				t.Errorf("error %+v", e.Error)
			}
		})
	}
}

// failingReports fails every table, as a broken store would.
type failingReports struct{}

func (failingReports) Tables(context.Context, []string, string, string, reports.GroupBy) ([]reports.Table, error) {
	return nil, errors.New("store: disk I/O error")
}

func TestReportAPIWithoutReports(t *testing.T) {
	t.Parallel()
	t.Run("a server without reports says so", func(t *testing.T) {
		s := newStack(t, func(o *server.Options) { o.Reports = nil })
		r := s.signIn(t, "manager").get(t, "/api/v1/reports/attendance")
		checkError(t, r, http.StatusServiceUnavailable, queue.EINTERNAL)
	})
	t.Run("a failure is a clean error, not half a file", func(t *testing.T) {
		s := newStack(t, func(o *server.Options) { o.Reports = failingReports{} })
		manager := s.signIn(t, "manager")
		for _, format := range []string{"json", "csv", "xlsx"} {
			r := manager.get(t, "/api/v1/reports/attendance?format="+format)
			e := checkError(t, r, http.StatusInternalServerError, queue.EINTERNAL)
			if cd := r.Header.Get("Content-Disposition"); cd != "" {
				t.Errorf("%s: Content-Disposition %q on an error", format, cd)
			}
			if strings.Contains(e.Error.MessageEN, "disk") {
				t.Errorf("%s: the message %q leaks the cause", format, e.Error.MessageEN)
			}
		}
	})
}
