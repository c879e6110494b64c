package sound

import (
	"fmt"
	"strings"
	"time"

	"eq/queue"
)

// DefaultGap is the silence between fragments: enough to hear the words
// apart, short enough to be heard as one sentence.
const DefaultGap = 120 * time.Millisecond

// Render joins fragments of bank, in order, with gap of silence between
// each two, into one WAV file (PCM, mono, 16-bit, the bank's rate). The
// chime comes first when it is the first fragment, as Compose puts it.
func Render(bank *Bank, fragments []string, gap time.Duration) ([]byte, error) {
	if len(fragments) == 0 {
		return nil, fmt.Errorf("sound: nothing to render")
	}
	if gap < 0 {
		return nil, fmt.Errorf("sound: negative gap %v", gap)
	}
	gapN := int(int64(gap) * int64(bank.rate) / int64(time.Second))
	total := gapN * (len(fragments) - 1)
	var missing []string
	for _, name := range fragments {
		s, ok := bank.sound[name]
		if !ok {
			missing = append(missing, name)
		}
		total += len(s)
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("sound: bank %s has no %s", bank.lang, strings.Join(missing, ", "))
	}
	out := Sound{Rate: bank.rate, Samples: make([]int16, 0, total)}
	for i, name := range fragments {
		if i > 0 {
			out.Samples = append(out.Samples, make([]int16, gapN)...)
		}
		out.Samples = append(out.Samples, bank.sound[name]...)
	}
	return EncodeWAV(out), nil
}

// Announce renders the announcement of call in bank's language, with the
// default gap.
func Announce(bank *Bank, call queue.Call) ([]byte, error) {
	frags, err := Compose(bank.lang, call.Number, call.Window, call.Recall)
	if err != nil {
		return nil, err
	}
	return Render(bank, frags, DefaultGap)
}
