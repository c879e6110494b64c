package reports

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"eq/queue"
)

// Langs are the languages tables are written in: people's headers, names
// and labels come in Russian and English.
var Langs = []string{"ru", "en"}

// CheckLang refuses a language tables are not written in.
func CheckLang(lang string) error {
	if lang == "ru" || lang == "en" {
		return nil
	}
	return queue.Errorf(queue.EINVALID, "язык %q не поддерживается: ru или en", "language %q is not supported: ru or en", lang)
}

// Localize is t in lang, the other language when t has none in lang: a
// name from the config may be given in Russian only.
func Localize(t queue.Text, lang string) string {
	if lang == "en" && t.EN != "" || t.RU == "" {
		return t.EN
	}
	return t.RU
}

// Header is t's column titles in lang.
func Header(t Table, lang string) []string {
	out := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		out[i] = Localize(queue.Text{RU: c.RU, EN: c.EN}, lang)
	}
	return out
}

// CellText is a cell as text: numbers with a dot and no more digits than
// they hold (7.2, 4, 12), a Text in lang, nil as "". Tables hold nothing
// else; any other type is a bug in the table, not something to print.
func CellText(cell any, lang string) (string, error) {
	switch v := cell.(type) {
	case nil:
		return "", nil
	case string:
		return v, nil
	case int:
		return strconv.Itoa(v), nil
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64), nil
	case queue.Text:
		return Localize(v, lang), nil
	}
	return "", fmt.Errorf("a cell of type %T", cell)
}

// Period says the days from to to in lang for a title: «с 01.11.2026 по
// 23.11.2026», "1 Nov 2026 to 23 Nov 2026", or one day alone.
func Period(from, to, lang string) string {
	day := func(s string) string {
		d, err := time.Parse(time.DateOnly, s)
		if err != nil {
			return s
		}
		if lang == "en" {
			return d.Format("2 Jan 2006")
		}
		return d.Format("02.01.2006")
	}
	switch {
	case from == to:
		return day(from)
	case lang == "en":
		return day(from) + " to " + day(to)
	}
	return "с " + day(from) + " по " + day(to)
}

// DefaultPeriod fills what a request leaves out of its period: to is
// today in loc, from the first day of to's month. Given dates are kept.
func DefaultPeriod(from, to string, now time.Time, loc *time.Location) (string, string) {
	if to == "" {
		to = now.In(loc).Format(time.DateOnly)
	}
	if from == "" {
		from = to
		if t, err := time.Parse(time.DateOnly, to); err == nil {
			from = t.AddDate(0, 0, 1-t.Day()).Format(time.DateOnly)
		}
	}
	return from, to
}

// WriteCSV writes t to w as CSV (RFC 4180): a header row of the column
// titles in lang, then a row per row of t.
//
// It is written for spreadsheets as well as programs:
//   - UTF-8 with a byte order mark, without which Excel reads the file in
//     the Windows code page and garbles every Cyrillic letter; programs
//     reading it must skip the mark (Python's "utf-8-sig" does).
//   - Fields separated by commas and lines ended by CRLF, as RFC 4180 has
//     them. Excel with a Russian list separator (";") splits such a file
//     only when imported (Data → From Text/CSV), not when double-clicked;
//     the XLSX is for opening directly. A "sep=," line would fix the
//     double click but makes Excel ignore the byte order mark.
//   - Numbers with a dot and as many digits as they hold, so that any
//     program parses them; Excel's import takes the dot when told to.
//   - Text as it is: no quote is prefixed to text starting with "=", "+",
//     "-" or "@" against formula injection, since every text of a table
//     comes from the office's config or the queue, never from visitors, and
//     the prefix would change the data.
//   - No data (nil) is an empty field, telling "nothing to count" from 0.
func WriteCSV(w io.Writer, t Table, lang string) error {
	if err := CheckLang(lang); err != nil {
		return err
	}
	rows := make([][]string, 0, len(t.Rows)+1)
	rows = append(rows, Header(t, lang))
	for i, row := range t.Rows {
		rec := make([]string, len(row))
		for j, cell := range row {
			s, err := CellText(cell, lang)
			if err != nil {
				return fmt.Errorf("reports: csv: %s row %d column %d: %w", t.Name, i+1, j+1, err)
			}
			rec[j] = s
		}
		rows = append(rows, rec)
	}
	// Everything is formatted before the first byte goes out: a bad cell
	// must not leave half a file.
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return fmt.Errorf("reports: csv: %w", err)
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	if err := cw.WriteAll(rows); err != nil {
		return fmt.Errorf("reports: csv: %w", err)
	}
	return nil
}

// Sheet and column layout of the XLSX.
const (
	xlsxMaxSheetName = 31 // Excel's limit, in UTF-16 units
	xlsxMinWidth     = 6  // in characters of the default font
	xlsxMaxWidth     = 50
	xlsxTitleRow     = 1
	xlsxHeaderRow    = 2
)

// WriteXLSX writes tables to w as one Excel workbook, a sheet per table in
// the order given. A sheet is named by its table's title in lang; its first
// row is that title and title (what the workbook is of: the office and the
// period), the second the column titles in bold, frozen with the first so
// they stay in view, then the rows. Numbers are stored as numbers, minutes
// and percentages shown to 0.1; no data is an empty cell; the total row is
// bold.
func WriteXLSX(w io.Writer, tables []Table, lang string, title string) error {
	if err := CheckLang(lang); err != nil {
		return err
	}
	if len(tables) == 0 {
		return fmt.Errorf("reports: xlsx: no tables")
	}
	f := excelize.NewFile()
	// Close removes the temporary files a large sheet spills to.
	defer f.Close()
	st, err := newXLSXStyles(f)
	if err != nil {
		return fmt.Errorf("reports: xlsx: %w", err)
	}
	names := SheetNames(tables, lang)
	for i, t := range tables {
		// The first table takes over the new file's default sheet, so
		// that no empty "Sheet1" is left.
		if i == 0 {
			err = f.SetSheetName(f.GetSheetName(0), names[i])
		} else {
			_, err = f.NewSheet(names[i])
		}
		if err != nil {
			return fmt.Errorf("reports: xlsx: sheet %q: %w", names[i], err)
		}
		if err := xlsxWriteSheet(f, st, names[i], t, lang, title); err != nil {
			return fmt.Errorf("reports: xlsx: %s: %w", t.Name, err)
		}
	}
	f.SetActiveSheet(0)
	if err := f.SetDocProps(&excelize.DocProperties{Title: title, Creator: "eq", Language: lang}); err != nil {
		return fmt.Errorf("reports: xlsx: %w", err)
	}
	if err := f.Write(w); err != nil {
		return fmt.Errorf("reports: xlsx: %w", err)
	}
	return nil
}

// xlsxStyles are the workbook's cell styles.
type xlsxStyles struct {
	title, header   int
	number          int // a float: one decimal
	total, totalNum int // the total row's text and floats
}

func newXLSXStyles(f *excelize.File) (xlsxStyles, error) {
	oneDecimal := "0.0"
	var s xlsxStyles
	for _, d := range []struct {
		id    *int
		style excelize.Style
	}{
		{&s.title, excelize.Style{Font: &excelize.Font{Bold: true, Size: 13}}},
		{&s.header, excelize.Style{Font: &excelize.Font{Bold: true},
			Alignment: &excelize.Alignment{Vertical: "top", WrapText: true},
			Border:    []excelize.Border{{Type: "bottom", Color: "000000", Style: 1}}}},
		{&s.number, excelize.Style{CustomNumFmt: &oneDecimal}},
		{&s.total, excelize.Style{Font: &excelize.Font{Bold: true}}},
		{&s.totalNum, excelize.Style{Font: &excelize.Font{Bold: true}, CustomNumFmt: &oneDecimal}},
	} {
		id, err := f.NewStyle(&d.style)
		if err != nil {
			return s, fmt.Errorf("style: %w", err)
		}
		*d.id = id
	}
	return s, nil
}

// xlsxWriteSheet streams t into the sheet named name: rows in order, so that
// ten thousand breaches cost no more than they must.
func xlsxWriteSheet(f *excelize.File, st xlsxStyles, name string, t Table, lang, title string) error {
	header := Header(t, lang)
	rows := make([][]any, len(t.Rows))
	widths := make([]int, len(header))
	for j, h := range header {
		// A long title wraps at the column's width rather than widen it:
		// the longest word must fit.
		for _, word := range strings.Fields(h) {
			widths[j] = max(widths[j], utf8.RuneCountInString(word))
		}
	}
	for i, row := range t.Rows {
		total := len(row) > 0 && row[0] == totalLabel
		out := make([]any, len(row))
		for j, cell := range row {
			text, err := CellText(cell, lang)
			if err != nil {
				return fmt.Errorf("row %d column %d: %w", i+1, j+1, err)
			}
			if j < len(widths) {
				widths[j] = max(widths[j], utf8.RuneCountInString(text))
			}
			switch v := cell.(type) {
			case nil:
				out[j] = nil
			case int:
				out[j] = excelize.Cell{StyleID: xlsxStyleIf(total, st.total, 0), Value: v}
			case float64:
				out[j] = excelize.Cell{StyleID: xlsxStyleIf(total, st.totalNum, st.number), Value: v}
			default:
				out[j] = excelize.Cell{StyleID: xlsxStyleIf(total, st.total, 0), Value: text}
			}
		}
		rows[i] = out
	}

	sw, err := f.NewStreamWriter(name)
	if err != nil {
		return err
	}
	// Last column first: the stream writer puts each new column before
	// the ones set already, and Excel wants them in order.
	for j := len(widths) - 1; j >= 0; j-- {
		if err := sw.SetColWidth(j+1, j+1, float64(min(max(widths[j]+2, xlsxMinWidth), xlsxMaxWidth))); err != nil {
			return err
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: xlsxHeaderRow, TopLeftCell: xlsxCell(1, xlsxHeaderRow+1), ActivePane: "bottomLeft",
		Selection: []excelize.Selection{{SQRef: xlsxCell(1, xlsxHeaderRow+1), ActiveCell: xlsxCell(1, xlsxHeaderRow+1), Pane: "bottomLeft"}}}); err != nil {
		return err
	}
	caption := Localize(t.Title, lang)
	if title != "" {
		caption += " — " + title
	}
	if err := sw.SetRow(xlsxCell(1, xlsxTitleRow), []any{excelize.Cell{StyleID: st.title, Value: caption}}); err != nil {
		return err
	}
	hdr := make([]any, len(header))
	for j, h := range header {
		hdr[j] = excelize.Cell{StyleID: st.header, Value: h}
	}
	if err := sw.SetRow(xlsxCell(1, xlsxHeaderRow), hdr); err != nil {
		return err
	}
	for i, row := range rows {
		if err := sw.SetRow(xlsxCell(1, xlsxHeaderRow+1+i), row); err != nil {
			return err
		}
	}
	return sw.Flush()
}

// xlsxStyleIf is yes for the total row, no for others.
func xlsxStyleIf(total bool, yes, no int) int {
	if total {
		return yes
	}
	return no
}

// xlsxCell is the A1 reference of column col and row row, both from 1;
// they are always in range here.
func xlsxCell(col, row int) string {
	s, _ := excelize.CoordinatesToCellName(col, row)
	return s
}

// SheetNames are the sheets WriteXLSX makes of tables: each table's title
// in lang without the characters Excel forbids in sheet names (: \ / ? * [ ]
// and quotes at the ends), cut to Excel's 31 characters, and numbered
// " (2)", " (3)"… where two would be the same name, which Excel compares
// without case.
func SheetNames(tables []Table, lang string) []string {
	// "History" is reserved by Excel for its change tracking.
	taken := map[string]bool{"history": true}
	out := make([]string, len(tables))
	for i, t := range tables {
		base := strings.Map(func(r rune) rune {
			if strings.ContainsRune(`:\/?*[]`, r) || r < ' ' {
				return -1
			}
			return r
		}, Localize(t.Title, lang))
		base = strings.Join(strings.Fields(base), " ")
		base = strings.Trim(xlsxCutUTF16(strings.Trim(base, "' "), xlsxMaxSheetName), "' ")
		if base == "" {
			base = strings.Trim(xlsxCutUTF16(t.Name, xlsxMaxSheetName), "' ")
		}
		if base == "" {
			base = "Sheet"
		}
		name := base
		for n := 2; taken[strings.ToLower(name)]; n++ {
			suffix := fmt.Sprintf(" (%d)", n)
			name = strings.TrimRight(xlsxCutUTF16(base, xlsxMaxSheetName-len(suffix)), "' ") + suffix
		}
		taken[strings.ToLower(name)] = true
		out[i] = name
	}
	return out
}

// xlsxCutUTF16 is s cut to at most n UTF-16 units, which is how Excel counts a
// sheet name's length, never in the middle of a character.
func xlsxCutUTF16(s string, n int) string {
	units := 0
	for i, r := range s {
		units += utf16.RuneLen(r)
		if units > n {
			return s[:i]
		}
	}
	return s
}
