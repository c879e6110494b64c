//go:build linux

package main

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Process tests run `eq serve` as a child: the test binary executed again
// with runMainEnv set (see TestMain). That is chosen over `go build` in
// TestMain because the child is then exactly the code under test, built
// with the same flags (under -race the server is race-checked too, and its
// reports are caught below), and no compiler, module cache or cgo build has
// to work at test time — a cold `go build -race` of the SQLite driver alone
// takes minutes on the shared machine.
//
// It is Linux only: the child dies with the test binary (Pdeathsig) so that
// an interrupted run leaves no server behind, and pause reads /proc.

const (
	serveStartTimeout = 60 * time.Second // a race-built server on a loaded machine is slow to start
	serveStopTimeout  = 30 * time.Second // shutdownGrace is 10 s; the rest is margin
)

// serveProcess is one `eq serve` running as a child process.
type serveProcess struct {
	t       *testing.T
	cmd     *exec.Cmd
	addr    string // host:port it listens on
	base    string // http://host:port
	logPath string // its stderr
	banner  *bannerWriter

	spawned time.Time
	started time.Duration // from spawning until healthy

	done    chan struct{} // closed once it has exited
	waitErr error         // set before done closes

	checkOnce sync.Once
}

// errAddrInUse: the child could not listen because the address was taken.
var errAddrInUse = errors.New("address already in use")

// startServeProcess runs `eq serve --config cfg --db db --addr addr
// --ignore-hours` and returns once /healthz answers 200. addr may be
// "127.0.0.1:0": the child prints the port it bound in its banner. The
// address of a server just killed is normally free at once (Go listens with
// SO_REUSEADDR); a few tries cover a slow kernel.
func startServeProcess(t *testing.T, cfg, db, addr string) *serveProcess {
	t.Helper()
	for attempt := 1; ; attempt++ {
		p := spawnServeProcess(t, cfg, db, addr)
		err := p.ready(serveStartTimeout)
		if err == nil {
			return p
		}
		p.kill()
		if errors.Is(err, errAddrInUse) && attempt < 10 {
			time.Sleep(200 * time.Millisecond)
			continue
		}
		t.Fatalf("eq serve did not start: %v", err)
	}
}

// spawnServeProcess starts the child and returns at once, before it
// listens. The child is killed when the test ends if it still runs.
func spawnServeProcess(t *testing.T, cfg, db, addr string) *serveProcess {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	logf, err := os.CreateTemp(t.TempDir(), "serve-*.log")
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close() // the child keeps its own descriptor
	p := &serveProcess{t: t, logPath: logf.Name(), banner: &bannerWriter{found: make(chan string, 1)}, done: make(chan struct{})}
	// error keeps the log small (a kiosk without a printer warns of every
	// ticket); a race report, a panic or a failed request still shows.
	p.cmd = exec.Command(exe, "--log-level", "error", "serve", "--config", cfg, "--db", db, "--addr", addr, "--ignore-hours")
	p.cmd.Env = append(os.Environ(), runMainEnv+"=1")
	p.cmd.Stdout = p.banner
	p.cmd.Stderr = logf
	p.cmd.Dir = filepath.Dir(db)
	// Pdeathsig follows the thread that forked, not the process; Go ends
	// threads only when a goroutine locked to one exits, which these tests
	// never do.
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := os.MkdirAll(p.cmd.Dir, 0o750); err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start eq serve: %v", err)
	}
	p.spawned = time.Now()
	go func() {
		p.waitErr = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(p.kill)
	return p
}

// ready waits for the banner's address and then for /healthz.
func (p *serveProcess) ready(timeout time.Duration) error {
	deadline := time.After(timeout)
	select {
	case p.addr = <-p.banner.found:
	case <-p.done:
		log := p.log()
		if strings.Contains(log, "address already in use") {
			return errAddrInUse
		}
		return fmt.Errorf("exited before listening (%v):\n%s", p.waitErr, tail(log, 40))
	case <-deadline:
		return fmt.Errorf("no banner within %v:\n%s", timeout, tail(p.log(), 40))
	}
	p.base = "http://" + p.addr
	hc := &http.Client{Timeout: 5 * time.Second}
	defer hc.CloseIdleConnections()
	for {
		resp, err := hc.Get(p.base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				p.started = time.Since(p.spawned)
				return nil
			}
		}
		select {
		case <-p.done:
			return fmt.Errorf("exited before it was healthy (%v):\n%s", p.waitErr, tail(p.log(), 40))
		case <-deadline:
			return fmt.Errorf("/healthz not 200 within %v (last: %v):\n%s", timeout, err, tail(p.log(), 40))
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func (p *serveProcess) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// kill ends the server with SIGKILL — no shutdown, no checkpoint, nothing
// flushed that was not flushed already — and waits until it is gone.
func (p *serveProcess) kill() {
	if !p.exited() {
		// An error here means it has just exited by itself: Wait tells.
		_ = p.cmd.Process.Signal(syscall.SIGKILL)
	}
	<-p.done
	p.checkLog()
}

// stop asks the server to shut down (SIGTERM, as systemd does) and checks
// that it did so cleanly: exit status 0, which a race-built child found
// racing would not give.
func (p *serveProcess) stop() {
	p.t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		p.t.Errorf("SIGTERM eq serve: %v", err)
	}
	select {
	case <-p.done:
	case <-time.After(serveStopTimeout):
		p.kill()
		p.t.Errorf("eq serve did not stop within %v of SIGTERM:\n%s", serveStopTimeout, tail(p.log(), 40))
		return
	}
	p.checkLog()
	if p.waitErr != nil {
		p.t.Errorf("eq serve stopped with %v:\n%s", p.waitErr, tail(p.log(), 40))
	}
}

// pause stops every thread of the server (SIGSTOP) and returns once the
// kernel reports all of them stopped: from then until resume its files
// hold what a power cut at this instant would leave (see the power-cut test).
func (p *serveProcess) pause() {
	p.t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		p.t.Fatalf("SIGSTOP eq serve: %v", err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		stopped, err := threadsStopped(p.cmd.Process.Pid)
		if err != nil {
			p.t.Fatalf("read the state of eq serve: %v", err)
		}
		if stopped {
			return
		}
		if time.Now().After(deadline) {
			p.t.Fatal("eq serve did not stop within 10 s of SIGSTOP")
		}
		time.Sleep(time.Millisecond)
	}
}

// resume lets a paused server go on.
func (p *serveProcess) resume() {
	p.t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGCONT); err != nil {
		p.t.Fatalf("SIGCONT eq serve: %v", err)
	}
}

// threadsStopped reports whether every thread of process pid is stopped:
// a signal reaches the threads of a process one by one.
func threadsStopped(pid int) (bool, error) {
	dir := fmt.Sprintf("/proc/%d/task", pid)
	tasks, err := os.ReadDir(dir)
	if err != nil {
		return false, err
	}
	for _, task := range tasks {
		stat, err := os.ReadFile(filepath.Join(dir, task.Name(), "stat"))
		if errors.Is(err, os.ErrNotExist) {
			continue // the thread has just ended
		}
		if err != nil {
			return false, err
		}
		// "tid (comm) S …": comm may hold spaces and parentheses, so the
		// state is the first field after the last ')'.
		i := strings.LastIndexByte(string(stat), ')')
		fields := strings.Fields(string(stat[i+1:]))
		if i < 0 || len(fields) == 0 {
			return false, fmt.Errorf("%s/stat: unexpected %q", task.Name(), stat)
		}
		if fields[0] != "T" && fields[0] != "t" {
			return false, nil
		}
	}
	return true, nil
}

// log is what the server wrote to stderr so far.
func (p *serveProcess) log() string {
	b, err := os.ReadFile(p.logPath)
	if err != nil {
		return fmt.Sprintf("(no log: %v)", err)
	}
	return string(b)
}

// checkLog fails the test when the ended server reported a data race, a
// panic or a runtime fatal error: it was killed, so its exit status cannot.
func (p *serveProcess) checkLog() {
	p.checkOnce.Do(func() {
		log := p.log()
		for _, bad := range []string{"WARNING: DATA RACE", "panic:", "fatal error:"} {
			if i := strings.Index(log, bad); i >= 0 {
				p.t.Errorf("eq serve (pid %d) reported %q:\n%s", p.cmd.Process.Pid, bad, tail(log[i:], 80))
				return
			}
		}
	})
}

// tail is the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = append([]string{"…"}, lines[len(lines)-n:]...)
	}
	return strings.Join(lines, "\n")
}

// bannerAddr finds the address in serve's banner (see printBanner).
var bannerAddr = regexp.MustCompile(`\(queue server\):\s+http://(\S+?)/`)

// bannerWriter is the child's stdout: it hands on the address of the
// banner's first line that has one, and discards the rest.
type bannerWriter struct {
	mu    sync.Mutex
	buf   []byte
	sent  bool
	found chan string
}

func (w *bannerWriter) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.sent {
		w.buf = append(w.buf, b...)
		if m := bannerAddr.FindSubmatch(w.buf); m != nil {
			w.sent, w.buf = true, nil
			w.found <- string(m[1])
		}
	}
	return len(b), nil
}
