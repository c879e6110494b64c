package configs

import (
	"time"

	"eq/queue"
)

// Display is how the hall display and window signs look.
type Display struct {
	RunningText queue.Text    // the line scrolling along the bottom of the hall display
	Blink       time.Duration // how long a new call blinks
}

// defaultBlink is long enough to catch the eye of someone looking away.
const (
	defaultBlink = 10 * time.Second
	maxBlink     = 2 * time.Minute
)

type displaySection struct {
	RunningText text           `yaml:"running_text"`
	Blink       *time.Duration `yaml:"blink"` // default 10s
}

func (d *decoder) checkDisplay(s *displaySection) {
	d.duration("display.blink", s.Blink, false, maxBlink)
}

func buildDisplay(s *displaySection) Display {
	return Display{RunningText: s.RunningText.text(), Blink: orDefault(s.Blink, defaultBlink)}
}
