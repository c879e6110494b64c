package sound

import (
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"eq/queue"
)

func callOf(number string, window int) queue.Call {
	return queue.Call{Ticket: "t-" + number, Number: number, Service: "passport", Window: window,
		At: time.Date(2025, 3, 3, 10, 0, 0, 0, time.UTC)}
}

func TestRenderJoinsFragmentsWithGaps(t *testing.T) {
	b, err := LoadBank(synthBank("ru", 16000), "ru")
	if err != nil {
		t.Fatal(err)
	}
	frags := []string{"chime", "ticket", "letter-п", "num-12", "window", "num-5"}
	wav, err := Render(b, frags, 100*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	w := parseWAV(t, wav)
	checkWAVFormat(t, w, 16000)

	// Fragment by fragment, with 1600 silent samples between.
	at := 0
	for i, name := range frags {
		if i > 0 {
			for j := at; j < at+1600; j++ {
				if w.Samples[j] != 0 {
					t.Fatalf("sample %d in the gap before %s is %d, want silence", j, name, w.Samples[j])
				}
			}
			at += 1600
		}
		s, _ := b.Fragment(name)
		if got := w.Samples[at : at+len(s.Samples)]; !slices.Equal(got, s.Samples) {
			t.Fatalf("%s is not where it should be, at sample %d", name, at)
		}
		at += len(s.Samples)
	}
	if at != len(w.Samples) {
		t.Errorf("%d samples, want %d", len(w.Samples), at)
	}
}

func TestAnnounceLastsItsFragmentsAndGaps(t *testing.T) {
	for _, lang := range Languages {
		t.Run(lang, func(t *testing.T) {
			b, err := DefaultBank(lang)
			if err != nil {
				t.Fatal(err)
			}
			call := callOf("П012", 5)
			call.Recall = true
			wav, err := Announce(b, call)
			if err != nil {
				t.Fatal(err)
			}
			w := parseWAV(t, wav)
			checkWAVFormat(t, w, 22050)

			frags, _ := Compose(lang, "П012", 5, true)
			want := time.Duration(len(frags)-1) * DefaultGap
			for _, f := range frags {
				s, _ := b.Fragment(f)
				want += s.Duration()
			}
			got := time.Duration(len(w.Samples)) * time.Second / 22050
			if diff := got - want; diff < -3*time.Millisecond || diff > 3*time.Millisecond {
				t.Errorf("lasts %v, want %v (the fragments and %d gaps)", got, want, len(frags)-1)
			}
			if d, err := Duration(wav); err != nil || d != got {
				t.Errorf("Duration = %v, %v; want %v", d, err, got)
			}
		})
	}
}

func TestRenderRefusesWhatItCannotSay(t *testing.T) {
	b, err := DefaultBank("ru")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Render(b, []string{"ticket", "num-1000", "letter-ω"}, DefaultGap); err == nil ||
		!strings.Contains(err.Error(), "num-1000, letter-ω") {
		t.Errorf("error %v, want one naming num-1000 and letter-ω", err)
	}
	if _, err := Render(b, nil, DefaultGap); err == nil {
		t.Error("rendering nothing succeeded, want an error")
	}
	if _, err := Render(b, []string{"ticket"}, -time.Millisecond); err == nil {
		t.Error("a negative gap succeeded, want an error")
	}
	if _, err := Announce(b, callOf("П012", 0)); err == nil {
		t.Error("announcing window 0 succeeded, want an error")
	}
}

func TestChime(t *testing.T) {
	const rate = 22050
	s := Chime(rate)
	if got, want := s.Duration(), 700*time.Millisecond; got < want-time.Millisecond || got > want {
		t.Errorf("lasts %v, want %v", got, want)
	}
	half := len(s.Samples) / 2
	ms := rate / 1000

	t.Run("is heard", func(t *testing.T) {
		for i, tone := range [][]int16{s.Samples[:half], s.Samples[half:]} {
			if r := rms(tone); r < 0.05 {
				t.Errorf("tone %d has an RMS of %.3f of full scale, want it heard", i+1, r)
			}
		}
	})
	t.Run("is softer than the voice", func(t *testing.T) {
		if p := peak(s.Samples); p > 0.5 {
			t.Errorf("peak %.2f of full scale, want at most 0.5", p)
		}
	})
	t.Run("starts and ends quietly", func(t *testing.T) {
		for _, edge := range []struct {
			name    string
			samples []int16
		}{
			{"the start", s.Samples[:2*ms]},
			{"the end of the ding", s.Samples[half-2*ms : half]},
			{"the start of the dong", s.Samples[half : half+2*ms]},
			{"the end", s.Samples[len(s.Samples)-2*ms:]},
		} {
			if p := peak(edge.samples); p > 0.02 {
				t.Errorf("%s peaks at %.3f of full scale, want under 0.02: it would click", edge.name, p)
			}
		}
	})
	t.Run("falls from E5 to C5", func(t *testing.T) {
		for i, want := range []float64{659.25, 523.25} {
			tone := s.Samples[i*half : (i+1)*half]
			if got := pitch(tone, rate); math.Abs(got-want) > 10 {
				t.Errorf("tone %d at %.0f Hz, want %.0f Hz", i+1, got, want)
			}
		}
	})
}

func rms(s []int16) float64 {
	sum := 0.0
	for _, v := range s {
		x := float64(v) / math.MaxInt16
		sum += x * x
	}
	return math.Sqrt(sum / float64(len(s)))
}

func peak(s []int16) float64 {
	p := 0.0
	for _, v := range s {
		p = math.Max(p, math.Abs(float64(v))/math.MaxInt16)
	}
	return p
}

// pitch estimates the fundamental from upward zero crossings: the
// harmonics are too weak to add crossings of their own.
func pitch(s []int16, rate int) float64 {
	first, last, n := -1, -1, 0
	for i := 1; i < len(s); i++ {
		if s[i-1] < 0 && s[i] >= 0 {
			if first < 0 {
				first = i
			}
			last = i
			n++
		}
	}
	return float64(n-1) * float64(rate) / float64(last-first)
}
