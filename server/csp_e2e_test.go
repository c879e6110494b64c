package server_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"

	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// recordViolations is run in every page before its own scripts: it keeps
// what the page's Content-Security-Policy blocked.
const recordViolations = `window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) =>
  window.__csp.push(e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline') + ' at ' + e.sourceFile + ':' + e.lineNumber));`

// TestPagesKeepTheirPolicyInChromium opens every page of the routing table
// in Chromium under the policy the server sends, does what the page is for
// (signing in, opening its WebSocket, issuing a ticket), and fails on any
// violation Chromium reports, in the page or in its console. A page added
// to the table is opened without a word here.
func TestPagesKeepTheirPolicyInChromium(t *testing.T) {
	s := newStack(t)
	w := newWalker(t, s)
	p := page(t)
	var mu sync.Mutex
	var console []string
	chromedp.ListenTarget(p, func(ev any) {
		if e, ok := ev.(*cdplog.EventEntryAdded); ok && strings.Contains(e.Entry.Text, "Content Security Policy") {
			mu.Lock()
			defer mu.Unlock()
			console = append(console, e.Entry.URL+": "+e.Entry.Text)
		}
	})
	err := chromedp.Run(p, chromedp.ActionFunc(func(ctx context.Context) error {
		_, err := cdppage.AddScriptToEvaluateOnNewDocument(recordViolations).Do(ctx)
		return err
	}))
	if err != nil {
		t.Fatal(err)
	}

	// What each page does beyond loading; a page not named here is opened
	// and waited for.
	base := s.URL()
	signIn := func(path, login string, ready chromedp.Action) chromedp.Tasks {
		return chromedp.Tasks{
			chromedp.Navigate(base + path),
			chromedp.WaitVisible("#loginName", chromedp.ByID),
			chromedp.SendKeys("#loginName", login, chromedp.ByID),
			chromedp.SendKeys("#loginPass", "demo", chromedp.ByID),
			chromedp.Click("#loginBtn", chromedp.ByID),
			ready,
		}
	}
	uses := map[string]chromedp.Tasks{
		"GET /console":   signInAt(base, "op2", "2"),
		"GET /dashboard": signIn("/dashboard", "manager", chromedp.Poll(`document.querySelectorAll('#services .tile').length > 0`, nil)),
		// Signing in reloads the page, now with the period picker.
		"GET /reports": signIn("/reports", "manager", chromedp.WaitVisible("#period", chromedp.ByID)),
		"GET /audit":   signIn("/audit", "admin", chromedp.WaitVisible("#filter", chromedp.ByID)),
		"GET /book": {
			chromedp.Navigate(base + "/book"),
			chromedp.Poll(`document.querySelectorAll('#services button[data-service]').length > 0`, nil),
		},
		// Nobody served at window 1 yet: the tablet settles on its calm
		// waiting screen once the API has answered.
		"GET /rate": {
			chromedp.Navigate(base + "/rate?window=1&token=" + ratingToken),
			chromedp.Poll(`document.body.dataset.state === 'waiting'`, nil),
		},
		"GET /kiosk": {
			chromedp.Navigate(base + "/kiosk?token=" + kioskToken),
			chromedp.Poll(`document.querySelectorAll('#groups .tile').length > 0`, nil),
			chromedp.Click(`#groups .tile`, chromedp.ByQuery),
			chromedp.WaitVisible(`#services`, chromedp.ByID),
			chromedp.Click(`#serviceTiles .tile[data-service="passport"]`, chromedp.ByQuery),
			chromedp.Poll(`document.getElementById('ticketNumber').textContent !== ''`, nil),
		},
	}

	var pages int
	for _, rt := range s.Server.Routes() {
		if rt.Method != http.MethodGet || rt.Access != "anyone" {
			continue
		}
		path := w.paths(t, rt)[0]
		if r := s.anon().get(t, path); !strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") {
			continue // not a page: JSON, a script, metrics
		}
		pages++
		t.Run(path+" runs within its policy", func(t *testing.T) {
			tasks, ok := uses[rt.Pattern()]
			if !ok {
				tasks = chromedp.Tasks{chromedp.Navigate(base + path), chromedp.WaitReady("body", chromedp.ByQuery)}
			}
			mu.Lock()
			console = nil
			mu.Unlock()
			var blocked []string
			err := chromedp.Run(p,
				network.ClearBrowserCookies(), // each page signs in as its own user
				tasks,
				chromedp.Evaluate(`window.__csp`, &blocked),
			)
			if err != nil {
				t.Fatalf("open %s: %v", path, err)
			}
			for _, b := range blocked {
				t.Errorf("the policy blocked %s", b)
			}
			mu.Lock()
			defer mu.Unlock()
			for _, c := range console {
				t.Errorf("Chromium's console: %s", c)
			}
		})
	}
	if pages < 7 {
		t.Errorf("%d pages found in the routing table, want at least /, /t/{id}, /book, /kiosk, /console, /dashboard and /reports", pages)
	}
}
