package server_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"eq/queue"
)

type auditJSON struct {
	From      string `json:"from"`
	To        string `json:"to"`
	Truncated bool   `json:"truncated"`
	Actions   []struct {
		Seq       int64  `json:"seq"`
		Type      string `json:"type"`
		Actor     string `json:"actor"`
		ActorName string `json:"actor_name"`
		Window    int    `json:"window"`
		Operator  string `json:"operator"`
		Number    string `json:"number"`
		Summary   string `json:"summary"`
		SummaryEN string `json:"summary_en"`
	} `json:"actions"`
}

// auditDay has op1 serve one visitor at window 1 and the manager call the
// next one there: the trail must tell the two apart.
func auditDay(t *testing.T, s *stack) (first, second ticketJSON) {
	t.Helper()
	first, second = s.issue(t, "passport"), s.issue(t, "passport")
	op1 := s.signIn(t, "op1")
	op1.act(t, "1", "open", "")
	s.clock.Advance(time.Minute)
	op1.act(t, "1", "call-next", "")
	op1.act(t, "1", "start", "")
	s.clock.Advance(5 * time.Minute)
	op1.act(t, "1", "finish", `{"outcome":"documents_accepted"}`)
	s.signIn(t, "manager").act(t, "1", "call-next", "")
	return first, second
}

func TestAuditTrailTellsWhoDidWhat(t *testing.T) {
	s := newStack(t)
	first, second := auditDay(t, s)
	admin := s.signIn(t, "admin")

	var all auditJSON
	admin.get(t, "/api/v1/audit").decode(t, http.StatusOK, &all)
	if today := day0.Format(time.DateOnly); all.From != today || all.To != today {
		t.Errorf("period %s…%s, want today %s", all.From, all.To, today)
	}
	var got []string
	for _, a := range all.Actions {
		got = append(got, a.Actor+" "+a.Type+" "+a.Number)
	}
	want := []string{
		"manager TicketCalled " + second.Number,
		"op1 ServiceFinished " + first.Number,
		"op1 ServiceStarted " + first.Number,
		"op1 TicketCalled " + first.Number,
		"op1 WindowOpened ",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("actions, newest first:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	boss := all.Actions[0]
	if boss.Operator != "op1" || boss.Window != 1 || boss.ActorName == "" {
		t.Errorf("the manager's call = %+v, want window 1 worked by op1 and the manager's name", boss)
	}
	if want := "вызван талон " + second.Number + " к окну 1 — "; !strings.HasPrefix(boss.Summary, want) {
		t.Errorf("summary = %q, want it to begin %q and give the dispatcher's reason", boss.Summary, want)
	}
	if want := "finished serving ticket " + first.Number + ": documents accepted"; all.Actions[1].SummaryEN != want {
		t.Errorf("summary_en = %q, want %q", all.Actions[1].SummaryEN, want)
	}
	if all.Truncated {
		t.Error("truncated with five actions under the default limit")
	}

	t.Run("filtered by login it gives that login's actions only", func(t *testing.T) {
		var mine auditJSON
		admin.get(t, "/api/v1/audit?actor=manager").decode(t, http.StatusOK, &mine)
		if len(mine.Actions) != 1 || mine.Actions[0].Actor != "manager" {
			t.Fatalf("actions = %+v, want the manager's one call", mine.Actions)
		}
	})
	t.Run("a limit keeps the newest and says more are there", func(t *testing.T) {
		var few auditJSON
		admin.get(t, "/api/v1/audit?limit=2").decode(t, http.StatusOK, &few)
		if len(few.Actions) != 2 || few.Actions[0].Seq != all.Actions[0].Seq || !few.Truncated {
			t.Fatalf("got %d actions, truncated %v; want the newest 2 and truncated", len(few.Actions), few.Truncated)
		}
	})
	t.Run("another period gives nothing", func(t *testing.T) {
		var none auditJSON
		admin.get(t, "/api/v1/audit?from=2024-01-01&to=2024-01-31").decode(t, http.StatusOK, &none)
		if len(none.Actions) != 0 || none.Actions == nil {
			t.Fatalf("actions = %+v, want an empty list", none.Actions)
		}
	})
}

func TestAuditRefusals(t *testing.T) {
	s := newStack(t)
	auditDay(t, s)
	admin := s.signIn(t, "admin")
	seq := s.lastSeq(t)
	for _, tt := range []struct{ name, query string }{
		{"a date that is not a date", "?from=03.03.2025"},
		{"a period that ends before it begins", "?from=2025-03-04&to=2025-03-03"},
		{"a period over a year", "?from=2024-01-01&to=2025-03-03"},
		{"a limit of zero", "?limit=0"},
		{"a limit that is not a number", "?limit=many"},
		{"a limit over the most", "?limit=100000"},
	} {
		t.Run(tt.name+" is refused", func(t *testing.T) {
			e := s.refused(t, admin.get(t, "/api/v1/audit"+tt.query), http.StatusBadRequest, queue.EINVALID, seq)
			if !cyrillic(e.Error.Message) {
				t.Errorf("message %q is not in Russian", e.Error.Message)
			}
		})
	}
	for _, login := range []string{"op1", "manager"} {
		t.Run(login+" may not read the trail", func(t *testing.T) {
			s.refused(t, s.signIn(t, login).get(t, "/api/v1/audit"), http.StatusForbidden, queue.EFORBIDDEN, seq)
		})
	}
}

func TestAuditPage(t *testing.T) {
	s := newStack(t)
	first, second := auditDay(t, s)

	t.Run("an admin sees the actions as a table", func(t *testing.T) {
		r := s.signIn(t, "admin").get(t, "/audit")
		if r.Status != http.StatusOK {
			t.Fatalf("status %d: %s", r.Status, r.Body)
		}
		page := string(r.Body)
		for _, want := range []string{`<table id="audit">`, "вызван талон " + second.Number + " к окну 1",
			"завершён приём по талону " + first.Number + ": документы приняты", "op1 — ", `<option value="manager">`} {
			if !strings.Contains(page, want) {
				t.Errorf("the page lacks %q", want)
			}
		}
		if got := strings.Count(page, "<tr data-seq="); got != 5 {
			t.Errorf("%d rows, want 5", got)
		}
	})
	t.Run("in English too", func(t *testing.T) {
		r := s.signIn(t, "admin").get(t, "/audit?lang=en&actor=manager")
		if r.Status != http.StatusOK || !strings.Contains(string(r.Body), "called ticket "+second.Number+" to window 1") {
			t.Fatalf("status %d, page:\n%s", r.Status, r.Body)
		}
		if strings.Contains(string(r.Body), "op1 — ") && strings.Count(string(r.Body), "<tr data-seq=") != 1 {
			t.Error("the filter by login kept other logins' actions")
		}
	})
	t.Run("a bad date is said on the page", func(t *testing.T) {
		r := s.signIn(t, "admin").get(t, "/audit?from=yesterday")
		if r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), `id="message"`) {
			t.Fatalf("status %d, page:\n%s", r.Status, r.Body)
		}
	})
	t.Run("a manager is told the trail is for admins", func(t *testing.T) {
		r := s.signIn(t, "manager").get(t, "/audit")
		if r.Status != http.StatusForbidden || strings.Contains(string(r.Body), `<table id="audit">`) {
			t.Fatalf("status %d, page:\n%s", r.Status, r.Body)
		}
	})
	t.Run("a stranger gets the sign-in form and no actions", func(t *testing.T) {
		r := s.anon().get(t, "/audit")
		if r.Status != http.StatusOK || !strings.Contains(string(r.Body), `id="login"`) || strings.Contains(string(r.Body), second.Number) {
			t.Fatalf("status %d, page:\n%s", r.Status, r.Body)
		}
	})
}

func TestAuditNamesWhoClosedTheDayIssuedAndCancelled(t *testing.T) {
	s := newStack(t)
	s.issue(t, "passport") // by the kiosk: not a staff action
	cancelled := s.issue(t, "passport")
	op1 := s.signIn(t, "op1")
	if r := op1.post(t, "/api/v1/tickets/"+cancelled.ID+"/cancel", ""); r.Status != http.StatusOK {
		t.Fatalf("cancel by staff: status %d, %s", r.Status, r.Body)
	}
	if r := op1.post(t, "/api/v1/tickets", `{"service_id":"passport","priority":"privileged"}`); r.Status != http.StatusCreated {
		t.Fatalf("issue by staff: status %d, %s", r.Status, r.Body)
	}
	manager := s.signIn(t, "manager")
	if r := manager.post(t, "/api/v1/day/close", ""); r.Status != http.StatusOK {
		t.Fatalf("close the day: status %d, %s", r.Status, r.Body)
	}
	var got auditJSON
	s.signIn(t, "admin").get(t, "/api/v1/audit").decode(t, http.StatusOK, &got)
	count := map[string]int{}
	for _, a := range got.Actions {
		count[a.Actor+" "+a.Type]++
	}
	want := map[string]int{
		"op1 TicketIssued":        1,
		"op1 TicketCancelled":     1,
		"manager TicketNotServed": 2, // both tickets were still waiting
		"manager DayClosed":       1,
	}
	if len(count) != len(want) {
		t.Errorf("actions %v, want %v", count, want)
	}
	for k, n := range want {
		if count[k] != n {
			t.Errorf("%q: %d actions, want %d (all: %v)", k, count[k], n, count)
		}
	}
}
