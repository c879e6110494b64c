package display_test

import (
	"fmt"
	"time"

	"eq/display"
	"eq/display/feed"
	"eq/queue"
)

func Example() {
	// The feed client keeps the state up to date with what the server sends;
	// the screen syncs with each new state by the display's clock.
	var sh display.Shared
	now := time.Date(2025, 11, 25, 7, 42, 0, 0, time.UTC)
	st := feed.State{Type: feed.TypeState, Office: queue.Text{RU: "МФЦ"}, Timezone: "Europe/Moscow"}
	sh.Sync(st, now)
	st.ApplyCall(feed.Call{Type: feed.TypeCall, Seq: 1, Call: queue.Call{Ticket: "t1", Number: "П012", Window: 1, At: now}})
	sh.Sync(st, now)
	sh.SetOnline(true)

	// Each frame the renderer takes a snapshot and lays it out.
	var s display.Screen
	sh.Snapshot(&s)
	l := display.NewLayouter(display.ApproxMeasure)
	f := l.Layout(&s, feed.Hall, display.Size{W: 1920, H: 1080}, now.Add(1700*time.Millisecond), "ru")
	for _, it := range f.Items {
		switch it.Role {
		case display.RoleClock, display.RoleCallTicket, display.RoleCallWindow:
			fmt.Printf("%s %q at y %.0f, %.0f px, visible %v\n", it.Role, it.Text, it.Rect.Y, it.FontSize, it.Visible)
		}
	}
	// Output:
	// clock "10:42" at y 0, 81 px, visible true
	// call-ticket "П012" at y 217, 146 px, visible false
	// call-window "1" at y 217, 146 px, visible false
}
