package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"
	"github.com/xuri/excelize/v2"

	"eq/configs"
	"eq/queue"
	"eq/queue/store"
	"eq/reports"
)

// reportDay is the Monday of reportDB's small day.
const reportDay = "2026-11-23"

// reportDB makes a database holding a small day of the demo office, played
// through the real engine: three passport tickets at 09:00, one served at
// window 1 for 7 minutes, one not come, one left waiting.
func reportDB(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	cfg := configs.Demo()
	db := filepath.Join(t.TempDir(), "eq.db")
	st, err := store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	state, err := store.Load(ctx, st, cfg.Office)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, cfg.Office.Location)
	eng := queue.NewEngine(state, st, queue.ClockFunc(func() time.Time { return now }), nil)
	if err := eng.Roll(ctx); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, err := eng.Issue(ctx, queue.IssueRequest{Service: "passport"}); err != nil {
			t.Fatal(err)
		}
	}
	for _, step := range []struct {
		after  time.Duration
		action queue.Action
	}{
		{0, queue.ActionOpen}, {2 * time.Minute, queue.ActionCallNext}, {0, queue.ActionStart},
		{7 * time.Minute, queue.ActionFinish}, {0, queue.ActionCallNext}, {3 * time.Minute, queue.ActionNoShow},
	} {
		now = now.Add(step.after)
		if _, err := eng.WindowAction(ctx, queue.WindowCommand{Window: 1, Action: step.action,
			Actor: queue.Actor{Login: "op1", Role: queue.RoleOperator}}); err != nil {
			t.Fatalf("%s: %v", step.action, err)
		}
	}
	return db
}

// runReportCmd runs eq report with args over db for reportDay, failing the
// test on a non-zero exit.
func runReportCmd(t *testing.T, db string, args ...string) string {
	t.Helper()
	args = append([]string{"report"}, args...)
	args = append(args, "--db", db, "--from", reportDay, "--to", reportDay)
	code, out, errOut := runEQ("", args...)
	if code != 0 {
		t.Fatalf("eq %s: exit %d: %s", strings.Join(args, " "), code, errOut)
	}
	return out
}

// readReportCSV parses a CSV file eq report wrote, byte order mark and all.
func readReportCSV(t *testing.T, data []byte) [][]string {
	t.Helper()
	rest, ok := bytes.CutPrefix(data, []byte("\ufeff"))
	if !ok {
		t.Errorf("the CSV has no byte order mark")
	}
	recs, err := csv.NewReader(bytes.NewReader(rest)).ReadAll()
	if err != nil {
		t.Fatalf("the CSV does not parse: %v", err)
	}
	return recs
}

// reportColumn is the value of the column titled title in rec of recs.
func reportColumn(t *testing.T, recs [][]string, rec int, title string) string {
	t.Helper()
	i := slices.Index(recs[0], title)
	if i < 0 {
		t.Fatalf("no column %q in %q", title, recs[0])
	}
	return recs[rec][i]
}

func TestReport(t *testing.T) {
	db := reportDB(t)
	dir := t.TempDir()

	csvPath := filepath.Join(dir, "attendance.csv")
	runReportCmd(t, db, "attendance", "--format", "csv", "--out", csvPath)
	data, err := os.ReadFile(csvPath)
	if err != nil {
		t.Fatal(err)
	}
	recs := readReportCSV(t, data)
	t.Run("the CSV counts the day", func(t *testing.T) {
		if len(recs) != 3 {
			t.Fatalf("records = %q, want the header, the day and the total", recs)
		}
		for rec, key := range map[int]string{1: reportDay, 2: "Итого"} {
			if got := reportColumn(t, recs, rec, "День"); got != key {
				t.Errorf("row %d is %q, want %q", rec, got, key)
			}
			for title, want := range map[string]string{"Выдано талонов": "3", "Обслужено": "1", "Не явились": "1", "Отменены": "0"} {
				if got := reportColumn(t, recs, rec, title); got != want {
					t.Errorf("%s %s = %q, want %q", key, title, got, want)
				}
			}
		}
	})

	t.Run("text is an aligned table under the title and the period", func(t *testing.T) {
		out := runReportCmd(t, db, "attendance")
		lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
		if !strings.HasPrefix(lines[0], "Посещаемость — ") || !strings.HasSuffix(lines[0], "23.11.2026") || lines[1] != "" {
			t.Errorf("title lines %q", lines[:2])
		}
		table := lines[2:]
		if len(table) != len(recs) {
			t.Fatalf("table lines %q, want %d", table, len(recs))
		}
		// Every column starts at the same place on every line.
		gap := regexp.MustCompile(`\S  +`)
		starts := func(line string) []int {
			var out []int
			for _, m := range gap.FindAllStringIndex(line, -1) {
				out = append(out, len([]rune(line[:m[1]])))
			}
			return out
		}
		for i, line := range table {
			if got, want := starts(line), starts(table[0]); !slices.Equal(got, want) {
				t.Errorf("line %d %q has columns at %v, the header at %v", i, line, got, want)
			}
		}
		for i, line := range table[1:] {
			if got := strings.Fields(line); !slices.Equal(got, recs[i+1]) {
				t.Errorf("text row %q, the CSV's %q", got, recs[i+1])
			}
		}
	})

	t.Run("JSON is as the API gives it", func(t *testing.T) {
		var rep struct {
			Name, From, To, By string
			Title              queue.Text
			Columns            []reports.Column
			Rows               [][]any
		}
		if err := json.Unmarshal([]byte(runReportCmd(t, db, "attendance", "--format", "json", "--by", "window")), &rep); err != nil {
			t.Fatal(err)
		}
		if rep.Name != "attendance" || rep.From != reportDay || rep.To != reportDay || rep.By != "window" || rep.Title.EN != "Attendance" {
			t.Errorf("report %+v", rep)
		}
		if len(rep.Rows) < 2 || rep.Rows[0][0] != 1.0 || rep.Columns[0].Key != "window" {
			t.Errorf("rows %v, want window 1 first", rep.Rows)
		}
	})

	t.Run("the XLSX holds the CSV's cells", func(t *testing.T) {
		path := filepath.Join(dir, "attendance.xlsx")
		if out := runReportCmd(t, db, "attendance", "--format", "xlsx", "--out", path); out != "" {
			t.Errorf("stdout %q, want nothing", out)
		}
		f, err := excelize.OpenFile(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if got := f.GetSheetList(); !slices.Equal(got, []string{"Посещаемость"}) {
			t.Fatalf("sheets %q", got)
		}
		rows, err := f.GetRows("Посещаемость", excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.EqualFunc(rows[1:], recs, slices.Equal) {
			t.Errorf("sheet rows\n%q\nwant\n%q", rows[1:], recs)
		}
		if typ, _ := f.GetCellType("Посещаемость", "B3"); typ != excelize.CellTypeUnset && typ != excelize.CellTypeNumber {
			t.Errorf("B3 is of type %v, want a number", typ)
		}
	})

	t.Run("English headers", func(t *testing.T) {
		out := runReportCmd(t, db, "attendance", "--lang", "en", "--format", "csv")
		if got := readReportCSV(t, []byte(out)); reportColumn(t, got, 1, "Tickets issued") != "3" || reportColumn(t, got, 2, "Day") != "Total" {
			t.Errorf("English CSV %q", got)
		}
	})

	t.Run("all gives every report", func(t *testing.T) {
		var list []struct {
			Name  string
			Title queue.Text
		}
		if err := json.Unmarshal([]byte(runReportCmd(t, db, "all", "--format", "json")), &list); err != nil {
			t.Fatal(err)
		}
		var names []string
		var tables []reports.Table
		for _, r := range list {
			names = append(names, r.Name)
			tables = append(tables, reports.Table{Title: r.Title})
		}
		if !slices.Equal(names, reports.Names) {
			t.Fatalf("all as JSON lists %q, want %q", names, reports.Names)
		}

		text := runReportCmd(t, db, "all")
		last := -1
		for _, r := range list {
			i := strings.Index(text, r.Title.RU+" — ")
			if i <= last {
				t.Errorf("the text has %q at %d, after the previous at %d", r.Title.RU, i, last)
			}
			last = i
		}

		path := filepath.Join(dir, "all.xlsx")
		runReportCmd(t, db, "all", "--format", "xlsx", "--out", path)
		f, err := excelize.OpenFile(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if got, want := f.GetSheetList(), reports.SheetNames(tables, "ru"); !slices.Equal(got, want) {
			t.Errorf("sheets %q, want %q", got, want)
		}
	})

	t.Run("the help names every report", func(t *testing.T) {
		code, out, _ := runEQ("", "report", "--help")
		for _, name := range append(slices.Clone(reports.Names), reportAll) {
			if code != 0 || !strings.Contains(out, "  "+name+" ") {
				t.Errorf("the help lacks %s:\n%s", name, out)
			}
		}
	})
}

func TestReportRefuses(t *testing.T) {
	db := reportDB(t)
	dir := t.TempDir()
	kept := filepath.Join(dir, "kept.csv")
	if err := os.WriteFile(kept, []byte("keep"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		want string // in the message
	}{
		{"an unknown report", []string{"nonsense"}, "nonsense"},
		{"no report named", []string{}, "назовите"},
		{"a date not as YYYY-MM-DD", []string{"attendance", "--from", "23.11.2026"}, "--from"},
		{"an impossible date", []string{"attendance", "--to", "2026-02-30"}, "--to"},
		{"a start after the end", []string{"attendance", "--from", "2026-11-24", "--to", "2026-11-23"}, "--from"},
		{"an unknown format", []string{"attendance", "--format", "pdf"}, "--format"},
		{"an unknown language", []string{"attendance", "--lang", "de"}, "--lang"},
		{"an unknown grouping", []string{"attendance", "--by", "week"}, "--by"},
		{"all as one CSV", []string{"all", "--format", "csv"}, "xlsx"},
		{"a database that is not there", []string{"attendance", "--db", filepath.Join(dir, "none.db")}, "none.db"},
	}
	for _, tc := range tests {
		t.Run(tc.name+" is an error and writes nothing", func(t *testing.T) {
			for _, out := range []string{filepath.Join(dir, "new.csv"), kept} {
				args := append([]string{"report"}, tc.args...)
				if !slices.Contains(tc.args, "--db") {
					args = append(args, "--db", db)
				}
				code, stdout, stderr := runEQ("", append(args, "--out", out)...)
				if code == 0 || !strings.Contains(stderr, tc.want) || stdout != "" {
					t.Errorf("exit %d, stdout %q, stderr %q; want an error naming %q", code, stdout, stderr, tc.want)
				}
				data, err := os.ReadFile(out)
				if out == kept && string(data) != "keep" {
					t.Errorf("%s was overwritten with %q", out, data)
				}
				if out != kept && !os.IsNotExist(err) {
					t.Errorf("%s was written", out)
				}
			}
		})
	}
	t.Run("a workbook to a terminal is refused with a hint", func(t *testing.T) {
		ptmx, tty, err := pty.Open()
		if err != nil {
			t.Skipf("no pseudo-terminal: %v", err)
		}
		defer ptmx.Close()
		defer tty.Close()
		err = runReport(context.Background(), &reportOptions{db: db, name: "attendance", by: "day", format: "xlsx", lang: "ru"},
			time.Now(), tty)
		if err == nil || !strings.Contains(err.Error(), "--out") {
			t.Errorf("err = %v, want a hint to use --out", err)
		}
	})
}

func TestReportPeriodDefaults(t *testing.T) {
	db := reportDB(t)
	for _, tc := range []struct {
		name     string
		now      time.Time
		from, to string
	}{
		{"the month so far", time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC), "2026-11-01", "2026-11-23"},
		{"today is the office's: past midnight in Moscow is the next month", time.Date(2026, 11, 30, 22, 30, 0, 0, time.UTC), "2026-12-01", "2026-12-01"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := runReport(context.Background(), &reportOptions{db: db, name: "attendance", by: "day", format: "json", lang: "ru"}, tc.now, &b); err != nil {
				t.Fatal(err)
			}
			var rep struct{ From, To string }
			if err := json.Unmarshal(b.Bytes(), &rep); err != nil {
				t.Fatal(err)
			}
			if rep.From != tc.from || rep.To != tc.to {
				t.Errorf("period %s to %s, want %s to %s", rep.From, rep.To, tc.from, tc.to)
			}
		})
	}
	t.Run("a given end takes the first of its month", func(t *testing.T) {
		var b bytes.Buffer
		o := &reportOptions{db: db, name: "attendance", by: "day", format: "json", lang: "ru", to: "2026-10-15"}
		if err := runReport(context.Background(), o, time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC), &b); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(b.String(), `"from":"2026-10-01","to":"2026-10-15"`) {
			t.Errorf("report %s", b.String())
		}
	})
}
