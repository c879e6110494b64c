package sound

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"
)

// Sound is mono 16-bit PCM audio: what every fragment and every
// announcement is.
type Sound struct {
	Rate    int // samples per second
	Samples []int16
}

// Duration returns how long s plays.
func (s Sound) Duration() time.Duration {
	if s.Rate <= 0 {
		return 0
	}
	return time.Duration(len(s.Samples)) * time.Second / time.Duration(s.Rate)
}

// Sample rates a bank may have: telephone quality to studio quality.
const (
	minRate = 8000
	maxRate = 48000
)

// WAV format codes in the fmt chunk.
const (
	wavePCM        = 1
	waveExtensible = 0xFFFE
)

const wavHeaderSize = 44

// EncodeWAV returns s as a WAV file: a RIFF header, a 16-byte fmt chunk
// (PCM, mono, 16-bit) and the data chunk, which every player reads.
func EncodeWAV(s Sound) []byte {
	data := len(s.Samples) * 2
	b := make([]byte, wavHeaderSize, wavHeaderSize+data)
	copy(b[0:], "RIFF")
	binary.LittleEndian.PutUint32(b[4:], uint32(36+data))
	copy(b[8:], "WAVE")
	copy(b[12:], "fmt ")
	binary.LittleEndian.PutUint32(b[16:], 16)
	binary.LittleEndian.PutUint16(b[20:], wavePCM)
	binary.LittleEndian.PutUint16(b[22:], 1)                // channels
	binary.LittleEndian.PutUint32(b[24:], uint32(s.Rate))   // sample rate
	binary.LittleEndian.PutUint32(b[28:], uint32(s.Rate*2)) // bytes per second
	binary.LittleEndian.PutUint16(b[32:], 2)                // block align
	binary.LittleEndian.PutUint16(b[34:], 16)               // bits per sample
	copy(b[36:], "data")
	binary.LittleEndian.PutUint32(b[40:], uint32(data))
	for _, v := range s.Samples {
		b = binary.LittleEndian.AppendUint16(b, uint16(v))
	}
	return b
}

// DecodeWAV reads a WAV file of mono 16-bit PCM, as recording programs and
// espeak-ng write it: chunks other than fmt and data (LIST, fact, …) are
// skipped, WAVE_FORMAT_EXTENSIBLE is accepted when it holds PCM. Anything
// else — stereo, 8 or 24 bits, float, compressed — is an error that says
// what the file is, so that a centre knows how to convert it.
func DecodeWAV(b []byte) (Sound, error) {
	if len(b) < 12 || string(b[0:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		return Sound{}, errors.New("not a WAV file (no RIFF/WAVE header)")
	}
	var (
		s      Sound
		gotFmt bool
	)
	for p := 12; ; {
		if len(b)-p < 8 {
			return Sound{}, errors.New("no data chunk")
		}
		id, size64 := string(b[p:p+4]), uint64(binary.LittleEndian.Uint32(b[p+4:]))
		p += 8
		// Compared before converting: on a 32-bit display box a size of 2³¹
		// or more would turn negative as an int and slip past the check.
		if size64 > uint64(len(b)-p) {
			return Sound{}, fmt.Errorf("truncated %q chunk: %d bytes of %d", id, len(b)-p, size64)
		}
		size := int(size64)
		chunk := b[p : p+size]
		switch id {
		case "fmt ":
			if err := checkFormat(chunk); err != nil {
				return Sound{}, err
			}
			s.Rate = int(binary.LittleEndian.Uint32(chunk[4:]))
			gotFmt = true
		case "data":
			if !gotFmt {
				return Sound{}, errors.New("data chunk before fmt chunk")
			}
			if size%2 != 0 {
				return Sound{}, fmt.Errorf("data chunk of %d bytes is not whole 16-bit samples", size)
			}
			s.Samples = make([]int16, size/2)
			for i := range s.Samples {
				s.Samples[i] = int16(binary.LittleEndian.Uint16(chunk[2*i:]))
			}
			return s, nil
		}
		p += size + size%2 // chunks are padded to an even length
	}
}

func checkFormat(c []byte) error {
	if len(c) < 16 {
		return fmt.Errorf("fmt chunk of %d bytes, want at least 16", len(c))
	}
	format := binary.LittleEndian.Uint16(c[0:])
	channels := binary.LittleEndian.Uint16(c[2:])
	rate := binary.LittleEndian.Uint32(c[4:])
	bits := binary.LittleEndian.Uint16(c[14:])
	if format == waveExtensible && len(c) >= 26 {
		// The sub-format GUID starts with the plain format code.
		format = binary.LittleEndian.Uint16(c[24:])
	}
	switch {
	case format != wavePCM:
		return fmt.Errorf("format %#x, want PCM (1)", format)
	case channels != 1:
		return fmt.Errorf("%d channels, want mono", channels)
	case bits != 16:
		return fmt.Errorf("%d-bit samples, want 16-bit", bits)
	case rate < minRate || rate > maxRate:
		return fmt.Errorf("sample rate %d Hz, want %d–%d Hz", rate, minRate, maxRate)
	}
	return nil
}

// Duration returns how long a WAV file made by EncodeWAV or Render plays.
func Duration(wav []byte) (time.Duration, error) {
	s, err := DecodeWAV(wav)
	if err != nil {
		return 0, err
	}
	return s.Duration(), nil
}
