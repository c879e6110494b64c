package server_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"eq/queue"
)

// chromium finds Debian's Chromium; `make test` installs it.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{os.Getenv("EQ_CHROMIUM"), "chromium", "chromium-browser", "google-chrome"} {
		if name == "" {
			continue
		}
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("Chromium not found: install Debian's chromium (make deps does) or set EQ_CHROMIUM")
	return ""
}

// page starts a headless Chromium of its own (own profile, own cookies) and
// returns a context for its first tab.
func page(t *testing.T) context.Context {
	t.Helper()
	// Not t.TempDir: Chromium's helper processes may still write into the
	// profile for a moment after the browser exits, which fails its cleanup.
	profile, err := os.MkdirTemp("", "eq-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium(t)),
		chromedp.NoSandbox, // tests run as root in CI
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1280, 900),
	)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(alloc)
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() {
		cancelTimeout()
		cancel()
		cancelAlloc()
		for i := 0; i < 50 && os.RemoveAll(profile) != nil; i++ {
			time.Sleep(100 * time.Millisecond)
		}
	})
	if err := chromedp.Run(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// typeSignIn opens the console page and submits login and password.
func typeSignIn(url, login, password string) chromedp.Tasks {
	return chromedp.Tasks{
		chromedp.Navigate(url + "/console"),
		chromedp.WaitVisible("#loginForm", chromedp.ByID),
		chromedp.SendKeys("#loginName", login, chromedp.ByID),
		chromedp.SendKeys("#loginPass", password, chromedp.ByID),
		chromedp.Click("#loginBtn", chromedp.ByID),
	}
}

// signInAt signs login in on the console page and starts work at window n.
func signInAt(url, login string, n string) chromedp.Tasks {
	return chromedp.Tasks{typeSignIn(url, login, "demo"), pickWindow(n)}
}

// pickWindow chooses window n after signing in and waits for the desk.
func pickWindow(n string) chromedp.Tasks {
	return chromedp.Tasks{
		chromedp.WaitVisible("#pickForm", chromedp.ByID),
		chromedp.Poll(`document.getElementById('pickWindow').options.length > 0`, nil),
		chromedp.SetValue("#pickWindow", n, chromedp.ByID),
		chromedp.Click("#pickBtn", chromedp.ByID),
		chromedp.WaitVisible("#desk", chromedp.ByID),
		chromedp.Poll(`document.getElementById('net').classList.contains('online')`, nil),
	}
}

func textIs(id, want string) chromedp.Action {
	return chromedp.Poll(`document.getElementById('`+id+`').textContent === `+jsString(want), nil)
}

func jsString(s string) string { return "'" + strings.ReplaceAll(s, "'", `\'`) + "'" }

func click(id string) chromedp.Tasks {
	return chromedp.Tasks{
		chromedp.Poll(`!document.getElementById('`+id+`').disabled`, nil),
		chromedp.Click("#"+id, chromedp.ByID),
	}
}

// TestConsoleInChromium: an operator signs in, calls the ticket a kiosk
// issued, starts and forwards it to window 2; the second operator's console
// sees it arrive without reloading and calls it.
func TestConsoleInChromium(t *testing.T) {
	s := newWSStack(t)
	op1, op2 := page(t), page(t)

	if err := chromedp.Run(op2, signInAt(s.URL(), "op2", "2"), click("act-open")); err != nil {
		t.Fatalf("op2 signs in: %v", err)
	}
	ticket, err := s.Engine.Issue(context.Background(), queue.IssueRequest{Service: "passport"})
	if err != nil {
		t.Fatal(err)
	}
	var reason string
	err = chromedp.Run(op1,
		signInAt(s.URL(), "op1", "1"),
		click("act-open"),
		click("act-call-next"),
		textIs("ticketNumber", ticket.Number),
		chromedp.Text("#ticketReason", &reason, chromedp.ByID),
		click("act-start"),
		chromedp.Poll(`!document.getElementById('act-forward').disabled`, nil),
		chromedp.SetValue("#forwardTo", "win:2", chromedp.ByID),
		click("act-forward"),
		textIs("ticketNumber", "—"),
	)
	if err != nil {
		t.Fatalf("op1 calls, starts and forwards: %v", err)
	}
	if reason == "" {
		t.Error("the console shows no reason for the call")
	}
	var reason2 string
	err = chromedp.Run(op2,
		// The forwarded visitor shows up in op2's queue by itself.
		chromedp.Poll(`[...document.querySelectorAll('#queues tbody tr')].some(tr => tr.cells[1].textContent === '1')`, nil),
		click("act-call-next"),
		textIs("ticketNumber", ticket.Number),
		chromedp.Text("#ticketReason", &reason2, chromedp.ByID),
	)
	if err != nil {
		t.Fatalf("op2 sees the forwarded ticket: %v", err)
	}
	saveScreenshot(t, op2, "console.png")
	if !strings.Contains(reason2, "окно 2") {
		t.Errorf("op2's reason = %q, want it to say the ticket was sent to window 2", reason2)
	}
	got, _ := s.Engine.Ticket(ticket.ID)
	if got.Status != queue.StatusCalled || got.Window != 2 || len(got.History) != 2 {
		t.Fatalf("ticket after the browser flow = %+v", got)
	}
}

// TestConsoleRefusalShownInChromium: a refused action shows the server's
// Russian message, and a wrong password says so.
func TestConsoleRefusalShownInChromium(t *testing.T) {
	s := newWSStack(t)
	p := page(t)
	var loginErr, msg string
	err := chromedp.Run(p,
		typeSignIn(s.URL(), "op3", "wrong"),
		chromedp.Poll(`document.getElementById('loginError').textContent !== ''`, nil),
		chromedp.Text("#loginError", &loginErr, chromedp.ByID),
	)
	if err != nil || !strings.Contains(loginErr, "неверный логин или пароль") {
		t.Fatalf("wrong password: %q, %v", loginErr, err)
	}
	err = chromedp.Run(p,
		chromedp.Evaluate(`document.getElementById('loginName').value = ''; document.getElementById('loginPass').value = ''`, nil),
		chromedp.SendKeys("#loginName", "op3", chromedp.ByID),
		chromedp.SendKeys("#loginPass", "demo", chromedp.ByID),
		chromedp.Click("#loginBtn", chromedp.ByID),
		pickWindow("3"),
	)
	if err != nil {
		t.Fatal(err)
	}
	err = chromedp.Run(p,
		click("act-open"),
		click("act-call-next"),
		chromedp.Poll(`document.getElementById('message').classList.contains('error')`, nil),
		chromedp.Text("#message", &msg, chromedp.ByID),
	)
	if err != nil || !strings.Contains(msg, "нет ожидающих талонов") {
		t.Fatalf("call-next with an empty queue shows %q (%v)", msg, err)
	}
}

// saveScreenshot writes the page as a PNG into $EQ_SCREENSHOTS, when set:
// `EQ_SCREENSHOTS=$PWD/docs go test -run Chromium ./server/` (an absolute path: tests
// run in server/) refreshes the docs' pictures.
func saveScreenshot(t *testing.T, ctx context.Context, name string) {
	dir := os.Getenv("EQ_SCREENSHOTS")
	if dir == "" {
		return
	}
	var png []byte
	if err := chromedp.Run(ctx, chromedp.FullScreenshot(&png, 100)); err != nil {
		t.Errorf("screenshot: %v", err)
		return
	}
	if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
		t.Errorf("screenshot: %v", err)
	}
}

// TestConsoleAppointmentsInChromium: an operator sees today's appointments
// for the services of the window, masked; the manager sees all of them.
func TestConsoleAppointmentsInChromium(t *testing.T) {
	s := newStack(t)
	visitor := s.anon()
	passport := visitor.book(t, "passport", at(0, 11, 0), `,"name":"Орлова Вера","phone":"+79161234567"`)
	birth := visitor.book(t, "birth", at(0, 12, 0), "")
	op, manager := page(t), page(t)

	rowOf := func(code string) string {
		return `document.querySelector('#appointments tr[data-code="` + code + `"], #allAppointments tr[data-code="` + code + `"]')`
	}
	var row string
	err := chromedp.Run(op,
		signInAt(s.URL(), "op1", "1"),
		chromedp.Poll(rowOf(passport.Code)+` !== null`, nil),
		chromedp.Text(`#appointments tr[data-code="`+passport.Code+`"]`, &row, chromedp.ByQuery),
	)
	if err != nil {
		t.Fatalf("op1's appointments: %v", err)
	}
	for _, want := range []string{"11:00", passport.Code, "Паспорт", "ожидается", "О*** В***", "+7 *** ***-**-67"} {
		if !strings.Contains(row, want) {
			t.Errorf("op1's row %q lacks %q", row, want)
		}
	}
	var others bool
	if err := chromedp.Run(op, chromedp.Evaluate(rowOf(birth.Code)+` !== null`, &others)); err != nil || others {
		t.Errorf("window 1, which does not register births, lists the birth appointment (%v)", err)
	}
	err = chromedp.Run(manager,
		typeSignIn(s.URL(), "manager", "demo"),
		chromedp.WaitVisible("#toManager", chromedp.ByID),
		chromedp.Click("#toManager", chromedp.ByID),
		chromedp.Poll(`document.querySelectorAll('#allAppointments tbody tr').length === 2`, nil),
	)
	if err != nil {
		t.Fatalf("the manager's appointments: %v", err)
	}
}
