package server_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"eq/configs"
	"eq/internal/officetest"
	"eq/queue"
)

// TestConsoleShowsWindowRulesInChromium: window 1 keeps a 2:1 ratio rule
// and auto-calls 2 s after a visitor leaves. The console shows the rule,
// why each visitor was called, the countdown to the auto-call, and the
// visitor the auto-call brings, without the operator touching anything.
func TestConsoleShowsWindowRulesInChromium(t *testing.T) {
	s := officetest.Start(t, officetest.WithConfig(func(c *configs.Config) {
		w := &c.Office.Windows[0]
		w.Ratio, w.AutoCall, w.AutoCallPause = 2, true, 2*time.Second
	}))
	ctx := context.Background()
	issue := func(p queue.Priority) queue.TicketView {
		v, err := s.Engine.Issue(ctx, queue.IssueRequest{Service: "passport", Priority: p})
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	priv := issue(queue.PriorityPrivileged)
	normal := issue(queue.PriorityNormal)
	issue(queue.PriorityPrivileged) // held back by the rule after the first privileged visitor

	p := page(t)
	var reason, state, day string
	err := chromedp.Run(p,
		signInAt(s.URL(), "op1", "1"),
		click("act-open"),
		click("act-call-next"),
		textIs("ticketNumber", priv.Number),
		chromedp.Text("#ticketReason", &reason, chromedp.ByID),
		click("act-start"),
		click("act-finish"),
		textIs("ticketNumber", "—"),
		chromedp.Poll(`document.getElementById('windowState').textContent.includes('автовызов через')`, nil),
		chromedp.Text("#windowState", &state, chromedp.ByID),
		chromedp.Text("#myDay", &day, chromedp.ByID),
	)
	if err != nil {
		t.Fatalf("the operator serves the privileged visitor: %v", err)
	}
	if !strings.Contains(reason, "правило окна 2:1 — очередь льготного посетителя") {
		t.Errorf("the first call's reason = %q, want the ratio rule's", reason)
	}
	if !strings.Contains(day, "Правило очерёдности: 2:1 · других вызвано 0/2") || !strings.Contains(day, "Автовызов: пауза 0:02") {
		t.Errorf("the console's day panel = %q, want the ratio rule and the auto-call pause", day)
	}

	// What `eq serve` does every second: the auto-call comes once the pause is over.
	deadline := time.Now().Add(30 * time.Second)
	for {
		called, err := s.Engine.AutoCall(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if slices.Equal(called, []int{1}) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no auto-call within 30 s of a 2 s pause")
		}
		time.Sleep(200 * time.Millisecond)
	}
	err = chromedp.Run(p,
		textIs("ticketNumber", normal.Number),
		chromedp.Text("#ticketReason", &reason, chromedp.ByID),
	)
	if err != nil {
		t.Fatalf("the console shows the auto-called visitor: %v", err)
	}
	if !strings.Contains(reason, "другие вызваны 0 из 2, затем льготный") || !strings.Contains(reason, "(автовызов)") {
		t.Errorf("the auto-call's reason = %q, want the rule's count and the auto-call named", reason)
	}
}
