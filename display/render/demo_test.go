package render_test

import (
	"time"

	"eq/display/feed"
	"eq/queue"
)

// demoAt is the moment the demo pictures show: a Tuesday morning in Moscow.
var demoAt = time.Date(2025, 11, 25, 10, 42, 0, 0, time.FixedZone("MSK", 3*3600))

// demoState is the demo office (configs/demo.yaml) in the middle of a
// busy morning: the property queue is over its target.
func demoState() feed.State {
	svc := func(id, prefix, ru string, waiting, predictedMin, targetMin int) queue.ServiceView {
		return queue.ServiceView{ID: id, Prefix: prefix, Name: queue.Text{RU: ru}, Open: true, Waiting: waiting,
			TargetWaitS: targetMin * 60, PredictedWaitS: predictedMin * 60, WindowsOpen: 1,
			OverTarget: predictedMin > targetMin}
	}
	call := func(number string, window int, ago time.Duration) queue.Call {
		return queue.Call{Ticket: "t-" + number, Number: number, Window: window, At: demoAt.Add(-ago)}
	}
	win := func(n int, name, position string) queue.WindowView {
		return queue.WindowView{Number: n, Open: true, Operator: "op", OperatorName: name, Position: position}
	}
	ws := []queue.WindowView{
		win(1, "Иванова Мария Сергеевна", "ведущий специалист"),
		win(2, "Петров Алексей Викторович", "ведущий специалист"),
		win(3, "Смирнова Ольга Николаевна", "специалист 1-й категории"),
		win(4, "Кузнецов Дмитрий Андреевич", "главный специалист"),
		win(5, "Соколова Елена Павловна", "ведущий специалист"),
		win(6, "Морозова Анна Игоревна", "ведущий специалист"),
		win(7, "Волков Сергей Михайлович", "специалист 1-й категории"),
		win(8, "Лебедева Татьяна Александровна", "ведущий специалист"),
	}
	ws[0].Current = &queue.TicketView{ID: "t-П012", Number: "П012", ServiceID: "passport", Status: queue.StatusCalled,
		History: []queue.Stage{{Service: "passport", CalledAt: demoAt, Window: 1}}}
	ws[6].OnBreak = true
	return feed.State{
		Type: feed.TypeState, Version: feed.Version, Seq: 412, Board: "hall",
		Office:   queue.Text{RU: "МФЦ «Мои документы» района Хамовники", EN: "My Documents centre, Khamovniki"},
		Timezone: "Europe/Moscow",
		Settings: feed.Settings{BlinkS: 10, RunningText: queue.Text{
			RU: "Уважаемые заявители! Следите за номером талона на табло. Время ожидания в очереди — не более 15 минут. Приём документов заканчивается за час до закрытия центра.",
			EN: "Please watch the display for your ticket number. The wait in the queue is at most 15 minutes. Documents are accepted until one hour before closing."}},
		Services: []queue.ServiceView{
			svc("passport", "П", "Паспорт гражданина РФ", 7, 12, 15),
			svc("foreign-passport", "Т", "Заграничный паспорт", 4, 14, 15),
			svc("residence", "Р", "Регистрация по месту жительства", 2, 6, 15),
			svc("property-rights", "Н", "Регистрация прав и кадастровый учёт", 9, 23, 15),
			svc("egrn-extract", "Е", "Выписка из ЕГРН", 1, 3, 15),
			svc("birth", "Д", "Регистрация рождения", 0, 0, 15),
			svc("maternity-capital", "М", "Материнский капитал", 2, 8, 15),
			svc("child-benefits", "В", "Пособия и выплаты на детей", 3, 11, 15),
			svc("housing-subsidy", "С", "Субсидия на оплату ЖКУ", 0, 0, 15),
			svc("criminal-record", "К", "Справка об отсутствии судимости", 1, 4, 15),
			svc("pick-up", "Г", "Выдача готовых документов", 5, 6, 10),
		},
		Calls: []queue.Call{
			call("П012", 1, 0),
			call("Т004", 3, 40*time.Second),
			call("Н007", 4, 95*time.Second),
			call("Г015", 8, 2*time.Minute),
			call("Д003", 6, 3*time.Minute),
			call("П011", 2, 4*time.Minute),
			call("Е005", 5, 5*time.Minute),
			call("В002", 7, 7*time.Minute),
			call("К001", 8, 9*time.Minute),
		},
		Windows: ws,
	}
}
