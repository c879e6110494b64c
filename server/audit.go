package server

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"eq/queue"
)

// AuditReader reads the staff's actions from the event log; *store.Store
// is one.
type AuditReader interface {
	StaffActions(ctx context.Context, from, to, actor string, limit int) ([]queue.Event, error)
}

// Audit limits: a page shows the newest actions first, and a period is at
// most a year, so one request never scans the whole log.
const (
	auditDefaultLimit = 500
	auditMaxLimit     = 5000
	auditMaxDays      = 366
)

// auditAction is one staff action as GET /api/v1/audit gives it.
type auditAction struct {
	Seq       int64     `json:"seq"`
	At        time.Time `json:"at"`
	Day       string    `json:"day"`
	Type      string    `json:"type"`
	Actor     string    `json:"actor"`
	ActorName string    `json:"actor_name,omitempty"`
	Window    int       `json:"window,omitempty"`
	Operator  string    `json:"operator,omitempty"` // who works at the window, when not the actor
	Ticket    string    `json:"ticket,omitempty"`
	Number    string    `json:"number,omitempty"`
	Service   string    `json:"service_id,omitempty"`
	Reason    string    `json:"reason,omitempty"`
	Override  bool      `json:"override,omitempty"`
	Summary   string    `json:"summary"`
	SummaryEN string    `json:"summary_en"`
}

type auditResponse struct {
	From      string        `json:"from"`
	To        string        `json:"to"`
	Actor     string        `json:"actor,omitempty"`
	Actions   []auditAction `json:"actions"`
	Truncated bool          `json:"truncated"` // more actions than limit in the period
}

// auditQuery is what an audit request asks for, checked.
type auditQuery struct {
	from, to, actor string
	limit           int
}

// parseAuditQuery reads from, to (YYYY-MM-DD, default today), actor and
// limit. Every bad value is refused with a message saying which.
func (s *Server) parseAuditQuery(r *http.Request) (auditQuery, error) {
	v := r.URL.Query()
	today := s.engine.Now().In(s.engine.Office().Location).Format(time.DateOnly)
	q := auditQuery{from: v.Get("from"), to: v.Get("to"), actor: strings.TrimSpace(v.Get("actor")), limit: auditDefaultLimit}
	if q.to == "" {
		q.to = today
	}
	if q.from == "" {
		q.from = q.to
	}
	from, err := time.Parse(time.DateOnly, q.from)
	if err != nil {
		return q, queue.Errorf(queue.EINVALID, "дата «с» %q: нужна ГГГГ-ММ-ДД", "date from %q: YYYY-MM-DD needed", q.from)
	}
	to, err := time.Parse(time.DateOnly, q.to)
	if err != nil {
		return q, queue.Errorf(queue.EINVALID, "дата «по» %q: нужна ГГГГ-ММ-ДД", "date to %q: YYYY-MM-DD needed", q.to)
	}
	if to.Before(from) {
		return q, queue.Errorf(queue.EINVALID, "дата «по» %s раньше даты «с» %s", "date to %s is before date from %s", q.to, q.from)
	}
	if days := int(to.Sub(from)/(24*time.Hour)) + 1; days > auditMaxDays {
		return q, queue.Errorf(queue.EINVALID, "период %d дн. длиннее %d дн.", "the period of %d days is longer than %d days", days, auditMaxDays)
	}
	if l := v.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > auditMaxLimit {
			return q, queue.Errorf(queue.EINVALID, "limit %q: нужно число от 1 до %d", "limit %q: a number from 1 to %d needed", l, auditMaxLimit)
		}
		q.limit = n
	}
	return q, nil
}

// handleAudit answers GET /api/v1/audit?from=&to=&actor=&limit= (admins,
// as the route table says):
// what members of staff did, newest first, from the event log. The log is
// only ever appended to, so the trail cannot be edited through the server.
func (s *Server) handleAudit(w http.ResponseWriter, r *http.Request) {
	res, err := s.readAudit(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

// readAudit reads the actions a request asks for.
func (s *Server) readAudit(r *http.Request) (auditResponse, error) {
	if s.audit == nil {
		return auditResponse{}, queue.Errorf(queue.EINTERNAL, "журнал действий на этом сервере не подключён", "the audit trail is not served by this server")
	}
	q, err := s.parseAuditQuery(r)
	if err != nil {
		return auditResponse{}, err
	}
	// One more than asked tells whether the period holds more.
	evs, err := s.audit.StaffActions(r.Context(), q.from, q.to, q.actor, q.limit+1)
	if err != nil {
		return auditResponse{}, fmt.Errorf("audit: %w", err)
	}
	res := auditResponse{From: q.from, To: q.to, Actor: q.actor, Actions: []auditAction{}}
	if len(evs) > q.limit {
		evs, res.Truncated = evs[:q.limit], true
	}
	office := s.engine.Office()
	for _, ev := range evs {
		text := auditSummary(office, ev)
		a := auditAction{Seq: ev.Seq, At: ev.At, Day: ev.Day, Type: string(ev.Type), Actor: ev.Actor,
			ActorName: staffName(office, ev.Actor), Window: ev.Window, Ticket: ev.Ticket, Number: ev.Number,
			Service: ev.Service, Reason: ev.Reason, Override: ev.Override, Summary: text.RU, SummaryEN: text.EN}
		if ev.Operator != ev.Actor {
			a.Operator = ev.Operator
		}
		res.Actions = append(res.Actions, a)
	}
	return res, nil
}

// staffName is the full name of login, or "" when the config no longer has it.
func staffName(o *queue.Office, login string) string {
	op, _ := o.Operator(login)
	return op.Name
}

// auditOutcomes name how a visit ended, as the console does.
var auditOutcomes = map[queue.Outcome]queue.Text{
	queue.OutcomeServed:            {RU: "обслужен", EN: "served"},
	queue.OutcomeDocumentsAccepted: {RU: "документы приняты", EN: "documents accepted"},
	queue.OutcomeResultIssued:      {RU: "результат выдан", EN: "result issued"},
	queue.OutcomeConsultation:      {RU: "консультация", EN: "consultation"},
	queue.OutcomeRefused:           {RU: "отказ в приёме", EN: "refused"},
}

// auditSummary says in a line what an event records someone did.
func auditSummary(o *queue.Office, ev queue.Event) queue.Text {
	t := func(ru, en string, args ...any) queue.Text {
		return queue.Text{RU: fmt.Sprintf(ru, args...), EN: fmt.Sprintf(en, args...)}
	}
	svc := o.ServiceName(ev.Service)
	var out queue.Text
	switch ev.Type {
	case queue.EventDayOpened:
		out = t("открыт рабочий день %s", "opened the working day %s", ev.Day)
	case queue.EventDayClosed:
		out = t("закрыт рабочий день %s", "closed the working day %s", ev.Day)
	case queue.EventTicketIssued:
		out = queue.Text{RU: fmt.Sprintf("выдан талон %s: %s", ev.Number, svc.RU), EN: fmt.Sprintf("issued ticket %s: %s", ev.Number, svc.EN)}
	case queue.EventTicketCalled:
		out = t("вызван талон %s к окну %d", "called ticket %s to window %d", ev.Number, ev.Window)
	case queue.EventTicketRecalled:
		out = t("повторно вызван талон %s", "called ticket %s again", ev.Number)
	case queue.EventServiceStarted:
		out = t("начат приём по талону %s", "started serving ticket %s", ev.Number)
	case queue.EventServiceFinished:
		res := auditOutcomes[ev.Outcome]
		out = t("завершён приём по талону %s", "finished serving ticket %s", ev.Number)
		if res.RU != "" {
			out.RU += ": " + res.RU
			out.EN += ": " + res.EN
		}
	case queue.EventTicketNoShow:
		out = t("неявка по талону %s", "no-show of ticket %s", ev.Number)
	case queue.EventTicketPostponed:
		out = t("талон %s отложен на %d мин", "postponed ticket %s for %d min", ev.Number, ev.Minutes)
	case queue.EventTicketForwarded:
		switch {
		case ev.ToWindow != 0:
			out = t("талон %s направлен к окну %d", "forwarded ticket %s to window %d", ev.Number, ev.ToWindow)
		case ev.ToOperator != "":
			out = t("талон %s направлен сотруднику %s", "forwarded ticket %s to %s", ev.Number, ev.ToOperator)
		default:
			out = queue.Text{RU: fmt.Sprintf("талон %s направлен на услугу «%s»", ev.Number, svc.RU),
				EN: fmt.Sprintf("forwarded ticket %s to the service %q", ev.Number, svc.EN)}
		}
	case queue.EventTicketCancelled:
		out = t("отменён талон %s", "cancelled ticket %s", ev.Number)
	case queue.EventTicketNotServed:
		out = t("талон %s не обслужен до закрытия дня", "ticket %s not served before the day closed", ev.Number)
	case queue.EventWindowOpened:
		out = t("открыто окно %d", "opened window %d", ev.Window)
	case queue.EventWindowClosed:
		out = t("закрыто окно %d", "closed window %d", ev.Window)
	case queue.EventBreakStarted:
		out = t("перерыв в окне %d на %d мин", "break at window %d for %d min", ev.Window, ev.Minutes)
		if ev.Override {
			out.RU += " — вопреки правилам, разрешён руководителем"
			out.EN += ", against the rules, allowed by a manager"
		}
	case queue.EventBreakEnded:
		out = t("окно %d вернулось с перерыва", "window %d back from a break", ev.Window)
	case queue.EventWindowServicesChanged:
		var ru, en []string
		for _, ws := range ev.Services {
			name := o.ServiceName(ws.Service)
			ru = append(ru, fmt.Sprintf("%s (%d)", name.RU, ws.Level))
			en = append(en, fmt.Sprintf("%s (%d)", name.EN, ws.Level))
		}
		out = queue.Text{RU: fmt.Sprintf("услуги окна %d: %s", ev.Window, strings.Join(ru, ", ")),
			EN: fmt.Sprintf("window %d services: %s", ev.Window, strings.Join(en, ", "))}
	case queue.EventAppointmentBooked:
		at := ev.Start.In(o.Location).Format("2006-01-02 15:04")
		out = queue.Text{RU: fmt.Sprintf("запись на «%s», %s", svc.RU, at), EN: fmt.Sprintf("booked %q at %s", svc.EN, at)}
	case queue.EventAppointmentCheckedIn:
		out = queue.Text{RU: fmt.Sprintf("регистрация по записи на «%s»: талон %s", svc.RU, ev.Number),
			EN: fmt.Sprintf("checked in a booking for %q: ticket %s", svc.EN, ev.Number)}
	case queue.EventAppointmentCancelled:
		out = queue.Text{RU: fmt.Sprintf("отменена запись на «%s», %s", svc.RU, ev.ApptDay),
			EN: fmt.Sprintf("cancelled a booking for %q on %s", svc.EN, ev.ApptDay)}
	default:
		out = queue.Text{RU: string(ev.Type), EN: string(ev.Type)}
	}
	// The reason is the operator's words (an out-of-order call, a break,
	// a forward) or the dispatcher's why of a call: either way as it was.
	if ev.Reason != "" {
		out.RU += " — " + ev.Reason
		out.EN += " — " + ev.Reason
	}
	return out
}
