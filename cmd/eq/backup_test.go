package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"eq/configs"
	"eq/queue/store"
)

// kioskTicket is a ticket as the kiosk gets it.
type kioskTicket struct{ ID, Number string }

// takeTicket takes a passport ticket from the server at base, as a kiosk.
// It returns an error rather than failing the test, for goroutines.
func takeTicket(base string) (kioskTicket, error) {
	req, err := http.NewRequest(http.MethodPost, base+"/api/v1/tickets", strings.NewReader(`{"service_id":"passport"}`))
	if err != nil {
		return kioskTicket{}, err
	}
	req.Header.Set("Authorization", "Bearer demo-kiosk")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return kioskTicket{}, err
	}
	defer resp.Body.Close()
	var t kioskTicket
	if err := json.NewDecoder(resp.Body).Decode(&t); err != nil {
		return kioskTicket{}, err
	}
	if resp.StatusCode != http.StatusCreated || t.ID == "" {
		return kioskTicket{}, fmt.Errorf("issue: status %d, ticket %+v", resp.StatusCode, t)
	}
	return t, nil
}

func mustTakeTicket(t *testing.T, base string) kioskTicket {
	t.Helper()
	tk, err := takeTicket(base)
	if err != nil {
		t.Fatal(err)
	}
	return tk
}

// ticketStatus is what GET /api/v1/tickets/{id} answers: the HTTP status
// and the ticket's number.
func ticketStatus(t *testing.T, base, id string) (int, string) {
	t.Helper()
	resp, err := http.Get(base + "/api/v1/tickets/" + id)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tk kioskTicket
	json.NewDecoder(resp.Body).Decode(&tk)
	return resp.StatusCode, tk.Number
}

// execCmd runs a command made by newCmd with args and stdin, as the eq
// binary would, and returns its outputs and error.
func execCmd(newCmd func() *cobra.Command, stdin string, args ...string) (stdout, stderr string, err error) {
	cmd := newCmd()
	var out, errOut bytes.Buffer
	cmd.SetIn(strings.NewReader(stdin))
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	cmd.SetArgs(args)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	err = cmd.ExecuteContext(context.Background())
	return out.String(), errOut.String(), err
}

// issuedTickets lists the tickets issued in the log at path, in log order,
// read without changing the file.
func issuedTickets(t *testing.T, path string) []string {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+path+"?mode=rw")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT ticket FROM events WHERE type = 'TicketIssued' ORDER BY seq`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return ids
}

// fileHash is the SHA-256 of the file at path, "" when there is none.
func fileHash(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return ""
	}
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%x", sha256.Sum256(b))
}

// leftovers lists the files in dir that a backup or a restore makes.
func leftovers(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		if n := e.Name(); strings.Contains(n, "before-restore") || strings.Contains(n, ".restore-") || strings.Contains(n, ".partial-") {
			out = append(out, n)
		}
	}
	return out
}

// TestBackupWhileServing backs the database up while kiosks keep taking
// tickets from a running server.
func TestBackupWhileServing(t *testing.T) {
	db := filepath.Join(t.TempDir(), "data", "eq.db")
	base, stop := startServe(t, &serveOptions{db: db, ignoreHours: true})

	var (
		mu     sync.Mutex
		acked  []string
		kioskE error
	)
	count := func() int {
		mu.Lock()
		defer mu.Unlock()
		return len(acked)
	}
	done, ended := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(ended)
		for {
			select {
			case <-done:
				return
			default:
			}
			tk, err := takeTicket(base)
			mu.Lock()
			if err != nil {
				kioskE = err
			} else {
				acked = append(acked, tk.ID)
			}
			mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	waitTickets := func(n int) {
		t.Helper()
		for count() < n {
			select {
			case <-ended:
				t.Fatalf("the kiosk stopped after %d tickets: %v", count(), kioskE)
			case <-time.After(5 * time.Millisecond):
			}
		}
	}
	waitTickets(5)

	mu.Lock()
	before := slices.Clone(acked)
	mu.Unlock()
	dst := filepath.Join(t.TempDir(), "backup.db")
	out, _, err := execCmd(newBackupCmd, "", dst, "--db", db)
	if err != nil {
		close(done)
		<-ended
		stop()
		t.Fatal(err)
	}
	waitTickets(count() + 3) // the server went on serving
	close(done)
	<-ended
	if err := stop(); err != nil {
		t.Fatal(err)
	}

	info, err := store.CheckBackup(context.Background(), dst)
	if err != nil {
		t.Fatalf("the backup fails the check: %v", err)
	}
	got, live := issuedTickets(t, dst), issuedTickets(t, db)
	t.Logf("tickets acknowledged when the backup began: %d, in the backup: %d, in the log at the end: %d", len(before), len(got), len(live))
	if len(got) < len(before) || !reflect.DeepEqual(got[:len(before)], before) {
		t.Errorf("the backup's tickets %v do not begin with the %d acknowledged before it: %v", got, len(before), before)
	}
	if len(got) > len(live) || !reflect.DeepEqual(got, live[:len(got)]) {
		t.Errorf("the backup's tickets are not the first of the log's")
	}
	for _, want := range []string{
		"Резервная копия записана (backup written): " + dst,
		fmt.Sprintf("событий (events):               %d\n", info.Events),
		sizeText(info.Size),
		lastEventText(info.LastEvent, time.Local),
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the output does not say %q:\n%s", want, out)
		}
	}
}

// TestRestoreBringsTheServerBack: a server restarted on a restored
// database is where it was at the backup, and numbers tickets on from there.
func TestRestoreBringsTheServerBack(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	db := filepath.Join(dir, "eq.db")
	dst := filepath.Join(t.TempDir(), "backup.db")

	base, stop := startServe(t, &serveOptions{db: db, ignoreHours: true})
	var kept, lost []kioskTicket
	for range 3 {
		kept = append(kept, mustTakeTicket(t, base))
	}
	if _, _, err := execCmd(newBackupCmd, "", dst, "--db", db); err != nil {
		stop()
		t.Fatal(err)
	}
	for range 2 {
		lost = append(lost, mustTakeTicket(t, base))
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	replaced := issuedTickets(t, db)

	out, _, err := execCmd(newRestoreCmd, "", dst, "--db", db, "--yes")
	if err != nil {
		t.Fatal(err)
	}
	aside := leftovers(t, dir)
	if len(aside) != 1 || !strings.HasPrefix(aside[0], "eq.db.before-restore-") {
		t.Fatalf("beside the database: %v, want the replaced eq.db moved aside", aside)
	}
	if got := issuedTickets(t, filepath.Join(dir, aside[0])); !reflect.DeepEqual(got, replaced) {
		t.Errorf("the file moved aside holds %v, want the replaced log's %v", got, replaced)
	}
	for _, want := range []string{"База данных восстановлена", filepath.Join(dir, aside[0]), "событий (events):"} {
		if !strings.Contains(out, want) {
			t.Errorf("the output does not say %q:\n%s", want, out)
		}
	}

	base, stop = startServe(t, &serveOptions{db: db, ignoreHours: true})
	defer stop()
	for _, tk := range kept {
		if code, number := ticketStatus(t, base, tk.ID); code != http.StatusOK || number != tk.Number {
			t.Errorf("ticket %s taken before the backup: %d %s, want 200 %s", tk.ID, code, number, tk.Number)
		}
	}
	for _, tk := range lost {
		if code, _ := ticketStatus(t, base, tk.ID); code != http.StatusNotFound {
			t.Errorf("ticket %s taken after the backup: %d, want 404", tk.ID, code)
		}
	}
	if next := mustTakeTicket(t, base); next.Number != lost[0].Number {
		t.Errorf("the first ticket after the restore is %s, want %s", next.Number, lost[0].Number)
	}
}

// TestServeHoldsTheDatabase: one server per database; restore waits for it
// to stop. This needs runServe to take store.Lock.
func TestServeHoldsTheDatabase(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "eq.db")
	base, stop := startServe(t, &serveOptions{db: db, ignoreHours: true})
	tk := mustTakeTicket(t, base)
	dst := filepath.Join(t.TempDir(), "backup.db")
	if _, _, err := execCmd(newBackupCmd, "", dst, "--db", db); err != nil {
		stop()
		t.Fatalf("backup while serving: %v", err)
	}

	t.Run("a second server on the same database is refused at once", func(t *testing.T) {
		// A second server that got as far as listening is stopped at once,
		// so that the test fails rather than serves on.
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		listened := false
		o := &serveOptions{db: db, ignoreHours: true, addr: "127.0.0.1:0", onListen: func(net.Addr) { listened = true; cancel() }}
		err := runServe(ctx, o, io.Discard, slog.New(slog.NewTextHandler(io.Discard, nil)))
		var le *store.LockedError
		if !errors.As(err, &le) {
			t.Fatalf("got %v, want a *store.LockedError", err)
		}
		if le.Holder.PID != os.Getpid() || !strings.HasPrefix(le.Holder.Owner, "eq serve") {
			t.Errorf("holder = %+v, want this process's eq serve", le.Holder)
		}
		if listened {
			t.Error("the second server opened a port")
		}
	})

	t.Run("restore is refused while the server runs and changes nothing", func(t *testing.T) {
		_, _, err := execCmd(newRestoreCmd, "", dst, "--db", db, "--yes")
		var le *store.LockedError
		if !errors.As(err, &le) {
			t.Fatalf("got %v, want a *store.LockedError", err)
		}
		for _, want := range []string{"занята", "in use", "eq serve"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("message %q does not say %q", err, want)
			}
		}
		if got := leftovers(t, dir); len(got) != 0 {
			t.Errorf("left %v beside the database", got)
		}
		if code, _ := ticketStatus(t, base, tk.ID); code != http.StatusOK {
			t.Errorf("the server lost ticket %s: %d", tk.ID, code)
		}
	})

	if err := stop(); err != nil {
		t.Fatal(err)
	}
	t.Run("once the server stopped, another starts on the database", func(t *testing.T) {
		base, stop := startServe(t, &serveOptions{db: db, ignoreHours: true})
		defer stop()
		if code, _ := ticketStatus(t, base, tk.ID); code != http.StatusOK {
			t.Errorf("ticket %s: %d", tk.ID, code)
		}
	})
}

func TestBackupCommand(t *testing.T) {
	db := reportDB(t)
	now := time.Date(2026, 11, 23, 2, 0, 0, 0, time.Local)

	t.Run("into a directory it names the file after the database and the time", func(t *testing.T) {
		dir := t.TempDir()
		var out bytes.Buffer
		if err := runBackup(context.Background(), &backupOptions{db: db, file: dir}, now, &out); err != nil {
			t.Fatal(err)
		}
		want := filepath.Join(dir, "eq-20261123-020000.db")
		if _, err := os.Stat(want); err != nil {
			t.Fatalf("no %s: %v", want, err)
		}
		if !strings.Contains(out.String(), want) {
			t.Errorf("the output does not name %s:\n%s", want, out.String())
		}
	})

	t.Run("an existing file is kept, and the message names --force", func(t *testing.T) {
		dst := filepath.Join(t.TempDir(), "b.db")
		os.WriteFile(dst, []byte("вчерашняя"), 0o600)
		_, _, err := execCmd(newBackupCmd, "", dst, "--db", db)
		if err == nil || !strings.Contains(err.Error(), "--force") || !strings.Contains(err.Error(), "already exists") {
			t.Fatalf("got %v, want a refusal naming --force", err)
		}
		if b, _ := os.ReadFile(dst); string(b) != "вчерашняя" {
			t.Errorf("the file now holds %d bytes", len(b))
		}
		if _, _, err := execCmd(newBackupCmd, "", dst, "--db", db, "--force"); err != nil {
			t.Fatalf("with --force: %v", err)
		}
		if _, err := store.CheckBackup(context.Background(), dst); err != nil {
			t.Errorf("the replaced file is no backup: %v", err)
		}
	})

	for _, tt := range []struct {
		name   string
		args   func(dir string) []string
		ru, en string
	}{
		{"a missing database is refused in both languages",
			func(dir string) []string {
				return []string{filepath.Join(dir, "b.db"), "--db", filepath.Join(dir, "none.db")}
			},
			"базы данных", "there is no database"},
		{"a missing directory is refused in both languages",
			func(dir string) []string { return []string{filepath.Join(dir, "no", "b.db"), "--db", db} },
			"папки", "there is no directory"},
		{"no file named is refused", func(string) []string { return nil }, "укажите файл", "give the backup's"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			_, _, err := execCmd(newBackupCmd, "", tt.args(dir)...)
			if err == nil || !strings.Contains(err.Error(), tt.ru) || !strings.Contains(err.Error(), tt.en) ||
				strings.Index(err.Error(), tt.ru) > strings.Index(err.Error(), tt.en) {
				t.Fatalf("got %v, want %q then %q", err, tt.ru, tt.en)
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 0 {
				t.Errorf("left %d files", len(entries))
			}
		})
	}
}

func TestRestoreCommand(t *testing.T) {
	// setup is a database of the demo office moved on after its backup.
	setup := func(t *testing.T) (db, backup string) {
		db = reportDB(t)
		backup = filepath.Join(t.TempDir(), "backup.db")
		if _, err := store.Backup(context.Background(), db, backup, false); err != nil {
			t.Fatal(err)
		}
		st, err := store.Open(context.Background(), db)
		if err != nil {
			t.Fatal(err)
		}
		if err := st.Ping(context.Background()); err != nil { // a write: the file differs from the backup
			t.Fatal(err)
		}
		st.Close()
		return db, backup
	}

	for _, tt := range []struct {
		name, answer string
		restored     bool
	}{
		{"without --yes it asks, and «да» goes on", "да\n", true},
		{"«y» goes on too", "y\n", true},
		{"any other answer cancels", "нет\n", false},
		{"no answer at all cancels", "", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			db, backup := setup(t)
			before := fileHash(t, db)
			out, errOut, err := execCmd(newRestoreCmd, tt.answer, backup, "--db", db)
			if !strings.Contains(errOut, "Заменить базу данных "+db) || !strings.Contains(errOut, "Replace the database") {
				t.Errorf("the question was not asked in both languages:\n%s", errOut)
			}
			if !tt.restored {
				if err == nil || !strings.Contains(err.Error(), "отменено") || !strings.Contains(err.Error(), "cancelled") {
					t.Fatalf("got %v, want the restore cancelled", err)
				}
				if fileHash(t, db) != before || len(leftovers(t, filepath.Dir(db))) != 0 {
					t.Error("a cancelled restore changed the database's directory")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got, want := fileHash(t, db), fileHash(t, backup); got == before || got == "" || want == "" {
				t.Errorf("the database was not replaced")
			}
			if !strings.Contains(out, "before-restore-") {
				t.Errorf("the output does not say where the old files went:\n%s", out)
			}
		})
	}

	t.Run("a bad backup is refused in both languages before anything is asked", func(t *testing.T) {
		db, _ := setup(t)
		bad := filepath.Join(t.TempDir(), "bad.db")
		os.WriteFile(bad, []byte("не база"), 0o600)
		before := fileHash(t, db)
		_, errOut, err := execCmd(newRestoreCmd, "да\n", bad, "--db", db)
		if err == nil || !strings.Contains(err.Error(), "не база данных SQLite") || !strings.Contains(err.Error(), "is not an SQLite database") {
			t.Fatalf("got %v, want the file refused as not SQLite in both languages", err)
		}
		if errOut != "" {
			t.Errorf("asked before checking: %q", errOut)
		}
		if fileHash(t, db) != before || len(leftovers(t, filepath.Dir(db))) != 0 {
			t.Error("a refused restore changed the database's directory")
		}
	})

	t.Run("a log that does not fit the office config is refused", func(t *testing.T) {
		db, backup := setup(t)
		cfg := filepath.Join(t.TempDir(), "office.yaml")
		// An office without the passport service cannot replay passport tickets.
		yaml := strings.ReplaceAll(string(configs.DemoYAML()), "passport", "passport-old")
		os.WriteFile(cfg, []byte(yaml), 0o600)
		before := fileHash(t, db)
		_, _, err := execCmd(newRestoreCmd, "", backup, "--db", db, "--config", cfg, "--yes")
		if err == nil || !strings.Contains(err.Error(), "does not fit the office config") {
			t.Fatalf("got %v, want the log refused for the config", err)
		}
		if fileHash(t, db) != before || len(leftovers(t, filepath.Dir(db))) != 0 {
			t.Error("a refused restore changed the database's directory")
		}
	})
}
