package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Headers of every delivery (docs/webhooks.md describes them).
const (
	HeaderEventID   = "X-EQ-Event-Id"   // the event's stable id, as in the body
	HeaderEventType = "X-EQ-Event-Type" // the event's type, as in the body
	HeaderTimestamp = "X-EQ-Timestamp"  // unix seconds when this attempt was signed
	HeaderSignature = "X-EQ-Signature"  // "sha256=" and the hex HMAC-SHA256 of "<timestamp>.<body>"
	HeaderAttempt   = "X-EQ-Attempt"    // 1 for the first request of an event, then 2, 3…
)

// signaturePrefix names the hash, so that another can follow one day
// without receivers mistaking it.
const signaturePrefix = "sha256="

// Sign returns the X-EQ-Signature of body sent at timestamp (unix seconds):
// "sha256=" and the hex HMAC-SHA256, keyed with secret, of the timestamp in
// decimal, a dot, and the body. The timestamp is signed with the body so
// that a captured request cannot be replayed later with a fresh one.
func Sign(secret string, timestamp int64, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(strconv.FormatInt(timestamp, 10)))
	mac.Write([]byte{'.'})
	mac.Write(body)
	return signaturePrefix + hex.EncodeToString(mac.Sum(nil))
}

// Errors of Verify.
var (
	ErrBadSignature = errors.New("webhook: подпись не совпадает (signature mismatch)")
	ErrStale        = errors.New("webhook: метка времени вне допустимого окна (timestamp outside the tolerance)")
)

// Verify checks a delivery as a receiver written in Go would: timestamp
// and signature are the X-EQ-Timestamp and X-EQ-Signature headers, body
// the request body as received. With tolerance above zero, a timestamp
// further than that from now is refused (ErrStale), which stops replays of
// old captured requests; the clocks of both sides must then agree. The
// comparison takes constant time.
func Verify(secret, timestamp, signature string, body []byte, now time.Time, tolerance time.Duration) error {
	ts, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return fmt.Errorf("webhook: метка времени %q не число секунд (timestamp is not unix seconds): %w", timestamp, err)
	}
	if tolerance > 0 {
		if d := now.Sub(time.Unix(ts, 0)).Abs(); d > tolerance {
			return fmt.Errorf("%w: %s", ErrStale, d.Round(time.Second))
		}
	}
	got, ok := strings.CutPrefix(signature, signaturePrefix)
	if !ok {
		return fmt.Errorf("%w: нет префикса %q (no %q prefix)", ErrBadSignature, signaturePrefix, signaturePrefix)
	}
	mac, err := hex.DecodeString(got)
	if err != nil {
		return fmt.Errorf("%w: не шестнадцатеричная запись (not hex)", ErrBadSignature)
	}
	want, _ := hex.DecodeString(strings.TrimPrefix(Sign(secret, ts, body), signaturePrefix))
	if !hmac.Equal(mac, want) {
		return ErrBadSignature
	}
	return nil
}
