package server_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"eq/queue"
)

// reportsWeek drives the demo office through the mornings of Monday to
// Friday of day0's week, straight through the engine (a week over HTTP
// would be slow): visitors of every live service arrive from 9:00 to noon,
// most at ten, and the windows open that day call, serve and finish them
// in 6 to 15 minutes; fewer windows open midweek, when the waits pass the
// target. The clock is left on Friday at 12:30.
func reportsWeek(t *testing.T, s *stack) {
	t.Helper()
	ctx := context.Background()
	services := []string{"passport", "pick-up", "egrn-extract", "passport", "foreign-passport", "residence",
		"pick-up", "birth", "passport", "child-benefits", "egrn-extract", "housing-subsidy", "criminal-record", "property-rights"}
	windowsOpen := []int{8, 6, 5, 7, 8}
	act := func(n int, a queue.Action) error {
		login := "op" + strconv.Itoa(n)
		_, err := s.Engine.WindowAction(ctx, queue.WindowCommand{Window: n, Action: a,
			Actor: queue.Actor{Login: login, Role: queue.RoleOperator}, Operator: login})
		return err
	}
	issued := 0
	for d, open := range windowsOpen {
		s.clock.Advance(day0.AddDate(0, 0, d).Sub(s.clock.Now()))
		if err := s.Engine.Roll(ctx); err != nil {
			t.Fatal(err)
		}
		for n := 1; n <= open; n++ {
			if err := act(n, queue.ActionOpen); err != nil {
				t.Fatalf("day %d: open window %d: %v", d, n, err)
			}
		}
		started := map[int]time.Time{}
		const step = 3 * time.Minute
		for tick := range 70 { // 9:00 to 12:30
			now := s.clock.Now()
			// Per three minutes: 1 or 2 visitors at nine, 2 at ten, 1 at eleven.
			arrivals := map[int]int{9: 1 + tick%2, 10: 2, 11: 1}[now.Hour()]
			for range arrivals {
				if _, err := s.Engine.Issue(ctx, queue.IssueRequest{Service: services[issued%len(services)]}); err != nil {
					t.Fatalf("issue at %s: %v", now.Format("15:04"), err)
				}
				issued++
			}
			for n := 1; n <= open; n++ {
				w, err := s.Engine.Window(n)
				if err != nil {
					t.Fatal(err)
				}
				if w.Current != nil {
					if now.Sub(started[n]) < time.Duration(6+3*((n+tick)%4))*time.Minute {
						continue
					}
					if err := act(n, queue.ActionFinish); err != nil {
						t.Fatalf("finish at window %d: %v", n, err)
					}
				}
				if act(n, queue.ActionCallNext) != nil {
					continue // nobody waits for this window
				}
				if err := act(n, queue.ActionStart); err != nil {
					t.Fatalf("start at window %d: %v", n, err)
				}
				started[n] = now
			}
			s.clock.Advance(step)
		}
		for n := 1; n <= open; n++ {
			if w, _ := s.Engine.Window(n); w.Current != nil {
				act(n, queue.ActionFinish)
			}
			act(n, queue.ActionClose)
		}
	}
}

// TestReportsInChromium: a manager signs in at /reports, sees the month's
// attendance under its chart, groups it by hour with the period form,
// turns to the waits, and reads the page in English, every step a plain
// page load.
func TestReportsInChromium(t *testing.T) {
	s := newStack(t)
	reportsWeek(t, s)
	p := page(t)
	rows := `document.querySelectorAll('#report tbody tr').length`
	var head string
	var n int
	err := chromedp.Run(p,
		chromedp.Navigate(s.URL()+"/reports"),
		chromedp.WaitVisible("#login", chromedp.ByID),
		chromedp.SendKeys("#loginName", "manager", chromedp.ByID),
		chromedp.SendKeys("#loginPass", "demo", chromedp.ByID),
		chromedp.Click("#loginBtn", chromedp.ByID),
		chromedp.WaitVisible("#report", chromedp.ByID),
		textIs("title", "Посещаемость"),
		chromedp.Poll(`document.querySelector('.chart svg[role="img"]') !== null`, nil),
		chromedp.Text("#report thead", &head, chromedp.ByQuery),
		chromedp.Evaluate(rows, &n),
	)
	if err != nil {
		t.Fatalf("sign in and see the attendance: %v", err)
	}
	if n != 6 {
		t.Errorf("%d rows by day, want five days and the total", n)
	}
	if !strings.Contains(head, "Выдано талонов") {
		t.Errorf("the table's head %q lacks «Выдано талонов»", head)
	}
	var from, to string
	if err := chromedp.Run(p, chromedp.Value("#from", &from, chromedp.ByID), chromedp.Value("#to", &to, chromedp.ByID)); err != nil {
		t.Fatal(err)
	}
	if from != "2026-11-01" || to != "2026-11-27" {
		t.Errorf("period %s to %s, want the month so far: 2026-11-01 to 2026-11-27", from, to)
	}

	// Each of the page's controls loads a page: wait for it before looking.
	load := func(what string, a chromedp.Action) {
		t.Helper()
		if _, err := chromedp.RunResponse(p, a); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	if err := chromedp.Run(p, chromedp.SetValue("#by", "hour", chromedp.ByID)); err != nil {
		t.Fatal(err)
	}
	load("submit the period form", chromedp.Click("#show", chromedp.ByID))
	var total string
	err = chromedp.Run(p,
		chromedp.Poll(`location.search.includes('by=hour') && document.getElementById('by').value === 'hour'`, nil),
		chromedp.WaitVisible("#report", chromedp.ByID),
		chromedp.Poll(`document.querySelector('#report thead th').textContent === 'Час'`, nil),
		chromedp.Text("#report tr.total", &total, chromedp.ByQuery),
		chromedp.Evaluate(rows, &n),
	)
	if err != nil {
		t.Fatalf("group by hour: %v", err)
	}
	if n != 4 { // visitors join the queue from 9:00 to noon
		t.Errorf("%d rows by hour, want 9, 10 and 11 o'clock and the total", n)
	}
	if !strings.Contains(total, "Итого") {
		t.Errorf("the total row %q lacks «Итого»", total)
	}

	load("open the waits tab", chromedp.Click(`.tabs a[data-name="waits"]`, chromedp.ByQuery))
	err = chromedp.Run(p,
		textIs("title", "Время ожидания и обслуживания"),
		chromedp.Poll(`document.getElementById('by').value === 'hour'`, nil),
		chromedp.Poll(`document.querySelector('.chart svg').textContent.includes('норма 15 мин')`, nil),
	)
	if err != nil {
		t.Fatalf("turn to the waits: %v", err)
	}
	saveScreenshot(t, p, "reports.png")

	var lang string
	load("switch to English", chromedp.Click("#lang", chromedp.ByID))
	err = chromedp.Run(p,
		textIs("title", "Waiting and service times"),
		chromedp.Evaluate(`document.documentElement.lang`, &lang),
		chromedp.Poll(`document.getElementById('by').value === 'hour' && document.getElementById('from').value === '2026-11-01'`, nil),
		chromedp.Poll(`document.querySelector('#report tr.total td').textContent === 'Total'`, nil),
		chromedp.Poll(`document.querySelector('.chart svg').textContent.includes('target 15 min')`, nil),
	)
	if err != nil {
		t.Fatalf("switch to English: %v", err)
	}
	if lang != "en" {
		t.Errorf("html lang %q, want en", lang)
	}
}
