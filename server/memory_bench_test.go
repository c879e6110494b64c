//go:build unix

package server_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"eq/internal/officetest"
	"eq/server"
)

// heldConnections is how many WebSocket connections BenchmarkHold2000 and
// its yardstick hold open at once.
const heldConnections = 2000

// holdEnv turns the test binary into the client side of the memory
// benchmarks (see TestMain): its value is a holdSpec in JSON.
const holdEnv = "EQ_BENCH_HOLD"

// TestMain runs the package's tests, or, in the child process the memory
// benchmarks start, holds their client connections.
func TestMain(m *testing.M) {
	if spec := os.Getenv(holdEnv); spec != "" {
		os.Exit(holdClients(spec, os.Stdin, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// holdSpec says which connections the child opens.
type holdSpec struct {
	Groups []holdGroup
}

// holdGroup is N connections to URL with Header; with First, each counts as
// open only once it has read its first message (the state a server sends
// on connect), so the server is settled when the child says it is ready.
type holdGroup struct {
	URL    string
	Header http.Header
	N      int
	First  bool
}

func (s holdSpec) total() (n int) {
	for _, g := range s.Groups {
		n += g.N
	}
	return n
}

// holdClients opens the connections spec asks for, writes "ready" to out
// once every one is open, and holds them — answering pings and reading
// whatever comes — until in ends; then it closes them and returns 0. It
// returns 1 with the reason on errOut if a connection fails first.
func holdClients(spec string, in io.Reader, out, errOut io.Writer) int {
	var s holdSpec
	if err := json.Unmarshal([]byte(spec), &s); err != nil {
		fmt.Fprintf(errOut, "%s: %v\n", holdEnv, err)
		return 1
	}
	dialer := websocket.Dialer{HandshakeTimeout: 20 * time.Second}
	var (
		mu    sync.Mutex
		conns []*websocket.Conn
		wg    sync.WaitGroup
	)
	failed := make(chan error, 1)
	fail := func(err error) {
		select {
		case failed <- err:
		default:
		}
	}
	// A few dials at a time: enough to be quick, few enough that the
	// listener's backlog never overflows.
	sem := make(chan struct{}, 8)
	for _, g := range s.Groups {
		for i := 0; i < g.N; i++ {
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer wg.Done()
				defer func() { <-sem }()
				c, _, err := dialer.Dial(g.URL, g.Header)
				if err != nil {
					fail(fmt.Errorf("dial %s: %w", g.URL, err))
					return
				}
				mu.Lock()
				conns = append(conns, c)
				mu.Unlock()
				if g.First {
					c.SetReadDeadline(time.Now().Add(20 * time.Second))
					if _, _, err := c.ReadMessage(); err != nil {
						fail(fmt.Errorf("read the first message from %s: %w", g.URL, err))
						return
					}
					c.SetReadDeadline(time.Time{})
				}
				go func() {
					for {
						if _, _, err := c.ReadMessage(); err != nil {
							return
						}
					}
				}()
			}()
		}
	}
	wg.Wait()
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	select {
	case err := <-failed:
		fmt.Fprintf(errOut, "after %d of %d connections: %v\n", len(conns), s.total(), err)
		return 1
	default:
	}
	fmt.Fprintln(out, "ready")
	io.Copy(io.Discard, in)
	return 0
}

// holder is a child process holding connections.
type holder struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stderr bytes.Buffer
}

// startHolder starts a child holding the connections spec asks for and
// returns once all of them are open.
func startHolder(tb testing.TB, spec holdSpec) *holder {
	tb.Helper()
	exe, err := os.Executable()
	if err != nil {
		tb.Fatal(err)
	}
	js, err := json.Marshal(spec)
	if err != nil {
		tb.Fatal(err)
	}
	h := &holder{cmd: exec.Command(exe)}
	h.cmd.Env = append(os.Environ(), holdEnv+"="+string(js))
	h.cmd.Stderr = &h.stderr
	if h.stdin, err = h.cmd.StdinPipe(); err != nil {
		tb.Fatal(err)
	}
	stdout, err := h.cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if err := h.cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	ready := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(stdout).ReadString('\n')
		ready <- strings.TrimSpace(line)
		io.Copy(io.Discard, stdout)
	}()
	select {
	case line := <-ready:
		if line != "ready" {
			h.stop()
			tb.Fatalf("the client process failed: %s", strings.TrimSpace(h.stderr.String()))
		}
	case <-time.After(2 * time.Minute):
		h.stop()
		tb.Fatalf("the client process opened no %d connections in 2 minutes: %s", spec.total(), h.stderr.String())
	}
	return h
}

// stop closes the child's connections and waits for it to end.
func (h *holder) stop() {
	h.stdin.Close()
	h.cmd.Wait()
}

// checkOpenFiles fails tb unless this process, and the child holding the
// other ends, may each open n sockets and some files besides. Go raises
// the soft limit to the hard one by itself, so the hard one counts.
func checkOpenFiles(tb testing.TB, n int) {
	tb.Helper()
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		tb.Fatal(err)
	}
	if need := uint64(n + 256); lim.Max < need {
		tb.Fatalf("holding %d connections needs %d open files in this process and as many in the client process, "+
			"but the hard limit (ulimit -Hn) is %d: raise it, e.g. `ulimit -Hn 8192` as root or nofile in /etc/security/limits.conf",
			n, need, lim.Max)
	}
}

// heldMemory is what holding connections cost the serving process.
type heldMemory struct {
	heap, stack, goroutines float64 // per connection
}

// settled reads the heap in use, the stacks in use and the goroutines
// after a full collection.
func settled() (heap, stack uint64, goroutines int) {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc, m.StackInuse, runtime.NumGoroutine()
}

// measureHold measures, b.N times over, what a fresh server made by start
// pays for holding heldConnections connections a child process opens:
// heap and stack bytes and goroutines per connection, each the difference
// between the settled figures with the connections open and before.
// ns/op is the time to open and settle them. start returns the spec of
// the connections, how many clients the server counts, and a stop.
func measureHold(b *testing.B, start func(b *testing.B) (spec holdSpec, count func() int, stop func())) {
	checkOpenFiles(b, heldConnections)
	var sum heldMemory
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		spec, count, stop := start(b)
		n := spec.total()
		heap0, stack0, g0 := settled()
		b.StartTimer()
		h := startHolder(b, spec)
		deadline := time.Now().Add(2 * time.Minute)
		for count() != n {
			if time.Now().After(deadline) {
				h.stop()
				b.Fatalf("the server counts %d clients, want %d", count(), n)
			}
			time.Sleep(time.Millisecond)
		}
		b.StopTimer()
		heap1, stack1, g1 := settled()
		sum.heap += (float64(heap1) - float64(heap0)) / float64(n)
		sum.stack += (float64(stack1) - float64(stack0)) / float64(n)
		sum.goroutines += float64(g1-g0) / float64(n)
		h.stop()
		// Gone from the server too, so the next round starts clean.
		for count() != 0 {
			if time.Now().After(deadline) {
				b.Fatalf("the server still counts %d clients after the client process ended", count())
			}
			time.Sleep(time.Millisecond)
		}
		stop()
		b.StartTimer()
	}
	b.StopTimer()
	b.ReportMetric(sum.heap/float64(b.N), "heap-B/conn")
	b.ReportMetric(sum.stack/float64(b.N), "stack-B/conn")
	b.ReportMetric(sum.goroutines/float64(b.N), "goroutines/conn")
}

// BenchmarkHold2000 measures what the server pays per open WebSocket
// connection, in a process of its own: the 2000 clients live in a child
// process, so the heap, stacks and goroutines measured here are the
// server's alone. "displays" holds 2000 hall displays, "consoles" 2000
// operator consoles, 250 signed in at each of windows 1–8. Each connection
// has read the state the server sends on connect before anything is
// measured.
func BenchmarkHold2000(b *testing.B) {
	b.Run("displays", func(b *testing.B) {
		measureHold(b, func(b *testing.B) (holdSpec, func() int, func()) {
			o := officetest.Start(b)
			spec := holdSpec{Groups: []holdGroup{{
				URL:    displayURL(o.URL(), "?board=hall"),
				Header: http.Header{"Authorization": {"Bearer " + displayToken}},
				N:      heldConnections, First: true,
			}}}
			return spec, o.Server.HubCount, o.Close
		})
	})
	b.Run("consoles", func(b *testing.B) {
		measureHold(b, func(b *testing.B) (holdSpec, func() int, func()) {
			o := officetest.Start(b)
			const windows = 8
			var spec holdSpec
			for w := 1; w <= windows; w++ {
				cookie := sessionCookieFor(b, o.URL(), fmt.Sprintf("op%d", w))
				spec.Groups = append(spec.Groups, holdGroup{
					URL:    consoleURL(o.URL(), fmt.Sprintf("?window=%d", w)),
					Header: http.Header{"Cookie": {server.SessionCookie + "=" + cookie}},
					N:      heldConnections / windows, First: true,
				})
			}
			return spec, o.Server.HubCount, o.Close
		})
	})
}

// BenchmarkBareGorillaHold2000 is the yardstick for BenchmarkHold2000: the
// bare gorilla hub of BenchmarkBareGorillaBroadcast500 holding 2000
// connections from the same child, measured the same way.
func BenchmarkBareGorillaHold2000(b *testing.B) {
	measureHold(b, func(b *testing.B) (holdSpec, func() int, func()) {
		h, url := startBareHub(b)
		spec := holdSpec{Groups: []holdGroup{{URL: url, N: heldConnections}}}
		return spec, h.count, func() {}
	})
}
