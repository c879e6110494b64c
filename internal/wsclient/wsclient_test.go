package wsclient

import (
	"net/url"
	"testing"
	"time"
)

func TestURL(t *testing.T) {
	tests := []struct {
		server, path string
		query        url.Values
		want         string
		bad          bool
	}{
		{"http://127.0.0.1:8080", "/ws/console", url.Values{"window": {"3"}}, "ws://127.0.0.1:8080/ws/console?window=3", false},
		{"https://mfc.example/eq/", "/ws/display", url.Values{"board": {"hall"}}, "wss://mfc.example/eq/ws/display?board=hall", false},
		{"ws://10.0.0.2:8080", "/ws/display", nil, "ws://10.0.0.2:8080/ws/display", false},
		{"ftp://host", "/ws/console", nil, "", true},
		{"127.0.0.1:8080", "/ws/console", nil, "", true},
	}
	for _, tt := range tests {
		got, err := URL(tt.server, tt.path, tt.query)
		if (err != nil) != tt.bad || got != tt.want {
			t.Errorf("URL(%q) = %q, %v; want %q (error %v)", tt.server, got, err, tt.want, tt.bad)
		}
	}
}

func TestBackoffDoublesWithJitterAndResets(t *testing.T) {
	b := Backoff{Min: 100 * time.Millisecond, Max: 800 * time.Millisecond}
	for i, ceiling := range []time.Duration{100, 200, 400, 800, 800} {
		ceiling *= time.Millisecond
		if w := b.Next(); w < ceiling/2 || w > ceiling {
			t.Fatalf("wait %d = %v, want within [%v, %v]", i, w, ceiling/2, ceiling)
		}
	}
	b.Lasted(time.Second)
	if w := b.Next(); w > 100*time.Millisecond {
		t.Fatalf("after a long connection the wait is %v, want at most Min", w)
	}
	b.Lasted(time.Millisecond)
	if w := b.Next(); w < 100*time.Millisecond {
		t.Fatalf("a quick failure reset the backoff: %v", w)
	}
}
