package webhook

import (
	"strconv"
	"testing"
	"time"
)

func TestBackoff(t *testing.T) {
	d := &Deliverer{min: time.Second, max: 5 * time.Minute}
	tests := []struct {
		failures int
		nominal  time.Duration // the wait before jitter
	}{
		{1, time.Second},
		{2, 2 * time.Second},
		{3, 4 * time.Second},
		{9, 256 * time.Second},
		{10, 5 * time.Minute}, // 512 s, capped
		{1000, 5 * time.Minute},
	}
	for _, tt := range tests {
		t.Run("after "+strconv.Itoa(tt.failures)+" failures it waits between half and all of "+tt.nominal.String(), func(t *testing.T) {
			lo, hi := tt.nominal, time.Duration(0)
			for range 2000 {
				b := d.backoff(tt.failures)
				if b < tt.nominal/2 || b > tt.nominal {
					t.Fatalf("backoff = %v, want within [%v, %v]", b, tt.nominal/2, tt.nominal)
				}
				lo, hi = min(lo, b), max(hi, b)
			}
			// Jitter: 2000 draws spread over most of the range.
			if hi-lo < tt.nominal/4 {
				t.Errorf("2000 draws span only %v–%v: no jitter", lo, hi)
			}
		})
	}
}
