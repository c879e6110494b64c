package webhook_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"

	"eq/webhook"
)

// verifySignature is what a receiver needs, and all it needs: it imports
// nothing of eq (docs/webhooks.md shows the same function). timestamp and
// signature are the X-EQ-Timestamp and X-EQ-Signature headers, body the
// request body exactly as received.
func verifySignature(secret, timestamp, signature string, body []byte, now time.Time) bool {
	ts, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil || now.Sub(time.Unix(ts, 0)).Abs() > 5*time.Minute {
		return false // not a timestamp, or too old: perhaps a replayed request
	}
	got, err := hex.DecodeString(strings.TrimPrefix(signature, "sha256="))
	if err != nil || !strings.HasPrefix(signature, "sha256=") {
		return false
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(timestamp + "."))
	mac.Write(body)
	return hmac.Equal(got, mac.Sum(nil)) // constant time
}

// A receiver checks each request with the shared secret before it trusts
// the body, and deduplicates by the event id.
func Example_verify() {
	const secret = "общий-секрет-не-короче-16"
	body := []byte(`{"id":"3f9a0c1b7d2e4a65-42","type":"TicketCalled","at":"2025-03-03T06:01:00Z","day":"2025-03-03","ticket":{"id":"20250303-000001","number":"П001"},"window":2}`)
	sent := time.Date(2025, 3, 3, 6, 1, 0, 0, time.UTC)
	ts := strconv.FormatInt(sent.Unix(), 10)
	sig := webhook.Sign(secret, sent.Unix(), body) // what the server puts in X-EQ-Signature

	now := sent.Add(2 * time.Second)
	fmt.Println("the right secret:", verifySignature(secret, ts, sig, body, now))
	fmt.Println("another secret:", verifySignature("другой-секрет-не-короче-16", ts, sig, body, now))
	fmt.Println("a changed body:", verifySignature(secret, ts, sig, append(body[:len(body)-2:len(body)-2], "3}"...), now))
	fmt.Println("replayed an hour later:", verifySignature(secret, ts, sig, body, now.Add(time.Hour)))
	fmt.Println("the package's Verify agrees:", webhook.Verify(secret, ts, sig, body, now, 5*time.Minute) == nil)
	// Output:
	// the right secret: true
	// another secret: false
	// a changed body: false
	// replayed an hour later: false
	// the package's Verify agrees: true
}
