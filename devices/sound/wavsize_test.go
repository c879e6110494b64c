package sound

import (
	"encoding/binary"
	"strings"
	"testing"
)

// TestDecodeWAVHugeChunk: a chunk claiming 4 GiB, as streaming tools write,
// is refused as truncated rather than sliced past the end of the file.
func TestDecodeWAVHugeChunk(t *testing.T) {
	wav := EncodeWAV(Sound{Rate: 22050, Samples: make([]int16, 100)})
	binary.LittleEndian.PutUint32(wav[16:], 0xFFFFFFFF) // the fmt chunk's size
	if _, err := DecodeWAV(wav); err == nil || !strings.Contains(err.Error(), "truncated") {
		t.Fatalf("err = %v, want truncated", err)
	}
}
