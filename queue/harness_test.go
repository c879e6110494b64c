package queue

import (
	"context"
	"errors"
	"testing"
	"time"
)

// memLog is the unit tests' event log: it keeps events in memory and can be
// told to fail, to check that a failed append changes nothing.
type memLog struct {
	events []Event
	fail   error
}

func (m *memLog) Append(_ context.Context, evs []Event) error {
	if m.fail != nil {
		return m.fail
	}
	for i := range evs {
		evs[i].Seq = int64(len(m.events) + 1)
		m.events = append(m.events, evs[i])
	}
	return nil
}

var _ EventLog = (*memLog)(nil)

// testOffice is small but has every shape the rules care about: a window
// serving two services at two levels, a service served by two windows, a
// service served by one window only.
func testOffice() *Office {
	return &Office{
		Name:       Text{RU: "Тестовый МФЦ", EN: "Test centre"},
		Location:   time.UTC,
		LevelStep:  DefaultLevelStep,
		BreakLimit: DefaultBreakLimit,
		Groups:     []Group{{ID: "docs", Name: Text{RU: "Документы", EN: "Documents"}}},
		Services: []Service{
			{ID: "passport", Prefix: "П", Name: Text{RU: "Паспорт", EN: "Passport"}, Group: "docs", WaitTarget: 15 * time.Minute, ServiceTime: 10 * time.Minute},
			{ID: "foreign", Prefix: "З", Name: Text{RU: "Загранпаспорт", EN: "Foreign passport"}, Group: "docs", WaitTarget: 15 * time.Minute, ServiceTime: 20 * time.Minute},
			{ID: "property", Prefix: "Н", Name: Text{RU: "Недвижимость", EN: "Real estate"}, Group: "docs", WaitTarget: 15 * time.Minute, ServiceTime: 15 * time.Minute},
		},
		Windows: []Window{
			{Number: 1, Services: []WindowService{{"passport", 1}, {"foreign", 2}}},
			{Number: 2, Services: []WindowService{{"foreign", 1}}},
			{Number: 3, Services: []WindowService{{"property", 1}, {"passport", 2}}},
		},
		Operators: []Operator{
			{Login: "op1", Name: "Иванова Анна Сергеевна", Position: "специалист", Role: RoleOperator},
			{Login: "op2", Name: "Петров Олег Ильич", Position: "специалист", Role: RoleOperator},
			{Login: "op3", Name: "Сидорова Вера Павловна", Position: "специалист", Role: RoleOperator},
			{Login: "boss", Name: "Кузнецова Ирина Олеговна", Position: "руководитель", Role: RoleManager},
		},
	}
}

var day0 = time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)

// boss is the test office's manager, who opens and closes days by hand.
var boss = Actor{Login: "boss", Role: RoleManager}

type harness struct {
	t   *testing.T
	now time.Time
	log *memLog
	eng *Engine
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	return newHarnessIn(t, testOffice())
}

// newHarnessIn is newHarness for office o.
func newHarnessIn(t *testing.T, o *Office) *harness {
	t.Helper()
	st, err := NewState(o)
	if err != nil {
		t.Fatalf("NewState: %v", err)
	}
	h := &harness{t: t, now: day0, log: &memLog{}}
	h.eng = NewEngine(st, h.log, ClockFunc(func() time.Time { return h.now }), nil)
	if err := h.eng.Roll(context.Background()); err != nil {
		t.Fatalf("Roll: %v", err)
	}
	return h
}

func (h *harness) advance(d time.Duration) { h.now = h.now.Add(d) }

func (h *harness) issue(service string) TicketView {
	h.t.Helper()
	return h.issueAs(service, PriorityNormal)
}

func (h *harness) issueAs(service string, p Priority) TicketView {
	h.t.Helper()
	v, err := h.eng.Issue(context.Background(), IssueRequest{Service: service, Priority: p})
	if err != nil {
		h.t.Fatalf("issue %s: %v", service, err)
	}
	return v
}

// do runs an action at window n as login; mods fill the command's fields.
func (h *harness) do(n int, login string, a Action, mods ...func(*WindowCommand)) (WindowView, error) {
	role := RoleOperator
	if login == "boss" {
		role = RoleManager
	}
	c := WindowCommand{Window: n, Action: a, Actor: Actor{Login: login, Role: role}}
	for _, m := range mods {
		m(&c)
	}
	return h.eng.WindowAction(context.Background(), c)
}

func (h *harness) must(n int, login string, a Action, mods ...func(*WindowCommand)) WindowView {
	h.t.Helper()
	v, err := h.do(n, login, a, mods...)
	if err != nil {
		h.t.Fatalf("window %d %s by %s: %v", n, a, login, err)
	}
	return v
}

func (h *harness) ticket(id string) TicketView {
	h.t.Helper()
	v, err := h.eng.Ticket(id)
	if err != nil {
		h.t.Fatalf("ticket %s: %v", id, err)
	}
	return v
}

// openAll opens windows 1..3 for op1..op3.
func (h *harness) openAll() {
	h.t.Helper()
	for n, login := range []string{"op1", "op2", "op3"} {
		h.must(n+1, login, ActionOpen)
	}
}

func wantCode(t *testing.T, err error, want Code) {
	t.Helper()
	if got := ErrorCode(err); got != want {
		t.Fatalf("error code = %q (%v), want %q", got, err, want)
	}
	var e *Error
	if want != "" && (!errors.As(err, &e) || e.Message == "" || e.MessageEN == "") {
		t.Fatalf("error %v has no Russian and English message", err)
	}
}

func with(f func(*WindowCommand)) func(*WindowCommand) { return f }
