package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"eq/configs"
	"eq/queue/store"
)

// apptServer runs eq serve on a new database, open round the clock, and
// returns its address and the database's path.
func apptServer(t *testing.T) (base, db string) {
	t.Helper()
	db = filepath.Join(t.TempDir(), "eq.db")
	base, stop := startServe(t, &serveOptions{db: db, ignoreHours: true})
	t.Cleanup(func() {
		if err := stop(); err != nil {
			t.Errorf("stop serve: %v", err)
		}
	})
	return base, db
}

// officeDate is the date days from today in the office's zone: tomorrow's
// slots are in the future whatever the hour the tests run.
func officeDate(days int) string {
	return time.Now().In(configs.Demo().Office.Location).AddDate(0, 0, days).Format(time.DateOnly)
}

// csvFile writes text to name in a new temporary directory; {D} in text
// stands for tomorrow's date.
func csvFile(t *testing.T, name, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(strings.ReplaceAll(text, "{D}", officeDate(1))), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestAppointmentsImportAndList(t *testing.T) {
	t.Setenv(consolePasswordEnv, "demo")
	base, _ := apptServer(t)
	day := officeDate(1)

	t.Run("a comma-separated file imports with the codes it gives", func(t *testing.T) {
		path := csvFile(t, "ais.csv", "service_id,start,name,phone,code,external_id\n"+
			"passport,{D} 10:00,Иванов Иван Иванович,8 (912) 345-67-89,,AIS-1\n"+
			"passport,{D} 10:00,,,123456,AIS-2\n"+
			"passport,{D}T07:15:00Z,Петрова Анна,,,AIS-3\n")
		code, out, errOut := runEQ("", "appointments", "import", path, "--server", base, "--login", "manager")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		for _, want := range []string{"(appointments imported): 3", "123456", day + " 10:00", day + " 10:15", "passport", "AIS-1", "AIS-3"} {
			if !strings.Contains(out, want) {
				t.Errorf("stdout lacks %q:\n%s", want, out)
			}
		}
	})
	t.Run("a semicolon-separated file with a BOM and its own column order imports", func(t *testing.T) {
		path := csvFile(t, "excel.csv", "\ufeffexternal_id;start;service_id;name\nGU-7;{D} 11:30;passport;Сидоров Пётр\n")
		code, out, errOut := runEQ("", "appointments", "import", path, "--server", base, "--login", "manager")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		if !strings.Contains(out, "(appointments imported): 1") || !strings.Contains(out, day+" 11:30") {
			t.Errorf("stdout:\n%s", out)
		}
	})
	t.Run("the day's list shows all four with names and phones masked", func(t *testing.T) {
		code, out, errOut := runEQ("", "appointments", "list", "--date", day, "--server", base, "--login", "manager")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		for _, want := range []string{"(appointments on " + day + "): 4", "10:00", "10:15", "11:30", "123456",
			"И*** И*** И***", "+7 *** ***-**-89", "П*** А***", "С*** П***", "Паспорт гражданина РФ", "записан (booked)"} {
			if !strings.Contains(out, want) {
				t.Errorf("stdout lacks %q:\n%s", want, out)
			}
		}
		for _, secret := range []string{"Иванов", "Петрова", "Сидоров", "345-67"} {
			if strings.Contains(out, secret) {
				t.Errorf("stdout shows %q unmasked:\n%s", secret, out)
			}
		}
	})
	t.Run("the same external id is not imported twice", func(t *testing.T) {
		path := csvFile(t, "again.csv", "service_id,start,external_id\npassport,{D} 12:00,AIS-1\n")
		code, out, errOut := runEQ("", "appointments", "import", path, "--server", base, "--login", "manager")
		if code != 1 || !strings.Contains(errOut, "строка 2: запись AIS-1 уже импортирована") {
			t.Fatalf("exit %d, stdout %q, stderr %q; want a refusal naming row 2", code, out, errOut)
		}
		_, list, _ := runEQ("", "appointments", "list", "--date", day, "--server", base, "--login", "manager")
		if strings.Contains(list, "12:00") {
			t.Errorf("the refused row was imported:\n%s", list)
		}
	})
	t.Run("the password is read from the first line of input without EQ_PASSWORD", func(t *testing.T) {
		t.Setenv(consolePasswordEnv, "")
		code, out, errOut := runEQ("demo\n", "appointments", "list", "--date", day, "--server", base, "--login", "manager")
		if code != 0 || !strings.Contains(out, "123456") || !strings.Contains(errOut, "Пароль (password)") {
			t.Errorf("exit %d, stdout %q, stderr %q", code, out, errOut)
		}
	})
}

func TestAppointmentsImportRefusesABadFileWhole(t *testing.T) {
	t.Setenv(consolePasswordEnv, "demo")
	base, _ := apptServer(t)
	path := csvFile(t, "bad.csv", "service_id,start,name,phone,external_id\n"+
		"passport,{D} 12:00,,,B-2\n"+ // good
		"nosuch,{D} 12:00,,,B-3\n"+ // unknown service
		"passport,{D} 25:99,,,B-4\n"+ // no such time
		"residence,{D} 12:00,,,B-5\n"+ // the service takes no appointments
		"passport,{D} 12:00,,,B-6\n"+ // good: the slot's second place
		"passport,{D} 12:00,,,B-7\n"+ // a third in a slot of two
		"passport,{D} 12:15,Орлова,12-34,B-8\n") // a phone too short

	code, out, errOut := runEQ("", "appointments", "import", path, "--server", base, "--login", "manager")
	if code != 1 {
		t.Fatalf("exit %d, want 1; stdout %q", code, out)
	}
	if !strings.Contains(errOut, "eq: ") || !strings.Contains(errOut, "ничего не записано") || !strings.Contains(errOut, "(import refused, nothing was written") {
		t.Errorf("stderr lacks the server's message:\n%s", errOut)
	}
	bad := map[int]string{3: `услуга "nosuch" не найдена`, 4: "25:99", 5: "нет предварительной записи", 7: "мест нет", 8: "телефон"}
	for row := 2; row <= 8; row++ {
		i := strings.Index(errOut, fmt.Sprintf("строка %d: ", row))
		want, isBad := bad[row]
		switch {
		case !isBad && i >= 0:
			t.Errorf("the good row %d is named:\n%s", row, errOut)
		case isBad && i < 0:
			t.Errorf("row %d is not named:\n%s", row, errOut)
		case isBad:
			if line, _, _ := strings.Cut(errOut[i:], "\n"); !strings.Contains(line, want) {
				t.Errorf("row %d says %q, want %q in it", row, line, want)
			}
		}
	}
	if !strings.Contains(errOut, "(service \"nosuch\" not found)") {
		t.Errorf("the rows lack their English:\n%s", errOut)
	}

	_, list, _ := runEQ("", "appointments", "list", "--date", officeDate(1), "--server", base, "--login", "manager")
	if !strings.Contains(list, "(no appointments on") {
		t.Errorf("something was imported:\n%s", list)
	}
}

func TestAppointmentsImportRefusals(t *testing.T) {
	t.Setenv(consolePasswordEnv, "demo")
	base, _ := apptServer(t)
	good := csvFile(t, "good.csv", "service_id,start\npassport,{D} 09:00\n")

	t.Run("a wrong password is refused with the server's reason", func(t *testing.T) {
		t.Setenv(consolePasswordEnv, "not-the-password")
		code, out, errOut := runEQ("", "appointments", "import", good, "--server", base, "--login", "manager")
		if code != 1 || !strings.Contains(errOut, "вход не выполнен (sign-in failed): неверный логин или пароль (wrong login or password)") {
			t.Errorf("exit %d, stdout %q, stderr %q", code, out, errOut)
		}
	})
	t.Run("an operator may not import", func(t *testing.T) {
		code, _, errOut := runEQ("", "appointments", "import", good, "--server", base, "--login", "op1")
		if code != 1 || !strings.Contains(errOut, "eq: ") {
			t.Errorf("exit %d, stderr %q", code, errOut)
		}
	})
	t.Run("a missing file is refused before any request", func(t *testing.T) {
		var requests atomic.Int32
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { requests.Add(1) }))
		defer srv.Close()
		missing := filepath.Join(t.TempDir(), "none.csv")
		code, _, errOut := runEQ("", "appointments", "import", missing, "--server", srv.URL)
		if code != 1 || !strings.Contains(errOut, missing) || !strings.Contains(errOut, "cannot read the file") {
			t.Errorf("exit %d, stderr %q", code, errOut)
		}
		if strings.Contains(errOut, "Логин") {
			t.Errorf("the login was asked for a file that is not there: %q", errOut)
		}
		if n := requests.Load(); n != 0 {
			t.Errorf("%d requests were made", n)
		}
	})
}

func TestAppointmentsPurge(t *testing.T) {
	base, db := apptServer(t)
	code := bookWithName(t, base, officeDate(1)+"T10:00:00+03:00")

	t.Run("the default cutoff keeps tomorrow's contacts", func(t *testing.T) {
		c, out, errOut := runEQ("", "appointments", "purge", "--db", db)
		if c != 0 {
			t.Fatalf("exit %d: %s", c, errOut)
		}
		cutoff := officeDate(-30) // the demo keeps contacts 30 days
		if !strings.Contains(out, "до "+cutoff+": 0 ") {
			t.Errorf("stdout %q, want 0 purged before %s", out, cutoff)
		}
		if name, phone := contactsOf(t, db, code); name == "" || phone == "" {
			t.Errorf("contacts %q %q were purged", name, phone)
		}
	})
	t.Run("a cutoff after the appointment purges its contacts while the server runs", func(t *testing.T) {
		c, out, errOut := runEQ("", "appointments", "purge", "--db", db, "--before", officeDate(2))
		if c != 0 {
			t.Fatalf("exit %d: %s", c, errOut)
		}
		if !strings.Contains(out, ": 1 (") {
			t.Errorf("stdout %q, want 1 purged", out)
		}
		if name, phone := contactsOf(t, db, code); name != "" || phone != "" {
			t.Errorf("contacts %q %q are still there", name, phone)
		}
	})
	t.Run("bad arguments are refused", func(t *testing.T) {
		for _, args := range [][]string{
			{"--db", db, "--before", "24.11.2026"},
			{"--db", filepath.Join(t.TempDir(), "none.db")},
		} {
			c, _, errOut := runEQ("", append([]string{"appointments", "purge"}, args...)...)
			if c != 1 || !strings.Contains(errOut, "eq: ") {
				t.Errorf("%v: exit %d, stderr %q", args, c, errOut)
			}
		}
	})
}

// bookWithName books a passport appointment at start with a name and a
// phone, as a visitor does on the /book page, and returns its code.
func bookWithName(t *testing.T, base, start string) string {
	t.Helper()
	body := fmt.Sprintf(`{"service_id":"passport","start":%q,"name":"Сидоров Пётр","phone":"+7 900 123-45-67"}`, start)
	resp, err := http.Post(base+"/api/v1/appointments", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var a struct{ Code string }
	if err := json.NewDecoder(resp.Body).Decode(&a); err != nil || resp.StatusCode != http.StatusCreated || a.Code == "" {
		t.Fatalf("book: HTTP %d, %+v, %v", resp.StatusCode, a, err)
	}
	return a.Code
}

// contactsOf reads the appointment's name and phone, masked, from the log
// in the database, as a restarted server would.
func contactsOf(t *testing.T, db, code string) (name, phone string) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	state, err := store.Load(ctx, st, configs.Demo().Office)
	if err != nil {
		t.Fatal(err)
	}
	a, err := state.Appointment(code)
	if err != nil {
		t.Fatal(err)
	}
	return a.Name, a.Phone
}
