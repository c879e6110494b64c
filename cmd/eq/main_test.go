package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"eq/configs"
)

// startServe runs `eq serve` in-process on a free port and returns its base
// URL and a stop function that waits for a clean shutdown.
func startServe(t *testing.T, o *serveOptions) (string, func() error) {
	t.Helper()
	addr, stop := serveInTest(t, o, io.Discard, slog.New(slog.NewTextHandler(io.Discard, nil)))
	return "http://" + addr, stop
}

// serveInTest runs `eq serve` in-process with o on a free port, its banner
// to stdout and its log to log, and returns the address bound and a stop
// function that waits for a clean shutdown. A server the test leaves
// running is stopped when the test ends.
func serveInTest(t *testing.T, o *serveOptions, stdout io.Writer, log *slog.Logger) (string, func() error) {
	t.Helper()
	addrc := make(chan net.Addr, 1)
	o.addr = "127.0.0.1:0"
	o.onListen = func(a net.Addr) { addrc <- a }
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- runServe(ctx, o, stdout, log) }()
	stopped := false
	stop := func() error {
		stopped = true
		cancel()
		select {
		case err := <-errc:
			return err
		case <-time.After(20 * time.Second):
			t.Fatal("serve did not stop within 20 s")
			return nil
		}
	}
	select {
	case a := <-addrc:
		t.Cleanup(func() {
			if !stopped {
				stop()
			}
		})
		return a.String(), stop
	case err := <-errc:
		cancel()
		t.Fatalf("serve failed to start: %v", err)
	case <-time.After(60 * time.Second): // a loaded CI machine under -race
		cancel()
		t.Fatal("serve did not start within 60 s")
	}
	return "", nil
}

func TestServeKeepsTicketsAcrossRestarts(t *testing.T) {
	db := filepath.Join(t.TempDir(), "data", "eq.db")
	base, stop := startServe(t, &serveOptions{db: db, ignoreHours: true})
	if got := get(t, base+"/healthz"); got != http.StatusOK {
		t.Fatalf("healthz = %d", got)
	}
	req, _ := http.NewRequest(http.MethodPost, base+"/api/v1/tickets", strings.NewReader(`{"service_id":"passport"}`))
	req.Header.Set("Authorization", "Bearer demo-kiosk")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var ticket struct{ ID, Number string }
	json.NewDecoder(resp.Body).Decode(&ticket)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated || ticket.ID == "" {
		t.Fatalf("issue: %d %+v", resp.StatusCode, ticket)
	}
	if err := stop(); err != nil {
		t.Fatalf("graceful stop: %v", err)
	}

	base, stop = startServe(t, &serveOptions{db: db, ignoreHours: true})
	defer stop()
	resp, err = http.Get(base + "/api/v1/tickets/" + ticket.ID)
	if err != nil {
		t.Fatal(err)
	}
	var again struct{ Number, Status string }
	json.NewDecoder(resp.Body).Decode(&again)
	resp.Body.Close()
	if again.Number != ticket.Number || again.Status != "waiting" {
		t.Fatalf("after restart ticket = %+v, want %s waiting", again, ticket.Number)
	}
}

func TestServeRefusesBadConfig(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "office.yaml")
	data := bytes.Replace(configs.DemoYAML(), []byte("timezone: Europe/Moscow"), []byte("timezone: Mars/Olympus"), 1)
	if err := os.WriteFile(bad, data, 0o600); err != nil {
		t.Fatal(err)
	}
	listened := false
	o := &serveOptions{config: bad, db: filepath.Join(dir, "eq.db"), addr: "127.0.0.1:0", onListen: func(net.Addr) { listened = true }}
	err := runServe(context.Background(), o, io.Discard, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err == nil || !strings.Contains(err.Error(), "office.yaml:") || !strings.Contains(err.Error(), "timezone") {
		t.Fatalf("err = %v, want one naming the file, line and field", err)
	}
	if listened {
		t.Fatal("a bad config opened the port")
	}
}

func TestCommands(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.yaml")
	os.WriteFile(good, configs.DemoYAML(), 0o600)
	tests := []struct {
		name     string
		args     []string
		stdin    string
		wantCode int
		wantOut  string
	}{
		{"version prints the version", []string{"version"}, "", 0, "eq dev"},
		{"config check accepts the demo", []string{"config", "check", good}, "", 0, "конфигурация в порядке"},
		{"config check refuses a missing file", []string{"config", "check", filepath.Join(dir, "none.yaml")}, "", 1, ""},
		{"config demo prints the template", []string{"config", "demo"}, "", 0, "services:"},
		{"user passwd refuses a short password", []string{"user", "passwd"}, "short\n", 1, ""},
		{"user passwd refuses the demo password", []string{"user", "passwd"}, "demo\n", 1, ""},
		{"a bad log level is refused", []string{"--log-level", "loud", "serve"}, "", 1, ""},
		{"an unknown command is refused", []string{"dance"}, "", 1, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			code := run(tt.args, strings.NewReader(tt.stdin), &out, &errOut)
			if code != tt.wantCode || !strings.Contains(out.String(), tt.wantOut) {
				t.Fatalf("code %d, out %q, err %q; want code %d and %q", code, out.String(), errOut.String(), tt.wantCode, tt.wantOut)
			}
			if code != 0 && !strings.Contains(errOut.String(), "eq:") {
				t.Errorf("a failure says nothing on stderr: %q", errOut.String())
			}
		})
	}
}

func TestUserPasswdPrintsAWorkingHash(t *testing.T) {
	var out bytes.Buffer
	if code := run([]string{"user", "passwd"}, strings.NewReader("верный-пароль\n"), &out, io.Discard); code != 0 {
		t.Fatalf("exit %d", code)
	}
	line := strings.TrimSpace(out.String())
	hash := strings.Trim(strings.TrimPrefix(line, "password_hash: "), `"`)
	if err := bcrypt.CompareHashAndPassword([]byte(hash), []byte("верный-пароль")); err != nil {
		t.Fatalf("printed %q does not verify: %v", line, err)
	}
}

func get(t *testing.T, url string) int {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}
