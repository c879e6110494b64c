package store_test

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"eq/queue"
	"eq/queue/store"
)

func TestMain(m *testing.M) {
	code := m.Run()
	// The replay benchmark keeps its generated log for the whole run, past
	// any one b.TempDir; it goes here.
	if fixture.dir != "" {
		os.RemoveAll(fixture.dir)
	}
	os.Exit(code)
}

// testOffice is a small office: three services with Cyrillic prefixes, two
// windows that cover each other's services at a lower level, two operators.
func testOffice() *queue.Office {
	svc := func(id, prefix, ru, en string) queue.Service {
		return queue.Service{ID: id, Prefix: prefix, Name: queue.Text{RU: ru, EN: en},
			WaitTarget: 15 * time.Minute, ServiceTime: 10 * time.Minute}
	}
	return &queue.Office{
		Name:       queue.Text{RU: "МФЦ Центральный", EN: "Central MFC"},
		Location:   time.UTC,
		LevelStep:  queue.DefaultLevelStep,
		BreakLimit: queue.DefaultBreakLimit,
		Services: []queue.Service{
			svc("passport", "П", "Паспорт", "Passport"),
			svc("registration", "Р", "Регистрация", "Registration"),
			svc("consult", "К", "Консультация", "Consultation"),
		},
		Windows: []queue.Window{
			{Number: 1, Services: []queue.WindowService{{Service: "passport", Level: 1}, {Service: "registration", Level: 2}, {Service: "consult", Level: 2}}},
			{Number: 2, Services: []queue.WindowService{{Service: "registration", Level: 1}, {Service: "consult", Level: 1}, {Service: "passport", Level: 2}}},
		},
		Operators: []queue.Operator{
			{Login: "ivanova", Name: "Иванова Анна Петровна", Position: "специалист", Role: queue.RoleOperator},
			{Login: "petrov", Name: "Петров Илья Сергеевич", Position: "специалист", Role: queue.RoleOperator},
		},
	}
}

// testClock is a clock the test moves by hand.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func newTestClock() *testClock {
	return &testClock{now: time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)}
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// openStore opens a store at path and closes it when the test ends.
func openStore(tb testing.TB, path string) *store.Store {
	tb.Helper()
	st, err := store.Open(context.Background(), path)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	return st
}

func tempDB(tb testing.TB) string {
	return filepath.Join(tb.TempDir(), "eq.db")
}
