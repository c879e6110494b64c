// Package wsclient holds what eq's WebSocket clients — operator consoles and
// displays — share: where to connect, and how long to wait before trying again.
package wsclient

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/url"
	"strings"
	"time"
)

// URL is the WebSocket address of path on the server at serverURL (http,
// https, ws or wss), keeping any path prefix of a proxy in front of it.
func URL(serverURL, path string, query url.Values) (string, error) {
	u, err := url.Parse(serverURL)
	if err != nil {
		return "", fmt.Errorf("адрес сервера %q (server address): %w", serverURL, err)
	}
	scheme := map[string]string{"http": "ws", "https": "wss", "ws": "ws", "wss": "wss"}[u.Scheme]
	if scheme == "" || u.Host == "" {
		return "", fmt.Errorf("адрес сервера %q: нужен http://хост:порт (server address: http://host:port expected)", serverURL)
	}
	w := url.URL{Scheme: scheme, Host: u.Host, Path: strings.TrimSuffix(u.Path, "/") + path, RawQuery: query.Encode()}
	return w.String(), nil
}

// Backoff is the wait between reconnects: from Min, doubling up to Max, each
// wait spread over its upper half so that a room of devices losing the
// server together does not come back in step.
type Backoff struct {
	Min, Max time.Duration
	cur      time.Duration
}

// Next is the wait before the next try; the one after will be longer.
func (b *Backoff) Next() time.Duration {
	if b.cur < b.Min {
		b.cur = b.Min
	}
	wait := b.cur/2 + rand.N(b.cur/2+1)
	b.cur = min(2*b.cur, b.Max)
	return wait
}

// Lasted tells the backoff how long the last connection lived: one that
// lasted longer than Max earns a quick return; one that keeps failing at
// once keeps the longer delay.
func (b *Backoff) Lasted(d time.Duration) {
	if d > b.Max {
		b.cur = b.Min
	}
}

// Sleep waits d, or less if ctx ends first; it reports whether the whole
// wait passed.
func Sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
