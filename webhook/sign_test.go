package webhook_test

import (
	"errors"
	"strconv"
	"testing"
	"time"

	"eq/webhook"
)

func TestSign(t *testing.T) {
	// Computed apart from this code:
	//   printf '%s' '1700000000.{"id":"1"}' | openssl dgst -sha256 -hmac 0123456789abcdef
	got := webhook.Sign("0123456789abcdef", 1700000000, []byte(`{"id":"1"}`))
	want := "sha256=d5f5834972cbc6cf5590800c46ccaa0cd6c16f19c0c73dbdf9b4c56390cbc2a3"
	if got != want {
		t.Errorf("Sign = %s, want %s", got, want)
	}
}

func TestVerify(t *testing.T) {
	const secret = "0123456789abcdef"
	body := []byte(`{"id":"1"}`)
	sent := time.Unix(1700000000, 0)
	ts := strconv.FormatInt(sent.Unix(), 10)
	sig := webhook.Sign(secret, sent.Unix(), body)
	tests := []struct {
		name       string
		secret, ts string
		sig        string
		body       string
		now        time.Time
		tolerance  time.Duration
		wantErr    error // nil: accepted; errOther: refused otherwise
	}{
		{"accepts the signature made with the secret", secret, ts, sig, string(body), sent.Add(time.Second), time.Minute, nil},
		{"accepts an old request when no tolerance is asked", secret, ts, sig, string(body), sent.Add(24 * time.Hour), 0, nil},
		{"refuses another secret", "fedcba9876543210", ts, sig, string(body), sent, time.Minute, webhook.ErrBadSignature},
		{"refuses a changed body", secret, ts, sig, `{"id":"2"}`, sent, time.Minute, webhook.ErrBadSignature},
		{"refuses a changed timestamp", secret, strconv.FormatInt(sent.Unix()+1, 10), sig, string(body), sent, time.Minute, webhook.ErrBadSignature},
		{"refuses a signature without its prefix", secret, ts, sig[len("sha256="):], string(body), sent, time.Minute, webhook.ErrBadSignature},
		{"refuses a signature that is not hex", secret, ts, "sha256=zz", string(body), sent, time.Minute, webhook.ErrBadSignature},
		{"refuses a request older than the tolerance", secret, ts, sig, string(body), sent.Add(6 * time.Minute), 5 * time.Minute, webhook.ErrStale},
		{"refuses a request from too far ahead", secret, ts, sig, string(body), sent.Add(-6 * time.Minute), 5 * time.Minute, webhook.ErrStale},
		{"refuses a timestamp that is not a number", secret, "вчера", sig, string(body), sent, time.Minute, errOther},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := webhook.Verify(tt.secret, tt.ts, tt.sig, []byte(tt.body), tt.now, tt.tolerance)
			switch {
			case tt.wantErr == nil && err != nil:
				t.Errorf("err = %v, want none", err)
			case tt.wantErr == errOther && (err == nil || errors.Is(err, webhook.ErrBadSignature) || errors.Is(err, webhook.ErrStale)):
				t.Errorf("err = %v, want a malformed-timestamp error", err)
			case tt.wantErr != nil && tt.wantErr != errOther && !errors.Is(err, tt.wantErr):
				t.Errorf("err = %v, want %v", err, tt.wantErr)
			}
		})
	}
}

var errOther = errors.New("some other error")
