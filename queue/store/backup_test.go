package store_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"eq/queue"
	"eq/queue/store"
)

// writerEvent is the i-th event a test writer appends.
func writerEvent(i int) queue.Event {
	return queue.Event{Type: queue.EventTicketIssued, At: time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Millisecond),
		Day: "2025-03-03", Ticket: fmt.Sprintf("W%07d", i), Number: fmt.Sprintf("П%03d", i%1000), Service: "passport"}
}

// fillLog appends n writer events in one transaction, so a backup has
// some megabytes to copy.
func fillLog(t *testing.T, st *store.Store, n int) {
	t.Helper()
	evs := make([]queue.Event, n)
	for i := range evs {
		evs[i] = writerEvent(i)
	}
	if err := st.Append(context.Background(), evs); err != nil {
		t.Fatal(err)
	}
}

// logRows reads seq and body of every event straight from the file,
// without changing it (no migration, no journal mode). Not read-only: a
// read-only connection would leave a -wal and -shm beside a WAL file.
func logRows(t *testing.T, path string) [][2]string {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+path+"?mode=rw&_busy_timeout=5000")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT seq, body FROM events ORDER BY seq`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out [][2]string
	for rows.Next() {
		var seq int64
		var body string
		if err := rows.Scan(&seq, &body); err != nil {
			t.Fatal(err)
		}
		out = append(out, [2]string{strconv.FormatInt(seq, 10), body})
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// journalVersions are bytes 18 and 19 of an SQLite file: 1 for a rollback
// journal, 2 for WAL.
func journalVersions(t *testing.T, path string) [2]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return [2]byte{b[18], b[19]}
}

// dirState is every file in dir with a hash of its content. A lock file
// counts by its presence only: taking a lock rewrites who holds it.
func dirState(t *testing.T, dir string) map[string]string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), store.LockSuffix) {
			out[e.Name()] = "lock"
			continue
		}
		if e.IsDir() {
			out[e.Name()] = "directory"
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = fmt.Sprintf("%x", sha256.Sum256(b))
	}
	return out
}

// wantCode fails the test unless err is a *queue.Error with code and an
// English message containing fragment.
func wantCode(t *testing.T, err error, code queue.Code, fragment string) {
	t.Helper()
	var qe *queue.Error
	if !errors.As(err, &qe) {
		t.Fatalf("got %v, want a %s error saying %q", err, code, fragment)
	}
	if qe.Code != code || !strings.Contains(qe.MessageEN, fragment) || qe.Message == "" {
		t.Fatalf("got %s %q / %q, want %s saying %q", qe.Code, qe.Message, qe.MessageEN, code, fragment)
	}
}

// TestBackupWhileWriting backs a log up while a writer keeps appending to
// it, in this process and in another.
func TestBackupWhileWriting(t *testing.T) {
	ctx := context.Background()
	for _, tt := range []struct {
		name string
		// start starts a writer on path and returns the last seq it had
		// acknowledged, a channel closed when it ends, and a stop that
		// ends it and waits.
		start func(t *testing.T, path string) (acked func() int64, ended <-chan struct{}, stop func())
	}{
		{"with a writer goroutine in this process", func(t *testing.T, path string) (func() int64, <-chan struct{}, func()) {
			st := openStore(t, path)
			var n atomic.Int64
			done, ended := make(chan struct{}), make(chan struct{})
			go func() {
				defer close(ended)
				for i := 0; ; i++ {
					select {
					case <-done:
						return
					default:
					}
					evs := []queue.Event{writerEvent(i)}
					if err := st.Append(ctx, evs); err != nil {
						t.Errorf("append during the backup: %v", err)
						return
					}
					n.Store(evs[0].Seq)
				}
			}()
			return n.Load, ended, func() { close(done); <-ended }
		}},
		{"with a writer in another process", func(t *testing.T, path string) (func() int64, <-chan struct{}, func()) {
			h := startHelper(t, "write", path)
			var n atomic.Int64
			ended := make(chan struct{})
			go func() {
				defer close(ended)
				for h.lines.Scan() {
					seq, err := strconv.ParseInt(h.lines.Text(), 10, 64)
					if err != nil {
						t.Errorf("the writer says %q", h.lines.Text())
						return
					}
					n.Store(seq)
				}
			}()
			return n.Load, ended, func() {
				h.stdin.Close()
				<-ended
				if err := h.cmd.Wait(); err != nil {
					t.Errorf("the writer failed: %v", err)
				}
			}
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := tempDB(t)
			st := openStore(t, path)
			fillLog(t, st, 20000)
			acked, ended, stop := tt.start(t, path)
			// waitAcked waits until the writer acknowledged seq n.
			waitAcked := func(n int64) {
				for acked() < n {
					select {
					case <-ended:
						t.Fatalf("the writer ended at %d, before %d", acked(), n)
					case <-time.After(time.Millisecond):
					}
				}
			}
			waitAcked(20010) // the writer runs

			dst := filepath.Join(t.TempDir(), "backup.db")
			before := acked()
			info, err := store.Backup(ctx, path, dst, false)
			if err != nil {
				stop()
				t.Fatal(err)
			}
			returned := acked()
			waitAcked(returned + 10) // and goes on after the backup
			stop()

			if _, err := store.CheckBackup(ctx, dst); err != nil {
				t.Fatalf("the backup does not pass the check: %v", err)
			}
			got, live := logRows(t, dst), logRows(t, path)
			if int64(len(got)) < before {
				t.Errorf("the backup holds %d events, but %d were acknowledged before it began", len(got), before)
			}
			if len(got) > len(live) || !reflect.DeepEqual(got, live[:len(got)]) {
				t.Errorf("the backup's %d events are not the first of the log's %d", len(got), len(live))
			}
			t.Logf("acknowledged when the backup began: %d, in the backup: %d, acknowledged when it returned: %d", before, len(got), returned)
			if info.Events != int64(len(got)) {
				t.Errorf("Backup says %d events, the file holds %d", info.Events, len(got))
			}
		})
	}
}

func TestBackup(t *testing.T) {
	ctx := context.Background()

	t.Run("the copy is one file in rollback-journal mode and says what it holds", func(t *testing.T) {
		path := tempDB(t)
		st := openStore(t, path) // left open: the live file is in WAL mode with a -wal beside it
		want := sampleEvents()
		if err := st.Append(ctx, want); err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		dst := filepath.Join(dir, "eq-backup.db")
		info, err := store.Backup(ctx, path, dst, false)
		if err != nil {
			t.Fatal(err)
		}
		if got := journalVersions(t, dst); got != [2]byte{1, 1} {
			t.Errorf("header journal versions = %v, want [1 1] (not WAL)", got)
		}
		entries, _ := os.ReadDir(dir)
		if len(entries) != 1 {
			t.Errorf("the backup's directory holds %d files, want only the backup", len(entries))
		}
		fi, err := os.Stat(dst)
		if err != nil {
			t.Fatal(err)
		}
		last := want[len(want)-1].At
		if info.Path != dst || info.Size != fi.Size() || info.Events != int64(len(want)) || !info.LastEvent.Equal(last) {
			t.Errorf("info = %+v, want %s, %d bytes, %d events, last at %v", info, dst, fi.Size(), len(want), last)
		}
		if applied := migrationsApplied(t, path); info.Schema == "" || applied[info.Schema] == "" {
			t.Errorf("schema %q is not one the live file has applied", info.Schema)
		}

		// The copy is a working database: open it as the server would.
		copied := openStore(t, dst)
		equalEvents(t, replayAll(t, copied, 0), want)
	})

	t.Run("backing up a database nobody has open leaves nothing beside it", func(t *testing.T) {
		path := tempDB(t)
		st := openStore(t, path)
		fillLog(t, st, 10)
		if err := st.Close(); err != nil {
			t.Fatal(err)
		}
		before := dirState(t, filepath.Dir(path))
		if _, err := store.Backup(ctx, path, filepath.Join(t.TempDir(), "b.db"), false); err != nil {
			t.Fatal(err)
		}
		if got := dirState(t, filepath.Dir(path)); !reflect.DeepEqual(got, before) {
			t.Errorf("the database's directory is now %v, was %v", got, before)
		}
	})

	t.Run("an empty log backs up with no last event", func(t *testing.T) {
		path := tempDB(t)
		openStore(t, path)
		info, err := store.Backup(ctx, path, filepath.Join(t.TempDir(), "b.db"), false)
		if err != nil {
			t.Fatal(err)
		}
		if info.Events != 0 || !info.LastEvent.IsZero() {
			t.Errorf("info = %+v, want no events", info)
		}
	})

	t.Run("an existing file is replaced only when told", func(t *testing.T) {
		path := tempDB(t)
		st := openStore(t, path)
		fillLog(t, st, 10)
		dir := t.TempDir()
		dst := filepath.Join(dir, "b.db")
		if err := os.WriteFile(dst, []byte("вчерашняя копия"), 0o600); err != nil {
			t.Fatal(err)
		}
		before := dirState(t, dir)
		_, err := store.Backup(ctx, path, dst, false)
		wantCode(t, err, queue.ECONFLICT, "already exists")
		if got := dirState(t, dir); !reflect.DeepEqual(got, before) {
			t.Errorf("a refused backup changed its directory: %v, was %v", got, before)
		}

		if _, err := store.Backup(ctx, path, dst, true); err != nil {
			t.Fatal(err)
		}
		if got := len(logRows(t, dst)); got != 10 {
			t.Errorf("the replaced file holds %d events, want 10", got)
		}
	})

	t.Run("the database and the files beside it are never written over", func(t *testing.T) {
		path := tempDB(t)
		st := openStore(t, path)
		fillLog(t, st, 10)
		l, err := store.Lock(path, "test")
		if err != nil {
			t.Fatal(err)
		}
		l.Close()
		// Beside an open store there are -wal and -shm; a -journal there
		// is not, and its name is refused all the same.
		same := filepath.Join(filepath.Dir(path), ".", filepath.Base(path))
		for _, dst := range []string{path, same, path + "-wal", path + "-shm", path + "-journal", path + store.LockSuffix} {
			before := dirState(t, filepath.Dir(path))
			_, err := store.Backup(ctx, path, dst, true)
			wantCode(t, err, queue.EINVALID, "file of the database itself")
			if got := dirState(t, filepath.Dir(path)); !reflect.DeepEqual(got, before) {
				t.Errorf("backup to %s changed the database's directory", filepath.Base(dst))
			}
		}
	})

	t.Run("a missing database is reported and nothing is made", func(t *testing.T) {
		dir := t.TempDir()
		path := filepath.Join(dir, "eq.db")
		_, err := store.Backup(ctx, path, filepath.Join(dir, "b.db"), false)
		wantCode(t, err, queue.ENOTFOUND, "no database")
		if got := dirState(t, dir); len(got) != 0 {
			t.Errorf("left %v behind", got)
		}
	})

	t.Run("a database that is not an eq log is refused and no copy is left", func(t *testing.T) {
		dir := t.TempDir()
		path := filepath.Join(dir, "other.db")
		foreignDB(t, path)
		out := t.TempDir()
		_, err := store.Backup(ctx, path, filepath.Join(out, "b.db"), false)
		wantCode(t, err, queue.EINVALID, "not an eq event log")
		if got := dirState(t, out); len(got) != 0 {
			t.Errorf("left %v behind", got)
		}
	})
}

// foreignDB makes an SQLite database at path that has nothing of eq.
func foreignDB(t *testing.T, path string) {
	t.Helper()
	db, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`CREATE TABLE notes (text TEXT); INSERT INTO notes VALUES ('не очередь')`); err != nil {
		t.Fatal(err)
	}
}

// goodBackup makes a backup of a log of n writer events and returns its path.
func goodBackup(t *testing.T, n int) string {
	t.Helper()
	path := tempDB(t)
	st := openStore(t, path)
	fillLog(t, st, n)
	dst := filepath.Join(t.TempDir(), "backup.db")
	if _, err := store.Backup(context.Background(), path, dst, false); err != nil {
		t.Fatal(err)
	}
	return dst
}

// execFile runs sql on the file at path behind the store's back.
func execFile(t *testing.T, path, query string) {
	t.Helper()
	db, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(query); err != nil {
		t.Fatal(err)
	}
}

// damage overwrites the pages after the first of the SQLite file at path,
// leaving its header and schema page whole.
func damage(t *testing.T, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	page := int(binary.BigEndian.Uint16(b[16:18]))
	if len(b) < 4*page {
		t.Fatalf("%s has %d bytes, too few pages to damage", path, len(b))
	}
	copy(b[page:], bytes.Repeat([]byte{0xAB}, len(b)-2*page))
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// badBackups are the files CheckBackup and Restore must refuse: each makes
// one in dir and names the refusal.
var badBackups = []struct {
	name     string
	make     func(t *testing.T, dir string) string
	code     queue.Code
	fragment string
}{
	{"a missing file", func(t *testing.T, dir string) string {
		return filepath.Join(dir, "none.db")
	}, queue.ENOTFOUND, "no backup file"},
	{"an empty file", func(t *testing.T, dir string) string {
		p := filepath.Join(dir, "empty.db")
		os.WriteFile(p, nil, 0o600)
		return p
	}, queue.EINVALID, "not an SQLite database"},
	{"a text file", func(t *testing.T, dir string) string {
		p := filepath.Join(dir, "notes.db")
		os.WriteFile(p, bytes.Repeat([]byte("талоны на сегодня\n"), 500), 0o600)
		return p
	}, queue.EINVALID, "not an SQLite database"},
	{"an SQLite header on garbage", func(t *testing.T, dir string) string {
		p := filepath.Join(dir, "garbage.db")
		os.WriteFile(p, append([]byte("SQLite format 3\x00"), bytes.Repeat([]byte{0xFF}, 8192)...), 0o600)
		return p
	}, queue.EINVALID, "not an SQLite database"},
	{"a directory", func(t *testing.T, dir string) string {
		p := filepath.Join(dir, "backups")
		os.Mkdir(p, 0o700)
		return p
	}, queue.EINVALID, "is not a file"},
	{"another program's SQLite database", func(t *testing.T, dir string) string {
		p := filepath.Join(dir, "other.db")
		foreignDB(t, p)
		return p
	}, queue.EINVALID, "not an eq event log"},
	{"a damaged backup", func(t *testing.T, dir string) string {
		p := goodBackup(t, 2000)
		damage(t, p)
		return p
	}, queue.EINVALID, "is damaged"},
	{"a backup made by a newer eq", func(t *testing.T, dir string) string {
		p := goodBackup(t, 10)
		execFile(t, p, `INSERT INTO schema_migrations (name, applied_at) VALUES ('9999_future.sql', '2030-01-01')`)
		return p
	}, queue.ECONFLICT, "newer eq"},
	{"a copy of a live database with its WAL beside it", func(t *testing.T, dir string) string {
		p := goodBackup(t, 10)
		os.WriteFile(p+"-wal", []byte("frames"), 0o600)
		return p
	}, queue.EINVALID, "not a backup"},
}

func TestCheckBackup(t *testing.T) {
	ctx := context.Background()
	t.Run("a backup of a log passes and says what it holds", func(t *testing.T) {
		p := goodBackup(t, 25)
		info, err := store.CheckBackup(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		if want := writerEvent(24).At; info.Events != 25 || !info.LastEvent.Equal(want) || info.Schema == "" {
			t.Errorf("info = %+v, want 25 events, the last at %v", info, want)
		}
	})
	for _, tt := range badBackups {
		t.Run(tt.name+" is refused and left as it was", func(t *testing.T) {
			p := tt.make(t, t.TempDir())
			before := dirState(t, filepath.Dir(p))
			_, err := store.CheckBackup(ctx, p)
			wantCode(t, err, tt.code, tt.fragment)
			if got := dirState(t, filepath.Dir(p)); !reflect.DeepEqual(got, before) {
				t.Errorf("the check changed the backup's directory: %v, was %v", got, before)
			}
		})
	}
}

// restoreFixture is an office's database with three tickets issued, a
// backup of it, and two tickets more issued after the backup.
type restoreFixture struct {
	db, backup string
	kept, lost []queue.TicketView
}

func newRestoreFixture(t *testing.T) restoreFixture {
	t.Helper()
	ctx := context.Background()
	f := restoreFixture{db: tempDB(t), backup: filepath.Join(t.TempDir(), "backup.db")}
	st, err := store.Open(ctx, f.db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	eng := loadEngine(t, st, newTestClock())
	issue := func() queue.TicketView {
		v, err := eng.Issue(ctx, queue.IssueRequest{Service: "passport"})
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for range 3 {
		f.kept = append(f.kept, issue())
	}
	if _, err := store.Backup(ctx, f.db, f.backup, false); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		f.lost = append(f.lost, issue())
	}
	return f
}

// loadEngine loads the log of st into an engine of testOffice and opens
// the day.
func loadEngine(t *testing.T, st *store.Store, clock *testClock) *queue.Engine {
	t.Helper()
	state, err := store.Load(context.Background(), st, testOffice())
	if err != nil {
		t.Fatal(err)
	}
	eng := queue.NewEngine(state, st, clock, nil)
	if err := eng.Roll(context.Background()); err != nil {
		t.Fatal(err)
	}
	return eng
}

func ticketIDs(vs []queue.TicketView) []string {
	var out []string
	for _, v := range vs {
		out = append(out, v.ID)
	}
	return out
}

func TestRestore(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2025, 3, 3, 12, 30, 0, 0, time.Local)

	t.Run("brings the log back to the backup, keeps the replaced files and numbering goes on", func(t *testing.T) {
		f := newRestoreFixture(t)
		replaced := logRows(t, f.db)
		// An unusual mode, to see it kept: the server's user must be able
		// to open the restored file as it could the one replaced.
		if err := os.Chmod(f.db, 0o604); err != nil {
			t.Fatal(err)
		}
		var asked store.Info
		got, err := store.Restore(ctx, f.backup, f.db, store.RestoreOptions{Office: testOffice(), Now: now, Owner: "eq restore",
			Confirm: func(b store.Info) error { asked = b; return nil }})
		if err != nil {
			t.Fatal(err)
		}
		if asked.Events == 0 || asked != got.Backup {
			t.Errorf("asked about %+v, restored %+v", asked, got.Backup)
		}
		wantAside := f.db + ".before-restore-20250303-123000"
		if !reflect.DeepEqual(got.Aside, []string{wantAside}) {
			t.Errorf("aside = %v, want [%s]", got.Aside, wantAside)
		}
		if !reflect.DeepEqual(logRows(t, wantAside), replaced) {
			t.Errorf("the file moved aside is not the replaced log")
		}
		if fi, err := os.Stat(f.db); err != nil || fi.Mode().Perm() != 0o604 {
			t.Errorf("the restored file's mode is %v (%v), want the replaced file's -rw----r--", fi.Mode(), err)
		}

		st := openStore(t, f.db)
		eng := loadEngine(t, st, newTestClock())
		var ids []string
		eng.Read(func(s *queue.State, now time.Time) { ids = ticketIDs(s.Tickets(now)) })
		if want := ticketIDs(f.kept); !reflect.DeepEqual(ids, want) {
			t.Errorf("tickets after the restore = %v, want %v", ids, want)
		}
		next, err := eng.Issue(ctx, queue.IssueRequest{Service: "passport"})
		if err != nil {
			t.Fatal(err)
		}
		if next.Number != f.lost[0].Number {
			t.Errorf("the next ticket is %s, want %s: numbering goes on from the backup", next.Number, f.lost[0].Number)
		}
	})

	t.Run("the files of a database left open are all moved aside together", func(t *testing.T) {
		f := newRestoreFixture(t)
		// A store open keeps -wal and -shm beside the file. Its files as
		// they are then, put back after it closed, are what a power cut
		// leaves: the -wal and -shm of a process that is gone.
		st := openStore(t, f.db)
		fillLog(t, st, 3)
		image := map[string][]byte{}
		for _, p := range []string{f.db, f.db + "-wal", f.db + "-shm"} {
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			image[p] = b
		}
		st.Close()
		replaced := logRows(t, f.db)
		for p, b := range image {
			if err := os.WriteFile(p, b, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		got, err := store.Restore(ctx, f.backup, f.db, store.RestoreOptions{Office: testOffice(), Now: now})
		if err != nil {
			t.Fatal(err)
		}
		base := f.db + ".before-restore-20250303-123000"
		if want := []string{base, base + "-wal", base + "-shm"}; !reflect.DeepEqual(got.Aside, want) {
			t.Errorf("aside = %v, want %v", got.Aside, want)
		}
		if !reflect.DeepEqual(logRows(t, base), replaced) {
			t.Errorf("the files moved aside do not open as the replaced log")
		}
	})

	t.Run("a second restore in the same second gets its own name", func(t *testing.T) {
		f := newRestoreFixture(t)
		var aside []string
		for range 2 {
			got, err := store.Restore(ctx, f.backup, f.db, store.RestoreOptions{Office: testOffice(), Now: now})
			if err != nil {
				t.Fatal(err)
			}
			aside = append(aside, got.Aside...)
		}
		base := f.db + ".before-restore-20250303-123000"
		if want := []string{base, base + "-2"}; !reflect.DeepEqual(aside, want) {
			t.Errorf("aside = %v, want %v", aside, want)
		}
	})

	t.Run("a backup made by an older eq is brought up to this one's schema", func(t *testing.T) {
		f := newRestoreFixture(t)
		want := migrationsApplied(t, f.db)
		known, err := store.CheckBackup(ctx, f.backup)
		if err != nil {
			t.Fatal(err)
		}
		// As the file was before the webhook outbox and the log id.
		execFile(t, f.backup, `DROP TABLE log_identity; DROP TABLE webhook_outbox;
			DELETE FROM schema_migrations WHERE name IN ('0005_outbox.sql', '0006_log_identity.sql')`)
		old, err := store.CheckBackup(ctx, f.backup)
		if err != nil || old.Schema != "0004_report_days.sql" {
			t.Fatalf("the older backup: %+v, %v", old, err)
		}
		if _, err := store.Restore(ctx, f.backup, f.db, store.RestoreOptions{Office: testOffice(), Now: now}); err != nil {
			t.Fatal(err)
		}
		got := migrationsApplied(t, f.db)
		if len(got) != len(want) || got[known.Schema] == "" {
			t.Errorf("the restored file has migrations %v, want all of %v", got, want)
		}
		logID(t, openStore(t, f.db)) // and it has a log id
	})

	t.Run("restores onto a new machine where there is no database yet", func(t *testing.T) {
		f := newRestoreFixture(t)
		db := filepath.Join(t.TempDir(), "var", "lib", "eq", "eq.db")
		got, err := store.Restore(ctx, f.backup, db, store.RestoreOptions{Office: testOffice(), Now: now})
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Aside) != 0 {
			t.Errorf("aside = %v, want nothing", got.Aside)
		}
		if n := len(logRows(t, db)); int64(n) != got.Backup.Events {
			t.Errorf("the restored file holds %d events, the backup %d", n, got.Backup.Events)
		}
	})
}

// TestRestoreRenewsTheLogID: a restore rolls the log back, so the events
// logged after it take the positions of events logged after the backup,
// which receivers of webhooks may have had. The restored log's new id
// keeps their event ids apart; a row pending in the backup keeps its own.
func TestRestoreRenewsTheLogID(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2025, 3, 3, 12, 30, 0, 0, time.Local)
	db, backup := tempDB(t), filepath.Join(t.TempDir(), "backup.db")
	type eventID struct {
		logID string
		seq   int64
	}
	// issue issues a ticket through an engine that logs to st with the
	// crm webhook, and returns the outbox row's event id.
	issue := func(t *testing.T, st *store.Store) eventID {
		t.Helper()
		hooks := webhookLog(t, st, "crm")
		state, err := store.Load(ctx, st, testOffice())
		if err != nil {
			t.Fatal(err)
		}
		eng := queue.NewEngine(state, hooks, newTestClock(), nil)
		if err := eng.Roll(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := eng.Issue(ctx, queue.IssueRequest{Service: "passport"}); err != nil {
			t.Fatal(err)
		}
		seq, err := st.LastSeq(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return eventID{logID(t, st), seq}
	}
	deliver := func(t *testing.T, st *store.Store, id eventID) {
		t.Helper()
		if err := st.OutboxDelivered(ctx, "crm", id.seq, now); err != nil {
			t.Fatal(err)
		}
	}
	pending := func(t *testing.T, st *store.Store) []eventID {
		t.Helper()
		items, err := st.OutboxDue(ctx, "crm", now, horizon, 100)
		if err != nil {
			t.Fatal(err)
		}
		var out []eventID
		for _, it := range items {
			out = append(out, eventID{it.LogID, it.Event.Seq})
		}
		return out
	}

	st, err := store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	var delivered []eventID
	first := issue(t, st)
	deliver(t, st, first)
	delivered = append(delivered, first)
	inBackup := issue(t, st) // pending when the backup is made
	if _, err := store.Backup(ctx, db, backup, false); err != nil {
		t.Fatal(err)
	}
	deliver(t, st, inBackup)
	delivered = append(delivered, inBackup)
	lost := issue(t, st) // logged after the backup, and delivered
	deliver(t, st, lost)
	delivered = append(delivered, lost)
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}

	if _, err := store.Restore(ctx, backup, db, store.RestoreOptions{Office: testOffice(), Now: now}); err != nil {
		t.Fatal(err)
	}
	st = openStore(t, db)
	restored := logID(t, st)
	if restored == first.logID {
		t.Fatalf("the restored log kept the id %s", restored)
	}
	if got, want := pending(t, st), []eventID{inBackup}; !reflect.DeepEqual(got, want) {
		t.Errorf("pending after the restore %v, want %v: the backup's row keeps the id it was sent with", got, want)
	}
	deliver(t, st, inBackup)
	next := issue(t, st)
	if next.seq != lost.seq {
		t.Fatalf("the first event after the restore is at %d, want %d, the position of the event the restore undid", next.seq, lost.seq)
	}
	if slices.Contains(delivered, next) || next.logID != restored {
		t.Errorf("the first event after the restore has id %v, want the restored log's %s, never one of %v", next, restored, delivered)
	}
	if got, want := pending(t, st), []eventID{next}; !reflect.DeepEqual(got, want) {
		t.Errorf("pending %v, want %v", got, want)
	}

	t.Run("restoring the same backup again gives yet another id, and the backup keeps its own", func(t *testing.T) {
		st.Close()
		if _, err := store.Restore(ctx, backup, db, store.RestoreOptions{Office: testOffice(), Now: now}); err != nil {
			t.Fatal(err)
		}
		again := logID(t, openStore(t, db))
		if again == restored || again == first.logID {
			t.Errorf("the second restore's log id %s repeats one of %s, %s", again, first.logID, restored)
		}
		var inFile string
		if err := rawDB(t, backup).QueryRow(`SELECT log_id FROM log_identity`).Scan(&inFile); err != nil {
			t.Fatal(err)
		}
		if inFile != first.logID {
			t.Errorf("the backup file's log id is %s, want %s as it was made", inFile, first.logID)
		}
	})
}

// TestRestoreRefuses: every refusal leaves the database's directory as it
// was, byte for byte.
// TestNothingOpensTheDatabaseDuringARestore: while a restore swaps the
// files, a report, a purge or a backup that opened the database would
// checkpoint into the file moved aside and delete the new one's -wal.
func TestNothingOpensTheDatabaseDuringARestore(t *testing.T) {
	ctx := context.Background()
	f := newRestoreFixture(t)
	var openErr, backupErr error
	_, err := store.Restore(ctx, f.backup, f.db, store.RestoreOptions{Office: testOffice(), Now: time.Now(),
		Confirm: func(store.Info) error {
			// Asked while the restore holds the database alone.
			st, err := store.Open(ctx, f.db)
			if err == nil {
				st.Close()
			}
			openErr = err
			_, backupErr = store.Backup(ctx, f.db, filepath.Join(t.TempDir(), "b.db"), false)
			return nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	for name, err := range map[string]error{"opening": openErr, "a backup": backupErr} {
		if err == nil || !strings.Contains(err.Error(), "восстанавливается из копии") {
			t.Errorf("%s during the restore: got %v, want a refusal saying a restore runs", name, err)
		}
	}
	// Once it is over, the database opens again.
	st := openStore(t, f.db)
	st.Close()
}

func TestRestoreRefuses(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2025, 3, 3, 12, 30, 0, 0, time.Local)

	// fixture is a database as a server leaves it: the log and the lock file.
	fixture := func(t *testing.T) restoreFixture {
		f := newRestoreFixture(t)
		l, err := store.Lock(f.db, "eq serve")
		if err != nil {
			t.Fatal(err)
		}
		l.Close()
		return f
	}
	check := func(t *testing.T, f restoreFixture, backup string, o store.RestoreOptions) error {
		t.Helper()
		dir := filepath.Dir(f.db)
		before := dirState(t, dir)
		if o.Office == nil {
			o.Office = testOffice()
		}
		o.Now = now
		_, err := store.Restore(ctx, backup, f.db, o)
		if err == nil {
			t.Fatal("the restore went through")
		}
		if got := dirState(t, dir); !reflect.DeepEqual(got, before) {
			t.Errorf("a refused restore changed the database's directory:\n got %v\nwant %v", got, before)
		}
		return err
	}

	for _, tt := range badBackups {
		t.Run(tt.name, func(t *testing.T) {
			f := fixture(t)
			err := check(t, f, tt.make(t, t.TempDir()), store.RestoreOptions{})
			wantCode(t, err, tt.code, tt.fragment)
		})
	}

	t.Run("a backup whose log does not fit the office", func(t *testing.T) {
		f := fixture(t)
		office := testOffice()
		office.Services[0].ID = "passport-2025"
		office.Windows[0].Services[0].Service = "passport-2025"
		office.Windows[1].Services[2].Service = "passport-2025"
		err := check(t, f, f.backup, store.RestoreOptions{Office: office})
		wantCode(t, err, queue.EINVALID, "does not fit the office config")
	})

	t.Run("the database itself given as the backup", func(t *testing.T) {
		f := fixture(t)
		err := check(t, f, f.db, store.RestoreOptions{})
		wantCode(t, err, queue.EINVALID, "is the database")
	})

	t.Run("a database held by a running server", func(t *testing.T) {
		f := fixture(t)
		l, err := store.Lock(f.db, "eq serve 127.0.0.1:8080")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		asked := false
		err = check(t, f, f.backup, store.RestoreOptions{Confirm: func(store.Info) error { asked = true; return nil }})
		var le *store.LockedError
		if !errors.As(err, &le) || le.Holder.Owner != "eq serve 127.0.0.1:8080" {
			t.Fatalf("got %v, want a *store.LockedError naming the server", err)
		}
		if asked {
			t.Error("the person was asked to confirm a restore that cannot happen")
		}
	})

	t.Run("a database open in another program, as eq report", func(t *testing.T) {
		f := fixture(t)
		st := openStore(t, f.db)
		defer st.Close()
		err := check(t, f, f.backup, store.RestoreOptions{})
		if err == nil || !strings.Contains(err.Error(), "открыта другой программой") {
			t.Fatalf("got %v, want the database open in another program", err)
		}
	})

	t.Run("the person saying no", func(t *testing.T) {
		f := fixture(t)
		no := errors.New("отменено")
		err := check(t, f, f.backup, store.RestoreOptions{Confirm: func(store.Info) error { return no }})
		if !errors.Is(err, no) {
			t.Fatalf("got %v, want the confirmation's error", err)
		}
		// The lock was taken to ask, and is free again.
		l, err := store.Lock(f.db, "eq serve")
		if err != nil {
			t.Fatal(err)
		}
		l.Close()
	})
}

// BenchmarkBackup backs up a log of a year or so of a busy office (200,000
// events) while nothing else runs, and reports the copy's speed.
func BenchmarkBackup(b *testing.B) {
	ctx := context.Background()
	path := tempDB(b)
	st := openStore(b, path)
	const n = 200_000
	for i := 0; i < n; i += 10_000 {
		evs := make([]queue.Event, 10_000)
		for j := range evs {
			evs[j] = writerEvent(i + j)
		}
		if err := st.Append(ctx, evs); err != nil {
			b.Fatal(err)
		}
	}
	dst := filepath.Join(b.TempDir(), "backup.db")
	var info store.Info
	for b.Loop() {
		var err error
		if info, err = store.Backup(ctx, path, dst, true); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(info.Size)
	b.ReportMetric(float64(info.Size)/(1<<20), "MB")
}
