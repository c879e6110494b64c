package server

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"time"

	"eq/queue"
	"eq/reports"
)

// reportAll names every table at once: the workbook with a sheet each.
const reportAll = "all"

// reportFormats are what GET /api/v1/reports/{name} answers in.
var reportFormats = []string{"json", "csv", "xlsx"}

// reportQuery is what GET /api/v1/reports/{name} was asked for.
type reportQuery struct {
	name, from, to string
	by             reports.GroupBy
	format, lang   string
}

// reportJSON is a table as the API gives it: a cell is a number, a string,
// null for no data, or {"ru","en"} for a name or a label in both languages.
type reportJSON struct {
	Name    string           `json:"name"`
	Title   queue.Text       `json:"title"`
	From    string           `json:"from"`
	To      string           `json:"to"`
	By      reports.GroupBy  `json:"by"`
	Columns []reports.Column `json:"columns"`
	Rows    [][]any          `json:"rows"`
}

// handleReport answers GET /api/v1/reports/{name}?from=&to=&by=&format=&lang=
// to managers and admins: one table of reports.Names as JSON, CSV or XLSX,
// or "all" of them as one XLSX workbook. The period defaults to the month
// so far in the office's zone. Every table is computed before the first
// byte is written, so a failure is a clean error answer, never half a file.
func (s *Server) handleReport(w http.ResponseWriter, r *http.Request) {
	if s.reports == nil {
		writeJSON(w, http.StatusServiceUnavailable, errorBody{Error: errorDetail{Code: queue.EINTERNAL,
			Message:   "отчёты на этом сервере не подключены",
			MessageEN: "reports are not served by this server"}})
		return
	}
	q, err := s.reportQuery(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	names := []string{q.name}
	if q.name == reportAll {
		names = reports.Names
	}
	tables, err := s.reports.Tables(r.Context(), names, q.from, q.to, q.by)
	if err != nil {
		s.writeError(w, r, err)
		return
	}

	var body bytes.Buffer
	switch q.format {
	case "json":
		t := tables[0]
		rows := t.Rows
		if rows == nil {
			rows = [][]any{}
		}
		writeJSON(w, http.StatusOK, reportJSON{Name: t.Name, Title: t.Title, From: q.from, To: q.to, By: q.by,
			Columns: t.Columns, Rows: rows})
		return
	case "csv":
		err = reports.WriteCSV(&body, tables[0], q.lang)
	case "xlsx":
		office := s.engine.Office()
		title := reports.Localize(office.Name, q.lang)
		if title != "" {
			title += ", "
		}
		err = reports.WriteXLSX(&body, tables, q.lang, title+reports.Period(q.from, q.to, q.lang))
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	ct := map[string]string{
		"csv":  "text/csv; charset=utf-8",
		"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	}[q.format]
	h := w.Header()
	h.Set("Content-Type", ct)
	h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="eq-%s-%s-%s.%s"`, q.name, q.from, q.to, q.format))
	h.Set("Content-Length", strconv.Itoa(body.Len()))
	// Reports name staff: no cache on the way may keep them.
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	if _, err := body.WriteTo(w); err != nil {
		s.log.Warn("write report", "name", q.name, "err", err)
	}
}

// reportQuery reads the request's parameters. A wrong one is refused with
// its name in the message (and in details.param for programs).
func (s *Server) reportQuery(r *http.Request) (reportQuery, error) {
	v := r.URL.Query()
	q := reportQuery{name: r.PathValue("name"), from: v.Get("from"), to: v.Get("to"),
		format: v.Get("format"), lang: v.Get("lang")}
	if q.format == "" {
		q.format = "json"
	}
	if !slices.Contains(reportFormats, q.format) {
		return q, reportParamError("format", queue.Errorf(queue.EINVALID, "неизвестный формат %q (json, csv, xlsx)",
			"unknown format %q (json, csv, xlsx)", q.format))
	}
	if q.lang == "" {
		q.lang = "ru"
	}
	if err := reports.CheckLang(q.lang); err != nil {
		return q, reportParamError("lang", err)
	}
	by, err := reports.ParseGroupBy(v.Get("by"))
	if err != nil {
		return q, reportParamError("by", err)
	}
	q.by = by
	for _, p := range []struct {
		param string
		day   string
	}{{"from", q.from}, {"to", q.to}} {
		if p.day == "" {
			continue
		}
		if _, err := time.Parse(time.DateOnly, p.day); err != nil {
			return q, reportParamError(p.param, queue.Errorf(queue.EINVALID, "дата %q не в формате ГГГГ-ММ-ДД",
				"date %q is not YYYY-MM-DD", p.day))
		}
	}
	q.from, q.to = reports.DefaultPeriod(q.from, q.to, s.engine.Now(), s.engine.Office().Location)
	if q.from > q.to {
		return q, reportParamError("from", queue.Errorf(queue.EINVALID, "начало периода %s позже конца %s",
			"the period's start %s is after its end %s", q.from, q.to))
	}
	if q.name == reportAll && q.format != "xlsx" {
		return q, reportParamError("format", queue.Errorf(queue.EINVALID,
			"все отчёты сразу (all) выдаются только одной книгой: format=xlsx",
			"all reports at once come only as one workbook: format=xlsx"))
	}
	return q, nil
}

// reportParamError names the query parameter err is about, keeping its code.
func reportParamError(param string, err error) error {
	var e *queue.Error
	if !errors.As(err, &e) {
		return err
	}
	details := map[string]string{"param": param}
	maps.Copy(details, e.Details)
	return &queue.Error{Code: e.Code, Message: "параметр " + param + ": " + e.Message,
		MessageEN: "parameter " + param + ": " + e.MessageEN, Details: details}
}
