package configs

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode"

	"golang.org/x/crypto/bcrypt"

	"eq/queue"
)

func TestDemo(t *testing.T) {
	c := Demo()

	t.Run("the domain accepts the demo office", func(t *testing.T) {
		if _, err := queue.NewState(c.Office); err != nil {
			t.Fatalf("queue.NewState: %v", err)
		}
	})

	t.Run("the office is in Moscow and named in both languages", func(t *testing.T) {
		if got, want := c.Office.Location.String(), "Europe/Moscow"; got != want {
			t.Errorf("location: got %q, want %q", got, want)
		}
		if c.Office.Name.RU == "" || c.Office.Name.EN == "" || c.Office.Name.RU == c.Office.Name.EN {
			t.Errorf("name: got %+v, want distinct Russian and English names", c.Office.Name)
		}
		if got, want := c.Source, DemoSource; got != want {
			t.Errorf("source: got %q, want %q", got, want)
		}
		if got, want := c.Office.LevelStep, queue.DefaultLevelStep; got != want {
			t.Errorf("level step: got %v, want %v", got, want)
		}
		if got, want := c.Office.BreakLimit, queue.DefaultBreakLimit; got != want {
			t.Errorf("break limit: got %v, want %v", got, want)
		}
		if got, want := c.Office.Dispatch, queue.DispatchDeadline; got != want {
			t.Errorf("dispatch: got %q, want %q", got, want)
		}
		if got, want := c.Office.RecallLimit, queue.DefaultRecallLimit; got != want {
			t.Errorf("recall limit: got %d, want %d", got, want)
		}
		if got, want := c.Office.AppointmentWaitTarget, queue.DefaultAppointmentWaitTarget; got != want {
			t.Errorf("appointment wait target: got %v, want %v", got, want)
		}
	})

	t.Run("op1 to op8 are operators with full names on their own windows", func(t *testing.T) {
		for i := 1; i <= 8; i++ {
			login := fmt.Sprintf("op%d", i)
			op, acc := findStaff(t, c, login)
			if op.Role != queue.RoleOperator {
				t.Errorf("%s: role: got %q, want operator", login, op.Role)
			}
			if got, want := acc.Window, i; got != want {
				t.Errorf("%s: window: got %d, want %d", login, got, want)
			}
			if got := len(strings.Fields(op.Name)); got != 3 {
				t.Errorf("%s: name %q: got %d words, want surname, name and patronymic", login, op.Name, got)
			}
			if op.Position == "" {
				t.Errorf("%s: no position", login)
			}
		}
	})

	t.Run("manager and admin have their roles", func(t *testing.T) {
		for login, want := range map[string]queue.Role{"manager": queue.RoleManager, "admin": queue.RoleAdmin} {
			op, _ := findStaff(t, c, login)
			if op.Role != want {
				t.Errorf("%s: role: got %q, want %q", login, op.Role, want)
			}
		}
	})

	t.Run("every account's password is demo", func(t *testing.T) {
		if got, want := len(c.Staff), 10; got != want {
			t.Errorf("staff: got %d accounts, want %d", got, want)
		}
		checked := map[string]error{} // bcrypt is slow on purpose: compare each distinct hash once
		for _, a := range c.Staff {
			err, ok := checked[a.PasswordHash]
			if !ok {
				err = bcrypt.CompareHashAndPassword([]byte(a.PasswordHash), []byte("demo"))
				checked[a.PasswordHash] = err
			}
			if err != nil {
				t.Errorf("%s: %v", a.Login, err)
			}
		}
	})

	t.Run("services have distinct Cyrillic prefixes in three or four groups", func(t *testing.T) {
		if got := len(c.Office.Services); got < 8 {
			t.Errorf("services: got %d, want at least 8", got)
		}
		if got := len(c.Office.Groups); got < 3 || got > 4 {
			t.Errorf("groups: got %d, want 3 or 4", got)
		}
		prefixes := map[string]string{}
		for _, s := range c.Office.Services {
			for _, r := range s.Prefix {
				if !unicode.Is(unicode.Cyrillic, r) {
					t.Errorf("%s: prefix %q is not Cyrillic", s.ID, s.Prefix)
				}
			}
			if other, dup := prefixes[s.Prefix]; dup {
				t.Errorf("%s: prefix %q also used by %s", s.ID, s.Prefix, other)
			}
			prefixes[s.Prefix] = s.ID
			if s.Name.RU == "" || s.Name.EN == "" {
				t.Errorf("%s: name %+v, want both languages", s.ID, s.Name)
			}
			if s.ServiceTime < 5*time.Minute || s.ServiceTime > 25*time.Minute {
				t.Errorf("%s: service time %v, want 5m to 25m", s.ID, s.ServiceTime)
			}
		}
	})

	t.Run("every service is served by one of windows 1 to 8", func(t *testing.T) {
		served := map[string]bool{}
		for _, w := range c.Office.Windows {
			if w.Number < 1 || w.Number > 8 {
				t.Errorf("window %d outside 1 to 8", w.Number)
			}
			for _, ws := range w.Services {
				served[ws.Service] = true
			}
		}
		if got, want := len(c.Office.Windows), 8; got != want {
			t.Errorf("windows: got %d, want %d", got, want)
		}
		for _, s := range c.Office.Services {
			if !served[s.ID] {
				t.Errorf("%s is served by no window", s.ID)
			}
		}
	})

	t.Run("window 1 serves at least two services", func(t *testing.T) {
		for _, w := range c.Office.Windows {
			if w.Number == 1 && len(w.Services) < 2 {
				t.Errorf("window 1: got %d services, want at least 2", len(w.Services))
			}
		}
	})

	t.Run("device tokens are demo-kiosk and demo-display", func(t *testing.T) {
		if got, want := c.KioskTokens, []string{"demo-kiosk"}; !equal(got, want) {
			t.Errorf("kiosk tokens: got %q, want %q", got, want)
		}
		if got, want := c.DisplayTokens, []string{"demo-display"}; !equal(got, want) {
			t.Errorf("display tokens: got %q, want %q", got, want)
		}
	})

	t.Run("an omitted wait target is 15 minutes", func(t *testing.T) {
		for _, s := range c.Office.Services {
			if s.ID == "passport" && s.WaitTarget != queue.DefaultWaitTarget {
				t.Errorf("passport wait target: got %v, want %v", s.WaitTarget, queue.DefaultWaitTarget)
			}
		}
	})

	t.Run("each call returns a fresh copy", func(t *testing.T) {
		c.Office.Services[0].ID = "changed"
		if got := Demo().Office.Services[0].ID; got == "changed" {
			t.Errorf("a change to one Demo() showed in the next")
		}
		y := DemoYAML()
		y[0] = '!'
		if bytes.Equal(y, DemoYAML()) {
			t.Errorf("a change to DemoYAML() showed in the next")
		}
	})
}

func findStaff(t *testing.T, c *Config, login string) (queue.Operator, Account) {
	t.Helper()
	var op queue.Operator
	var acc Account
	found := 0
	for _, o := range c.Office.Operators {
		if o.Login == login {
			op, found = o, found+1
		}
	}
	for _, a := range c.Staff {
		if a.Login == login {
			acc, found = a, found+1
		}
	}
	if found != 2 {
		t.Fatalf("%s: found %d times in operators and accounts, want once in each", login, found)
	}
	return op, acc
}

func equal(a, b []string) bool { return strings.Join(a, "\n") == strings.Join(b, "\n") }

// demoHash is bcrypt("demo"), cost 10.
const demoHash = "$2a$10$0c62cbP9BC9.UFNGINQAref5gDw2lJTOwYBc2agutedLYk9SyA49q"

// base is a small valid config; the line numbers in the cases below count its lines.
var base = strings.ReplaceAll(`office:
  name: {ru: Тестовый офис, en: Test office}
  timezone: Europe/Moscow
groups:
  - id: docs
    name: {ru: Документы}
services:
  - id: passport
    prefix: П
    name: {ru: Паспорт}
    group: docs
    service_time: 15m
  - id: visa
    prefix: В
    name: {ru: Виза}
    group: docs
    service_time: 10m
windows:
  - number: 1
    services:
      - {service: passport, level: 1}
  - number: 2
    services:
      - {service: visa, level: 1}
staff:
  - login: admin
    role: admin
    password_hash: "HASH"
devices:
  kiosk_tokens: [kiosk]
  display_tokens: [display]
`, "HASH", demoHash)

func TestParseBase(t *testing.T) {
	c, err := Parse("test.yaml", []byte(base))
	if err != nil {
		t.Fatalf("the base config is invalid:\n%v", err)
	}
	if _, err := queue.NewState(c.Office); err != nil {
		t.Fatalf("queue.NewState: %v", err)
	}
	t.Run("an English name falls back to the Russian one", func(t *testing.T) {
		if got, want := c.Office.Groups[0].Name.EN, "Документы"; got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	})
	t.Run("a staff member without a window has window 0", func(t *testing.T) {
		if got := c.Staff[0].Window; got != 0 {
			t.Errorf("got %d, want 0", got)
		}
	})
}

func TestParseProblems(t *testing.T) {
	tests := []struct {
		name     string
		old, new string // replaced once in base
		line     int
		path     string
		n        int    // how many problems in all
		contains string // in the Russian message
	}{
		{"a prefix used twice is refused", "prefix: В", "prefix: П", 14, "services[1].prefix", 1, "уже используется услугой passport"},
		{"a Latin prefix that looks like a Cyrillic one is refused", "prefix: П", "prefix: B", 14, "services[1].prefix", 1, "не отличить"},
		{"a prefix of digits is refused", "prefix: В", "prefix: В1", 14, "services[1].prefix", 1, "заглавных букв"},
		{"a window serving an unknown service is refused", "      - {service: visa, level: 1}\n", "      - {service: visa, level: 1}\n      - {service: vsa}\n", 25, "windows[1].services[1].service", 1, "неизвестная услуга «vsa»"},
		{"a service twice in one window is refused", "      - {service: visa, level: 1}\n", "      - {service: visa, level: 1}\n      - {service: visa, level: 2}\n", 25, "windows[1].services[1].service", 1, "уже указана"},
		{"a level out of range is refused", "{service: visa, level: 1}", "{service: visa, level: 10}", 24, "windows[1].services[0].level", 1, "уровень"},
		{"an unknown key is refused", "  timezone: Europe/Moscow\n", "  timezone: Europe/Moscow\n  colour: blue\n", 4, "office.colour", 1, "неизвестный ключ colour"},
		{"an unknown section is refused", "devices:\n", "reports: {}\ndevices:\n", 29, "reports", 1, "неизвестный ключ reports"},
		{"hours in words are refused", "devices:\n", "schedule:\n  week: {mon: eight to eight}\ndevices:\n", 30, "schedule.week.mon", 1, "нужен вид 08:00-20:00"},
		{"overlapping intervals are refused", "devices:\n", "schedule:\n  week: {mon: \"08:00-13:00, 12:00-18:00\"}\ndevices:\n", 30, "schedule.week.mon", 1, "по порядку"},
		{"hours ending before they start are refused", "devices:\n", "schedule:\n  week: {mon: \"20:00-08:00\"}\ndevices:\n", 30, "schedule.week.mon", 1, "конец раньше начала"},
		{"a week closed every day is refused", "devices:\n", "schedule:\n  week: {sun: closed}\ndevices:\n", 30, "schedule.week", 1, "ни в один день"},
		{"an exception date in another format is refused", "devices:\n", "schedule:\n  week: {mon: \"08:00-20:00\"}\n  exceptions:\n    - {date: 31.12.2026, hours: closed}\ndevices:\n", 32, "schedule.exceptions[0].date", 1, "ГГГГ-ММ-ДД"},
		{"an exception date given twice is refused", "devices:\n", "schedule:\n  week: {mon: \"08:00-20:00\"}\n  exceptions:\n    - {date: \"2026-12-31\", hours: closed}\n    - {date: \"2026-12-31\", hours: \"08:00-17:00\"}\ndevices:\n", 33, "schedule.exceptions[1].date", 1, "уже указана"},
		{"a booking with no places is refused", "    service_time: 10m\n", "    service_time: 10m\n    booking: {slot: 15m, capacity: 0}\n", 18, "services[1].booking.capacity", 1, "от 1 до 100"},
		{"a booking without a slot length is refused", "    service_time: 10m\n", "    service_time: 10m\n    booking: {capacity: 2}\n", 18, "services[1].booking.slot", 1, "обязательное поле"},
		{"a negative retention is refused", "devices:\n", "appointments: {retention_days: -1}\ndevices:\n", 29, "appointments.retention_days", 1, "от 0 до"},
		{"a key given twice is refused", "    prefix: П\n", "    prefix: П\n    prefix: Ж\n", 10, "services[0].prefix", 1, "уже указан в строке 9"},
		{"a duration in words is refused", "service_time: 10m", "service_time: 10 minutes", 17, "services[1].service_time", 1, "неверная длительность"},
		{"a duration without a unit is refused", "service_time: 10m", "service_time: 10", 17, "services[1].service_time", 1, "неверная длительность"},
		{"a zero wait target is refused", "    service_time: 10m\n", "    service_time: 10m\n    wait_target: 0s\n", 18, "services[1].wait_target", 1, "больше нуля"},
		{"a service time over four hours is refused", "service_time: 10m", "service_time: 10h", 17, "services[1].service_time", 1, "не больше 4h"},
		{"a recall limit of zero is refused", "  timezone: Europe/Moscow\n", "  timezone: Europe/Moscow\n  recall_limit: 0\n", 4, "office.recall_limit", 1, "от 1 до 10"},
		{"a recall limit past ten is refused", "  timezone: Europe/Moscow\n", "  timezone: Europe/Moscow\n  recall_limit: 11\n", 4, "office.recall_limit", 1, "от 1 до 10"},
		{"a recall limit in words is refused", "  timezone: Europe/Moscow\n", "  timezone: Europe/Moscow\n  recall_limit: three\n", 4, "office.recall_limit", 1, "ожидается целое число"},
		{"a zero appointment wait target is refused", "  timezone: Europe/Moscow\n", "  timezone: Europe/Moscow\n  appointment_wait_target: 0s\n", 4, "office.appointment_wait_target", 1, "больше нуля"},
		{"an appointment wait target of hours is refused as a typo", "  timezone: Europe/Moscow\n", "  timezone: Europe/Moscow\n  appointment_wait_target: 5h\n", 4, "office.appointment_wait_target", 1, "не больше 4h"},
		{"an appointment wait target without a unit is refused", "  timezone: Europe/Moscow\n", "  timezone: Europe/Moscow\n  appointment_wait_target: 5\n", 4, "office.appointment_wait_target", 1, ""},
		{"an unknown dispatch policy is refused", "  timezone: Europe/Moscow\n", "  timezone: Europe/Moscow\n  dispatch: lifo\n", 4, "office.dispatch", 1, "допустимы deadline"},
		{"an unknown time zone is refused", "Europe/Moscow", "Europe/Mosco", 3, "office.timezone", 1, "неизвестный часовой пояс"},
		{"a missing office name is refused", "  name: {ru: Тестовый офис, en: Test office}\n", "", 1, "office.name.ru", 1, "обязательное поле"},
		{"a plain password is refused", `password_hash: "` + demoHash + `"`, "password_hash: demo", 28, "staff[0].password_hash", 1, "eq user passwd"},
		{"a password key is refused", `password_hash: "` + demoHash + `"`, "password: demo", 28, "staff[0].password", 2, "eq user passwd"},
		{"a hash of another kind is refused", demoHash, "$1$abc$def", 28, "staff[0].password_hash", 1, "не хэш bcrypt"},
		{"a service without a group is refused", "    group: docs\n    service_time: 10m\n", "    service_time: 10m\n", 13, "services[1].group", 1, "обязательное поле"},
		{"a service in an unknown group is refused", "    group: docs\n    service_time: 10m\n", "    group: forms\n    service_time: 10m\n", 16, "services[1].group", 1, "группа «forms» не описана"},
		{"a bad service id is refused", "  - id: passport\n", "  - id: Passport\n", 8, "services[0].id", 2, "строчные латинские"},
		{"a window number that is not a number is refused", "  - number: 1\n", "  - number: one\n", 19, "windows[0].number", 1, "ожидается целое число, а не «one»"},
		{"a window number given twice is refused", "  - number: 2\n", "  - number: 1\n", 22, "windows[1].number", 1, "уже описано"},
		{"a list where a mapping belongs is refused", "  name: {ru: Тестовый офис, en: Test office}\n", "  name: [Тестовый офис]\n", 2, "office.name", 1, "ожидается набор полей «ключ: значение», а не список"},
		{"a service served by no window is refused", "      - {service: visa, level: 1}\n", "      - {service: passport, level: 1}\n", 13, "services[1]", 1, "не обслуживает ни одно окно"},
		{"an unknown role is refused", "role: admin", "role: boss", 27, "staff[0].role", 1, "неизвестная роль «boss»"},
		{"staff without an admin or manager is refused", "    role: admin\n", "    role: operator\n    name: Иванов Иван Иванович\n", 25, "staff", 1, "admin или manager"},
		{"an operator without a name is refused", "    role: admin\n", "    role: operator\n", 26, "staff[0].name", 2, "обязательное поле"},
		{"a home window that does not exist is refused", "    role: admin\n", "    role: admin\n    window: 9\n", 28, "staff[0].window", 1, "окно 9 не описано"},
		{"a token used twice is refused", "display_tokens: [display]", "display_tokens: [kiosk]", 31, "devices.display_tokens[0]", 1, "токен уже указан в devices.kiosk_tokens[0]"},
		{"an empty token is refused", "kiosk_tokens: [kiosk]", `kiosk_tokens: [""]`, 30, "devices.kiosk_tokens[0]", 1, "пустой токен"},
		{"malformed YAML is refused with its line", "  timezone: Europe/Moscow\n", "  timezone: Europe/Moscow: x\n", 3, "", 1, "ошибка синтаксиса YAML"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(base, tt.old) {
				t.Fatalf("base does not contain %q", tt.old)
			}
			src := strings.Replace(base, tt.old, tt.new, 1)
			_, err := Parse("test.yaml", []byte(src))
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("got %v, want a *ValidationError", err)
			}
			if got, want := len(ve.Problems), tt.n; got != want {
				t.Errorf("got %d problems, want %d:\n%v", got, want, err)
			}
			for _, p := range ve.Problems {
				if p.Line == tt.line && p.Path == tt.path && strings.Contains(p.Message, tt.contains) && p.MessageEN != "" {
					return
				}
			}
			t.Errorf("got:\n%v\nwant a problem at line %d, path %q, saying %q", err, tt.line, tt.path, tt.contains)
		})
	}
}

func TestParseReportsEveryProblem(t *testing.T) {
	src := base
	for _, r := range [][2]string{
		{"Europe/Moscow", "Mars/Olympus"},
		{"prefix: В", "prefix: П"},
		{"service_time: 10m", "service_time: soon"},
		{"display_tokens: [display]", "display_tokens: [kiosk]"},
	} {
		src = strings.Replace(src, r[0], r[1], 1)
	}
	_, err := Parse("office.yaml", []byte(src))
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("got %v, want a *ValidationError", err)
	}
	var got []string
	for _, p := range ve.Problems {
		got = append(got, fmt.Sprintf("%d %s", p.Line, p.Path))
	}
	want := []string{"3 office.timezone", "14 services[1].prefix", "17 services[1].service_time", "31 devices.display_tokens[0]"}
	if !equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}

	t.Run("the error lists one problem a line with file, line and path", func(t *testing.T) {
		lines := strings.Split(err.Error(), "\n")
		if got, want := len(lines), 4; got != want {
			t.Fatalf("got %d lines, want %d:\n%v", got, want, err)
		}
		if got, want := lines[1], `office.yaml:14: services[1].prefix: префикс «П» уже используется услугой passport (prefix "П" is already used by service passport)`; got != want {
			t.Errorf("got  %s\nwant %s", got, want)
		}
	})
}

func TestParseEmpty(t *testing.T) {
	for _, src := range []string{"", "# nothing yet\n"} {
		_, err := Parse("empty.yaml", []byte(src))
		if got, want := fmt.Sprint(err), "empty.yaml: файл конфигурации пуст (the config file is empty)"; got != want {
			t.Errorf("Parse(%q): got %q, want %q", src, got, want)
		}
	}
}

func TestLoad(t *testing.T) {
	t.Run("a file is read and named as its source", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "office.yaml")
		if err := os.WriteFile(path, []byte(base), 0o600); err != nil {
			t.Fatal(err)
		}
		c, err := Load(path)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := c.Source, path; got != want {
			t.Errorf("source: got %q, want %q", got, want)
		}
		if got, want := len(c.Office.Services), 2; got != want {
			t.Errorf("services: got %d, want %d", got, want)
		}
	})

	t.Run("problems name the file", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "office.yaml")
		if err := os.WriteFile(path, []byte(strings.Replace(base, "prefix: В", "prefix: П", 1)), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := Load(path)
		if err == nil || !strings.HasPrefix(err.Error(), path+":14: ") {
			t.Errorf("got %v, want an error starting %q", err, path+":14: ")
		}
	})

	t.Run("a missing file is a clear error", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "missing.yaml")
		_, err := Load(path)
		if !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("got %v, want fs.ErrNotExist", err)
		}
		if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "не удалось прочитать") {
			t.Errorf("got %v, want a message naming %s", err, path)
		}
	})
}

func TestParseAliases(t *testing.T) {
	t.Run("an alias reuses a list", func(t *testing.T) {
		src := strings.Replace(base, "      - {service: passport, level: 1}\n",
			"      - &visa {service: visa, level: 2}\n      - {service: passport, level: 1}\n", 1)
		src = strings.Replace(src, "      - {service: visa, level: 1}\n", "      - *visa\n", 1)
		c, err := Parse("test.yaml", []byte(src))
		if err != nil {
			t.Fatal(err)
		}
		if got, want := c.Office.Windows[1].Services, []queue.WindowService{{Service: "visa", Level: 2}}; fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("window 2: got %v, want %v", got, want)
		}
	})

	t.Run("aliases that expand without end are stopped", func(t *testing.T) {
		// 2 kB of text that would expand to a million window services.
		many := func(alias string) string { return "[" + strings.Repeat(alias+",", 999) + alias + "]" }
		src := "entry: &e {service: x, level: 1}\n" +
			"window: &w {number: 1, services: " + many("*e") + "}\n" +
			"windows: " + many("*w") + "\n"
		_, err := Parse("laughs.yaml", []byte(src))
		var ve *ValidationError
		if !errors.As(err, &ve) {
			t.Fatalf("got %v, want a *ValidationError", err)
		}
		if got, want := len(ve.Problems), maxProblems+1; got != want {
			t.Errorf("got %d problems, want %d", got, want)
		}
		if got, want := ve.Problems[0].Message, "слишком много ошибок"; !strings.Contains(got, want) {
			t.Errorf("first problem: got %q, want it to say %q", got, want)
		}
	})
}

func TestPurgeBefore(t *testing.T) {
	cfg := Demo()                                         // retention_days: 30
	now := time.Date(2026, 11, 23, 0, 30, 0, 0, time.UTC) // 03:30 in Moscow
	if got := cfg.PurgeBefore(now); got != "2026-10-24" {
		t.Errorf("PurgeBefore = %s, want 2026-10-24 (30 days before the 23rd in the office's zone)", got)
	}
	cfg.Appointments.Retention = 0
	if got := cfg.PurgeBefore(now); got != "2026-11-23" {
		t.Errorf("with no retention PurgeBefore = %s, want today", got)
	}
}

func TestParseDispatch(t *testing.T) {
	const after = "  timezone: Europe/Moscow\n" // office.dispatch goes on line 4, below it
	tests := []struct {
		name string
		line string // added after the time zone; "" adds nothing
		want queue.DispatchPolicy
	}{
		{"no dispatch key means deadline-first", "", queue.DispatchDeadline},
		{"a null dispatch means deadline-first", "  dispatch: ~\n", queue.DispatchDeadline},
		{"deadline is deadline-first", "  dispatch: deadline\n", queue.DispatchDeadline},
		{"fifo is plain FIFO per service", "  dispatch: fifo\n", queue.DispatchFIFO},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse("test.yaml", []byte(strings.Replace(base, after, after+tt.line, 1)))
			if err != nil {
				t.Fatal(err)
			}
			if got := c.Office.Dispatch; got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
			if _, err := queue.NewState(c.Office); err != nil {
				t.Errorf("queue.NewState: %v", err)
			}
		})
	}

	refused := []struct {
		name  string
		line  string
		value string // as the messages quote it
	}{
		{"lifo is refused", "  dispatch: lifo\n", "lifo"},
		{"a policy in capitals is refused", "  dispatch: FIFO\n", "FIFO"},
		{"an explicit empty policy is refused", "  dispatch: \"\"\n", ""},
	}
	for _, tt := range refused {
		t.Run(tt.name+" with its line and the allowed values", func(t *testing.T) {
			_, err := Parse("test.yaml", []byte(strings.Replace(base, after, after+tt.line, 1)))
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("got %v, want a *ValidationError", err)
			}
			if got, want := len(ve.Problems), 1; got != want {
				t.Fatalf("got %d problems, want %d:\n%v", got, want, err)
			}
			p := ve.Problems[0]
			if got, want := fmt.Sprintf("%d %s", p.Line, p.Path), "4 office.dispatch"; got != want {
				t.Errorf("got %q, want %q", got, want)
			}
			wantRU := "неизвестный порядок вызова «" + tt.value + "»: допустимы deadline (по сроку ожидания, по умолчанию) и fifo (по очереди каждой услуги)"
			if got := p.Message; got != wantRU {
				t.Errorf("got  %s\nwant %s", got, wantRU)
			}
			wantEN := fmt.Sprintf("unknown dispatch policy %q: allowed are deadline (by wait target, the default) and fifo (first come, first served per service)", tt.value)
			if got := p.MessageEN; got != wantEN {
				t.Errorf("got  %s\nwant %s", got, wantEN)
			}
		})
	}

	t.Run("a list is refused as not a string", func(t *testing.T) {
		_, err := Parse("test.yaml", []byte(strings.Replace(base, after, after+"  dispatch: [fifo]\n", 1)))
		var ve *ValidationError
		if !errors.As(err, &ve) || len(ve.Problems) != 1 || ve.Problems[0].Line != 4 || !strings.Contains(ve.Problems[0].Message, "ожидается строка") {
			t.Errorf("got %v, want one problem at line 4: a string is expected", err)
		}
	})
}

func TestParseRecallLimit(t *testing.T) {
	const after = "  timezone: Europe/Moscow\n"
	tests := []struct {
		name string
		line string // added after the time zone; "" adds nothing
		want int
	}{
		{"no recall_limit key means the default of three", "", queue.DefaultRecallLimit},
		{"a null recall_limit means the default", "  recall_limit: ~\n", queue.DefaultRecallLimit},
		{"one recall is allowed", "  recall_limit: 1\n", 1},
		{"ten recalls are allowed", "  recall_limit: 10\n", 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse("test.yaml", []byte(strings.Replace(base, after, after+tt.line, 1)))
			if err != nil {
				t.Fatal(err)
			}
			if got := c.Office.RecallLimit; got != tt.want {
				t.Errorf("got %d, want %d", got, tt.want)
			}
			if _, err := queue.NewState(c.Office); err != nil {
				t.Errorf("queue.NewState: %v", err)
			}
		})
	}
}

func TestParseAppointmentWaitTarget(t *testing.T) {
	const after = "  timezone: Europe/Moscow\n"
	tests := []struct {
		name string
		line string // added after the time zone; "" adds nothing
		want time.Duration
	}{
		{"no appointment_wait_target key means the regulations' 5 minutes", "", 5 * time.Minute},
		{"a null appointment_wait_target means the default", "  appointment_wait_target: ~\n", queue.DefaultAppointmentWaitTarget},
		{"ten minutes are taken as written", "  appointment_wait_target: 10m\n", 10 * time.Minute},
		{"ninety seconds are taken as written", "  appointment_wait_target: 90s\n", 90 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse("test.yaml", []byte(strings.Replace(base, after, after+tt.line, 1)))
			if err != nil {
				t.Fatal(err)
			}
			if got := c.Office.AppointmentWaitTarget; got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
			if _, err := queue.NewState(c.Office); err != nil {
				t.Errorf("queue.NewState: %v", err)
			}
		})
	}
}

func TestParseBreakReasons(t *testing.T) {
	const after = "  timezone: Europe/Moscow\n" // office.break_reasons goes on line 4, below it
	t.Run("a list given replaces the default, English falling back to Russian", func(t *testing.T) {
		c, err := parseWith(t, after, "  break_reasons:\n    - {id: lunch, name: {ru: обед, en: Lunch}}\n    - {id: doctor, name: {ru: к врачу}}\n")
		if err != nil {
			t.Fatal(err)
		}
		want := []queue.BreakReason{
			{ID: "lunch", Name: queue.Text{RU: "обед", EN: "Lunch"}},
			{ID: "doctor", Name: queue.Text{RU: "к врачу", EN: "к врачу"}},
		}
		if got := c.Office.BreakReasons; !reflect.DeepEqual(got, want) {
			t.Errorf("got %+v, want %+v", got, want)
		}
		if _, err := queue.NewState(c.Office); err != nil {
			t.Errorf("queue.NewState: %v", err)
		}
	})
	refused := []struct {
		name     string
		line     string
		path     string
		contains string
	}{
		{"an empty list is refused", "  break_reasons: []\n", "office.break_reasons", "список причин перерыва пуст"},
		{"a reason without an id is refused", "  break_reasons:\n    - {name: {ru: обед}}\n", "office.break_reasons[0].id", "обязательное поле"},
		{"a reason without a name is refused", "  break_reasons:\n    - {id: lunch}\n", "office.break_reasons[0].name.ru", "обязательное поле"},
		{"an id given twice is refused", "  break_reasons:\n    - {id: lunch, name: {ru: обед}}\n    - {id: lunch, name: {ru: перекус}}\n", "office.break_reasons[1].id", "уже используется"},
		{"a name given twice in another case is refused", "  break_reasons:\n    - {id: lunch, name: {ru: обед}}\n    - {id: dinner, name: {ru: Обед}}\n", "office.break_reasons[1].name", "уже у причины lunch"},
		{"a bad id is refused", "  break_reasons:\n    - {id: Обед, name: {ru: обед}}\n", "office.break_reasons[0].id", "строчные латинские"},
		{"a single string is refused", "  break_reasons: обед\n", "office.break_reasons", "ожидается список"},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseWith(t, after, tt.line)
			oneProblem(t, err, tt.path, tt.contains)
		})
	}
}
