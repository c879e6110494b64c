package sound

import (
	"bytes"
	"encoding/binary"
	"slices"
	"strings"
	"testing"
	"time"
)

// wavFile is a WAV file as the tests read it, independently of DecodeWAV:
// the canonical 44-byte header every player expects, field by field.
type wavFile struct {
	Format, Channels      uint16
	Rate, ByteRate        uint32
	BlockAlign, Bits      uint16
	RIFFSize, DataSize    uint32
	Samples               []int16
	RIFF, WAVE, Fmt, Data string
	FmtSize               uint32
}

func parseWAV(t *testing.T, b []byte) wavFile {
	t.Helper()
	var h struct {
		RIFF       [4]byte
		RIFFSize   uint32
		WAVE, Fmt  [4]byte
		FmtSize    uint32
		Format     uint16
		Channels   uint16
		Rate       uint32
		ByteRate   uint32
		BlockAlign uint16
		Bits       uint16
		Data       [4]byte
		DataSize   uint32
	}
	r := bytes.NewReader(b)
	if err := binary.Read(r, binary.LittleEndian, &h); err != nil {
		t.Fatalf("reading the WAV header: %v", err)
	}
	w := wavFile{Format: h.Format, Channels: h.Channels, Rate: h.Rate, ByteRate: h.ByteRate,
		BlockAlign: h.BlockAlign, Bits: h.Bits, RIFFSize: h.RIFFSize, DataSize: h.DataSize,
		RIFF: string(h.RIFF[:]), WAVE: string(h.WAVE[:]), Fmt: string(h.Fmt[:]), Data: string(h.Data[:]),
		FmtSize: h.FmtSize}
	if int(h.DataSize) != r.Len() {
		t.Fatalf("data chunk says %d bytes, the file has %d after the header", h.DataSize, r.Len())
	}
	w.Samples = make([]int16, h.DataSize/2)
	if err := binary.Read(r, binary.LittleEndian, w.Samples); err != nil {
		t.Fatal(err)
	}
	return w
}

// checkWAVFormat fails t unless w is what Render promises: PCM, mono, 16-bit,
// at rate, with consistent sizes.
func checkWAVFormat(t *testing.T, w wavFile, rate int) {
	t.Helper()
	if w.RIFF != "RIFF" || w.WAVE != "WAVE" || w.Fmt != "fmt " || w.Data != "data" {
		t.Errorf("chunk ids %q %q %q %q, want RIFF WAVE fmt data", w.RIFF, w.WAVE, w.Fmt, w.Data)
	}
	if w.FmtSize != 16 || w.Format != 1 || w.Channels != 1 || w.Bits != 16 || w.BlockAlign != 2 {
		t.Errorf("fmt size %d format %d, %d channels, %d bits, block %d; want 16, PCM 1, mono, 16-bit, 2",
			w.FmtSize, w.Format, w.Channels, w.Bits, w.BlockAlign)
	}
	if int(w.Rate) != rate || int(w.ByteRate) != 2*rate {
		t.Errorf("rate %d, byte rate %d; want %d, %d", w.Rate, w.ByteRate, rate, 2*rate)
	}
	if w.RIFFSize != 36+w.DataSize {
		t.Errorf("RIFF size %d, want %d", w.RIFFSize, 36+w.DataSize)
	}
}

func TestEncodeWAVWritesTheCanonicalHeader(t *testing.T) {
	s := Sound{Rate: 16000, Samples: []int16{0, 1, -1, 32767, -32768}}
	w := parseWAV(t, EncodeWAV(s))
	checkWAVFormat(t, w, 16000)
	if !slices.Equal(w.Samples, s.Samples) {
		t.Errorf("samples %v, want %v", w.Samples, s.Samples)
	}
}

func TestDecodeWAVReadsWhatEncodeWAVWrites(t *testing.T) {
	want := Sound{Rate: 22050, Samples: []int16{3, -7, 1000, -32768, 32767}}
	got, err := DecodeWAV(EncodeWAV(want))
	if err != nil {
		t.Fatal(err)
	}
	if got.Rate != want.Rate || !slices.Equal(got.Samples, want.Samples) {
		t.Errorf("got %+v, want %+v", got, want)
	}
}

// wavBytes builds a WAV file chunk by chunk, for the files recording
// programs write.
func wavBytes(chunks ...[]byte) []byte {
	var body []byte
	body = append(body, "WAVE"...)
	for _, c := range chunks {
		body = append(body, c...)
	}
	out := append([]byte("RIFF"), binary.LittleEndian.AppendUint32(nil, uint32(len(body)))...)
	return append(out, body...)
}

func chunk(id string, data []byte) []byte {
	out := append([]byte(id), binary.LittleEndian.AppendUint32(nil, uint32(len(data)))...)
	out = append(out, data...)
	if len(data)%2 == 1 {
		out = append(out, 0)
	}
	return out
}

func fmtChunk(format, channels uint16, rate uint32, bits uint16, extra ...byte) []byte {
	b := binary.LittleEndian.AppendUint16(nil, format)
	b = binary.LittleEndian.AppendUint16(b, channels)
	b = binary.LittleEndian.AppendUint32(b, rate)
	b = binary.LittleEndian.AppendUint32(b, rate*uint32(channels)*uint32(bits)/8)
	b = binary.LittleEndian.AppendUint16(b, channels*bits/8)
	b = binary.LittleEndian.AppendUint16(b, bits)
	return chunk("fmt ", append(b, extra...))
}

func TestDecodeWAVReadsOtherWritersFiles(t *testing.T) {
	samples := []byte{1, 0, 2, 0, 0xff, 0xff}
	// WAVE_FORMAT_EXTENSIBLE: cbSize 22, valid bits, channel mask, then
	// the PCM sub-format GUID.
	ext := []byte{22, 0, 16, 0, 4, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0x10, 0, 0x80, 0, 0, 0xaa, 0, 0x38, 0x9b, 0x71}
	tests := []struct {
		name string
		file []byte
	}{
		{"a LIST chunk of odd length before the data", wavBytes(fmtChunk(1, 1, 44100, 16), chunk("LIST", []byte("INFOabc")), chunk("data", samples))},
		{"an 18-byte fmt chunk", wavBytes(fmtChunk(1, 1, 44100, 16, 0, 0), chunk("data", samples))},
		{"WAVE_FORMAT_EXTENSIBLE holding PCM", wavBytes(fmtChunk(0xFFFE, 1, 44100, 16, ext...), chunk("data", samples))},
		{"a chunk after the data", wavBytes(fmtChunk(1, 1, 44100, 16), chunk("data", samples), chunk("id3 ", []byte("tag")))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeWAV(tt.file)
			if err != nil {
				t.Fatal(err)
			}
			if want := []int16{1, 2, -1}; got.Rate != 44100 || !slices.Equal(got.Samples, want) {
				t.Errorf("got %d Hz %v, want 44100 Hz %v", got.Rate, got.Samples, want)
			}
		})
	}
}

func TestDecodeWAVSaysWhatIsWrong(t *testing.T) {
	data := chunk("data", make([]byte, 8))
	tests := []struct {
		name string
		file []byte
		want string
	}{
		{"not a WAV file", []byte("ID3\x03 an mp3"), "not a WAV"},
		{"stereo", wavBytes(fmtChunk(1, 2, 22050, 16), data), "2 channels"},
		{"8-bit", wavBytes(fmtChunk(1, 1, 22050, 8), data), "8-bit"},
		{"float", wavBytes(fmtChunk(3, 1, 22050, 32), data), "format 0x3"},
		{"a rate no bank has", wavBytes(fmtChunk(1, 1, 4000, 16), data), "4000 Hz"},
		{"no data chunk", wavBytes(fmtChunk(1, 1, 22050, 16)), "no data"},
		{"data before fmt", wavBytes(data, fmtChunk(1, 1, 22050, 16)), "before fmt"},
		{"a truncated file", wavBytes(fmtChunk(1, 1, 22050, 16), data)[:50], "truncated"},
		{"half a sample", wavBytes(fmtChunk(1, 1, 22050, 16), chunk("data", []byte{1, 2, 3})), "whole 16-bit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeWAV(tt.file)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one saying %q", err, tt.want)
			}
		})
	}
}

func TestDuration(t *testing.T) {
	got, err := Duration(EncodeWAV(Sound{Rate: 22050, Samples: make([]int16, 22050*3/2)}))
	if err != nil {
		t.Fatal(err)
	}
	if want := 1500 * time.Millisecond; got != want {
		t.Errorf("Duration = %v, want %v", got, want)
	}
}
