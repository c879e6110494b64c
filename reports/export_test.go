package reports_test

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"io"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/xuri/excelize/v2"

	"eq/queue"
	"eq/reports"
)

// exportHandTable has every kind of cell a table holds, and text that CSV must
// quote: commas, quotes, line breaks, Cyrillic.
func exportHandTable() reports.Table {
	return reports.Table{
		Name:  "hand",
		Title: queue.Text{RU: "Проверка: «всё» [сразу]?", EN: "Check: all/at once?"},
		Columns: []reports.Column{
			{"key", "Ключ", "Key"},
			{"name", "Название, полное", "Name, in full"},
			{"count", "Количество", "Count"},
			{"minutes", "Минуты", "Minutes"},
			{"note", "Примечание \"в кавычках\"", "Note \"quoted\""},
		},
		Rows: [][]any{
			{"2026-03-02", queue.Text{RU: "Паспорт, внутренний", EN: "Passport, internal"}, 12, 7.2, "строка с \"кавычками\", запятой\nи переносом"},
			{"09:00", queue.Text{RU: "Только по-русски", EN: ""}, 0, 4.0, nil},
			{"", nil, -3, 0.1, "=1+1"},
			{queue.Text{RU: "Итого", EN: "Total"}, nil, 9, 1234.5, ""},
		},
	}
}

// exportHandWant is exportHandTable as text in lang, the way CSV must read back.
func exportHandWant(lang string) [][]string {
	if lang == "en" {
		return [][]string{
			{"Key", "Name, in full", "Count", "Minutes", "Note \"quoted\""},
			{"2026-03-02", "Passport, internal", "12", "7.2", "строка с \"кавычками\", запятой\nи переносом"},
			{"09:00", "Только по-русски", "0", "4", ""},
			{"", "", "-3", "0.1", "=1+1"},
			{"Total", "", "9", "1234.5", ""},
		}
	}
	return [][]string{
		{"Ключ", "Название, полное", "Количество", "Минуты", "Примечание \"в кавычках\""},
		{"2026-03-02", "Паспорт, внутренний", "12", "7.2", "строка с \"кавычками\", запятой\nи переносом"},
		{"09:00", "Только по-русски", "0", "4", ""},
		{"", "", "-3", "0.1", "=1+1"},
		{"Итого", "", "9", "1234.5", ""},
	}
}

// exportTables are every table of the hand-counted day, grouped by by.
func exportTables(t *testing.T, by reports.GroupBy) []reports.Table {
	t.Helper()
	r := compute(t, runDay(t), day, day, by)
	var out []reports.Table
	for _, name := range reports.TableNames {
		tbl, err := r.Table(name)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, tbl)
	}
	return out
}

// exportText is what a table's cell reads as in lang.
func exportText(t *testing.T, cell any, lang string) string {
	t.Helper()
	s, err := reports.CellText(cell, lang)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// exportReadCSV parses b after checking and stripping its byte order mark.
func exportReadCSV(t *testing.T, b []byte) [][]string {
	t.Helper()
	rest, ok := bytes.CutPrefix(b, []byte("\ufeff"))
	if !ok {
		t.Fatalf("the CSV does not start with a UTF-8 byte order mark: % x", b[:min(len(b), 8)])
	}
	recs, err := csv.NewReader(bytes.NewReader(rest)).ReadAll()
	if err != nil {
		t.Fatalf("the CSV does not parse: %v\n%s", err, rest)
	}
	return recs
}

func TestWriteCSV(t *testing.T) {
	for _, lang := range reports.Langs {
		t.Run("a table of every kind of cell reads back the same in "+lang, func(t *testing.T) {
			var b bytes.Buffer
			if err := reports.WriteCSV(&b, exportHandTable(), lang); err != nil {
				t.Fatal(err)
			}
			if got, want := exportReadCSV(t, b.Bytes()), exportHandWant(lang); !reflect.DeepEqual(got, want) {
				t.Errorf("read back\n%q\nwant\n%q", got, want)
			}
			if !bytes.Contains(b.Bytes(), []byte("\r\n")) || bytes.Contains(bytes.ReplaceAll(b.Bytes(), []byte("\r\n"), nil), []byte("\n")) {
				t.Errorf("lines are not all ended by CRLF: %q", b.Bytes())
			}
		})
	}
	t.Run("every table of a real report reads back the same", func(t *testing.T) {
		for _, by := range []reports.GroupBy{reports.ByDay, reports.ByService, reports.ByOperator} {
			for _, tbl := range exportTables(t, by) {
				for _, lang := range reports.Langs {
					var b bytes.Buffer
					if err := reports.WriteCSV(&b, tbl, lang); err != nil {
						t.Fatalf("%s by %s: %v", tbl.Name, by, err)
					}
					got := exportReadCSV(t, b.Bytes())
					if len(got) != len(tbl.Rows)+1 {
						t.Fatalf("%s by %s in %s: %d records, want a header and %d rows", tbl.Name, by, lang, len(got), len(tbl.Rows))
					}
					if want := reports.Header(tbl, lang); !reflect.DeepEqual(got[0], want) {
						t.Errorf("%s by %s header = %q, want %q", tbl.Name, by, got[0], want)
					}
					for i, row := range tbl.Rows {
						for j, cell := range row {
							if g, w := got[i+1][j], exportText(t, cell, lang); g != w {
								t.Errorf("%s by %s in %s row %d column %s = %q, want %q", tbl.Name, by, lang, i+1, tbl.Columns[j].Key, g, w)
							}
							if f, ok := cell.(float64); ok {
								if back, err := strconv.ParseFloat(got[i+1][j], 64); err != nil || back != f {
									t.Errorf("%s row %d column %s: %q does not parse back to %v", tbl.Name, i+1, tbl.Columns[j].Key, got[i+1][j], f)
								}
							}
						}
					}
				}
			}
		}
	})
	t.Run("the headers are in the language asked for", func(t *testing.T) {
		tbl := exportTables(t, reports.ByDay)[0]
		for lang, want := range map[string]string{"ru": "Выдано талонов", "en": "Tickets issued"} {
			var b bytes.Buffer
			if err := reports.WriteCSV(&b, tbl, lang); err != nil {
				t.Fatal(err)
			}
			if got := exportReadCSV(t, b.Bytes())[0]; !slices.Contains(got, want) {
				t.Errorf("%s header %q lacks %q", lang, got, want)
			}
		}
	})
	t.Run("a cell of an unknown type is an error and nothing is written", func(t *testing.T) {
		tbl := exportHandTable()
		tbl.Rows = append(tbl.Rows, []any{"x", nil, int64(1), 1.0, true})
		var b bytes.Buffer
		if err := reports.WriteCSV(&b, tbl, "ru"); err == nil || !strings.Contains(err.Error(), "int64") {
			t.Errorf("err = %v, want one naming the type", err)
		}
		if b.Len() != 0 {
			t.Errorf("wrote %d bytes", b.Len())
		}
	})
}

func TestExportRefusesUnknownLanguages(t *testing.T) {
	for _, lang := range []string{"", "de", "RU", "ru-RU"} {
		t.Run(strconv.Quote(lang)+" is refused", func(t *testing.T) {
			var b bytes.Buffer
			err := reports.WriteCSV(&b, exportHandTable(), lang)
			if queue.ErrorCode(err) != queue.EINVALID || !strings.Contains(err.Error(), "язык") {
				t.Errorf("csv: err = %v, want invalid in Russian", err)
			}
			err = reports.WriteXLSX(&b, []reports.Table{exportHandTable()}, lang, "")
			if queue.ErrorCode(err) != queue.EINVALID {
				t.Errorf("xlsx: err = %v, want invalid", err)
			}
			var qe *queue.Error
			if e, ok := err.(*queue.Error); ok {
				qe = e
			}
			if qe == nil || !strings.Contains(qe.MessageEN, "language") {
				t.Errorf("xlsx: err = %#v, want an English message too", err)
			}
			if b.Len() != 0 {
				t.Errorf("wrote %d bytes", b.Len())
			}
		})
	}
}

// exportOpenXLSX opens what WriteXLSX wrote.
func exportOpenXLSX(t *testing.T, tables []reports.Table, lang, title string) *excelize.File {
	t.Helper()
	var b bytes.Buffer
	if err := reports.WriteXLSX(&b, tables, lang, title); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&b)
	if err != nil {
		t.Fatalf("the workbook does not open: %v", err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// exportCheckSheet compares a sheet with the table it was written from: the
// title row, the header row, every cell with its type.
func exportCheckSheet(t *testing.T, f *excelize.File, sheet string, tbl reports.Table, lang, title string) {
	t.Helper()
	rows, err := f.GetRows(sheet, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(tbl.Rows)+2 {
		t.Fatalf("sheet %q has %d rows, want the title, the header and %d", sheet, len(rows), len(tbl.Rows))
	}
	if want := reports.Localize(tbl.Title, lang) + " — " + title; len(rows[0]) != 1 || rows[0][0] != want {
		t.Errorf("sheet %q title row = %q, want [%q]", sheet, rows[0], want)
	}
	if want := reports.Header(tbl, lang); !reflect.DeepEqual(rows[1], want) {
		t.Errorf("sheet %q header = %q, want %q", sheet, rows[1], want)
	}
	for i, row := range tbl.Rows {
		for j, cell := range row {
			ref, _ := excelize.CoordinatesToCellName(j+1, i+3)
			typ, err := f.GetCellType(sheet, ref)
			if err != nil {
				t.Fatal(err)
			}
			raw, err := f.GetCellValue(sheet, ref, excelize.Options{RawCellValue: true})
			if err != nil {
				t.Fatal(err)
			}
			switch v := cell.(type) {
			case nil:
				if raw != "" {
					t.Errorf("%s!%s = %q, want an empty cell for no data", sheet, ref, raw)
				}
			case int, float64:
				// A number is a cell with no type or type "n"; text has "s",
				// "inlineStr" or "str".
				if typ != excelize.CellTypeUnset && typ != excelize.CellTypeNumber {
					t.Errorf("%s!%s (%v) is of type %v, want a number", sheet, ref, v, typ)
				}
				got, err := strconv.ParseFloat(raw, 64)
				want, _ := strconv.ParseFloat(exportText(t, v, lang), 64)
				if err != nil || got != want {
					t.Errorf("%s!%s = %q, want the number %v", sheet, ref, raw, v)
				}
			default:
				if typ != excelize.CellTypeInlineString && typ != excelize.CellTypeSharedString {
					t.Errorf("%s!%s (%q) is of type %v, want text", sheet, ref, raw, typ)
				}
				if want := exportText(t, v, lang); raw != want {
					t.Errorf("%s!%s = %q, want %q", sheet, ref, raw, want)
				}
			}
		}
	}
}

func TestWriteXLSX(t *testing.T) {
	const title = "Тестовый МФЦ, 2026-03-02"
	t.Run("a table of every kind of cell reads back the same", func(t *testing.T) {
		for _, lang := range reports.Langs {
			tbl := exportHandTable()
			f := exportOpenXLSX(t, []reports.Table{tbl}, lang, title)
			want := map[string]string{"ru": "Проверка «всё» сразу", "en": "Check allat once"}[lang]
			if got := f.GetSheetList(); !reflect.DeepEqual(got, []string{want}) {
				t.Fatalf("sheets = %q, want [%q]", got, want)
			}
			exportCheckSheet(t, f, want, tbl, lang, title)
			if v, _ := f.GetCellValue(want, "D3"); v != "7.2" {
				t.Errorf("D3 shows %q, want 7.2", v)
			}
			if v, _ := f.GetCellValue(want, "D4"); v != "4.0" {
				t.Errorf("D4 shows %q, want minutes to 0.1: 4.0", v)
			}
		}
	})
	for _, by := range []reports.GroupBy{reports.ByDay, reports.ByService, reports.ByWindow} {
		t.Run("every table of a real report by "+string(by)+" is a sheet with the same cells", func(t *testing.T) {
			tables := exportTables(t, by)
			for _, lang := range reports.Langs {
				f := exportOpenXLSX(t, tables, lang, title)
				sheets := f.GetSheetList()
				if want := reports.SheetNames(tables, lang); !reflect.DeepEqual(sheets, want) {
					t.Fatalf("sheets = %q, want %q", sheets, want)
				}
				for i, tbl := range tables {
					if want := reports.Localize(tbl.Title, lang); sheets[i] != want {
						t.Errorf("sheet %d is %q, want the table's title %q", i, sheets[i], want)
					}
					exportCheckSheet(t, f, sheets[i], tbl, lang, title)
				}
			}
		})
	}
	t.Run("the header is bold and frozen, columns fit, no Sheet1 is left", func(t *testing.T) {
		tables := exportTables(t, reports.ByService)
		f := exportOpenXLSX(t, tables, "ru", title)
		if slices.Contains(f.GetSheetList(), "Sheet1") {
			t.Errorf("sheets %q keep the default Sheet1", f.GetSheetList())
		}
		for _, sheet := range f.GetSheetList() {
			panes, err := f.GetPanes(sheet)
			if err != nil {
				t.Fatal(err)
			}
			if !panes.Freeze || panes.YSplit != 2 || panes.XSplit != 0 || panes.TopLeftCell != "A3" {
				t.Errorf("%s panes = %+v, want the first two rows frozen", sheet, panes)
			}
			for _, ref := range []string{"A1", "A2", "B2"} {
				id, err := f.GetCellStyle(sheet, ref)
				if err != nil {
					t.Fatal(err)
				}
				style, err := f.GetStyle(id)
				if err != nil {
					t.Fatal(err)
				}
				if style.Font == nil || !style.Font.Bold {
					t.Errorf("%s!%s is not bold", sheet, ref)
				}
			}
		}
		// attendance by service: A holds ids, B names, the rest counts.
		sheet := f.GetSheetList()[0]
		for col, atLeast := range map[string]float64{"A": float64(len("passport")), "B": float64(len([]rune("Недвижимость")))} {
			w, err := f.GetColWidth(sheet, col)
			if err != nil {
				t.Fatal(err)
			}
			if w < atLeast || w > 50 {
				t.Errorf("column %s is %v wide, want from %v to 50", col, w, atLeast)
			}
		}
	})
	t.Run("columns are listed in order, as Excel wants them", func(t *testing.T) {
		var b bytes.Buffer
		if err := reports.WriteXLSX(&b, exportTables(t, reports.ByService)[:1], "ru", title); err != nil {
			t.Fatal(err)
		}
		zr, err := zip.NewReader(bytes.NewReader(b.Bytes()), int64(b.Len()))
		if err != nil {
			t.Fatal(err)
		}
		rc, err := zr.Open("xl/worksheets/sheet1.xml")
		if err != nil {
			t.Fatal(err)
		}
		defer rc.Close()
		sheet, err := io.ReadAll(rc)
		if err != nil {
			t.Fatal(err)
		}
		var mins []int
		for _, m := range regexp.MustCompile(`<col min="(\d+)"`).FindAllSubmatch(sheet, -1) {
			n, _ := strconv.Atoi(string(m[1]))
			mins = append(mins, n)
		}
		if len(mins) == 0 || !slices.IsSorted(mins) {
			t.Errorf("<col> elements for columns %v, want them ascending", mins)
		}
	})
	t.Run("no tables is an error", func(t *testing.T) {
		var b bytes.Buffer
		if err := reports.WriteXLSX(&b, nil, "ru", ""); err == nil || !strings.HasPrefix(err.Error(), "reports: xlsx:") {
			t.Errorf("err = %v, want a reports: xlsx: error", err)
		}
	})
	t.Run("a cell of an unknown type is an error", func(t *testing.T) {
		tbl := exportHandTable()
		tbl.Rows[0][2] = int64(12)
		var b bytes.Buffer
		if err := reports.WriteXLSX(&b, []reports.Table{tbl}, "ru", ""); err == nil || !strings.HasPrefix(err.Error(), "reports: xlsx: hand:") {
			t.Errorf("err = %v, want a reports: xlsx: error naming the table", err)
		}
	})
}

func TestSheetNames(t *testing.T) {
	long := "Обслуживание посетителей по предварительной записи"
	tests := []struct {
		name   string
		titles []string
		want   []string
	}{
		{"forbidden characters are dropped", []string{`Итог: a/b\c?d*e[f]g`}, []string{"Итог abcdefg"}},
		{"long titles are cut to 31 characters", []string{long}, []string{string([]rune(long)[:31])}},
		{"the same title twice is numbered", []string{"Отчёт", "Отчёт", "отчёт"}, []string{"Отчёт", "Отчёт (2)", "отчёт (3)"}},
		{"a cut title twice is numbered within 31 characters", []string{long, long}, []string{string([]rune(long)[:31]), string([]rune(long)[:27]) + " (2)"}},
		{"quotes at the ends are dropped", []string{"'Цитата'"}, []string{"Цитата"}},
		{"an empty title takes the table's name", []string{"[?]"}, []string{"t0"}},
		{"History is Excel's own", []string{"History"}, []string{"History (2)"}},
		{"characters beyond the basic plane count twice", []string{strings.Repeat("😀", 16)}, []string{strings.Repeat("😀", 15)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var tables []reports.Table
			for i, title := range tc.titles {
				tables = append(tables, reports.Table{Name: "t" + strconv.Itoa(i), Title: queue.Text{RU: title, EN: title},
					Columns: []reports.Column{{"n", "Н", "N"}}, Rows: [][]any{{i}}})
			}
			got := reports.SheetNames(tables, "ru")
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("names = %q, want %q", got, tc.want)
			}
			for _, n := range got {
				if l := len(utf16.Encode([]rune(n))); l > 31 {
					t.Errorf("%q is %d units long", n, l)
				}
			}
			// Excel's rules are excelize's: the workbook takes every name.
			if sheets := exportOpenXLSX(t, tables, "ru", "").GetSheetList(); !reflect.DeepEqual(sheets, got) {
				t.Errorf("the workbook's sheets = %q, want %q", sheets, got)
			}
		})
	}
}
