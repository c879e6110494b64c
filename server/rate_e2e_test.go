package server_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"eq/queue"
)

// stateIs waits for the rating page to show one of its screens.
func stateIs(state string) chromedp.Action {
	return chromedp.Poll(`document.body.dataset.state === `+jsString(state), nil)
}

// TestRatingTabletInChromium: the tablet at window 3 waits calmly; an
// operator serves a visitor there through the API and the tablet shows the
// ticket; the visitor taps a mark and a reason, sends, is thanked, and the
// mark is in the log. The next visitor served shows on the tablet by
// itself; one whose time to rate runs out is told so in words.
func TestRatingTabletInChromium(t *testing.T) {
	s := newStack(t)
	op3 := s.signIn(t, "op3")
	op3.act(t, "3", "open", "")
	p := page(t)

	var where, waiting string
	err := chromedp.Run(p,
		chromedp.Navigate(s.URL()+"/rate?window=3&token="+ratingToken),
		stateIs("waiting"),
		chromedp.Text("#windowName", &where, chromedp.ByID),
		chromedp.Text("#waiting", &waiting, chromedp.ByID),
	)
	if err != nil {
		t.Fatalf("the tablet's waiting screen: %v", err)
	}
	if where != "Окно 3" || !strings.Contains(waiting, "оценить обслуживание") {
		t.Errorf("waiting screen: %q, %q; want window 3 and a word on what comes", where, waiting)
	}
	saveScreenshot(t, p, "rate-waiting.png")

	s.issue(t, "foreign-passport")
	first := op3.serveNext(t, "3")
	var title, service, thanks string
	err = chromedp.Run(p,
		stateIs("rate"),
		textIs("number", first.Number),
		chromedp.Text("#rate h1", &title, chromedp.ByQuery),
		chromedp.Text("#service", &service, chromedp.ByID),
		chromedp.Click(`#marks button[data-mark="4"]`, chromedp.ByQuery),
		chromedp.WaitVisible("#more", chromedp.ByID),
		chromedp.Click(`#reasons button[data-reason="long-wait"]`, chromedp.ByQuery),
		chromedp.Poll(`document.querySelector('#reasons button[data-reason="long-wait"]').getAttribute('aria-pressed') === 'true'`, nil),
	)
	if err != nil {
		t.Fatalf("the visitor rates: %v", err)
	}
	saveScreenshot(t, p, "rate.png")
	err = chromedp.Run(p,
		chromedp.Click("#send", chromedp.ByID),
		stateIs("thanks"),
		chromedp.Text("#thanks", &thanks, chromedp.ByID),
	)
	if err != nil {
		t.Fatalf("the visitor sends: %v", err)
	}
	wantService := s.Config.Office.ServiceName("foreign-passport").RU
	if title != "Оцените обслуживание" || service != wantService || !strings.Contains(thanks, "Спасибо!") {
		t.Errorf("the tablet said %q, %q, then %q; want the question, %q and thanks", title, service, thanks, wantService)
	}
	ev := s.lastEvent(t)
	if ev.Type != queue.EventTicketRated || ev.Ticket != first.ID || ev.Window != 3 || ev.Operator != "op3" || ev.Mark != 4 || ev.Reason != "long-wait" {
		t.Fatalf("the log's last event is %+v, want the mark 4, long-wait, for %s at window 3", ev, first.Number)
	}

	// The next visitor: the tablet finds them once the thanks is over, and
	// speaks English when asked.
	s.issue(t, "foreign-passport")
	second := op3.serveNext(t, "3")
	var english string
	err = chromedp.Run(p,
		stateIs("rate"),
		textIs("number", second.Number),
		chromedp.Click("#lang", chromedp.ByID),
		chromedp.Text("#rate h1", &english, chromedp.ByQuery),
		chromedp.Click(`#marks button[data-mark="5"]`, chromedp.ByQuery),
		chromedp.WaitVisible("#send", chromedp.ByID),
	)
	if err != nil {
		t.Fatalf("the next visitor: %v", err)
	}
	if english != "Please rate the service" {
		t.Errorf("in English the tablet asks %q", english)
	}
	// The time to rate runs out before the visitor sends: the refusal is
	// said in words and the tablet goes back to waiting.
	s.clock.Advance(queue.RatingWindow)
	seq := s.lastSeq(t)
	var message string
	err = chromedp.Run(p,
		chromedp.Click("#send", chromedp.ByID),
		chromedp.Poll(`!document.getElementById('message').hidden`, nil),
		chromedp.Text("#message", &message, chromedp.ByID),
		stateIs("waiting"),
	)
	if err != nil {
		t.Fatalf("a mark too late: %v", err)
	}
	if !strings.Contains(message, "nothing to rate") {
		t.Errorf("the tablet says %q, want the server's words on why the mark was not taken", message)
	}
	if got := s.lastSeq(t); got != seq {
		t.Errorf("a mark too late wrote events: the log moved from %d to %d", seq, got)
	}
}

// TestRatingTabletSaysWhatIsWrongInChromium: a tablet set up wrongly says
// so in words instead of showing a blank page.
func TestRatingTabletSaysWhatIsWrongInChromium(t *testing.T) {
	s := newStack(t)
	p := page(t)
	tests := []struct {
		name, path, want string
	}{
		{"a wrong token", "/rate?window=3&token=not-a-tablet", "нужен токен планшета оценки"},
		{"no window", "/rate?token=" + ratingToken, "нет номера окна"},
		{"a window the office lacks", "/rate?window=42&token=" + ratingToken, "окно 42 не найдено"},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is said in words", func(t *testing.T) {
			var said string
			err := chromedp.Run(p,
				chromedp.Navigate(s.URL()+tt.path),
				stateIs("failure"),
				chromedp.Text("#failureText", &said, chromedp.ByID),
			)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(said, tt.want) {
				t.Errorf("the tablet says %q, want %q", said, tt.want)
			}
		})
	}
}
