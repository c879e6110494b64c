package render

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/hajimehoshi/ebiten/v2/audio"
	"github.com/hajimehoshi/ebiten/v2/audio/wav"
)

// Speaker plays announcements through ebiten's audio, on the display's own
// game loop. Make one per process (ebiten allows one audio context) before
// Run, and only once a sound card is known to work: ebiten stops the game
// when its audio fails, and a hall display must keep showing numbers.
type Speaker struct {
	ctx *audio.Context
}

// NewSpeaker opens the audio at sampleRate, the phrase bank's rate.
func NewSpeaker(sampleRate int) *Speaker {
	return &Speaker{ctx: audio.NewContext(sampleRate)}
}

// Play plays one WAV and returns when it has been heard, or ctx ends.
func (s *Speaker) Play(ctx context.Context, data []byte) error {
	stream, err := wav.DecodeWithSampleRate(s.ctx.SampleRate(), bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("render: decode announcement: %w", err)
	}
	p, err := s.ctx.NewPlayer(stream)
	if err != nil {
		return fmt.Errorf("render: announcement player: %w", err)
	}
	defer p.Close()
	p.Play()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for p.IsPlaying() {
		select {
		case <-ctx.Done():
			p.Pause()
			return ctx.Err()
		case <-tick.C:
		}
	}
	return nil
}
