package display_test

import (
	"slices"
	"testing"
	"time"

	"eq/display"
	"eq/display/feed"
	"eq/queue"
)

func ticket(number string, status queue.Status, recalls int) *queue.TicketView {
	return &queue.TicketView{ID: "t-" + number, Number: number, Status: status,
		History: []queue.Stage{{Service: "passport", CalledAt: t0, Window: 1, Recalls: recalls}}}
}

func TestWindowSign(t *testing.T) {
	ms := time.Millisecond
	closed := operatorWindow(1)
	closed.Open = false
	onBreak := operatorWindow(1)
	onBreak.OnBreak = true
	called := operatorWindow(1)
	called.Current = ticket("П012", queue.StatusCalled, 0)
	serving := operatorWindow(1)
	serving.Current = ticket("П012", queue.StatusServing, 0)
	nobody := queue.WindowView{Number: 1}

	type want struct {
		state, label, ticket string
		lit                  bool
		operator, position   string
	}
	tests := []struct {
		name   string
		window queue.WindowView
		after  time.Duration // since the window message arrived
		want   want
	}{
		{"a closed window says so", closed, 0,
			want{state: "Окно закрыто", operator: "Иванова Мария Сергеевна", position: "ведущий специалист"}},
		{"a closed window without a worker shows no name", nobody, 0, want{state: "Окно закрыто"}},
		{"a window on a break says so", onBreak, 0,
			want{state: "Перерыв", operator: "Иванова Мария Сергеевна", position: "ведущий специалист"}},
		{"an open window without a ticket asks to wait", operatorWindow(1), 0,
			want{state: "Ожидайте вызова", operator: "Иванова Мария Сергеевна", position: "ведущий специалист"}},
		{"a called ticket is lit at 0.25 s", called, 250 * ms,
			want{label: "Приглашается талон", ticket: "П012", lit: true, operator: "Иванова Мария Сергеевна", position: "ведущий специалист"}},
		{"a called ticket is dark at 0.75 s", called, 750 * ms,
			want{label: "Приглашается талон", ticket: "П012", lit: false, operator: "Иванова Мария Сергеевна", position: "ведущий специалист"}},
		{"a called ticket is steady after the blink time", called, 10250 * ms,
			want{label: "Приглашается талон", ticket: "П012", lit: true, operator: "Иванова Мария Сергеевна", position: "ведущий специалист"}},
		{"a ticket being served does not blink", serving, 750 * ms,
			want{label: "Обслуживается талон", ticket: "П012", lit: true, operator: "Иванова Мария Сергеевна", position: "ведущий специалист"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := screen(state())
			apply(s, feed.Window{Seq: 2, Window: tt.window}, t0)
			f := layout(s, sign, hd, t0.Add(tt.after))
			var got want
			if it, ok := item(f, display.RoleSignState, 0); ok {
				got.state = it.Text
			}
			if it, ok := item(f, display.RoleSignLabel, 0); ok {
				got.label = it.Text
			}
			if it, ok := item(f, display.RoleSignTicket, 0); ok {
				got.ticket, got.lit = it.Text, it.Visible
			}
			if it, ok := item(f, display.RoleOperatorName, 0); ok {
				got.operator = it.Text
			}
			if it, ok := item(f, display.RoleOperatorPost, 0); ok {
				got.position = it.Text
			}
			if got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
			if it, _ := item(f, display.RoleSignWindow, 0); it.Text != "Окно 1" {
				t.Errorf("title: got %q, want Окно 1", it.Text)
			}
		})
	}
}

func TestWindowSignLayout(t *testing.T) {
	st := state()
	st.Windows[0].Current = ticket("П012", queue.StatusCalled, 0)
	s := screen(st)
	for _, size := range []display.Size{hd, {768, 1024}, {1366, 768}} {
		f := layout(s, sign, size, t0)
		get := func(role display.Role) display.Item {
			it, ok := item(f, role, 0)
			if !ok {
				t.Fatalf("no %v", role)
			}
			return it
		}
		title, tk, name, post := get(display.RoleSignWindow), get(display.RoleSignTicket), get(display.RoleOperatorName), get(display.RoleOperatorPost)
		t.Run("on a screen of "+size.String()+" the window number, ticket, name and position go from top to bottom", func(t *testing.T) {
			order := []display.Item{title, tk, name, post}
			for i := 1; i < len(order); i++ {
				if order[i].Rect.Y < order[i-1].Rect.Bottom()-0.01 {
					t.Errorf("%v at %v overlaps %v at %v", order[i].Role, order[i].Rect, order[i-1].Role, order[i-1].Rect)
				}
			}
		})
		t.Run("on a screen of "+size.String()+" the ticket is the largest text", func(t *testing.T) {
			for _, it := range []display.Item{title, name, post} {
				if it.FontSize >= tk.FontSize {
					t.Errorf("%v font %v, ticket %v", it.Role, it.FontSize, tk.FontSize)
				}
			}
		})
	}
}

func TestWindowSignNumber(t *testing.T) {
	f := layout(screen(state()), feed.Board{Window: 12}, hd, t0)
	t.Run("a window the feed does not know shows its number, closed", func(t *testing.T) {
		got := []string{texts(f, display.RoleSignWindow)[0], texts(f, display.RoleSignState)[0]}
		if want := []string{"Окно 12", "Окно закрыто"}; !slices.Equal(got, want) {
			t.Errorf("got %q, want %q", got, want)
		}
	})
	t.Run("in English it is a window", func(t *testing.T) {
		f := display.NewLayouter(nil).Layout(screen(state()), feed.Board{Window: 12}, hd, t0, "en")
		if got := texts(f, display.RoleSignWindow); !slices.Equal(got, []string{"Window 12"}) {
			t.Errorf("got %q", got)
		}
	})
}

func TestWindowSignBlinksAgain(t *testing.T) {
	lit := func(s *display.Screen, at time.Time) bool {
		it, ok := item(layout(s, sign, hd, at), display.RoleSignTicket, 0)
		if !ok {
			t.Fatal("no ticket")
		}
		return it.Visible
	}
	called := operatorWindow(1)
	called.Current = ticket("П012", queue.StatusCalled, 0)

	t.Run("a call known from the start does not blink", func(t *testing.T) {
		st := state()
		st.Windows[0] = called
		if s := screen(st); !lit(s, t0.Add(750*time.Millisecond)) {
			t.Error("got dark")
		}
	})
	t.Run("a recall seen in a window message blinks again", func(t *testing.T) {
		s := screen(state())
		apply(s, feed.Window{Seq: 2, Window: called}, t0)
		recalled := called
		recalled.Current = ticket("П012", queue.StatusCalled, 1)
		apply(s, feed.Window{Seq: 3, Window: recalled}, t0.Add(30*time.Second))
		if lit(s, t0.Add(30750*time.Millisecond)) {
			t.Error("got lit at 0.75 s after the recall")
		}
	})
	t.Run("a recall seen in a call message blinks again", func(t *testing.T) {
		st := state()
		st.Windows[0] = called
		s := screen(st)
		recall := call("П012", 1, t0.Add(30*time.Second))
		recall.Recall = true
		apply(s, feed.Call{Seq: 3, Call: recall}, t0.Add(30*time.Second))
		if lit(s, t0.Add(30750*time.Millisecond)) {
			t.Error("got lit at 0.75 s after the recall")
		}
		if !lit(s, t0.Add(41*time.Second)) {
			t.Error("got dark after the blink time")
		}
	})
}
