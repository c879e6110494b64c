package display_test

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"eq/display"
	"eq/display/feed"
	"eq/queue"
)

func TestHallCalls(t *testing.T) {
	s := screen(state(call("П012", 1, t0), call("Т004", 3, t0.Add(-time.Minute)), call("Н007", 4, t0.Add(-2*time.Minute))))
	for _, size := range []display.Size{hd, portrait} {
		f := layout(s, feed.Hall, size, t0)
		t.Run(fmt.Sprintf("on %dx%d the calls read ticket then window, newest first", size.W, size.H), func(t *testing.T) {
			if got, want := texts(f, display.RoleCallTicket), []string{"П012", "Т004", "Н007"}; !slices.Equal(got, want) {
				t.Errorf("tickets: got %v, want %v", got, want)
			}
			if got, want := texts(f, display.RoleCallWindow), []string{"1", "3", "4"}; !slices.Equal(got, want) {
				t.Errorf("windows: got %v, want %v", got, want)
			}
			for i := range 3 {
				ticket, _ := item(f, display.RoleCallTicket, i)
				arrow, _ := item(f, display.RoleCallArrow, i)
				window, _ := item(f, display.RoleCallWindow, i)
				if !(ticket.Rect.Right() <= arrow.Rect.X && arrow.Rect.Right() <= window.Rect.X) {
					t.Errorf("row %d: ticket %v, arrow %v, window %v: want them left to right", i, ticket.Rect, arrow.Rect, window.Rect)
				}
				if ticket.Rect.Y != window.Rect.Y {
					t.Errorf("row %d: ticket at y %v, window at y %v", i, ticket.Rect.Y, window.Rect.Y)
				}
			}
		})
		t.Run(fmt.Sprintf("on %dx%d the newest is at the top with the largest font, in the accent colour", size.W, size.H), func(t *testing.T) {
			rows := items(f, display.RoleCallTicket)
			for i := 1; i < len(rows); i++ {
				if rows[i].Rect.Y < rows[i-1].Rect.Bottom() {
					t.Errorf("row %d at y %v overlaps row %d ending at %v", i, rows[i].Rect.Y, i-1, rows[i-1].Rect.Bottom())
				}
				if rows[0].FontSize < 1.5*rows[i].FontSize {
					t.Errorf("newest font %v, row %d font %v: want the newest much larger", rows[0].FontSize, i, rows[i].FontSize)
				}
			}
			if got := rows[0].Color; got != display.ColorAccent {
				t.Errorf("newest colour: got %v, want accent", got)
			}
			if got := rows[1].Color; got != display.ColorText {
				t.Errorf("second colour: got %v, want text", got)
			}
		})
	}
}

func TestHallPanelsFollowTheOrientation(t *testing.T) {
	s := screen(state(call("П012", 1, t0)))
	tests := []struct {
		name string
		size display.Size
		want func(calls, queues display.Rect) bool
	}{
		{"in landscape the services stand right of the calls", hd, func(c, q display.Rect) bool {
			return q.X >= c.Right() && q.Y == c.Y && q.H == c.H
		}},
		{"in portrait the services are below the calls", portrait, func(c, q display.Rect) bool {
			return q.Y >= c.Bottom() && q.X == c.X && q.W == c.W
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := layout(s, feed.Hall, tt.size, t0)
			c, _ := item(f, display.RoleCallsPanel, 0)
			q, _ := item(f, display.RoleServicesPanel, 0)
			if !tt.want(c.Rect, q.Rect) {
				t.Errorf("calls %+v, services %+v", c.Rect, q.Rect)
			}
		})
	}
}

func TestHallShowsAsManyCallsAsFit(t *testing.T) {
	var many []queue.Call
	for i := 20; i > 0; i-- {
		many = append(many, call(fmt.Sprintf("П%03d", i), 1+i%8, t0.Add(time.Duration(i)*time.Second)))
	}
	s := screen(state(many...))
	tests := []struct {
		name string
		size display.Size
		want int
	}{
		{"a full HD landscape screen shows 5", hd, 5},
		{"a smaller screen of the same shape shows as many", display.Size{W: 1280, H: 720}, 5},
		{"a 4K screen of the same shape shows as many", display.Size{W: 3840, H: 2160}, 5},
		{"a full HD portrait screen shows 6", portrait, 6},
		{"a 16:10 screen shows as many: sizes follow the height", display.Size{W: 1920, H: 1200}, 5},
		{"a 4:3 portrait screen shows 3", display.Size{W: 768, H: 1024}, 3},
		{"a tall portrait screen shows 9", display.Size{W: 1080, H: 2560}, 9},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := layout(s, feed.Hall, tt.size, t0)
			got := texts(f, display.RoleCallTicket)
			var want []string
			for _, c := range s.Calls[:tt.want] {
				want = append(want, c.Number)
			}
			if !slices.Equal(got, want) {
				t.Errorf("got %v, want %v", got, want)
			}
			panel, _ := item(f, display.RoleCallsPanel, 0)
			for _, it := range items(f, display.RoleCallTicket) {
				if it.Rect.Bottom() > panel.Rect.Bottom() {
					t.Errorf("row %d ends at %v, below the panel's %v", it.Index, it.Rect.Bottom(), panel.Rect.Bottom())
				}
			}
		})
	}
}

func TestHallBlinksTheNewCall(t *testing.T) {
	s := screen(state(call("Т004", 3, t0.Add(-time.Minute))))
	apply(s, feed.Call{Seq: 2, Call: call("П012", 1, t0)}, t0)
	ms := time.Millisecond
	tests := []struct {
		name  string
		after time.Duration
		want  []bool // newest, older
	}{
		{"the new call is lit at 0.25 s", 250 * ms, []bool{true, true}},
		{"the new call is dark at 0.75 s, the older one steady", 750 * ms, []bool{false, true}},
		{"the new call is lit again at 1.25 s", 1250 * ms, []bool{true, true}},
		{"the new call is dark at 9.75 s", 9750 * ms, []bool{false, true}},
		{"the new call is steady after the blink time", 10750 * ms, []bool{true, true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := layout(s, feed.Hall, hd, t0.Add(tt.after))
			var got []bool
			for _, it := range items(f, display.RoleCallTicket) {
				got = append(got, it.Visible)
				for _, role := range []display.Role{display.RoleCallArrow, display.RoleCallWindow} {
					if other, _ := item(f, role, it.Index); other.Visible != it.Visible {
						t.Errorf("row %d: %v visible %v, ticket %v: want the row to blink as one", it.Index, role, other.Visible, it.Visible)
					}
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestHallRecallMovesTheCallUpAndBlinksAgain(t *testing.T) {
	s := screen(state(call("Т004", 3, t0.Add(-time.Minute))))
	apply(s, feed.Call{Seq: 2, Call: call("П012", 1, t0)}, t0)
	recall := call("Т004", 3, t0.Add(30*time.Second))
	recall.Recall = true
	apply(s, feed.Call{Seq: 3, Call: recall}, t0.Add(30*time.Second))

	f := layout(s, feed.Hall, hd, t0.Add(30750*time.Millisecond))
	if got, want := texts(f, display.RoleCallTicket), []string{"Т004", "П012"}; !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	if top, _ := item(f, display.RoleCallTicket, 0); top.Visible {
		t.Error("the recalled call is lit at 0.75 s after the recall, want dark")
	}
	if f := layout(s, feed.Hall, hd, t0.Add(41*time.Second)); !items(f, display.RoleCallTicket)[0].Visible {
		t.Error("the recalled call is dark after the blink time, want steady")
	}
}

func TestHallServices(t *testing.T) {
	s := screen(state())
	f := layout(s, feed.Hall, hd, t0)
	row := func(prefix string) int {
		for _, it := range items(f, display.RoleServicePrefix) {
			if it.Text == prefix {
				return it.Index
			}
		}
		t.Fatalf("no row for %s", prefix)
		return -1
	}
	get := func(role display.Role, i int) display.Item {
		it, ok := item(f, role, i)
		if !ok {
			t.Fatalf("no %v in row %d", role, i)
		}
		return it
	}
	t.Run("every service is listed in the office's order", func(t *testing.T) {
		want := []string{"П", "Т", "Р", "Н", "Е", "Д", "М", "В", "С", "К", "Г"}
		if got := texts(f, display.RoleServicePrefix); !slices.Equal(got, want) {
			t.Errorf("got %v, want %v", got, want)
		}
	})
	t.Run("a row tells the name, how many wait and the predicted wait", func(t *testing.T) {
		i := row("П")
		got := []string{get(display.RoleServiceName, i).Text, get(display.RoleServiceCount, i).Text, get(display.RoleServiceWait, i).Text}
		if want := []string{"Паспорт гражданина РФ", "7", "≈12 мин"}; !slices.Equal(got, want) {
			t.Errorf("got %q, want %q", got, want)
		}
	})
	t.Run("a service nobody waits for shows a dash", func(t *testing.T) {
		if got := get(display.RoleServiceWait, row("Д")).Text; got != "—" {
			t.Errorf("got %q, want —", got)
		}
	})
	t.Run("a service over its target is in the alert colour, with a bar", func(t *testing.T) {
		i := row("Н")
		for _, role := range []display.Role{display.RoleServiceCount, display.RoleServiceWait} {
			if got := get(role, i).Color; got != display.ColorAlert {
				t.Errorf("%v: got colour %v, want alert", role, got)
			}
		}
		if bars := items(f, display.RoleServiceAlert); len(bars) != 1 || bars[0].Index != i || bars[0].Color != display.ColorAlert {
			t.Errorf("alert bars: got %+v, want one in row %d", bars, i)
		}
	})
	t.Run("a service within its target is in the text colour", func(t *testing.T) {
		if got := get(display.RoleServiceWait, row("П")).Color; got != display.ColorText {
			t.Errorf("got colour %v, want text", got)
		}
	})
}

func TestHallMakesRoomForQueuesThatWait(t *testing.T) {
	st := state()
	// 20 services, 9 with someone waiting; a full HD screen has room for 13.
	for i := range 9 {
		st.Services = append(st.Services, service(fmt.Sprintf("Я%d", i), "Услуга без очереди", 0, 0, false))
	}
	f := layout(screen(st), feed.Hall, hd, t0)
	got := texts(f, display.RoleServicePrefix)
	want := []string{"П", "Т", "Р", "Н", "Е", "Д", "М", "В", "С", "К", "Г", "Я0", "Я1"}
	if len(got) != len(want) {
		t.Fatalf("got %v: the test wants room for %d services", got, len(want))
	}
	// The first services nobody waits for stay, the later ones give way.
	if !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	t.Run("on a small screen every service nobody waits for gives way", func(t *testing.T) {
		f := layout(screen(st), feed.Hall, display.Size{W: 768, H: 1024}, t0)
		got := texts(f, display.RoleServicePrefix)
		want := []string{"П", "Т", "Р", "Н", "Е", "М", "В", "К", "Г"}
		if len(got) > len(want) {
			t.Fatalf("got %v: the test wants room for at most %d", got, len(want))
		}
		if !slices.Equal(got, want[:len(got)]) {
			t.Errorf("got %v, want %v", got, want[:len(got)])
		}
	})
}

func TestHallFitsLongNames(t *testing.T) {
	st := state()
	long := "Государственная регистрация прав на недвижимое имущество и сделок с ним, кадастровый учёт"
	st.Services[0].Name.RU = long
	f := layout(screen(st), feed.Hall, hd, t0)
	name, _ := item(f, display.RoleServiceName, 0)
	next, _ := item(f, display.RoleServiceName, 1)
	t.Run("a name too long is cut with an ellipsis", func(t *testing.T) {
		if !strings.HasSuffix(name.Text, "…") || !strings.HasPrefix(long, strings.TrimSuffix(name.Text, "…")) {
			t.Errorf("got %q", name.Text)
		}
	})
	t.Run("it shrinks first, but not below seven tenths of its row's size", func(t *testing.T) {
		if name.FontSize >= next.FontSize || name.FontSize < math.Floor(0.7*next.FontSize) {
			t.Errorf("got size %v, next row's %v", name.FontSize, next.FontSize)
		}
	})
	t.Run("what is left fits its place", func(t *testing.T) {
		if w := display.ApproxMeasure(name.Text, name.FontSize, name.Bold); w > name.Rect.W {
			t.Errorf("got width %v in a place of %v", w, name.Rect.W)
		}
	})
}

func TestHallHeader(t *testing.T) {
	tests := []struct {
		name     string
		tz, lang string
		want     []string // clock, date, weekday
	}{
		{"the clock and date are the office's, in Russian", "Europe/Moscow", "ru", []string{"10:42", "25.11.2025", "вторник"}},
		{"another office's time zone moves the clock", "Asia/Vladivostok", "ru", []string{"17:42", "25.11.2025", "вторник"}},
		{"the time zone moves the date too", "America/Los_Angeles", "ru", []string{"23:42", "24.11.2025", "понедельник"}},
		{"in English the weekday is English", "Europe/Moscow", "en", []string{"10:42", "25.11.2025", "Tuesday"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := state()
			st.Timezone = tt.tz
			f := display.NewLayouter(nil).Layout(screen(st), feed.Hall, hd, t0.Add(30*time.Second), tt.lang)
			var got []string
			for _, role := range []display.Role{display.RoleClock, display.RoleDate, display.RoleWeekday} {
				it, _ := item(f, role, 0)
				got = append(got, it.Text)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
	t.Run("the office's name is in the header", func(t *testing.T) {
		f := layout(screen(state()), feed.Hall, hd, t0)
		if it, _ := item(f, display.RoleOffice, 0); it.Text != "МФЦ «Мои документы» района Хамовники" {
			t.Errorf("got %q", it.Text)
		}
	})
	t.Run("the clock follows the minute on the same layouter", func(t *testing.T) {
		l := display.NewLayouter(nil)
		s := screen(state())
		var got []string
		for _, at := range []time.Time{t0.Add(59 * time.Second), t0.Add(60 * time.Second), t0.Add(61 * time.Minute)} {
			it, _ := item(l.Layout(s, feed.Hall, hd, at, "ru"), display.RoleClock, 0)
			got = append(got, it.Text)
		}
		if want := []string{"10:42", "10:43", "11:43"}; !slices.Equal(got, want) {
			t.Errorf("got %v, want %v", got, want)
		}
	})
}

func TestHallRunningText(t *testing.T) {
	s := screen(state())
	l := display.NewLayouter(nil)
	at := func(when time.Time) display.Item {
		it, ok := item(l.Layout(s, feed.Hall, hd, when, "ru"), display.RoleTicker, 0)
		if !ok {
			t.Fatal("no running text")
		}
		return it
	}
	// At the epoch the text enters; two seconds later it is well inside.
	base := time.Unix(2, 0)
	start := at(base)
	speed := display.TickerSpeed(start.FontSize)
	period := time.Duration((float64(hd.W) + start.Rect.W) / speed * float64(time.Second))

	t.Run("it moves left at a steady speed", func(t *testing.T) {
		for _, d := range []time.Duration{time.Second / 60, time.Second, 3 * time.Second} {
			if got, want := at(base.Add(d)).Rect.X, start.Rect.X-speed*d.Seconds(); math.Abs(got-want) > 0.01 {
				t.Errorf("after %v: got x %v, want %v", d, got, want)
			}
		}
	})
	t.Run("it enters at the right edge", func(t *testing.T) {
		if got := at(time.Unix(0, 0)).Rect.X; got != float64(hd.W) {
			t.Errorf("got x %v, want %v", got, hd.W)
		}
	})
	t.Run("it starts again once it has left", func(t *testing.T) {
		if got := at(base.Add(period)).Rect.X; math.Abs(got-start.Rect.X) > 0.5 {
			t.Errorf("after a period: got x %v, want %v", got, start.Rect.X)
		}
		for d := time.Duration(0); d < period; d += period / 200 {
			if x := at(t0.Add(d)).Rect.X; x < -start.Rect.W-0.01 || x > float64(hd.W) {
				t.Fatalf("after %v: x %v is outside [-%v, %v]", d, x, start.Rect.W, hd.W)
			}
		}
	})
	t.Run("two displays show it at the same place", func(t *testing.T) {
		other := display.NewLayouter(nil)
		it, _ := item(other.Layout(s, feed.Hall, hd, t0.Add(7*time.Second), "ru"), display.RoleTicker, 0)
		if got := at(t0.Add(7 * time.Second)).Rect.X; got != it.Rect.X {
			t.Errorf("got %v and %v", got, it.Rect.X)
		}
	})
	t.Run("with no running text there is none", func(t *testing.T) {
		st := state()
		st.Settings.RunningText = queue.Text{}
		if _, ok := item(layout(screen(st), feed.Hall, hd, t0), display.RoleTicker, 0); ok {
			t.Error("got a running text")
		}
	})
}

func TestOfflineMark(t *testing.T) {
	for _, board := range []feed.Board{feed.Hall, sign} {
		tests := []struct {
			name   string
			online bool
			want   int
		}{
			{"the " + board.String() + " board carries no mark while connected", true, 0},
			{"the " + board.String() + " board carries a small mark without connection", false, 1},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				s := screen(state())
				s.SetOnline(tt.online)
				f := layout(s, board, hd, t0)
				marks := items(f, display.RoleOffline)
				if len(marks) != tt.want {
					t.Fatalf("got %d marks, want %d", len(marks), tt.want)
				}
				if tt.want == 0 {
					return
				}
				m := marks[0]
				if m.Text != "нет связи" || m.Color != display.ColorAlert {
					t.Errorf("got %q in %v", m.Text, m.Color)
				}
				if m.Rect.Right() < float64(hd.W)*0.9 || m.Rect.Bottom() < float64(hd.H)*0.9 || m.FontSize > float64(hd.H)/30 {
					t.Errorf("got %v at size %v: want it small, in the bottom right corner", m.Rect, m.FontSize)
				}
				if last := f.Items[len(f.Items)-1]; last.Role != display.RoleOffline {
					t.Errorf("the last item is %v: want the mark over everything", last.Role)
				}
			})
		}
	}
}

// Whatever the screen, every text fits its place and every place is on the
// screen.
func TestLayoutFitsAnyScreen(t *testing.T) {
	var many []queue.Call
	for i := 20; i > 0; i-- {
		many = append(many, call(fmt.Sprintf("П%03d", i), 10+i, t0))
	}
	st := state(many...)
	st.Windows[0].Current = &queue.TicketView{ID: "t-П020", Number: "П020", Status: queue.StatusCalled}
	s := screen(st)
	s.SetOnline(false)
	sizes := []display.Size{hd, portrait, {1280, 720}, {1366, 768}, {800, 480}, {480, 800}, {3840, 2160}, {1024, 1024}, {640, 200}}
	for _, board := range []feed.Board{feed.Hall, sign} {
		for _, size := range sizes {
			t.Run(fmt.Sprintf("the %v board on %dx%d", board, size.W, size.H), func(t *testing.T) {
				f := layout(s, board, size, t0)
				if f.Size != size {
					t.Errorf("frame size %v", f.Size)
				}
				for _, it := range f.Items {
					r := it.Rect
					if it.Role == display.RoleTicker {
						continue
					}
					if r.X < 0 || r.Y < 0 || r.Right() > float64(size.W)+0.01 || r.Bottom() > float64(size.H)+0.01 {
						t.Errorf("%v %d %q at %+v is off the screen", it.Role, it.Index, it.Text, r)
					}
					if it.Kind == display.KindText {
						if w := display.ApproxMeasure(it.Text, it.FontSize, it.Bold); w > r.W+0.01 {
							t.Errorf("%v %d %q is %v wide in %v", it.Role, it.Index, it.Text, w, r.W)
						}
						if it.FontSize > r.H+0.01 {
							t.Errorf("%v %d %q: font %v in a place %v high", it.Role, it.Index, it.Text, it.FontSize, r.H)
						}
					}
				}
			})
		}
	}
}

func TestLayoutInEnglish(t *testing.T) {
	f := display.NewLayouter(nil).Layout(screen(state()), feed.Hall, hd, t0, "en")
	if got, want := texts(f, display.RoleCallsHeading), []string{"Ticket", "Window"}; !slices.Equal(got, want) {
		t.Errorf("headings: got %v, want %v", got, want)
	}
	if it, _ := item(f, display.RoleServiceName, 0); it.Text != "Service П" {
		t.Errorf("service name: got %q, want the English one", it.Text)
	}
}

func TestLayoutOfNothing(t *testing.T) {
	t.Run("a screen without a state shows the frame and the mark", func(t *testing.T) {
		f := layout(&display.Screen{}, feed.Hall, hd, t0)
		if len(items(f, display.RoleClock)) != 1 || len(items(f, display.RoleOffline)) != 1 || len(items(f, display.RoleCallTicket)) != 0 {
			t.Errorf("got %d items", len(f.Items))
		}
	})
	t.Run("an empty screen size has nothing to draw", func(t *testing.T) {
		if f := layout(screen(state()), feed.Hall, display.Size{}, t0); len(f.Items) != 0 {
			t.Errorf("got %d items", len(f.Items))
		}
	})
}
