package sound

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

// copyBank returns the embedded bank of lang as a MapFS that a test can
// spoil.
func copyBank(t *testing.T, lang string) fstest.MapFS {
	t.Helper()
	m := fstest.MapFS{}
	err := fs.WalkDir(DefaultVoice(), lang, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(DefaultVoice(), p)
		m[p] = &fstest.MapFile{Data: b}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestTheDefaultBankCoversEveryFragment(t *testing.T) {
	for _, lang := range Languages {
		t.Run(lang, func(t *testing.T) {
			b, err := DefaultBank(lang)
			if err != nil {
				t.Fatal(err)
			}
			if b.Lang() != lang || b.SampleRate() != 22050 {
				t.Errorf("bank %s at %d Hz, want %s at 22050 Hz", b.Lang(), b.SampleRate(), lang)
			}
			for _, name := range Fragments(lang) {
				s, ok := b.Fragment(name)
				if !ok {
					t.Errorf("no %s", name)
					continue
				}
				if d := s.Duration().Seconds(); d < 0.1 || d > 1.5 {
					t.Errorf("%s lasts %.3f s: a word should take 0.1–1.5 s", name, d)
				}
			}
		})
	}
}

func TestTheDefaultBankReadsEveryNumberAndLetter(t *testing.T) {
	var prefixes []string
	for r := 'А'; r <= 'Я'; r++ {
		prefixes = append(prefixes, string(r))
	}
	for r := 'A'; r <= 'Z'; r++ {
		prefixes = append(prefixes, string(r))
	}
	prefixes = append(prefixes, "Ё")
	for _, lang := range Languages {
		b, err := DefaultBank(lang)
		if err != nil {
			t.Fatal(err)
		}
		check := func(number string, window int) {
			frags, err := Compose(lang, number, window, true)
			if err != nil {
				t.Fatalf("%s %s → %d: %v", lang, number, window, err)
			}
			for _, f := range frags {
				if _, ok := b.Fragment(f); !ok {
					t.Errorf("%s %s → %d needs %s, which the bank lacks", lang, number, window, f)
				}
			}
		}
		for n := 0; n <= MaxNumber; n++ {
			check(fmt.Sprintf("П%03d", n), max(n, 1))
		}
		for _, p := range prefixes {
			check(p+"001", 1)
		}
	}
}

func TestLoadBankNamesTheMissingFragments(t *testing.T) {
	m := copyBank(t, "ru")
	delete(m, "ru/num-900.wav")
	delete(m, "ru/letter-щ.wav")

	_, err := LoadBank(m, "ru")
	var be *BankError
	if !errors.As(err, &be) {
		t.Fatalf("error %v, want a *BankError", err)
	}
	if want := []string{"letter-щ", "num-900"}; !slices.Equal(be.Missing, want) {
		t.Errorf("missing %v, want %v", be.Missing, want)
	}
	for _, want := range []string{
		"голосовой набор ru: не хватает фрагментов: letter-щ, num-900",
		"missing fragments: letter-щ, num-900",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
}

func TestLoadBankRefusesAFragmentAtAnotherRate(t *testing.T) {
	m := copyBank(t, "ru")
	m["ru/num-5.wav"] = &fstest.MapFile{Data: EncodeWAV(Sound{Rate: 44100, Samples: make([]int16, 4410)})}

	_, err := LoadBank(m, "ru")
	var be *BankError
	if !errors.As(err, &be) {
		t.Fatalf("error %v, want a *BankError", err)
	}
	if len(be.Bad) != 1 || be.Bad[0].Name != "num-5" || !strings.Contains(be.Bad[0].Problem, "44100 Hz") {
		t.Errorf("unfit %+v, want num-5 at 44100 Hz", be.Bad)
	}
	if !strings.Contains(err.Error(), "num-5.wav (sample rate 44100 Hz, the bank's is 22050 Hz)") {
		t.Errorf("error %q does not name num-5 and its rate", err)
	}
}

func TestLoadBankRefusesUnfitFiles(t *testing.T) {
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"stereo", wavBytes(fmtChunk(1, 2, 22050, 16), chunk("data", make([]byte, 400))), "2 channels"},
		{"empty", EncodeWAV(Sound{Rate: 22050}), "no sound"},
		{"an mp3", []byte("ID3\x03\x00"), "not a WAV"},
		{"a whole session", EncodeWAV(Sound{Rate: 22050, Samples: make([]int16, 22050*11)}), "more than 10 s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := copyBank(t, "ru")
			m["ru/ticket.wav"] = &fstest.MapFile{Data: tt.data}
			_, err := LoadBank(m, "ru")
			if err == nil || !strings.Contains(err.Error(), "ticket.wav (") || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one naming ticket.wav and saying %q", err, tt.want)
			}
		})
	}
}

func TestLoadBankWithoutTheFolder(t *testing.T) {
	_, err := LoadBank(copyBank(t, "ru"), "en")
	if err == nil || !strings.Contains(err.Error(), "no folder en") {
		t.Errorf("error %v, want one saying there is no folder en", err)
	}
	if _, err := LoadBank(DefaultVoice(), "de"); err == nil {
		t.Error("LoadBank(de) succeeded, want an error for an unknown language")
	}
}

func TestLoadBankUsesACentresChime(t *testing.T) {
	m := copyBank(t, "ru")
	b, err := LoadBank(m, "ru")
	if err != nil {
		t.Fatal(err)
	}
	synth, _ := b.Fragment(FragmentChime)
	if !slices.Equal(synth.Samples, Chime(22050).Samples) {
		t.Error("without chime.wav the chime is not the synthesised one")
	}

	own := Sound{Rate: 22050, Samples: []int16{1, 2, 3, 2, 1}}
	m["ru/chime.wav"] = &fstest.MapFile{Data: EncodeWAV(own)}
	b, err = LoadBank(m, "ru")
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := b.Fragment(FragmentChime); !slices.Equal(got.Samples, own.Samples) {
		t.Errorf("chime %v, want the centre's %v", got.Samples, own.Samples)
	}
}

func TestLoadBankFromAFolderOnDisk(t *testing.T) {
	dir := t.TempDir()
	for name, f := range copyBank(t, "ru") {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, f.Data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// Other files in the folder are no matter.
	if err := os.WriteFile(filepath.Join(dir, "ru", "README.txt"), []byte("our voice"), 0o644); err != nil {
		t.Fatal(err)
	}
	b, err := LoadBank(os.DirFS(dir), "ru")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Announce(b, callOf("П012", 5)); err != nil {
		t.Errorf("announcing from a folder: %v", err)
	}
}

// synthBank is a bank of lang at rate whose every fragment is a short
// tone, each of its own length, as a centre's recording might be.
func synthBank(lang string, rate int) fstest.MapFS {
	m := fstest.MapFS{}
	for i, name := range Fragments(lang) {
		if name == FragmentChime {
			continue
		}
		s := Sound{Rate: rate, Samples: make([]int16, rate/10+i*17)}
		for j := range s.Samples {
			s.Samples[j] = int16(1000 * (j%40 - 20))
		}
		m[lang+"/"+name+".wav"] = &fstest.MapFile{Data: EncodeWAV(s)}
	}
	return m
}

func TestABankMayHaveAnyOneRate(t *testing.T) {
	b, err := LoadBank(synthBank("en", 16000), "en")
	if err != nil {
		t.Fatal(err)
	}
	if got := b.SampleRate(); got != 16000 {
		t.Errorf("rate %d, want 16000", got)
	}
	if chime, _ := b.Fragment(FragmentChime); chime.Rate != 16000 || chime.Duration() != 700*time.Millisecond {
		t.Errorf("chime at %d Hz for %v, want 16000 Hz for 700ms", chime.Rate, chime.Duration())
	}
}
