package sound

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strings"
)

// Command returns a PlayFunc that runs a program with the WAV file on its
// standard input, as the hall's computer plays it through its speakers:
// Command("aplay", "-q", "-") (ALSA, Debian's alsa-utils), Command("paplay")
// (PulseAudio or PipeWire). The program is killed when ctx is done.
func Command(name string, args ...string) PlayFunc {
	return func(ctx context.Context, wav []byte) error {
		cmd := exec.CommandContext(ctx, name, args...)
		cmd.Stdin = bytes.NewReader(wav)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Run(); err != nil {
			msg := strings.TrimSpace(stderr.String())
			if len(msg) > 200 {
				msg = msg[:200] + "…"
			}
			if msg != "" {
				return fmt.Errorf("sound: %s: %w: %s", name, err, msg)
			}
			return fmt.Errorf("sound: %s: %w", name, err)
		}
		return nil
	}
}
