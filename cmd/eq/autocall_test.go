package main

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"eq/configs"
)

// TestServeAutoCalls: with window 1 opted in to auto-call after 5 s, `eq
// serve` calls the next visitor there by itself once the operator finishes
// with one, and only at that window.
func TestServeAutoCalls(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "office.yaml")
	yaml := strings.Replace(string(configs.DemoYAML()), "  - number: 1\n", "  - number: 1\n    auto_call: 5s\n", 1)
	if err := os.WriteFile(cfg, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	base, stop := startServe(t, &serveOptions{config: cfg, db: filepath.Join(dir, "eq.db"), ignoreHours: true})
	defer stop()

	hc := &http.Client{Timeout: 30 * time.Second}
	op := mustSignIn(t, base, hc, "op1")
	kiosk := &crashClient{base: base, hc: hc, token: "demo-kiosk"}
	type ticket struct{ ID, Number string }
	var first, second ticket
	mustCall(t, kiosk, http.MethodPost, "/api/v1/tickets", map[string]string{"service_id": "passport"}, &first)
	mustCall(t, kiosk, http.MethodPost, "/api/v1/tickets", map[string]string{"service_id": "passport"}, &second)
	for _, a := range []string{"open", "call-next", "start", "finish"} {
		mustCall(t, op, http.MethodPost, "/api/v1/windows/1/"+a, nil, nil)
	}

	type window struct {
		AutoCall bool `json:"auto_call"`
		Current  *struct {
			Number  string
			History []struct {
				CallReason string `json:"call_reason"`
			}
		}
	}
	deadline := time.Now().Add(30 * time.Second)
	var w window
	for {
		mustCall(t, op, http.MethodGet, "/api/v1/windows/1", nil, &w)
		if w.Current != nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !w.AutoCall || w.Current == nil || w.Current.Number != second.Number {
		t.Fatalf("window 1 after its pause: %+v, want %s auto-called", w, second.Number)
	}
	if r := w.Current.History[len(w.Current.History)-1].CallReason; !strings.Contains(r, "(автовызов)") {
		t.Errorf("call reason %q does not say it was an auto-call", r)
	}
}
