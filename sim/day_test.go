package sim_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"eq/configs"
	"eq/queue"
	"eq/sim"
)

func TestRunRefusesBadDays(t *testing.T) {
	office := configs.Demo().Office
	for _, tc := range []struct {
		name string
		edit func(d *sim.Day)
		want string
	}{
		{"a date that is no date", func(d *sim.Day) { d.Date = "24.11.2026" }, "ГГГГ-ММ-ДД"},
		{"a service the office lacks", func(d *sim.Day) { d.Arrivals["tarot"] = 3 }, `"tarot"`},
		{"negative arrivals", func(d *sim.Day) { d.Arrivals["passport"] = -1 }, "passport"},
		{"an unknown distribution", func(d *sim.Day) { d.Default.Kind = "pareto" }, "pareto"},
		{"a share above one", func(d *sim.Day) { d.NoShow = 1.5 }, "no_show"},
		{"a window the office lacks", func(d *sim.Day) { d.Staff[0].Window = 99 }, "окна 99"},
		{"an operator the office lacks", func(d *sim.Day) { d.Staff[0].Operator = "ghost" }, `"ghost"`},
		{"a shift ending before it starts", func(d *sim.Day) { d.Staff[0].From, d.Staff[0].To = d.Staff[0].To, d.Staff[0].From }, "раньше начала"},
		{"two shifts of one window at once", func(d *sim.Day) { d.Staff[1].Window = d.Staff[0].Window }, "пересекаются"},
		{"a break of no minutes", func(d *sim.Day) { d.Staff[0].Breaks[0].Minutes = 0 }, "перерыв"},
		{"a negative walk-up", func(d *sim.Day) { d.WalkUp = -time.Second }, "отрицательным"},
		{"nobody at work", func(d *sim.Day) { d.Staff = nil }, "ни одного окна"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := demoDay(t, 1)
			tc.edit(d)
			_, err := sim.Run(context.Background(), office, d)
			if queue.ErrorCode(err) != queue.EINVALID || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want invalid naming %s", err, tc.want)
			}
		})
	}
}
