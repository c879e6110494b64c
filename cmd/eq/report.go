package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"eq/queue"
	"eq/queue/store"
	"eq/reports"
)

// reportAll names every report at once.
const reportAll = "all"

// reportFormats are what eq report writes.
var reportFormats = []string{"text", "csv", "xlsx", "json"}

type reportOptions struct {
	db, config string
	name       string // one of reports.Names or reportAll
	from, to   string // YYYY-MM-DD; "" takes the defaults of the API
	by         string
	format     string
	lang       string
	out        string // "" is stdout
}

func newReportCmd() *cobra.Command {
	o := &reportOptions{}
	cmd := &cobra.Command{
		Use:   "report NAME [--from YYYY-MM-DD] [--to YYYY-MM-DD]",
		Short: "отчёт за период из журнала событий (a report of a period from the event log)",
		Long: "Считает отчёт за дни с --from по --to по журналу событий, как страница /reports и API.\n" +
			"По умолчанию --to — сегодня по часовому поясу офиса, --from — первое число того же месяца.\n" +
			"Работает прямо с файлом базы данных, в том числе пока сервер запущен.\n\n" +
			"Отчёты (NAME):\n" +
			"  attendance    посещаемость: выдано талонов, обслужено, не явились, отменены\n" +
			"  waits         время ожидания и обслуживания: среднее, медиана, 90-й процентиль, максимум\n" +
			"  sla           соблюдение срока ожидания\n" +
			"  breaches      превышения срока ожидания, по талонам\n" +
			"  operators     загрузка сотрудников и перерывы\n" +
			"  appointments  предварительная запись: записано, пришли, не пришли\n" +
			"  queue         длина очереди\n" +
			"  ratings       оценки посетителей: число, средняя, по баллам и по причинам\n" +
			"  staffing      сколько окон нужно по часам недели (формула Эрланга C)\n" +
			"  all           все отчёты: text — один за другим, xlsx — лист на отчёт, json — список\n\n" +
			"Форматы (--format): text — таблица для терминала, csv — UTF-8 с BOM для Excel,\n" +
			"xlsx — книга Excel (только в файл, --out), json — как GET /api/v1/reports/NAME.\n\n" +
			"Computes a report of the days --from to --to from the event log, as the /reports page and the API do.\n" +
			"By default --to is today in the office's time zone and --from the first day of its month.\n" +
			"Works on the database file itself, also while the server runs.\n\n" +
			"Reports (NAME):\n" +
			"  attendance    tickets issued, served, no-shows, cancelled\n" +
			"  waits         waiting and service times: mean, median, 90th percentile, max\n" +
			"  sla           the wait target kept\n" +
			"  breaches      wait target breaches, ticket by ticket\n" +
			"  operators     operator workload and breaks\n" +
			"  appointments  appointments booked, checked in, missed\n" +
			"  queue         the queue's length\n" +
			"  ratings       visitors' marks: count, mean, each mark and each reason\n" +
			"  staffing      windows needed per hour of the week (Erlang C)\n" +
			"  all           every report: text one after another, xlsx a sheet each, json a list\n\n" +
			"Formats (--format): text, a table for the terminal; csv, UTF-8 with a BOM for Excel;\n" +
			"xlsx, an Excel workbook (to a file only, --out); json, as GET /api/v1/reports/NAME gives it.",
		Example: "  eq report attendance --from 2026-11-01 --to 2026-11-30\n" +
			"  eq report waits --by service --format csv --out waits.csv\n" +
			"  eq report all --format xlsx --lang en --out november.xlsx",
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return fmt.Errorf("назовите один отчёт: %s или %s (name one report)", strings.Join(reports.Names, ", "), reportAll)
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			o.name = args[0]
			return runReport(cmd.Context(), o, time.Now(), cmd.OutOrStdout())
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.db, "db", defaultDB, "файл базы данных SQLite (SQLite database file)")
	f.StringVar(&o.config, "config", "", "файл конфигурации офиса (office config YAML; default: the embedded demo)")
	f.StringVar(&o.from, "from", "", "первый день ГГГГ-ММ-ДД; по умолчанию первое число месяца --to (first day YYYY-MM-DD; default the first of --to's month)")
	f.StringVar(&o.to, "to", "", "последний день ГГГГ-ММ-ДД; по умолчанию сегодня (last day YYYY-MM-DD; default today)")
	f.StringVar(&o.by, "by", string(reports.ByDay), "строки по: day, hour, service, window, operator (rows by)")
	f.StringVar(&o.format, "format", "text", "формат: text, csv, xlsx, json (output format)")
	f.StringVar(&o.lang, "lang", "ru", "язык заголовков и названий: ru, en (language of headers and names)")
	f.StringVar(&o.out, "out", "", "записать в файл вместо вывода (write to FILE instead of stdout)")
	return cmd
}

// runReport computes the report and writes it. Everything is checked and
// rendered before anything is written: a bad flag or a failed report never
// leaves a file behind, nor overwrites one.
func runReport(ctx context.Context, o *reportOptions, now time.Time, stdout io.Writer) error {
	if !slices.Contains(reportFormats, o.format) {
		return fmt.Errorf("--format %q: ожидается text, csv, xlsx или json (expected text, csv, xlsx or json)", o.format)
	}
	if err := reports.CheckLang(o.lang); err != nil {
		return fmt.Errorf("--lang: %w", bilingual(err))
	}
	by, err := reports.ParseGroupBy(o.by)
	if err != nil {
		return fmt.Errorf("--by: %w", bilingual(err))
	}
	if o.name != reportAll && !slices.Contains(reports.Names, o.name) {
		return fmt.Errorf("отчёта %q нет: %s или %s (no such report)", o.name, strings.Join(reports.Names, ", "), reportAll)
	}
	if o.name == reportAll && o.format == "csv" {
		return fmt.Errorf("в CSV один отчёт: назовите его или возьмите --format xlsx (a CSV holds one report: name it or use --format xlsx)")
	}
	if o.format == "xlsx" && o.out == "" && isTerminal(stdout) {
		return fmt.Errorf("книгу Excel в терминал не вывести: укажите --out ФАЙЛ.xlsx (an Excel workbook cannot go to a terminal: use --out FILE.xlsx)")
	}
	for _, d := range []struct{ flag, day string }{{"--from", o.from}, {"--to", o.to}} {
		if _, err := time.Parse(time.DateOnly, d.day); d.day != "" && err != nil {
			return fmt.Errorf("%s %q: нужна дата ГГГГ-ММ-ДД (a YYYY-MM-DD date is needed)", d.flag, d.day)
		}
	}
	cfg, err := loadConfig(o.config)
	if err != nil {
		return err
	}
	from, to := reports.DefaultPeriod(o.from, o.to, now, cfg.Office.Location)
	if from > to {
		return fmt.Errorf("--from %s позже --to %s (--from is after --to)", from, to)
	}
	// store.Open would make an empty database where none is: a mistyped
	// path must not look like a period with nothing in it.
	if _, err := os.Stat(o.db); err != nil {
		return fmt.Errorf("база данных %s не открыта (cannot open the database): %w", o.db, err)
	}
	st, err := store.Open(ctx, o.db)
	if err != nil {
		return err
	}
	defer st.Close()

	names := []string{o.name}
	if o.name == reportAll {
		names = reports.Names
	}
	tables, err := reports.NewReader(st, cfg.Office).Tables(ctx, names, from, to, by)
	if err != nil {
		return bilingual(err)
	}

	title := reports.Localize(cfg.Office.Name, o.lang)
	if title != "" {
		title += ", "
	}
	title += reports.Period(from, to, o.lang)
	var b bytes.Buffer
	switch o.format {
	case "text":
		err = writeReportText(&b, tables, o.lang, title)
	case "csv":
		err = reports.WriteCSV(&b, tables[0], o.lang)
	case "xlsx":
		err = reports.WriteXLSX(&b, tables, o.lang, title)
	case "json":
		err = writeReportJSON(&b, tables, o.name == reportAll, from, to, by)
	}
	if err != nil {
		return bilingual(err)
	}
	if o.out == "" {
		_, err = b.WriteTo(stdout)
		return err
	}
	if err := os.WriteFile(o.out, b.Bytes(), 0o644); err != nil {
		return fmt.Errorf("файл %s не записан (cannot write the file): %w", o.out, err)
	}
	return nil
}

// writeReportText writes tables one after another as aligned columns, each
// under its title and the period.
func writeReportText(w io.Writer, tables []reports.Table, lang, title string) error {
	for i, t := range tables {
		if i > 0 {
			fmt.Fprintln(w)
		}
		fmt.Fprintf(w, "%s — %s\n\n", reports.Localize(t.Title, lang), title)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, strings.Join(reports.Header(t, lang), "\t"))
		for _, row := range t.Rows {
			cells := make([]string, len(row))
			for j, cell := range row {
				s, err := reports.CellText(cell, lang)
				if err != nil {
					return fmt.Errorf("reports: text: %s: %w", t.Name, err)
				}
				// A tab or a line break inside a cell would break the
				// columns; no data shows as a dash, not as a gap.
				s = strings.Join(strings.Fields(s), " ")
				if cell == nil {
					s = "—"
				}
				cells[j] = s
			}
			fmt.Fprintln(tw, strings.Join(cells, "\t"))
		}
		if len(t.Rows) == 0 {
			fmt.Fprintln(tw, map[string]string{"ru": "(нет данных)", "en": "(no data)"}[lang])
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	return nil
}

// reportJSON is a table as GET /api/v1/reports/{name} gives it.
type reportJSON struct {
	Name    string           `json:"name"`
	Title   queue.Text       `json:"title"`
	From    string           `json:"from"`
	To      string           `json:"to"`
	By      reports.GroupBy  `json:"by"`
	Columns []reports.Column `json:"columns"`
	Rows    [][]any          `json:"rows"`
}

// writeReportJSON writes the table as the API does, or with list a JSON
// list of every table.
func writeReportJSON(w io.Writer, tables []reports.Table, list bool, from, to string, by reports.GroupBy) error {
	out := make([]reportJSON, len(tables))
	for i, t := range tables {
		rows := t.Rows
		if rows == nil {
			rows = [][]any{}
		}
		out[i] = reportJSON{Name: t.Name, Title: t.Title, From: from, To: to, By: by, Columns: t.Columns, Rows: rows}
	}
	enc := json.NewEncoder(w)
	if list {
		return enc.Encode(out)
	}
	return enc.Encode(out[0])
}

// isTerminal reports whether w is a terminal, where binary output is
// garbage at best.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// bilingual shows a domain error with its English message too, as the
// other commands print them; other errors are as they are.
func bilingual(err error) error {
	var qe *queue.Error
	if errors.As(err, &qe) && qe.MessageEN != "" && qe.MessageEN != qe.Message {
		return fmt.Errorf("%w (%s)", err, qe.MessageEN)
	}
	return err
}
