package server_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"eq/queue"
)

// TestDashboardInChromium: the manager's dashboard turns a service red once
// its wait breaks the target and follows the windows, all without a reload.
func TestDashboardInChromium(t *testing.T) {
	s := newStack(t)
	first, err := s.Engine.Issue(context.Background(), queue.IssueRequest{Service: "passport"})
	if err != nil {
		t.Fatal(err)
	}
	p := page(t)
	passport := `document.querySelector('#services .tile[data-service="passport"]')`
	window1 := `document.querySelector('#windows .tile[data-window="1"]')`
	var summary string
	err = chromedp.Run(p,
		chromedp.Navigate(s.URL()+"/dashboard"),
		chromedp.WaitVisible("#login", chromedp.ByID),
		chromedp.SendKeys("#loginName", "manager", chromedp.ByID),
		chromedp.SendKeys("#loginPass", "demo", chromedp.ByID),
		chromedp.Click("#loginBtn", chromedp.ByID),
		chromedp.Poll(passport+` !== null && `+passport+`.querySelector('.big').textContent === '1'`, nil),
		chromedp.Text("#summary", &summary, chromedp.ByID),
	)
	if err != nil {
		t.Fatalf("dashboard: %v", err)
	}
	if !strings.Contains(summary, "в пределах нормы") {
		t.Errorf("summary %q, want every queue within its target", summary)
	}
	var bad bool
	if err := chromedp.Run(p, chromedp.Evaluate(passport+`.classList.contains('bad')`, &bad)); err != nil || bad {
		t.Fatalf("passport is red with one visitor waiting a minute (%v)", err)
	}

	// Twenty minutes on, a new ticket makes the server push the queues:
	// the first visitor has waited past the 15-minute target.
	s.clock.Advance(20 * time.Minute)
	s.issue(t, "passport")
	err = chromedp.Run(p,
		chromedp.Poll(passport+`.classList.contains('bad') && `+passport+`.querySelector('.big').textContent === '2'`, nil),
		chromedp.Text("#summary", &summary, chromedp.ByID),
	)
	if err != nil {
		t.Fatalf("the breach is not shown: %v", err)
	}
	if !strings.Contains(summary, "нарушена: 1") {
		t.Errorf("summary %q, want one breach", summary)
	}

	op := s.signIn(t, "op1")
	op.post(t, "/api/v1/windows/1/open", "")
	op.post(t, "/api/v1/windows/1/call-next", "")
	var win string
	err = chromedp.Run(p,
		chromedp.Poll(window1+`.querySelector('.big').textContent === '`+first.Number+`'`, nil),
		chromedp.Text(`#windows .tile[data-window="1"]`, &win, chromedp.ByQuery),
	)
	if err != nil {
		t.Fatalf("window 1's call is not shown: %v", err)
	}
	if !strings.Contains(win, "Иванова Мария Сергеевна") {
		t.Errorf("window 1 tile %q lacks the operator's name", win)
	}
	saveScreenshot(t, p, "dashboard.png")
}
