package syncbuf_test

import (
	"strings"
	"sync"
	"testing"

	"eq/internal/syncbuf"
)

func TestWritersAndAReaderAtOnce(t *testing.T) {
	var b syncbuf.Buffer
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 100 {
				b.Write([]byte("ab"))
				_ = b.String()
			}
		}()
	}
	wg.Wait()
	if got, want := b.String(), strings.Repeat("ab", 400); got != want || b.Len() != len(want) {
		t.Fatalf("got %d bytes, want %d of \"ab\" repeated", b.Len(), len(want))
	}
}
