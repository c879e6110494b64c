package webhook_test

import (
	"encoding/json"
	"testing"
	"time"

	"eq/queue"
	"eq/queue/store"
	"eq/webhook"
)

func TestNewPayload(t *testing.T) {
	msk := time.FixedZone("MSK", 3*60*60)
	at := time.Date(2025, 3, 3, 9, 0, 0, 0, msk)
	issued := queue.Event{Seq: 2, Type: queue.EventTicketIssued, At: at, Day: "2025-03-03", Ticket: "20250303-000001",
		Number: "П001", Service: "passport", Priority: queue.PriorityPrivileged, Deadline: at.Add(15 * time.Minute)}
	called := queue.Event{Seq: 5, Type: queue.EventTicketCalled, At: at.Add(time.Minute), Day: "2025-03-03", Ticket: "20250303-000001",
		Number: "П001", Service: "passport", Window: 2, Operator: "petrov", Reason: "льготная категория", Auto: true}
	forwarded := queue.Event{Seq: 9, Type: queue.EventTicketForwarded, At: at.Add(5 * time.Minute), Day: "2025-03-03", Ticket: "20250303-000001",
		Number: "П001", Service: "consult", Window: 2, Operator: "petrov", Reason: "нужна консультация",
		ToWindow: 1, ToOperator: "ivanova", ReturnTo: 2, Deadline: at.Add(15 * time.Minute)}
	appt := queue.Event{Seq: 30, Type: queue.EventTicketIssued, At: at, Day: "2025-03-03", Ticket: "20250303-000007",
		Number: "К007", Service: "consult", Priority: queue.PriorityAppointment, Code: "482913",
		Slot: time.Date(2025, 3, 3, 9, 15, 0, 0, msk), Deadline: time.Date(2025, 3, 3, 9, 20, 0, 0, msk)}

	tests := []struct {
		name string
		item store.OutboxItem
		want string
	}{
		{
			name: "an issue describes the ticket from itself",
			item: store.OutboxItem{Event: issued},
			want: `{"id":"2","type":"TicketIssued","at":"2025-03-03T06:00:00Z","day":"2025-03-03",` +
				`"ticket":{"id":"20250303-000001","number":"П001","service_id":"passport","priority":"privileged","issued_at":"2025-03-03T06:00:00Z"},` +
				`"service_id":"passport","deadline":"2025-03-03T06:15:00Z"}`,
		},
		{
			name: "a call carries the window, the operator and why",
			item: store.OutboxItem{Event: called, History: []queue.Event{issued}},
			want: `{"id":"5","type":"TicketCalled","at":"2025-03-03T06:01:00Z","day":"2025-03-03",` +
				`"ticket":{"id":"20250303-000001","number":"П001","service_id":"passport","priority":"privileged","issued_at":"2025-03-03T06:00:00Z"},` +
				`"service_id":"passport","window":2,"operator":"petrov","auto":true,"reason":"льготная категория"}`,
		},
		{
			name: "a forward names the service left and the one gone to",
			item: store.OutboxItem{Event: forwarded, History: []queue.Event{issued, called}},
			want: `{"id":"9","type":"TicketForwarded","at":"2025-03-03T06:05:00Z","day":"2025-03-03",` +
				`"ticket":{"id":"20250303-000001","number":"П001","service_id":"passport","priority":"privileged","issued_at":"2025-03-03T06:00:00Z"},` +
				`"service_id":"passport","window":2,"operator":"petrov","reason":"нужна консультация","deadline":"2025-03-03T06:15:00Z",` +
				`"to_service":"consult","to_window":1,"to_operator":"ivanova","return_to":2}`,
		},
		{
			name: "an event after a forward is in the new service, the ticket still in its first",
			item: store.OutboxItem{
				Event:   queue.Event{Seq: 12, Type: queue.EventTicketCancelled, At: at.Add(9 * time.Minute), Day: "2025-03-03", Ticket: "20250303-000001"},
				History: []queue.Event{issued, called, forwarded},
			},
			want: `{"id":"12","type":"TicketCancelled","at":"2025-03-03T06:09:00Z","day":"2025-03-03",` +
				`"ticket":{"id":"20250303-000001","number":"П001","service_id":"passport","priority":"privileged","issued_at":"2025-03-03T06:00:00Z"},` +
				`"service_id":"consult"}`,
		},
		{
			name: "a postpone carries its minutes and until",
			item: store.OutboxItem{
				Event: queue.Event{Seq: 6, Type: queue.EventTicketPostponed, At: at.Add(2 * time.Minute), Day: "2025-03-03", Ticket: "20250303-000001",
					Number: "П001", Service: "passport", Window: 2, Operator: "petrov", Minutes: 10, Until: at.Add(12 * time.Minute), Deadline: at.Add(12 * time.Minute)},
				History: []queue.Event{issued, called},
			},
			want: `{"id":"6","type":"TicketPostponed","at":"2025-03-03T06:02:00Z","day":"2025-03-03",` +
				`"ticket":{"id":"20250303-000001","number":"П001","service_id":"passport","priority":"privileged","issued_at":"2025-03-03T06:00:00Z"},` +
				`"service_id":"passport","window":2,"operator":"petrov","deadline":"2025-03-03T06:12:00Z","minutes":10,"until":"2025-03-03T06:12:00Z"}`,
		},
		{
			name: "a finish carries the outcome and a rating its mark",
			item: store.OutboxItem{
				Event: queue.Event{Seq: 20, Type: queue.EventTicketRated, At: at.Add(20 * time.Minute), Day: "2025-03-03", Ticket: "20250303-000001",
					Window: 1, Operator: "ivanova", Mark: 4, Reason: "long_wait", Outcome: queue.OutcomeDocumentsAccepted},
				History: []queue.Event{issued, called, forwarded},
			},
			want: `{"id":"20","type":"TicketRated","at":"2025-03-03T06:20:00Z","day":"2025-03-03",` +
				`"ticket":{"id":"20250303-000001","number":"П001","service_id":"passport","priority":"privileged","issued_at":"2025-03-03T06:00:00Z"},` +
				`"service_id":"consult","window":1,"operator":"ivanova","reason":"long_wait","outcome":"documents_accepted","mark":4}`,
		},
		{
			name: "an appointment's check-in gives the slot and never the booking code or the visitor",
			item: store.OutboxItem{
				Event: queue.Event{Seq: 31, Type: queue.EventAppointmentCheckedIn, At: at, Day: "2025-03-03", Ticket: "20250303-000007",
					Service: "consult", Code: "482913", ApptDay: "2025-03-03", Name: "Иванов Иван", Phone: "+79001234567", External: "gosuslugi-77"},
				History: []queue.Event{appt},
			},
			want: `{"id":"31","type":"AppointmentCheckedIn","at":"2025-03-03T06:00:00Z","day":"2025-03-03",` +
				`"ticket":{"id":"20250303-000007","number":"К007","service_id":"consult","priority":"appointment","issued_at":"2025-03-03T06:00:00Z","slot":"2025-03-03T06:15:00Z"},` +
				`"service_id":"consult"}`,
		},
		{
			name: "the id of an event of a log with an identity carries it",
			item: store.OutboxItem{LogID: "3f9a0c1b7d2e4a65", Event: issued},
			want: `{"id":"3f9a0c1b7d2e4a65-2","type":"TicketIssued","at":"2025-03-03T06:00:00Z","day":"2025-03-03",` +
				`"ticket":{"id":"20250303-000001","number":"П001","service_id":"passport","priority":"privileged","issued_at":"2025-03-03T06:00:00Z"},` +
				`"service_id":"passport","deadline":"2025-03-03T06:15:00Z"}`,
		},
		{
			name: "without the issue in the log the event's own number is used",
			item: store.OutboxItem{Event: queue.Event{Seq: 3, Type: queue.EventServiceStarted, At: at, Day: "2025-03-03", Ticket: "X", Number: "А001", Service: "passport", Window: 1}},
			want: `{"id":"3","type":"ServiceStarted","at":"2025-03-03T06:00:00Z","day":"2025-03-03",` +
				`"ticket":{"id":"X","number":"А001"},"service_id":"passport","window":1}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := json.Marshal(webhook.NewPayload(tt.item))
			if err != nil {
				t.Fatal(err)
			}
			if got := string(b); got != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

func TestEventID(t *testing.T) {
	tests := []struct {
		name  string
		logID string
		seq   int64
		want  string
	}{
		{"an event of a log with an identity is the log id and the position", "3f9a0c1b7d2e4a65", 42, "3f9a0c1b7d2e4a65-42"},
		{"a row written before logs had an identity keeps the bare position", "", 42, "42"},
		{"the same position in a restored log is another id", "0b5e77d1c2a9f380", 42, "0b5e77d1c2a9f380-42"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := webhook.EventID(tt.logID, tt.seq); got != tt.want {
				t.Errorf("EventID(%q, %d) = %q, want %q", tt.logID, tt.seq, got, tt.want)
			}
		})
	}
}
