package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"eq/configs"
	"eq/queue"
	"eq/queue/store"
	"eq/sim"
)

// simulate runs eq simulate with args as the command line would and
// returns what it printed.
func simulate(t *testing.T, args ...string) string {
	t.Helper()
	var out, errOut bytes.Buffer
	if code := run(append([]string{"simulate"}, args...), strings.NewReader(""), &out, &errOut); code != 0 {
		t.Fatalf("eq simulate %s: exit %d: %s", strings.Join(args, " "), code, errOut.String())
	}
	return out.String()
}

// simulateErr runs eq simulate expecting it to fail, and returns the error.
func simulateErr(t *testing.T, args ...string) string {
	t.Helper()
	var out, errOut bytes.Buffer
	if code := run(append([]string{"simulate"}, args...), strings.NewReader(""), &out, &errOut); code == 0 {
		t.Fatalf("eq simulate %s succeeded, want a refusal; it printed %q", strings.Join(args, " "), out.String())
	}
	if out.Len() > 0 {
		t.Errorf("a refusal printed %q besides the error", out.String())
	}
	return errOut.String()
}

func TestSimulateTheDemoDay(t *testing.T) {
	out := simulate(t)
	for _, want := range []string{"Итоги дня", "24.11.2026", "Выдано талонов", "Ожидание: 90-й процентиль, мин",
		"Вызваны в пределах срока, %", "Загрузка окон, %", "Ошибка прогноза ожидания (MAE), мин",
		"Соблюдение срока ожидания", "Время ожидания и обслуживания", "Выдача готовых документов", "Итого"} {
		if !strings.Contains(out, want) {
			t.Errorf("the output lacks %q:\n%s", want, out)
		}
	}
	if again := simulate(t); again != out {
		t.Error("two runs of the same day printed different figures")
	}
	if other := simulate(t, "--seed", "2"); other == out {
		t.Error("--seed 2 printed the figures of seed 1")
	}
	if en := simulate(t, "--lang", "en"); !strings.Contains(en, "The day's figures") || !strings.Contains(en, "Wait target kept") {
		t.Errorf("--lang en printed:\n%s", en)
	}
}

// TestSimulateDemoDayTemplate: the printed demo day is a day spec that
// gives, as a file, the same day as the embedded one.
func TestSimulateDemoDayTemplate(t *testing.T) {
	spec := simulate(t, "demo-day")
	if !strings.Contains(spec, "arrivals:") || !strings.Contains(spec, "# ") {
		t.Fatalf("eq simulate demo-day printed no commented day spec:\n%s", spec)
	}
	path := filepath.Join(t.TempDir(), "tuesday.yaml")
	if err := os.WriteFile(path, []byte(spec), 0o600); err != nil {
		t.Fatal(err)
	}
	if got, want := simulate(t, "--day", path), simulate(t); got != want {
		t.Errorf("the printed day simulates differently from the embedded one:\n%s\nwant:\n%s", got, want)
	}
}

func TestSimulateJSON(t *testing.T) {
	out := simulate(t, "--format", "json", "--seed", "3")
	var got simulateJSON
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v:\n%s", err, out)
	}
	if got.Date != "2026-11-24" || len(got.Days) != 1 || got.Days[0].Seed != 3 || got.Mean != nil {
		t.Fatalf("date %s, %d days, mean %v: want one day of seed 3", got.Date, len(got.Days), got.Mean)
	}
	d := got.Days[0]
	if d.Figures.Issued == 0 || int(d.Figures.Issued) != len(d.Tickets) {
		t.Errorf("%v tickets issued, %d listed", d.Figures.Issued, len(d.Tickets))
	}
	if d.Figures.Sim == nil || d.Figures.Sim.Predictions == 0 || d.Figures.Utilisation <= 0 || d.Figures.Utilisation > 1 {
		t.Errorf("figures %+v: want a prediction error and a utilisation", d.Figures)
	}
	if again := simulate(t, "--format", "json", "--seed", "3"); again != out {
		t.Error("two runs of seed 3 wrote different JSON")
	}
}

func TestSimulateManyDays(t *testing.T) {
	out := simulate(t, "--days", "3", "--seed", "5")
	for _, want := range []string{"Итоги 3 дней", "Среднее", "seed 5", "seed 6", "seed 7"} {
		if !strings.Contains(out, want) {
			t.Errorf("the output lacks %q:\n%s", want, out)
		}
	}
	var got simulateJSON
	if err := json.Unmarshal([]byte(simulate(t, "--days", "3", "--format", "json")), &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Days) != 3 || got.Mean == nil {
		t.Fatalf("%d days, mean %v: want 3 and their mean", len(got.Days), got.Mean)
	}
	var sum float64
	for _, d := range got.Days {
		sum += d.Figures.WaitMean
	}
	if mean := sum / 3; mean-got.Mean.WaitMean > 1e-6 || got.Mean.WaitMean-mean > 1e-6 {
		t.Errorf("mean wait %.3f, the days' mean is %.3f", got.Mean.WaitMean, mean)
	}
}

func TestSimulateWritesEveryTicket(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tickets.csv")
	var fig simulateJSON
	if err := json.Unmarshal([]byte(simulate(t, "--tickets", path, "--format", "json")), &fig); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\ufeff")))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(recs[0], ","), "Талон,Услуга,Категория,Выдан,Прогноз ожидания, мин,Ожидание, мин,Вызван"; got != want {
		t.Errorf("header %q, want %q", got, want)
	}
	if got, want := len(recs)-1, len(fig.Days[0].Tickets); got != want {
		t.Errorf("%d tickets in the file, %d issued", got, want)
	}
	first := fig.Days[0].Tickets[0]
	if recs[1][0] != first.Number || recs[1][1] != first.Service || recs[1][3] != first.IssuedAt.Format("15:04:05") {
		t.Errorf("first row %v, want ticket %+v", recs[1], first)
	}
}

func TestSimulatePolicy(t *testing.T) {
	fifo := simulate(t, "--policy", "fifo")
	if !strings.Contains(fifo, "порядок вызова fifo") {
		t.Errorf("--policy fifo is not said in the title:\n%s", fifo)
	}
	if deadline := simulate(t, "--policy", "deadline"); !strings.Contains(deadline, "порядок вызова deadline") {
		t.Errorf("--policy deadline is not said in the title:\n%s", deadline)
	}
	if err := simulateErr(t, "--policy", "lifo"); !strings.Contains(err, "--policy") {
		t.Errorf("an unknown policy: %s", err)
	}
}

func TestSimulateRefusesABadDaySpec(t *testing.T) {
	path := filepath.Join(t.TempDir(), "day.yaml")
	os.WriteFile(path, []byte("date: 2026-11-24\nstaff:\n  - {window: 8, from: \"08:00\", to: \"20:00\"}\narrivals: {pick-up: lots}\n"), 0o600)
	err := simulateErr(t, "--day", path)
	if !strings.Contains(err, path+":4: arrivals.pick-up") || !strings.Contains(err, "expected a number") {
		t.Errorf("err = %q, want the file, line 4 and the key, in both languages", err)
	}
}

// simulateDB makes a database holding the demo day, simulated and written
// into a real SQLite log as the server writes a day.
func simulateDB(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	office := configs.Demo().Office
	d, err := sim.DemoDay(office)
	if err != nil {
		t.Fatal(err)
	}
	res, err := sim.Run(ctx, office, d)
	if err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(t.TempDir(), "eq.db")
	st, err := store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var evs []queue.Event
	res.Events(ctx, d.Date, d.Date, func(ev queue.Event) error {
		evs = append(evs, ev)
		return nil
	})
	if err := st.Append(ctx, evs); err != nil {
		t.Fatal(err)
	}
	return db
}

func TestSimulateReplay(t *testing.T) {
	db := simulateDB(t)
	out := simulate(t, "--replay", db, "--date", "2026-11-24", "--windows", "+2")
	for _, want := range []string{"Повтор дня", "Факт", "Модель: как было", "Модель: +2 окн.",
		"Добавлены окна: 9 (sim1, 08:00–20:", "10 (sim2, 08:00–20:"} {
		if !strings.Contains(out, want) {
			t.Errorf("the output lacks %q:\n%s", want, out)
		}
	}
	var got replayJSON
	if err := json.Unmarshal([]byte(simulate(t, "--replay", db, "--date", "2026-11-24", "--windows", "2", "--format", "json")), &got); err != nil {
		t.Fatal(err)
	}
	if got.WithWindows == nil || len(got.Shifts) != 2 {
		t.Fatalf("with windows %v, shifts %v: want the day with 2 windows more", got.WithWindows, got.Shifts)
	}
	if got.Actual.Issued == 0 || got.AsItWas.Issued != got.Actual.Issued || got.WithWindows.Issued != got.Actual.Issued {
		t.Errorf("issued: actual %v, as it was %v, with windows %v: the same visitors come to each", got.Actual.Issued, got.AsItWas.Issued, got.WithWindows.Issued)
	}
	if got.Actual.Sim != nil {
		t.Error("the actual day has figures only a simulation knows")
	}
	if got.WithWindows.WaitMean >= got.AsItWas.WaitMean || got.WithWindows.WithinShare <= got.AsItWas.WithinShare {
		t.Errorf("two more windows: mean wait %.0f s → %.0f s, within target %.3f → %.3f: want shorter and more",
			got.AsItWas.WaitMean, got.WithWindows.WaitMean, got.AsItWas.WithinShare, got.WithWindows.WithinShare)
	}
	fewer := simulate(t, "--replay", db, "--date", "2026-11-24", "--windows", "-1")
	if !strings.Contains(fewer, "Модель: -1 окн.") || !regexp.MustCompile(`Закрыты окна: \d \(08:00–20:\d\d\)\n`).MatchString(fewer) {
		t.Errorf("--windows -1 printed:\n%s", fewer)
	}
	// Without --windows: the actual day and the replay alone.
	if plain := simulate(t, "--replay", db, "--date", "2026-11-24"); strings.Contains(plain, "окн.") {
		t.Errorf("no --windows, yet a third column:\n%s", plain)
	}
}

func TestSimulateRefuses(t *testing.T) {
	db := simulateDB(t)
	missing := filepath.Join(t.TempDir(), "none.db")
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"a date that is no date", []string{"--replay", db, "--date", "24.11.2026"}, "--date"},
		{"a database that is not there", []string{"--replay", missing, "--date", "2026-11-24"}, "не открыта"},
		{"a day the log does not have", []string{"--replay", db, "--date", "2026-11-25"}, "нет ни талонов"},
		{"a replay without its day", []string{"--replay", db}, "--date"},
		{"a day without a replay", []string{"--date", "2026-11-24"}, "--replay"},
		{"windows without a replay", []string{"--windows", "2"}, "--replay"},
		{"a replay with a spec", []string{"--replay", db, "--date", "2026-11-24", "--day", "x.yaml"}, "--day"},
		{"too many windows closed", []string{"--replay", db, "--date", "2026-11-24", "--windows", "-7"}, "закрыть можно только"},
		{"no days", []string{"--days", "0"}, "--days"},
		{"a format it does not write", []string{"--format", "xml"}, "--format"},
		{"a language it does not speak", []string{"--lang", "de"}, "--lang"},
		{"a spec file that is not there", []string{"--day", filepath.Join(t.TempDir(), "none.yaml")}, "не удалось прочитать"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := simulateErr(t, tc.args...); !strings.Contains(err, tc.want) {
				t.Errorf("err = %q, want one saying %q", err, tc.want)
			}
		})
	}
	if _, err := os.Stat(missing); err == nil {
		t.Error("a replay of a missing database made one")
	}
}
