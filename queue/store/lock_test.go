package store_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"eq/queue"
	"eq/queue/store"
)

// helperEnv, when set in the environment, makes this test binary act as
// another process for the test that started it: "lock" holds a database's
// lock, "write" appends events to it. helperDB names the database.
const (
	helperEnv = "EQ_STORE_TEST_HELPER"
	helperDB  = "EQ_STORE_TEST_DB"
)

// TestHelperProcess is not a test: it is the other process of the tests
// that need one, started by startHelper. Run normally it does nothing.
func TestHelperProcess(t *testing.T) {
	role := os.Getenv(helperEnv)
	if role == "" {
		return
	}
	db := os.Getenv(helperDB)
	// The helper lives until the test closes its stdin, or kills it.
	stdinClosed := make(chan struct{})
	go func() {
		io.Copy(io.Discard, os.Stdin)
		close(stdinClosed)
	}()
	switch role {
	case "lock":
		l, err := store.Lock(db, "helper")
		if err != nil {
			fmt.Println("error:", err)
			os.Exit(1)
		}
		fmt.Println("locked")
		<-stdinClosed
		l.Close()
	case "write":
		st, err := store.Open(context.Background(), db)
		if err != nil {
			fmt.Println("error:", err)
			os.Exit(1)
		}
		for i := 0; ; i++ {
			select {
			case <-stdinClosed:
				st.Close()
				os.Exit(0)
			default:
			}
			evs := []queue.Event{writerEvent(i)}
			if err := st.Append(context.Background(), evs); err != nil {
				fmt.Println("error:", err)
				os.Exit(1)
			}
			// Printed only once Append returned: the test counts these
			// as acknowledged.
			fmt.Println(evs[0].Seq)
		}
	}
	os.Exit(0)
}

// helperProcess is another process running TestHelperProcess.
type helperProcess struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	lines *bufio.Scanner
}

// startHelper starts this test binary as a helper in role on db. It is
// killed when the test ends if still running.
func startHelper(t *testing.T, role, db string) *helperProcess {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), helperEnv+"="+role, helperDB+"="+db)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	return &helperProcess{cmd: cmd, stdin: stdin, lines: bufio.NewScanner(stdout)}
}

// line is the helper's next line of output.
func (h *helperProcess) line(t *testing.T) string {
	t.Helper()
	if !h.lines.Scan() {
		t.Fatalf("the helper stopped talking: %v", h.lines.Err())
	}
	return h.lines.Text()
}

func TestLock(t *testing.T) {
	t.Run("a database reached through a link has the one lock of its file", func(t *testing.T) {
		dir := t.TempDir()
		db := filepath.Join(dir, "real", "eq.db")
		if err := os.MkdirAll(filepath.Dir(db), 0o750); err != nil {
			t.Fatal(err)
		}
		linkedDir := filepath.Join(dir, "linked")
		if err := os.Symlink(filepath.Join(dir, "real"), linkedDir); err != nil {
			t.Fatal(err)
		}
		first, err := store.Lock(db, "eq serve")
		if err != nil {
			t.Fatal(err)
		}
		defer first.Close()
		// Before the database exists, through a linked directory.
		var le *store.LockedError
		if second, err := store.Lock(filepath.Join(linkedDir, "eq.db"), "eq restore"); !errors.As(err, &le) {
			if err == nil {
				second.Close()
			}
			t.Fatalf("through the linked directory: got %v, want a *store.LockedError", err)
		}
		// Once it exists, through a link to the file.
		if err := os.WriteFile(db, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		fileLink := filepath.Join(dir, "eq-link.db")
		if err := os.Symlink(db, fileLink); err != nil {
			t.Fatal(err)
		}
		if second, err := store.Lock(fileLink, "eq restore"); !errors.As(err, &le) {
			if err == nil {
				second.Close()
			}
			t.Fatalf("through a link to the file: got %v, want a *store.LockedError", err)
		}
	})
	t.Run("a second lock on the same database is refused with who holds it", func(t *testing.T) {
		db := tempDB(t)
		first, err := store.Lock(db, "eq serve 127.0.0.1:8080")
		if err != nil {
			t.Fatal(err)
		}
		defer first.Close()

		second, err := store.Lock(db, "eq serve 127.0.0.1:8081")
		if err == nil {
			second.Close()
			t.Fatal("the second lock was granted")
		}
		var le *store.LockedError
		if !errors.As(err, &le) {
			t.Fatalf("got %T %v, want a *store.LockedError", err, err)
		}
		if le.Holder.PID != os.Getpid() || le.Holder.Owner != "eq serve 127.0.0.1:8080" || le.DB != db {
			t.Errorf("got %+v, want this process, the first owner and %s", le, db)
		}
		msg := err.Error()
		for _, want := range []string{"занята", "in use", fmt.Sprint("PID ", os.Getpid()), "eq serve 127.0.0.1:8080", db} {
			if !strings.Contains(msg, want) {
				t.Errorf("message %q does not say %q", msg, want)
			}
		}
		if strings.Index(msg, "занята") > strings.Index(msg, "in use") {
			t.Errorf("message %q is not Russian first", msg)
		}
	})

	t.Run("a lock closed can be taken again", func(t *testing.T) {
		db := tempDB(t)
		for i := range 3 {
			l, err := store.Lock(db, "eq restore")
			if err != nil {
				t.Fatalf("take %d: %v", i+1, err)
			}
			if err := l.Close(); err != nil {
				t.Fatal(err)
			}
		}
		fi, err := os.Stat(db + store.LockSuffix)
		if err != nil {
			t.Fatalf("the lock file is gone after Close: %v", err)
		}
		if fi.Size() != 0 {
			t.Errorf("the lock file still names a holder after Close: %d bytes", fi.Size())
		}
	})

	t.Run("two databases in one directory have a lock each", func(t *testing.T) {
		dir := t.TempDir()
		a, err := store.Lock(filepath.Join(dir, "a.db"), "a")
		if err != nil {
			t.Fatal(err)
		}
		defer a.Close()
		b, err := store.Lock(filepath.Join(dir, "b.db"), "b")
		if err != nil {
			t.Fatalf("b is refused while only a is held: %v", err)
		}
		b.Close()
	})

	t.Run("the directory is made if missing, as Open makes it", func(t *testing.T) {
		db := filepath.Join(t.TempDir(), "var", "lib", "eq", "eq.db")
		l, err := store.Lock(db, "eq serve")
		if err != nil {
			t.Fatal(err)
		}
		l.Close()
	})
}

// TestLockAcrossProcesses: the lock is the kernel's, held by a process and
// dropped when it dies, however it dies.
func TestLockAcrossProcesses(t *testing.T) {
	for _, tt := range []struct {
		name string
		end  func(h *helperProcess) error
	}{
		{"a lock held by a process that is killed is free again", func(h *helperProcess) error {
			return h.cmd.Process.Signal(syscall.SIGKILL)
		}},
		{"a lock held by a process that closes it is free again", func(h *helperProcess) error {
			return h.stdin.Close()
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			db := tempDB(t)
			h := startHelper(t, "lock", db)
			if got := h.line(t); got != "locked" {
				t.Fatalf("helper said %q, want locked", got)
			}

			_, err := store.Lock(db, "eq serve")
			var le *store.LockedError
			if !errors.As(err, &le) {
				t.Fatalf("while the helper holds it: got %v, want a *store.LockedError", err)
			}
			if le.Holder.PID != h.cmd.Process.Pid || le.Holder.Owner != "helper" {
				t.Errorf("holder = %+v, want PID %d, owner helper", le.Holder, h.cmd.Process.Pid)
			}
			if le.Holder.Since.IsZero() || time.Since(le.Holder.Since) > time.Hour {
				t.Errorf("holder since %v, want about now", le.Holder.Since)
			}

			if err := tt.end(h); err != nil {
				t.Fatal(err)
			}
			h.cmd.Wait()
			l, err := store.Lock(db, "eq serve")
			if err != nil {
				t.Fatalf("after the helper ended: %v", err)
			}
			l.Close()
		})
	}
}
