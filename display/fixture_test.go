package display_test

import (
	"fmt"
	"time"

	"eq/display"
	"eq/display/feed"
	"eq/queue"
)

// t0 is 10:42 on Tuesday 25 November 2025 in Moscow.
var t0 = time.Date(2025, 11, 25, 7, 42, 0, 0, time.UTC)

var (
	hd       = display.Size{W: 1920, H: 1080}
	portrait = display.Size{W: 1080, H: 1920}
	sign     = feed.Board{Window: 1}
)

func call(number string, window int, at time.Time) queue.Call {
	return queue.Call{Ticket: "t-" + number, Number: number, Window: window, At: at}
}

func service(prefix, name string, waiting, predictedMin int, over bool) queue.ServiceView {
	return queue.ServiceView{ID: prefix, Prefix: prefix, Name: queue.Text{RU: name, EN: "Service " + prefix},
		Open: true, Waiting: waiting, PredictedWaitS: predictedMin * 60, TargetWaitS: 900, OverTarget: over}
}

func services() []queue.ServiceView {
	return []queue.ServiceView{
		service("П", "Паспорт гражданина РФ", 7, 12, false),
		service("Т", "Заграничный паспорт", 4, 14, false),
		service("Р", "Регистрация по месту жительства", 2, 6, false),
		service("Н", "Регистрация прав и кадастровый учёт", 9, 23, true),
		service("Е", "Выписка из ЕГРН", 1, 3, false),
		service("Д", "Регистрация рождения", 0, 0, false),
		service("М", "Материнский капитал", 2, 8, false),
		service("В", "Пособия и выплаты на детей", 3, 11, false),
		service("С", "Субсидия на оплату ЖКУ", 0, 0, false),
		service("К", "Справка об отсутствии судимости", 1, 4, false),
		service("Г", "Выдача готовых документов", 5, 6, false),
	}
}

func operatorWindow(n int) queue.WindowView {
	return queue.WindowView{Number: n, Open: true, Operator: "op1",
		OperatorName: "Иванова Мария Сергеевна", Position: "ведущий специалист"}
}

// state is the demo office's state with calls, newest first.
func state(calls ...queue.Call) feed.State {
	return feed.State{
		Type: feed.TypeState, Version: feed.Version, Seq: 1, Board: "hall",
		Office:   queue.Text{RU: "МФЦ «Мои документы» района Хамовники", EN: "My Documents centre, Khamovniki"},
		Timezone: "Europe/Moscow",
		Settings: feed.Settings{BlinkS: 10, RunningText: queue.Text{
			RU: "Уважаемые заявители! Следите за номером талона на табло.",
			EN: "Please watch the display for your ticket number."}},
		Services: services(),
		Calls:    calls,
		Windows:  []queue.WindowView{operatorWindow(1), {Number: 2, Open: true}},
	}
}

// screen is an online screen that got st at t0-1m.
func screen(st feed.State) *display.Screen {
	s := &display.Screen{}
	s.Sync(st, t0.Add(-time.Minute))
	s.SetOnline(true)
	return s
}

// apply syncs s at at with msg, a feed.State, or with s's state brought up
// to date with msg, a feed.Call, Window or Queue, as the feed client does.
func apply(s *display.Screen, msg any, at time.Time) *display.Screen {
	st := s.State
	for _, c := range s.Calls {
		st.Calls = append(st.Calls, c.Call)
	}
	switch m := msg.(type) {
	case feed.State:
		st = m
	case feed.Call:
		st.ApplyCall(m)
	case feed.Window:
		st.ApplyWindow(m)
	case feed.Queue:
		st.ApplyQueue(m)
	default:
		panic(fmt.Sprintf("apply: unknown message %T", msg))
	}
	s.Sync(st, at)
	return s
}

func items(f *display.Frame, role display.Role) []display.Item {
	var out []display.Item
	for _, it := range f.Items {
		if it.Role == role {
			out = append(out, it)
		}
	}
	return out
}

func item(f *display.Frame, role display.Role, index int) (display.Item, bool) {
	for _, it := range f.Items {
		if it.Role == role && it.Index == index {
			return it, true
		}
	}
	return display.Item{}, false
}

func texts(f *display.Frame, role display.Role) []string {
	var out []string
	for _, it := range items(f, role) {
		out = append(out, it.Text)
	}
	return out
}

func layout(s *display.Screen, board feed.Board, size display.Size, at time.Time) *display.Frame {
	return display.NewLayouter(nil).Layout(s, board, size, at, "ru")
}
