package sound

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
	"time"
)

// voice is the default bank, made by espeak-ng: go run ./devices/sound/gen.
//
//go:embed voice
var voice embed.FS

// DefaultVoice returns the embedded default bank's folders, ru/ and en/, to
// give to LoadBank.
func DefaultVoice() fs.FS {
	sub, err := fs.Sub(voice, "voice")
	if err != nil {
		panic(err) // a literal, valid path
	}
	return sub
}

// DefaultBank loads lang from the embedded default bank.
func DefaultBank(lang string) (*Bank, error) { return LoadBank(DefaultVoice(), lang) }

// Limits on a fragment file: a word or two, never a whole recording session
// left in by mistake.
const (
	maxFragmentBytes = 4 << 20
	maxFragmentTime  = 10 // seconds
)

// Bank is the recorded fragments of one language, all at one sample rate.
// It is read-only once loaded and safe for concurrent use.
type Bank struct {
	lang  string
	rate  int
	sound map[string][]int16
}

// Lang returns the bank's language, e.g. "ru".
func (b *Bank) Lang() string { return b.lang }

// SampleRate returns the sample rate of every fragment, e.g. 22050.
func (b *Bank) SampleRate() int { return b.rate }

// Fragment returns a fragment's sound. Callers must not change its samples.
func (b *Bank) Fragment(name string) (Sound, bool) {
	s, ok := b.sound[name]
	return Sound{Rate: b.rate, Samples: s}, ok
}

// LoadBank loads the bank of lang from fsys: the file lang/NAME.wav for
// every NAME of Fragments(lang), each a mono 16-bit PCM WAV, all at one
// sample rate. The chime is synthesised when lang/chime.wav is absent.
// Other files are ignored. Every missing or unfit file is reported at once,
// in a *BankError, so that a centre recording its own voice fixes them in
// one go. A centre's folder on disk is LoadBank(os.DirFS(dir), "ru").
func LoadBank(fsys fs.FS, lang string) (*Bank, error) {
	if !knownLanguage(lang) {
		return nil, fmt.Errorf("голосовой набор: неизвестный язык %q, нужен ru или en (voice bank: unknown language %q, want ru or en)", lang, lang)
	}
	if fi, err := fs.Stat(fsys, lang); err != nil || !fi.IsDir() {
		return nil, fmt.Errorf("голосовой набор: нет папки %s (voice bank: no folder %s)", lang, lang)
	}
	e := &BankError{Lang: lang}
	loaded := map[string]Sound{}
	rates := map[int]int{}
	for _, name := range Fragments(lang) {
		s, err := readFragment(fsys, path.Join(lang, name+".wav"))
		switch {
		case errors.Is(err, fs.ErrNotExist):
			if name != FragmentChime {
				e.Missing = append(e.Missing, name)
			}
		case err != nil:
			e.Bad = append(e.Bad, BadFragment{Name: name, Problem: err.Error()})
		default:
			loaded[name] = s
			rates[s.Rate]++
		}
	}
	b := &Bank{lang: lang, rate: commonest(rates), sound: make(map[string][]int16, len(loaded)+1)}
	for _, name := range Fragments(lang) {
		s, ok := loaded[name]
		if !ok {
			continue
		}
		if s.Rate != b.rate {
			e.Bad = append(e.Bad, BadFragment{Name: name,
				Problem: fmt.Sprintf("sample rate %d Hz, the bank's is %d Hz", s.Rate, b.rate)})
			continue
		}
		b.sound[name] = s.Samples
	}
	if len(e.Missing) > 0 || len(e.Bad) > 0 {
		return nil, e
	}
	if _, ok := b.sound[FragmentChime]; !ok {
		b.sound[FragmentChime] = Chime(b.rate).Samples
	}
	return b, nil
}

func readFragment(fsys fs.FS, name string) (Sound, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return Sound{}, err
	}
	fi, err := f.Stat()
	f.Close()
	if err != nil {
		return Sound{}, err
	}
	if fi.Size() > maxFragmentBytes {
		return Sound{}, fmt.Errorf("%d bytes, more than %d", fi.Size(), maxFragmentBytes)
	}
	data, err := fs.ReadFile(fsys, name)
	if err != nil {
		return Sound{}, err
	}
	s, err := DecodeWAV(data)
	switch {
	case err != nil:
		return Sound{}, err
	case len(s.Samples) == 0:
		return Sound{}, errors.New("no sound in it")
	case len(s.Samples) > maxFragmentTime*s.Rate:
		return Sound{}, fmt.Errorf("%v long, more than %d s", s.Duration().Round(10*time.Millisecond), maxFragmentTime)
	}
	return s, nil
}

// commonest returns the rate most fragments have, the higher one on a tie,
// so that the odd ones out are the ones reported.
func commonest(rates map[int]int) int {
	best, count := 0, 0
	for r, c := range rates {
		if c > count || c == count && r > best {
			best, count = r, c
		}
	}
	return best
}

// BankError is every problem of a bank found by LoadBank.
type BankError struct {
	Lang    string
	Missing []string      // fragment names with no file, sorted
	Bad     []BadFragment // files that are there but unfit, by name
}

// BadFragment is a fragment file LoadBank cannot use.
type BadFragment struct {
	Name    string
	Problem string // e.g. "2 channels, want mono"
}

// Error names every missing and unfit fragment, in Russian then English:
// "голосовой набор ru: не хватает фрагментов: letter-щ, num-900 (voice bank
// ru: missing fragments: letter-щ, num-900)".
func (e *BankError) Error() string {
	var ru, en []string
	if len(e.Missing) > 0 {
		names := strings.Join(e.Missing, ", ")
		ru = append(ru, "не хватает фрагментов: "+names)
		en = append(en, "missing fragments: "+names)
	}
	if len(e.Bad) > 0 {
		bad := make([]string, len(e.Bad))
		for i, f := range e.Bad {
			bad[i] = f.Name + ".wav (" + f.Problem + ")"
		}
		sort.Strings(bad)
		names := strings.Join(bad, ", ")
		ru = append(ru, "негодные файлы: "+names)
		en = append(en, "unfit files: "+names)
	}
	return fmt.Sprintf("голосовой набор %s: %s (voice bank %s: %s)",
		e.Lang, strings.Join(ru, "; "), e.Lang, strings.Join(en, "; "))
}
