// Command gen makes the default voice bank of eq/devices/sound with
// espeak-ng: for every fragment of every language it asks espeak-ng to say
// the fragment's text, trims the silence around it, evens its loudness and
// writes OUT/LANG/NAME.wav at the bank's rate. Run from the module's root:
//
//	go run ./devices/sound/gen -out devices/sound/voice
//
// It is run by hand (make voices) when a text changes, and the files are
// committed, so that eq needs no synthesizer at run time.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"eq/devices/sound"
)

// The bank's format and the speech's shape.
const (
	peak      = 0.7 // of full scale, about -3 dBFS: loud and never clipped
	threshold = 0.02
	keepHead  = 10 * time.Millisecond // of quiet kept before the first loud sample
	keepTail  = 30 * time.Millisecond // and after the last: word ends are soft
	fade      = 5 * time.Millisecond
)

// voices are espeak-ng's voice and speeds (words per minute) for each
// language: a little slower than its default 175, as a hall announcement
// is, and slower still for letters, which are the least redundant part of
// a ticket number and are otherwise over in 0.2 s.
var voices = map[string]struct {
	voice         string
	speed, letter int
}{
	"ru": {"ru", 145, 120},
	"en": {"en", 150, 130},
}

// spoken overrides a fragment's text where espeak-ng would read the
// written text wrongly: [[…]] is its phoneme notation. English has no
// letter names for these transliterations, so they are said as a Russian
// says the letter.
var spoken = map[string]map[string]string{
	// A lone и or у is read as the conjunction or preposition, 60 ms
	// long: a long stressed vowel is the letter's name.
	"ru": {
		"letter-и":       "[['i:]]",
		"letter-latin-i": "[['i:]]",
		"letter-у":       "[['u:]]",
		"letter-latin-u": "[['u:]]",
	},
	"en": {
		"letter-ж": "[[Z'E]]",
		"letter-х": "[[x'A:]]",
		"letter-ц": "[[ts'E]]",
		"letter-ч": "[[tS'E]]",
		"letter-ш": "[[S'A:]]",
		"letter-щ": "[[StS'A:]]",
	},
}

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("gen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", "devices/sound/voice", "the bank's folder")
	rate := fs.Int("rate", 22050, "the bank's sample rate, Hz")
	espeak := fs.String("espeak", "espeak-ng", "the espeak-ng program")
	langs := fs.String("lang", strings.Join(sound.Languages, ","), "languages to make, comma-separated")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if _, err := exec.LookPath(*espeak); err != nil {
		return fmt.Errorf("%s not found: apt-get install espeak-ng", *espeak)
	}
	tmp, err := os.MkdirTemp("", "eq-voice-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)

	ctx := context.Background()
	for _, lang := range strings.Split(*langs, ",") {
		v, ok := voices[lang]
		if !ok {
			return fmt.Errorf("no espeak-ng voice for %q", lang)
		}
		dir := filepath.Join(*out, lang)
		// Start afresh so that a fragment no longer used goes too.
		if err := os.RemoveAll(dir); err != nil {
			return err
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		var total int64
		names := sound.Fragments(lang)
		made := 0
		for _, name := range names {
			if name == sound.FragmentChime {
				continue // synthesised at load time
			}
			text, _ := sound.Text(lang, name)
			if s, ok := spoken[lang][name]; ok {
				text = s
			}
			speed := v.speed
			if strings.HasPrefix(name, "letter-") {
				speed = v.letter
			}
			s, err := say(ctx, *espeak, v.voice, speed, text, filepath.Join(tmp, "say.wav"))
			if err != nil {
				return fmt.Errorf("%s/%s %q: %w", lang, name, text, err)
			}
			s = shape(resample(s, *rate))
			b := sound.EncodeWAV(s)
			if err := os.WriteFile(filepath.Join(dir, name+".wav"), b, 0o644); err != nil {
				return err
			}
			total += int64(len(b))
			made++
		}
		// What eq will load must load.
		if _, err := sound.LoadBank(os.DirFS(*out), lang); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s: %d fragments, %d KiB, %d Hz\n", dir, made, total>>10, *rate)
	}
	return nil
}

// say asks espeak-ng to say text into a WAV file and reads it back.
func say(ctx context.Context, espeak, voice string, speed int, text, file string) (sound.Sound, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	// -z: no pause after the last word, the gaps are Render's to make.
	cmd := exec.CommandContext(ctx, espeak, "-v", voice, "-s", fmt.Sprint(speed), "-z", "-w", file, "--", text)
	if msg, err := cmd.CombinedOutput(); err != nil {
		return sound.Sound{}, fmt.Errorf("%v: %s", err, msg)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return sound.Sound{}, err
	}
	return sound.DecodeWAV(b)
}

// resample converts s to rate by linear interpolation: good enough for
// speech, and espeak-ng already speaks at 22050 Hz, the default rate.
func resample(s sound.Sound, rate int) sound.Sound {
	if s.Rate == rate || len(s.Samples) == 0 {
		return sound.Sound{Rate: rate, Samples: s.Samples}
	}
	n := int(int64(len(s.Samples)) * int64(rate) / int64(s.Rate))
	out := make([]int16, n)
	step := float64(s.Rate) / float64(rate)
	for i := range out {
		x := float64(i) * step
		j := int(x)
		f := x - float64(j)
		a := float64(s.Samples[j])
		b := a
		if j+1 < len(s.Samples) {
			b = float64(s.Samples[j+1])
		}
		out[i] = int16(math.Round(a + (b-a)*f))
	}
	return sound.Sound{Rate: rate, Samples: out}
}

// shape trims the silence around the speech, keeping a little of it so
// that soft starts and ends are not cut, fades the edges so that the cut
// makes no click, and scales the speech to the same peak as every other
// fragment.
func shape(s sound.Sound) sound.Sound {
	top := 0.0
	for _, v := range s.Samples {
		top = math.Max(top, math.Abs(float64(v)))
	}
	if top == 0 {
		return s
	}
	first, last := -1, -1
	for i, v := range s.Samples {
		if math.Abs(float64(v)) > threshold*top {
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	first = max(0, first-samples(keepHead, s.Rate))
	last = min(len(s.Samples)-1, last+samples(keepTail, s.Rate))
	src := s.Samples[first : last+1]
	out := make([]int16, len(src))
	gain := peak * math.MaxInt16 / top
	f := samples(fade, s.Rate)
	for i, v := range src {
		g := gain
		if i < f {
			g *= float64(i) / float64(f)
		}
		if left := len(src) - 1 - i; left < f {
			g *= float64(left) / float64(f)
		}
		out[i] = int16(math.Round(float64(v) * g))
	}
	return sound.Sound{Rate: s.Rate, Samples: out}
}

func samples(d time.Duration, rate int) int { return int(d.Seconds() * float64(rate)) }
