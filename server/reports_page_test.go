package server_test

import (
	"encoding/xml"
	"html"
	"net/http"
	"strings"
	"testing"
	"time"

	"eq/server"
)

// reportsPageDay drives a short morning at the demo office: three passport
// visitors, two of them served at window 1, the third still waiting.
// It returns the manager, signed in.
func reportsPageDay(t *testing.T, s *stack) *client {
	t.Helper()
	for range 3 {
		s.issue(t, "passport")
	}
	op1 := s.signIn(t, "op1")
	op1.act(t, "1", "open", "")
	for range 2 {
		s.clock.Advance(5 * time.Minute)
		op1.act(t, "1", "call-next", "")
		op1.act(t, "1", "start", "")
		s.clock.Advance(10 * time.Minute)
		op1.act(t, "1", "finish", "")
	}
	return s.signIn(t, "manager")
}

// pageTable is the report's <table> as the page renders it.
type pageTable struct {
	Head []string `xml:"thead>tr>th"`
	Rows []struct {
		Class string   `xml:"class,attr"`
		Cells []string `xml:"td"`
	} `xml:"tbody>tr"`
}

// reportsPageTable cuts the report's table out of the page and reads it.
// The page is HTML, but the table the template writes is well-formed XML.
func reportsPageTable(t *testing.T, body []byte) pageTable {
	t.Helper()
	page := string(body)
	start := strings.Index(page, `<table id="report">`)
	end := strings.Index(page, "</table>")
	if start < 0 || end < start {
		t.Fatalf("the page has no report table:\n%s", page)
	}
	var tab pageTable
	if err := xml.Unmarshal([]byte(page[start:end+len("</table>")]), &tab); err != nil {
		t.Fatalf("read the report table: %v\n%s", err, page[start:end])
	}
	return tab
}

func (p pageTable) column(t *testing.T, head string) int {
	t.Helper()
	for i, h := range p.Head {
		if h == head {
			return i
		}
	}
	t.Fatalf("no column %q among %q", head, p.Head)
	return -1
}

func TestReportsPageSignIn(t *testing.T) {
	s := newStack(t)
	t.Run("anyone gets the sign-in form, and no figures", func(t *testing.T) {
		r := s.anon().get(t, "/reports")
		if r.Status != http.StatusOK {
			t.Errorf("status %d, want 200 with the sign-in form", r.Status)
		}
		if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
			t.Errorf("Content-Type %q, want HTML, not the API's JSON", ct)
		}
		body := string(r.Body)
		for _, want := range []string{`id="login"`, "Вход для руководителя", `src="/static/reports.js"`} {
			if !strings.Contains(body, want) {
				t.Errorf("the page lacks %q", want)
			}
		}
		if strings.Contains(body, "<table") || strings.Contains(body, `id="period"`) {
			t.Errorf("an anonymous visitor sees the report or its picker")
		}
	})
	t.Run("an operator is told the page is not theirs", func(t *testing.T) {
		r := s.signIn(t, "op1").get(t, "/reports")
		if r.Status != http.StatusForbidden {
			t.Errorf("status %d, want 403", r.Status)
		}
		body := string(r.Body)
		if !strings.Contains(body, "Недостаточно прав") {
			t.Errorf("the page does not say «недостаточно прав»:\n%s", body)
		}
		if strings.Contains(body, "<table") {
			t.Errorf("an operator sees the report")
		}
	})
	t.Run("the page's script and style are served", func(t *testing.T) {
		for _, path := range []string{"/static/reports.js", "/static/reports.css"} {
			if r := s.anon().get(t, path); r.Status != http.StatusOK || len(r.Body) == 0 {
				t.Errorf("GET %s: status %d, %d bytes", path, r.Status, len(r.Body))
			}
		}
	})
}

func TestReportsPageShowsTheDay(t *testing.T) {
	s := newStack(t)
	manager := reportsPageDay(t, s)

	r := manager.get(t, "/reports")
	if r.Status != http.StatusOK {
		t.Fatalf("status %d:\n%s", r.Status, r.Body)
	}
	if cc := r.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q, want no-store: reports name staff", cc)
	}
	body := string(r.Body)
	t.Run("the month so far is the default period", func(t *testing.T) {
		for _, want := range []string{`name="from" value="2026-11-01"`, `name="to" value="2026-11-23"`, "с 01.11.2026 по 23.11.2026"} {
			if !strings.Contains(body, want) {
				t.Errorf("the page lacks %q", want)
			}
		}
	})
	t.Run("attendance is the default table, with its chart", func(t *testing.T) {
		for _, want := range []string{`<h1 id="title">Посещаемость</h1>`, `<svg xmlns="http://www.w3.org/2000/svg"`, `role="img"`,
			`class="current" aria-current="page">Посещаемость`} {
			if !strings.Contains(body, want) {
				t.Errorf("the page lacks %q", want)
			}
		}
	})

	tab := reportsPageTable(t, r.Body)
	if len(tab.Rows) != 2 {
		t.Fatalf("%d rows, want the day and the total: %+v", len(tab.Rows), tab.Rows)
	}
	issued, served, open := tab.column(t, "Выдано талонов"), tab.column(t, "Обслужено"), tab.column(t, "В работе")
	for i, row := range tab.Rows {
		want := map[int]string{0: "2026-11-23", issued: "3", served: "2", open: "1"}
		if i == 1 {
			want[0] = "Итого"
			if row.Class != "total" {
				t.Errorf("the total row's class is %q, want total (bold)", row.Class)
			}
		}
		for col, v := range want {
			if got := row.Cells[col]; got != v {
				t.Errorf("row %d, %s: %q, want %q", i, tab.Head[col], got, v)
			}
		}
	}
	if !strings.Contains(body, `<td class="num">3</td>`) {
		t.Errorf("numbers are not marked to be right-aligned")
	}

	t.Run("the downloads are this period's", func(t *testing.T) {
		page := html.UnescapeString(body)
		for _, want := range []string{
			`/api/v1/reports/attendance?by=day&format=csv&from=2026-11-01&lang=ru&to=2026-11-23`,
			`/api/v1/reports/attendance?by=day&format=xlsx&from=2026-11-01&lang=ru&to=2026-11-23`,
			`/api/v1/reports/all?by=day&format=xlsx&from=2026-11-01&lang=ru&to=2026-11-23`,
		} {
			if !strings.Contains(page, want) {
				t.Errorf("no link to %s", want)
			}
		}
	})
}

func TestReportsPageChoices(t *testing.T) {
	s := newStack(t)
	manager := reportsPageDay(t, s)

	t.Run("waits by service name the service and draw the target", func(t *testing.T) {
		r := manager.get(t, "/reports?name=waits&by=service&from=2026-11-23&to=2026-11-23")
		if r.Status != http.StatusOK {
			t.Fatalf("status %d:\n%s", r.Status, r.Body)
		}
		tab := reportsPageTable(t, r.Body)
		name := tab.column(t, "Название")
		if len(tab.Rows) != 2 || !strings.HasPrefix(tab.Rows[0].Cells[name], "Паспорт") {
			t.Errorf("rows %+v, want the passport service and the total", tab.Rows)
		}
		// Two visitors called after 5 and 20 minutes: a mean of 12.5, with
		// the Russian decimal comma.
		if got := tab.Rows[0].Cells[tab.column(t, "Ожидание: среднее, мин")]; got != "12,5" {
			t.Errorf("mean wait %q, want 12,5", got)
		}
		body := string(r.Body)
		for _, want := range []string{"норма 15 мин", `<option value="service" selected>по услугам</option>`, "23.11.2026"} {
			if !strings.Contains(body, want) {
				t.Errorf("the page lacks %q", want)
			}
		}
	})
	t.Run("English throughout with lang=en", func(t *testing.T) {
		r := manager.get(t, "/reports?lang=en&name=waits&from=2026-11-23&to=2026-11-23")
		if r.Status != http.StatusOK {
			t.Fatalf("status %d:\n%s", r.Status, r.Body)
		}
		body := string(r.Body)
		for _, want := range []string{`<html lang="en">`, `<h1 id="title">Waiting and service times</h1>`, "Wait: mean, min", "Total",
			"target 15 min", "by service", `name="lang" value="en"`, "Русский", "23 Nov 2026"} {
			if !strings.Contains(body, want) {
				t.Errorf("the English page lacks %q", want)
			}
		}
		for _, not := range []string{"Итого", "Ожидание: среднее"} {
			if strings.Contains(body, not) {
				t.Errorf("the English page has %q", not)
			}
		}
		// The link to Russian keeps the table and the period.
		if !strings.Contains(html.UnescapeString(body), `href="/reports?by=day&from=2026-11-23&lang=ru&name=waits&to=2026-11-23"`) {
			t.Errorf("the language link does not keep the other parameters")
		}
	})
	t.Run("the share within the target per window", func(t *testing.T) {
		r := manager.get(t, "/reports?name=sla&by=window&from=2026-11-23&to=2026-11-23")
		tab := reportsPageTable(t, r.Body)
		if len(tab.Rows) != 2 {
			t.Fatalf("rows %+v, want window 1 and the total", tab.Rows)
		}
		// Called after 5 and 20 minutes against 15: one of two.
		if got := tab.Rows[0].Cells[tab.column(t, "Доля в пределах срока, %")]; got != "50" {
			t.Errorf("window 1's share %q, want 50", got)
		}
		if got := tab.Rows[0].Cells[0]; got != "1" {
			t.Errorf("window %q, want 1", got)
		}
	})
	t.Run("every table renders", func(t *testing.T) {
		for _, name := range []string{"attendance", "waits", "sla", "breaches", "operators", "appointments", "queue"} {
			for _, by := range []string{"day", "hour", "service", "window", "operator"} {
				r := manager.get(t, "/reports?name="+name+"&by="+by+"&from=2026-11-23&to=2026-11-23")
				if r.Status != http.StatusOK {
					t.Errorf("%s by %s: status %d:\n%s", name, by, r.Status, r.Body)
				}
			}
		}
	})
}

func TestReportsPageRefusals(t *testing.T) {
	s := newStack(t)
	manager := s.signIn(t, "manager")
	tests := []struct {
		name, query string
		status      int
		want        string
	}{
		{"a date not in the calendar", "from=2026-13-01&to=2026-11-23", http.StatusBadRequest, "не в формате ГГГГ-ММ-ДД"},
		{"a start after the end", "from=2026-11-23&to=2026-11-01", http.StatusBadRequest, "начало периода 2026-11-23 позже конца 2026-11-01"},
		{"an unknown grouping", "by=week", http.StatusBadRequest, "неизвестная группировка"},
		{"an unknown table", "name=weather", http.StatusNotFound, "отчёта &#34;weather&#34; нет"},
		{"in English", "lang=en&from=2026-11-23&to=2026-11-01", http.StatusBadRequest, "the period&#39;s start 2026-11-23 is after its end 2026-11-01"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := manager.get(t, "/reports?"+tt.query)
			if r.Status != tt.status {
				t.Errorf("status %d, want %d", r.Status, tt.status)
			}
			body := string(r.Body)
			if !strings.Contains(body, `id="message"`) || !strings.Contains(body, tt.want) {
				t.Errorf("the page does not say %q:\n%s", tt.want, body)
			}
			if !strings.Contains(body, `<form id="period"`) {
				t.Errorf("the period picker is gone: nothing to correct the dates with")
			}
			if strings.Contains(body, "<table") {
				t.Errorf("a refused request shows a table")
			}
		})
	}
}

func TestReportsPageShowsNoDataAsADash(t *testing.T) {
	s := newStack(t)
	s.issue(t, "passport") // issued, never called: no wait to average
	manager := s.signIn(t, "manager")
	r := manager.get(t, "/reports?name=breaches&from=2026-11-23&to=2026-11-23")
	if body := string(r.Body); r.Status != http.StatusOK || !strings.Contains(body, "Нет данных за период.") || strings.Contains(body, "<svg") {
		t.Errorf("no breaches: status %d, want the table's place to say there is no data, and no chart:\n%s", r.Status, body)
	}
	r = manager.get(t, "/reports?name=waits&from=2026-11-23&to=2026-11-23")
	tab := reportsPageTable(t, r.Body)
	if len(tab.Rows) != 1 {
		t.Fatalf("rows %+v, want the total alone", tab.Rows)
	}
	if got := tab.Rows[0].Cells[tab.column(t, "Ожидание: среднее, мин")]; got != "—" {
		t.Errorf("the mean of no waits is %q, want a dash", got)
	}
	if got := tab.Rows[0].Cells[tab.column(t, "Вызвано")]; got != "0" {
		t.Errorf("called %q, want 0", got)
	}
}

func TestReportsPageWithoutReports(t *testing.T) {
	s := newStack(t, func(o *server.Options) { o.Reports = nil })
	r := s.signIn(t, "manager").get(t, "/reports")
	if r.Status != http.StatusServiceUnavailable {
		t.Errorf("status %d, want 503", r.Status)
	}
	if !strings.Contains(string(r.Body), "Отчёты на этом сервере не подключены") {
		t.Errorf("the page does not say reports are off:\n%s", r.Body)
	}
}
