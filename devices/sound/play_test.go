package sound

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestCommandGivesTheProgramTheWAV(t *testing.T) {
	file := filepath.Join(t.TempDir(), "heard.wav")
	wav := EncodeWAV(Chime(8000))
	if err := Command("sh", "-c", `cat >"$1"`, "sh", file)(context.Background(), wav); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, wav) {
		t.Errorf("the program got %d bytes, want the %d of the WAV", len(got), len(wav))
	}
}

func TestCommandReportsTheProgramsComplaint(t *testing.T) {
	err := Command("sh", "-c", "cat >/dev/null; echo 'no such card' >&2; exit 3")(context.Background(), []byte("RIFF"))
	if err == nil || !strings.Contains(err.Error(), "no such card") || !strings.Contains(err.Error(), "exit status 3") {
		t.Errorf("error %v, want the exit status and what the program said", err)
	}
}

func TestCommandStopsWithItsContext(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	if err := Command("sleep", "10")(ctx, nil); err == nil {
		t.Error("a killed player returned nil, want an error")
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("returned after %v, want at once", d)
	}
}
