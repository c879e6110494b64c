package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"eq/internal/syncbuf"
)

// selfSigned writes a self-signed certificate for 127.0.0.1, valid from
// notBefore for a day, and its key as PEM files in dir; it returns the
// files and a pool that trusts the certificate.
func selfSigned(t *testing.T, dir string, notBefore time.Time) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "eq test"},
		NotBefore:    notBefore,
		NotAfter:     notBefore.Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	writePEM(t, certFile, "CERTIFICATE", der)
	writePEM(t, keyFile, "PRIVATE KEY", keyDER)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

func writePEM(t *testing.T, path, kind string, der []byte) {
	t.Helper()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestServeTLS runs `eq serve --tls-cert --tls-key` on a free port: HTTPS
// and WSS work with the certificate, plain HTTP to the port gets nowhere,
// the session cookie is Secure, HSTS is sent, the banner gives https://
// addresses, and the server still stops cleanly.
func TestServeTLS(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile, pool := selfSigned(t, dir, time.Now().Add(-time.Hour))
	o := &serveOptions{db: filepath.Join(dir, "eq.db"), ignoreHours: true, tlsCert: certFile, tlsKey: keyFile}
	var stdout, log syncbuf.Buffer
	addr, stop := serveInTest(t, o, &stdout, slog.New(slog.NewTextHandler(&log, &slog.HandlerOptions{Level: slog.LevelDebug})))
	tlsConf := &tls.Config{RootCAs: pool}
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: tlsConf}, Timeout: 20 * time.Second}
	t.Cleanup(hc.CloseIdleConnections)
	base := "https://" + addr

	t.Run("HTTPS answers with HSTS", func(t *testing.T) {
		resp, err := hc.Get(base + "/healthz")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || resp.TLS == nil {
			t.Fatalf("status %d, TLS %v", resp.StatusCode, resp.TLS != nil)
		}
		if got := resp.Header.Get("Strict-Transport-Security"); got != "max-age=31536000" {
			t.Errorf("Strict-Transport-Security = %q", got)
		}
	})
	var session string
	t.Run("the session cookie is Secure", func(t *testing.T) {
		resp, err := hc.Post(base+"/api/v1/login", "application/json", strings.NewReader(`{"login":"op1","password":"demo"}`))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		for _, c := range resp.Cookies() {
			if c.Name == "eq_session" {
				session = c.Value
				if !c.Secure || !c.HttpOnly {
					t.Errorf("session cookie %+v, want Secure and HttpOnly", c)
				}
			}
		}
		if resp.StatusCode != http.StatusOK || session == "" {
			t.Fatalf("sign in: status %d, cookie %q", resp.StatusCode, session)
		}
	})
	t.Run("a display follows the hall over WSS", func(t *testing.T) {
		d := websocket.Dialer{TLSClientConfig: tlsConf, HandshakeTimeout: 10 * time.Second}
		conn, _, err := d.Dial("wss://"+addr+"/ws/display?token=demo-display", nil)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		conn.SetReadDeadline(time.Now().Add(20 * time.Second))
		var first struct{ Type string }
		if err := conn.ReadJSON(&first); err != nil || first.Type != "state" {
			t.Fatalf("first message %+v (%v), want the state", first, err)
		}
	})
	t.Run("plain HTTP to the TLS port gets no answer of the API", func(t *testing.T) {
		resp, err := (&http.Client{Timeout: 10 * time.Second}).Get("http://" + addr + "/api/v1/services")
		if err != nil {
			return // the connection failed: that will do
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest || json.Valid(body) {
			t.Fatalf("status %d, body %.200s: plain HTTP was served", resp.StatusCode, body)
		}
	})
	t.Run("a client that does not trust the certificate is refused", func(t *testing.T) {
		if _, err := (&http.Client{Timeout: 10 * time.Second}).Get(base + "/healthz"); err == nil {
			t.Fatal("the self-signed certificate was accepted without being trusted")
		}
	})

	if err := stop(); err != nil {
		t.Fatalf("graceful stop: %v", err)
	}
	if out := stdout.String(); !strings.Contains(out, "https://"+addr+"/console") || strings.Contains(out, "http://") {
		t.Errorf("the banner does not give the https:// addresses:\n%s", out)
	}
	logged := log.String()
	for _, secret := range []string{session, "demo-display", "token="} {
		if secret != "" && strings.Contains(logged, secret) {
			t.Errorf("the log holds %q", secret)
		}
	}
}

// TestServeTLSRefusesBadFiles: a certificate that cannot be used stops the
// server before its port opens, with a message that names the files.
func TestServeTLSRefusesBadFiles(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile, _ := selfSigned(t, dir, time.Now())
	other := t.TempDir()
	_, otherKey, _ := selfSigned(t, other, time.Now())
	tests := []struct {
		name      string
		cert, key string
		says      string
	}{
		{"a missing certificate", filepath.Join(dir, "none.pem"), keyFile, "none.pem"},
		{"a missing key", certFile, filepath.Join(dir, "none.key"), "none.key"},
		{"a key of another certificate", certFile, otherKey, "does not match"},
		{"a key where the certificate should be", keyFile, keyFile, "key.pem"},
		{"a certificate without its key", certFile, "", "--tls-key"},
		{"a key without its certificate", "", keyFile, "--tls-cert"},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is refused", func(t *testing.T) {
			listened := false
			o := &serveOptions{db: filepath.Join(t.TempDir(), "eq.db"), addr: "127.0.0.1:0", tlsCert: tt.cert, tlsKey: tt.key,
				onListen: func(net.Addr) { listened = true }}
			err := runServe(context.Background(), o, io.Discard, slog.New(slog.DiscardHandler))
			if err == nil || !strings.Contains(err.Error(), tt.says) {
				t.Fatalf("err = %v, want one saying %q", err, tt.says)
			}
			if listened {
				t.Error("the port opened")
			}
		})
	}
}

// TestLoadTLSWarnsOfDates: a certificate out of its dates still serves
// (the office keeps working) but the log says browsers will refuse it.
func TestLoadTLSWarnsOfDates(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile, _ := selfSigned(t, dir, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	tests := []struct {
		name string
		now  time.Time
		says string
	}{
		{"an expired certificate", time.Date(2026, 1, 3, 0, 0, 0, 0, time.UTC), "expired"},
		{"a certificate not valid yet", time.Date(2025, 12, 31, 0, 0, 0, 0, time.UTC), "not valid yet"},
		{"a certificate within its dates", time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var log bytes.Buffer
			conf, err := loadTLS(certFile, keyFile, tt.now, slog.New(slog.NewTextHandler(&log, nil)))
			if err != nil || conf == nil {
				t.Fatalf("loadTLS: %v", err)
			}
			if tt.says == "" && log.Len() > 0 || tt.says != "" && !strings.Contains(log.String(), tt.says) {
				t.Errorf("log %q, want %q", log.String(), tt.says)
			}
		})
	}
}
