package sound

import (
	"encoding/binary"
	"io/fs"
	"reflect"
	"testing"
)

// A centre may record its own voice (`eq say --voice DIR`): DecodeWAV
// reads files made by any recording program. The seed corpus in
// testdata/fuzz runs with every `go test`; `make fuzz` (scripts/fuzz.sh)
// searches further.

// FuzzDecodeWAV checks that DecodeWAV refuses what it cannot play and
// reads the rest as a sound EncodeWAV writes back the same.
func FuzzDecodeWAV(f *testing.F) {
	tone := EncodeWAV(Sound{Rate: 16000, Samples: []int16{0, 1000, -1000, 32767, -32768}})
	f.Add(tone)
	f.Add(EncodeWAV(Sound{Rate: 8000}))
	f.Add(tone[:len(tone)-3])
	f.Add(tone[:wavHeaderSize-4])
	for _, name := range []string{"ru/again.wav", "ru/num-7.wav"} {
		b, err := fs.ReadFile(DefaultVoice(), name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	// A LIST chunk of odd length, padded, before an extensible fmt.
	ext := make([]byte, 24)
	binary.LittleEndian.PutUint16(ext[0:], 22) // the extension's size
	binary.LittleEndian.PutUint16(ext[8:], wavePCM)
	f.Add(wavBytes(chunk("LIST", []byte("INFOx")), fmtChunk(waveExtensible, 1, 22050, 16, ext...), chunk("data", []byte{1, 2, 3, 4})))
	f.Add([]byte("RIFF\xff\xff\xff\xffWAVEdata\xff\xff\xff\xff"))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := DecodeWAV(b)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("an error that says nothing")
			}
			return
		}
		if s.Rate < minRate || s.Rate > maxRate {
			t.Fatalf("a sound of %d Hz was accepted", s.Rate)
		}
		if 2*len(s.Samples) > len(b) {
			t.Fatalf("%d samples from %d bytes", len(s.Samples), len(b))
		}
		if d, err := Duration(b); err != nil || d != s.Duration() {
			t.Errorf("Duration = %v, %v; want %v", d, err, s.Duration())
		}
		// What the package writes reads back the same.
		back, err := DecodeWAV(EncodeWAV(s))
		if err != nil || !reflect.DeepEqual(back, s) {
			t.Errorf("EncodeWAV then DecodeWAV gives %d Hz, %d samples (%v); want %d Hz, %d samples", back.Rate, len(back.Samples), err, s.Rate, len(s.Samples))
		}
	})
}
