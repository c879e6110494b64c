package sound

import (
	"math"
	"time"
)

// The chime is a "ding-dong": E5 then C5, a falling major third, as station
// and airport chimes are. Its peak is below the voice's so that it calls
// attention without startling.
const (
	chimeHigh   = 659.25 // Hz, E5
	chimeLow    = 523.25 // Hz, C5
	chimeTone   = 350 * time.Millisecond
	chimePeak   = 0.45 // of full scale
	chimeAttack = 15 * time.Millisecond
	chimeFade   = 60 * time.Millisecond
)

// Chime synthesises the two-tone chime at rate samples per second. Each
// tone rises over 15 ms, decays like a struck bell and fades to silence
// over its last 60 ms, so neither tone starts or ends with a click.
func Chime(rate int) Sound {
	n := int(int64(chimeTone) * int64(rate) / int64(time.Second))
	s := Sound{Rate: rate, Samples: make([]int16, 0, 2*n)}
	for _, f := range []float64{chimeHigh, chimeLow} {
		s.Samples = append(s.Samples, tone(f, n, rate)...)
	}
	return s
}

func tone(freq float64, n, rate int) []int16 {
	out := make([]int16, n)
	attack := chimeAttack.Seconds() * float64(rate)
	fade := chimeFade.Seconds() * float64(rate)
	for i := range out {
		t := float64(i) / float64(rate)
		env := math.Exp(-4 * t) // the bell's decay
		if x := float64(i); x < attack {
			env *= 0.5 - 0.5*math.Cos(math.Pi*x/attack)
		}
		if left := float64(n - 1 - i); left < fade {
			env *= 0.5 - 0.5*math.Cos(math.Pi*left/fade)
		}
		// A little of the second and third harmonics makes it a bell,
		// not a test tone.
		w := 2 * math.Pi * freq * t
		v := (math.Sin(w) + 0.3*math.Sin(2*w) + 0.1*math.Sin(3*w)) / 1.4
		out[i] = int16(math.Round(v * env * chimePeak * math.MaxInt16))
	}
	return out
}
