package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"eq/devices/console"
	"eq/internal/syncbuf"
	"eq/queue"
)

// consoleTerm is `eq console` running in-process with a pipe for a keyboard.
type consoleTerm struct {
	t           *testing.T
	keys        *io.PipeWriter
	out, errOut *syncbuf.Buffer
	done        chan int
}

// startConsole runs `eq <args>` through run, as main does.
func startConsole(t *testing.T, args ...string) *consoleTerm {
	t.Helper()
	pr, pw := io.Pipe()
	term := &consoleTerm{t: t, keys: pw, out: &syncbuf.Buffer{}, errOut: &syncbuf.Buffer{}, done: make(chan int, 1)}
	go func() {
		code := run(args, pr, term.out, term.errOut)
		pr.Close() // typing into an ended console fails instead of hanging
		term.done <- code
	}()
	t.Cleanup(func() { pw.Close() })
	return term
}

func (c *consoleTerm) typeLine(line string) {
	c.t.Helper()
	if _, err := io.WriteString(c.keys, line+"\n"); err != nil {
		c.t.Fatalf("type %q: %v\nout:\n%s\nerr:\n%s", line, err, c.out.String(), c.errOut.String())
	}
}

// expect waits until the output holds want at least n times.
func (c *consoleTerm) expect(want string, n int) {
	c.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for strings.Count(c.out.String(), want) < n {
		if time.Now().After(deadline) {
			c.t.Fatalf("the output never showed %q %d times:\n%s\nstderr:\n%s", want, n, c.out.String(), c.errOut.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (c *consoleTerm) exitCode() int {
	c.t.Helper()
	select {
	case code := <-c.done:
		return code
	case <-time.After(10 * time.Second):
		c.t.Fatalf("the console did not exit:\n%s", c.out.String())
		return -1
	}
}

func issueTicket(t *testing.T, base, service string) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, base+"/api/v1/tickets", strings.NewReader(`{"service_id":"`+service+`"}`))
	req.Header.Set("Authorization", "Bearer demo-kiosk")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var ticket struct{ Number string }
	json.NewDecoder(resp.Body).Decode(&ticket)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("issue %s: status %d", service, resp.StatusCode)
	}
	return ticket.Number
}

func TestConsole(t *testing.T) {
	base, stop := startServe(t, &serveOptions{db: filepath.Join(t.TempDir(), "eq.db"), ignoreHours: true})
	defer stop()

	t.Run("an operator serves a visitor from call to finish", func(t *testing.T) {
		t.Setenv(consolePasswordEnv, "")
		term := startConsole(t, "console", "--server", base, "--window", "1", "--login", "op1")
		term.typeLine("demo") // the password
		term.expect("── Окно 1 (window 1): закрыто (closed)", 1)
		if n := issueTicket(t, base, "passport"); n != "П001" {
			t.Fatalf("issued %s, want П001", n)
		}
		term.typeLine("o")
		term.expect("OK\n", 1)
		term.expect("открыто (open)", 1)
		term.typeLine("n")
		term.expect("OK\n", 2)
		term.expect("Талон (ticket): П001 · вызван (called) · Паспорт гражданина РФ", 1)
		term.expect("Причина вызова (call reason): ", 1)
		term.typeLine("s")
		term.expect("OK\n", 3)
		term.expect("П001 · на приёме (serving)", 1)
		term.typeLine("f documents_accepted")
		term.expect("OK\n", 4)
		term.expect("Обслужено сегодня (served today): 1", 1)
		term.typeLine("q")
		if code := term.exitCode(); code != 0 {
			t.Fatalf("exit %d, stderr %s", code, term.errOut.String())
		}
		final := term.out.String()
		final = final[strings.LastIndex(final, "── Окно 1"):]
		if !strings.Contains(final, "Талона нет (no ticket)") || !strings.Contains(final, "П Паспорт гражданина РФ: ждут (waiting) 0") {
			t.Errorf("the last state printed:\n%s", final)
		}
	})

	t.Run("mistakes get help and refusals get the server's message", func(t *testing.T) {
		t.Setenv(consolePasswordEnv, "demo")
		term := startConsole(t, "console", "--server", base, "--window", "2", "--login", "op2")
		term.expect("── Окно 2 (window 2)", 1)
		term.typeLine("dance")
		term.expect(`Неизвестная команда "dance" (unknown command)`, 1)
		term.expect("n                    вызвать следующего (call next)", 1)
		term.typeLine("p soon")
		term.expect("Использование (usage): p МИН", 1)
		term.typeLine("s")
		term.expect("ОШИБКА: окно 2 закрыто (window 2 is closed)", 1)
		term.typeLine("o")
		term.expect("OK\n", 1)
		term.typeLine("s")
		term.expect("ОШИБКА: в окне 2 нет вызванного талона (window 2 has no called ticket)", 1)
		number := issueTicket(t, base, "passport")
		term.typeLine("call " + number + " ветеран, по распоряжению руководителя")
		term.expect("OK\n", 2)
		term.expect("Талон (ticket): "+number+" · вызван (called)", 1)
		term.expect("Причина вызова (call reason): ветеран, по распоряжению руководителя", 1)
		term.typeLine("call Я999 просто так")
		term.expect("ОШИБКА: талон Я999 не найден среди сегодняшних (ticket Я999 is not among today's)", 1)
		term.typeLine("?")
		term.expect("q                    выход (quit)", 2)
		term.keys.Close() // the end of input ends the console
		if code := term.exitCode(); code != 0 {
			t.Fatalf("exit %d at the end of input", code)
		}
	})

	t.Run("a failed sign-in exits non-zero with the reason", func(t *testing.T) {
		t.Setenv(consolePasswordEnv, "")
		term := startConsole(t, "console", "--server", base, "--window", "3")
		term.typeLine("op3")
		term.typeLine("wrong")
		if code := term.exitCode(); code == 0 {
			t.Fatal("exit 0 after a wrong password")
		}
		if got := term.errOut.String(); !strings.Contains(got, "Логин (login): ") ||
			!strings.Contains(got, "неверный логин или пароль (wrong login or password)") {
			t.Fatalf("stderr %q", got)
		}
	})

	t.Run("the console ends with its context", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		pr, pw := io.Pipe()
		defer pw.Close()
		out := &syncbuf.Buffer{}
		done := make(chan error, 1)
		go func() {
			done <- runConsole(ctx, &consoleOptions{server: base, window: 4, login: "op4", password: "demo"}, pr, out, io.Discard)
		}()
		deadline := time.Now().Add(10 * time.Second)
		for !strings.Contains(out.String(), "Окно 4") && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("the console outlived its context")
		}
	})
}

func TestConsoleSaysWhenTheConnectionDropsAndReturns(t *testing.T) {
	st := console.State{Window: &queue.WindowView{Number: 1}}
	const offline, online = "нет связи (offline), переподключение…\n", "связь восстановлена (online)\n"
	state := renderConsole(st)
	steps := []struct {
		name string
		snap console.Snapshot
		want string
	}{
		{"the first state is printed", console.Snapshot{State: st, Online: true, Conns: 1}, state},
		{"the same state again prints nothing", console.Snapshot{State: st, Online: true, Conns: 1}, ""},
		{"a drop is said once", console.Snapshot{State: st, Conns: 1}, offline},
		{"and not repeated", console.Snapshot{State: st, Conns: 1}, ""},
		{"the return is said and the state shown again", console.Snapshot{State: st, Online: true, Conns: 2}, online + state},
		{"a drop and return between two looks is said in full", console.Snapshot{State: st, Online: true, Conns: 3}, offline + online + state},
	}
	var out bytes.Buffer
	v := &consoleView{out: &out}
	for _, s := range steps {
		out.Reset()
		v.show(s.snap, false)
		if got := out.String(); got != s.want {
			t.Errorf("%s: printed %q, want %q", s.name, got, s.want)
		}
	}
}

func TestRenderConsole(t *testing.T) {
	st := console.State{
		Services: []console.ServiceInfo{{ID: "passport", Prefix: "П", Name: queue.Text{RU: "Паспорт гражданина РФ"}},
			{ID: "residence", Prefix: "Р", Name: queue.Text{RU: "Регистрация"}}},
		Queue: queue.QueueView{DayOpen: true, Services: []queue.ServiceView{
			{ID: "passport", Prefix: "П", Waiting: 3, LongestWaitS: 17 * 60, TargetWaitS: 15 * 60, OverTarget: true},
			{ID: "residence", Prefix: "Р", Waiting: 0, TargetWaitS: 15 * 60, PredictedWaitS: 20 * 60, OverTarget: true},
			{ID: "birth", Prefix: "Д", Waiting: 9}, // not served here: not shown
		}},
		Window: &queue.WindowView{Number: 1, Open: true, Operator: "op1", OperatorName: "Иванова Анна",
			Services: queue.ServiceLevels{{Service: "passport", Level: 1}, {Service: "residence", Level: 2}},
			Current: &queue.TicketView{Number: "П004", ServiceID: "passport", Status: queue.StatusCalled,
				History: []queue.Stage{{Service: "passport", CallReason: "талон ждёт дольше всех"}}},
			Waiting: 3, ServedToday: 5, MeanServiceS: 7*60 + 5, BreakLeftS: 30 * 60},
	}
	got := renderConsole(st)
	for _, want := range []string{
		"── Окно 1 (window 1): открыто (open) · Иванова Анна (op1) ──\n",
		"Талон (ticket): П004 · вызван (called) · Паспорт гражданина РФ\n",
		"  Причина вызова (call reason): талон ждёт дольше всех\n",
		"  П Паспорт гражданина РФ: ждут (waiting) 3, дольше всех (longest) 17 мин — ПРЕВЫШЕН СРОК (over target)\n",
		"  Р Регистрация: ждут (waiting) 0 — прогноз 20 мин, выше срока (predicted over target)\n",
		"Обслужено сегодня (served today): 5 · среднее время (mean service): 7:05 · перерыв осталось (break left): 30 мин\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in:\n%s", want, got)
		}
	}
	if strings.Contains(got, "Д") {
		t.Errorf("a service the window does not serve is shown:\n%s", got)
	}
	if strings.Contains(got, "Правило очерёдности") || strings.Contains(got, "Автовызов") {
		t.Errorf("a window without a ratio rule or auto-call shows one:\n%s", got)
	}
}

func TestRenderConsoleWindowRules(t *testing.T) {
	at := time.Date(2026, 12, 3, 10, 15, 30, 0, time.Local)
	tests := []struct {
		name string
		w    queue.WindowView
		want []string
	}{
		{"a rule holding privileged visitors back", queue.WindowView{Ratio: 2, OthersCalled: 1},
			[]string{"Правило очерёдности (ratio rule) 2:1: других вызвано (others called) 1 из 2\n"}},
		{"a rule letting them go first", queue.WindowView{Ratio: 3, OthersCalled: 3, PrivilegedNext: true},
			[]string{"Правило очерёдности (ratio rule) 3:1: льготные — первыми (privileged visitors first)\n"}},
		{"auto-call while the window is busy", queue.WindowView{AutoCall: true, AutoCallPauseS: 20},
			[]string{"Автовызов (auto-call): через 20 с после ухода посетителя (s after a visitor leaves)\n"}},
		{"auto-call while the window is free", queue.WindowView{AutoCall: true, AutoCallPauseS: 20, AutoCallAt: at},
			[]string{"Автовызов (auto-call): через 20 с после ухода посетителя (s after a visitor leaves) · в (at) 10:15:30\n"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := tt.w
			w.Number, w.Open = 1, true
			got := renderConsole(console.State{Queue: queue.QueueView{DayOpen: true}, Window: &w})
			for _, want := range tt.want {
				if !strings.Contains(got, want) {
					t.Errorf("missing %q in:\n%s", want, got)
				}
			}
		})
	}
}
