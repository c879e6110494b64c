package queue

import (
	"strings"
	"time"
)

// Defaults the regulations set (see shared/REQUIREMENTS.md).
const (
	DefaultWaitTarget = 15 * time.Minute // 004 cl. 18 "б": at most 15 minutes in the queue
	DefaultBreakLimit = 45 * time.Minute // 001 cl. 3.11.4: technical breaks per day in total
	DefaultLevelStep  = 10 * time.Minute // how much a lower service level delays a ticket in dispatch
	// DefaultAppointmentWaitTarget is how long a visitor with an
	// appointment may wait past the slot start (or past the check-in, if
	// late): the services' regulations promise booked visits 5 minutes.
	DefaultAppointmentWaitTarget = 5 * time.Minute
	// DefaultRecallLimit is how many times a called visitor may be called
	// again at the window before a further recall ends the call as a no-show.
	DefaultRecallLimit = 3
)

// Role is what a member of staff may do.
type Role string

// Roles, from least to most powerful.
const (
	RoleOperator Role = "operator"
	RoleManager  Role = "manager"
	RoleAdmin    Role = "admin"
)

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return r == RoleOperator || r == RoleManager || r == RoleAdmin }

// Supervises reports whether r may override the rules meant for operators
// (breaks that leave a service uncovered, acting at another's window).
func (r Role) Supervises() bool { return r == RoleManager || r == RoleAdmin }

// Priority is a ticket's class in dispatch.
type Priority string

// Priority classes, called in this order (see DESIGN.md "Who is called next").
const (
	PriorityNormal      Priority = "normal"
	PriorityAppointment Priority = "appointment"
	PriorityPrivileged  Priority = "privileged" // e.g. disabled visitors
)

// Valid reports whether p is a known class.
func (p Priority) Valid() bool {
	return p == PriorityNormal || p == PriorityAppointment || p == PriorityPrivileged
}

// Text is a phrase in both languages of the product.
type Text struct {
	RU string `json:"ru"`
	EN string `json:"en"`
}

// Group is a life situation ("жизненная ситуация"): services a visitor
// usually needs together, offered as one choice on the kiosk.
type Group struct {
	ID   string
	Name Text
}

// Service is a kind of service with its own queue.
type Service struct {
	ID          string
	Prefix      string // ticket number prefix, Cyrillic allowed: "П" gives П001
	Name        Text
	Group       string
	WaitTarget  time.Duration // the promise: called within this time of arrival
	ServiceTime time.Duration // typical time at the window, used until real times are known
	Booking     *Booking      // appointments; nil when the service has the live queue only
}

// MaxLevel is the lowest priority level a window may serve a service at.
const MaxLevel = 9

// WindowService is one service a window serves and at which level: 1 is the
// window's main work, higher levels are help given when that queue is more urgent.
type WindowService struct {
	Service string `json:"service_id"`
	Level   int    `json:"level"`
}

// ServiceLevels is what a window serves.
type ServiceLevels []WindowService

// Level returns the level at which service is served, or 0 if it is not.
func (l ServiceLevels) Level(service string) int {
	for _, ws := range l {
		if ws.Service == service {
			return ws.Level
		}
	}
	return 0
}

// Window is a workplace with a number on its sign.
type Window struct {
	Number   int
	Services ServiceLevels // as configured; a manager may change them for the day
	// Ratio, when above 0, is the window's ratio rule: after a privileged
	// visitor it calls up to Ratio others before privileged visitors again
	// go first (2 is "2:1"). Meanwhile privileged tickets keep their place
	// by deadline among the others, so they neither jump everyone forever
	// nor sink to the back. 0 calls privileged visitors first always.
	Ratio int
	// AutoCall opts the window in to auto-call: AutoCallPause after a
	// service ends, the next ticket is called without the operator.
	AutoCall      bool
	AutoCallPause time.Duration
}

// Operator is a member of staff. Operators work at windows; managers and
// admins supervise and may work at windows too.
type Operator struct {
	Login    string
	Name     string // full name, shown on the window sign (004 cl. 10)
	Position string
	Role     Role
}

// DispatchPolicy is how a window picks among the tickets of its services
// once addressed tickets and priority classes have had their turn (see
// State.Next). Classes are the law and no policy changes them.
type DispatchPolicy string

// Dispatch policies. The zero value "" is DispatchDeadline.
const (
	// DispatchDeadline, the default, calls the earliest deadline first:
	// arrival plus the service's wait target (the slot start for an
	// appointment), later by LevelStep for each level below the window's
	// main work, so per-service wait targets steer who is called.
	DispatchDeadline DispatchPolicy = "deadline"
	// DispatchFIFO is plain first come, first served per service, the scheme
	// of simple queue systems: the window's services strictly in level order
	// (every waiting ticket of level 1 before any of level 2), and within a
	// level whoever has stood longest in the queue they are in now — since
	// issue, forward or return from a postponement; an appointment checked
	// in early joins at its slot. Wait targets play no part. Kept to compare
	// against in the simulator.
	DispatchFIFO DispatchPolicy = "fifo"
)

// Valid reports whether p is a known policy; "" is, as DispatchDeadline.
func (p DispatchPolicy) Valid() bool { return p == "" || p == DispatchDeadline || p == DispatchFIFO }

// String is the policy's name as configs write it: "" is "deadline".
func (p DispatchPolicy) String() string {
	if p == "" {
		return string(DispatchDeadline)
	}
	return string(p)
}

// Office is the static description of one centre: what it serves, where and by whom.
type Office struct {
	Name       Text
	Address    Text           // where visitors come, for booking confirmations; may be empty
	Location   *time.Location // the office's time zone; working days are dates there
	LevelStep  time.Duration
	BreakLimit time.Duration
	// RecallLimit is how many recalls one call allows; the next recall
	// makes the ticket a no-show. 0 is DefaultRecallLimit.
	RecallLimit int
	Dispatch    DispatchPolicy // who is called next; "" is DispatchDeadline
	// BreakReasons are the reasons an operator may give for a break, so
	// that reports can sum breaks per reason; empty, any reason is taken.
	BreakReasons []BreakReason
	// RatingReasons are what a visitor may add to a mark on the rating
	// tablet; empty, a mark is taken without a reason only.
	RatingReasons []Reason
	Groups        []Group
	Services      []Service
	Windows       []Window
	Operators     []Operator
	// Schedule is the working time; nil is an office that never closes.
	Schedule *Schedule
	Checkin  CheckinRules
	// AppointmentWaitTarget is the wait target of a checked-in appointment,
	// counted from the slot start or the check-in, whichever is later.
	// 0 is DefaultAppointmentWaitTarget.
	AppointmentWaitTarget time.Duration
}

// ServiceName is the name of the service id, or the id itself when the
// office has no such service (any more): old logs and reports name
// services a config may since have dropped.
func (o *Office) ServiceName(id string) Text {
	for _, s := range o.Services {
		if s.ID == id {
			return s.Name
		}
	}
	return Text{RU: id, EN: id}
}

// Operator finds the member of staff with login.
func (o *Office) Operator(login string) (Operator, bool) {
	for _, op := range o.Operators {
		if op.Login == login {
			return op, true
		}
	}
	return Operator{}, false
}

// ApptWaitTarget is o's appointment wait target, the default if unset.
func (o *Office) ApptWaitTarget() time.Duration {
	if o.AppointmentWaitTarget > 0 {
		return o.AppointmentWaitTarget
	}
	return DefaultAppointmentWaitTarget
}

// DefaultBreakReasons are the break reasons of an office config that lists
// none: the usual ones of a public-service centre.
var DefaultBreakReasons = []BreakReason{
	{ID: "technical", Name: Text{RU: "технический перерыв", EN: "Technical break"}},
	{ID: "scheduled", Name: Text{RU: "перерыв по графику", EN: "Scheduled break"}}, // rest from screen work
	{ID: "lunch", Name: Text{RU: "обед", EN: "Lunch"}},
	{ID: "training", Name: Text{RU: "обучение", EN: "Training"}},
	{ID: "meeting", Name: Text{RU: "совещание", EN: "Staff meeting"}},
	{ID: "personal", Name: Text{RU: "личное", EN: "Personal"}},
}

// Reason is one entry of a list an office gives its staff or visitors to
// pick from: a break's reason, a rating's reason.
type Reason struct {
	ID   string `json:"id"` // what commands send and events record
	Name Text   `json:"name"`
}

// BreakReason is one reason for a break an office lists.
type BreakReason = Reason

// BreakReasonOf finds the listed reason that s names: its id, or its
// Russian or English name in any case (an operator typing at a terminal
// writes "обед", a console sends "lunch"). Events of days before the list
// existed hold such names, so reports match them the same way.
func (o *Office) BreakReasonOf(s string) (BreakReason, bool) { return reasonOf(o.BreakReasons, s) }

// RatingReasonOf finds the listed rating reason that s names, as BreakReasonOf.
func (o *Office) RatingReasonOf(s string) (Reason, bool) { return reasonOf(o.RatingReasons, s) }

func reasonOf(list []Reason, s string) (Reason, bool) {
	s = strings.TrimSpace(s)
	for _, r := range list {
		if s == r.ID {
			return r, true
		}
	}
	for _, r := range list {
		if s != "" && (strings.EqualFold(s, r.Name.RU) || strings.EqualFold(s, r.Name.EN)) {
			return r, true
		}
	}
	return Reason{}, false
}

// DefaultRatingReasons are the reasons a visitor may add to a mark when the
// office config lists none. None of them names anyone: feedback carries no
// personal data.
var DefaultRatingReasons = []Reason{
	{ID: "long-wait", Name: Text{RU: "долго ждал(а) вызова", EN: "Waited too long"}},
	{ID: "long-service", Name: Text{RU: "долго обслуживали", EN: "The service took too long"}},
	{ID: "not-solved", Name: Text{RU: "вопрос не решён", EN: "My matter was not resolved"}},
	{ID: "impolite", Name: Text{RU: "невежливое обращение", EN: "Impolite treatment"}},
	{ID: "explained-well", Name: Text{RU: "всё понятно объяснили", EN: "Everything was explained clearly"}},
	{ID: "fast", Name: Text{RU: "быстро и удобно", EN: "Quick and convenient"}},
}

// recallLimit is o.RecallLimit with its default applied.
func (o *Office) recallLimit() int {
	if o.RecallLimit == 0 {
		return DefaultRecallLimit
	}
	return o.RecallLimit
}

// officeIndex gives fast lookups into an Office; built once by NewState.
type officeIndex struct {
	services  map[string]*Service
	windows   map[int]*Window
	operators map[string]*Operator
}

func indexOffice(o *Office) (officeIndex, error) {
	ix := officeIndex{
		services:  make(map[string]*Service, len(o.Services)),
		windows:   make(map[int]*Window, len(o.Windows)),
		operators: make(map[string]*Operator, len(o.Operators)),
	}
	if o.Location == nil {
		return ix, Errorf(EINVALID, "не задан часовой пояс офиса", "office time zone is not set")
	}
	if o.RecallLimit < 0 {
		return ix, Errorf(EINVALID, "число повторных вызовов не может быть отрицательным", "the recall limit cannot be negative")
	}
	if !o.Dispatch.Valid() {
		return ix, Errorf(EINVALID, "неизвестный порядок вызова %q: допустимы deadline, fifo", "unknown dispatch policy %q: allowed are deadline, fifo", string(o.Dispatch))
	}
	reasons := map[string]bool{}
	for _, r := range o.BreakReasons {
		if r.ID == "" || r.Name.RU == "" {
			return ix, Errorf(EINVALID, "у причины перерыва нет id или названия", "a break reason has no id or name")
		}
		if reasons[r.ID] {
			return ix, Errorf(EINVALID, "причина перерыва %q описана дважды", "break reason %q is defined twice", r.ID)
		}
		reasons[r.ID] = true
	}
	prefixes := map[string]string{}
	for i := range o.Services {
		s := &o.Services[i]
		if s.ID == "" || s.Prefix == "" {
			return ix, Errorf(EINVALID, "у услуги нет id или префикса", "a service has no id or prefix")
		}
		if _, dup := ix.services[s.ID]; dup {
			return ix, Errorf(EINVALID, "услуга %q описана дважды", "service %q is defined twice", s.ID)
		}
		if other, dup := prefixes[s.Prefix]; dup {
			return ix, Errorf(EINVALID, "префикс %q уже у услуги %q", "prefix %q is already used by service %q", s.Prefix, other)
		}
		if s.WaitTarget <= 0 || s.ServiceTime <= 0 {
			return ix, Errorf(EINVALID, "у услуги %q не задано время ожидания или обслуживания", "service %q has no wait target or service time", s.ID)
		}
		if b := s.Booking; b != nil && (b.Slot <= 0 || b.Capacity <= 0 || b.Horizon < 0 || b.Lead < 0) {
			return ix, Errorf(EINVALID, "у услуги %q неверные правила записи", "service %q has invalid booking rules", s.ID)
		}
		prefixes[s.Prefix] = s.ID
		ix.services[s.ID] = s
	}
	for i := range o.Windows {
		w := &o.Windows[i]
		if w.Number <= 0 {
			return ix, Errorf(EINVALID, "номер окна должен быть положительным", "a window number must be positive")
		}
		if _, dup := ix.windows[w.Number]; dup {
			return ix, Errorf(EINVALID, "окно %d описано дважды", "window %d is defined twice", w.Number)
		}
		if err := ix.checkLevels(w.Number, w.Services); err != nil {
			return ix, err
		}
		ix.windows[w.Number] = w
	}
	for i := range o.Operators {
		op := &o.Operators[i]
		if op.Login == "" || !op.Role.Valid() {
			return ix, Errorf(EINVALID, "у сотрудника нет логина или роли", "a staff member has no login or role")
		}
		if _, dup := ix.operators[op.Login]; dup {
			return ix, Errorf(EINVALID, "сотрудник %q описан дважды", "staff member %q is defined twice", op.Login)
		}
		ix.operators[op.Login] = op
	}
	return ix, nil
}

// checkLevels checks what window n is to serve.
func (ix *officeIndex) checkLevels(n int, l ServiceLevels) error {
	seen := map[string]bool{}
	for _, ws := range l {
		if _, ok := ix.services[ws.Service]; !ok {
			return Errorf(ENOTFOUND, "окно %d: неизвестная услуга %q", "window %d: unknown service %q", n, ws.Service)
		}
		if ws.Level < 1 || ws.Level > MaxLevel {
			return Errorf(EINVALID, "окно %d: уровень услуги %q должен быть от 1 до %d", "window %d: the level of %q must be 1 to %d", n, ws.Service, MaxLevel)
		}
		if seen[ws.Service] {
			return Errorf(EINVALID, "окно %d: услуга %q указана дважды", "window %d: service %q is listed twice", n, ws.Service)
		}
		seen[ws.Service] = true
	}
	return nil
}
