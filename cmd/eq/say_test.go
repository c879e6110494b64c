package main

import (
	"bytes"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"eq/devices/sound"
)

// nullALSA points ALSA's default device at the null device, a sound card
// that plays into nothing, for machines without one.
func nullALSA(t *testing.T) {
	t.Helper()
	conf := filepath.Join(t.TempDir(), "asound.conf")
	if err := os.WriteFile(conf, []byte("pcm.!default { type null }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("ALSA_CONFIG_PATH", conf)
}

func TestSay(t *testing.T) {
	t.Run("writes the announcement as a WAV", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "a12.wav")
		var stdout bytes.Buffer
		if code := run([]string{"say", "А12", "5", "--out", out}, nil, &stdout, io.Discard); code != 0 {
			t.Fatalf("exit %d", code)
		}
		wav, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		if d, err := sound.Duration(wav); err != nil || d < 2*time.Second {
			t.Fatalf("WAV of %v (%v)", d, err)
		}
	})
	t.Run("a recall in English is longer by the word again", func(t *testing.T) {
		var plain, again bytes.Buffer
		run([]string{"say", "П12", "5", "--lang", "en", "--out", "-"}, nil, &plain, io.Discard)
		run([]string{"say", "П12", "5", "--lang", "en", "--recall", "--out", "-"}, nil, &again, io.Discard)
		d1, err1 := sound.Duration(plain.Bytes())
		d2, err2 := sound.Duration(again.Bytes())
		if err1 != nil || err2 != nil || d2 <= d1 {
			t.Fatalf("plain %v (%v), recall %v (%v)", d1, err1, d2, err2)
		}
	})
	t.Run("plays through the sound card", func(t *testing.T) {
		nullALSA(t)
		if code := run([]string{"say", "П12", "5"}, nil, io.Discard, io.Discard); code != 0 {
			t.Fatalf("exit %d", code)
		}
	})
	for _, tt := range []struct{ name, ticket, window, want string }{
		{"a ticket without digits", "П", "5", "нет цифр"},
		{"a window that is not a number", "П12", "пять", "нужен номер"},
		{"window zero", "П12", "0", "окн"},
	} {
		t.Run("refuses "+tt.name, func(t *testing.T) {
			var errOut bytes.Buffer
			if code := run([]string{"say", tt.ticket, tt.window, "--out", "-"}, nil, io.Discard, &errOut); code == 0 || !strings.Contains(errOut.String(), tt.want) {
				t.Fatalf("exit %d, %q; want a refusal saying %q", code, errOut.String(), tt.want)
			}
		})
	}
}

func TestSayWithAVoiceMissingAFragment(t *testing.T) {
	dir := t.TempDir()
	voice := sound.DefaultVoice()
	entries, err := fs.ReadDir(voice, "ru")
	if err != nil {
		t.Fatal(err)
	}
	os.Mkdir(filepath.Join(dir, "ru"), 0o755)
	for _, e := range entries {
		if e.Name() == "letter-щ.wav" {
			continue // the centre forgot one
		}
		data, err := fs.ReadFile(voice, "ru/"+e.Name())
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, "ru", e.Name()), data, 0o644)
	}
	var errOut bytes.Buffer
	if code := run([]string{"say", "П12", "5", "--voice", dir, "--out", "-"}, nil, io.Discard, &errOut); code == 0 || !strings.Contains(errOut.String(), "letter-щ") {
		t.Fatalf("exit %d, %q; want a refusal naming letter-щ", code, errOut.String())
	}
}
