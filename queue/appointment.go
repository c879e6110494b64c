package queue

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Check-in defaults: a visitor may check in from 15 minutes before the slot
// to 10 minutes after it; later, the appointment is released as missed.
const (
	DefaultCheckinEarly = 15 * time.Minute
	DefaultCheckinLate  = 10 * time.Minute
)

// Limits on what a booking may carry.
const (
	maxNameRunes   = 100
	maxExternalLen = 64
	CodeDigits     = 6 // booking codes are 6 digits, drawn at random
)

// Booking is how a service takes appointments. A service without one is
// served from the live queue only.
type Booking struct {
	Slot     time.Duration // length of one slot
	Capacity int           // appointments one slot takes
	Horizon  int           // days ahead booking is open, counting today as 0
	Lead     time.Duration // a slot can be booked no later than this before it starts
	// Only: documents are taken by appointment only, the kiosk issues no
	// live tickets for the service.
	Only bool
}

// CheckinRules is when a visitor with an appointment may check in.
type CheckinRules struct {
	Early time.Duration // how long before the slot check-in opens
	Late  time.Duration // how long after the slot start it is still taken
}

// AppointmentStatus is where an appointment is in its life.
type AppointmentStatus string

// Appointment statuses.
const (
	AppointmentBooked    AppointmentStatus = "booked"
	AppointmentCheckedIn AppointmentStatus = "checked_in"
	AppointmentCancelled AppointmentStatus = "cancelled"
	AppointmentMissed    AppointmentStatus = "missed" // not checked in by the end of the late window: a no-show
)

// Sources of appointments.
const (
	SourceWeb    = "web"    // the /book page or the public API
	SourceStaff  = "staff"  // booked by staff, e.g. on the phone
	SourceImport = "import" // imported from the centre's information system or the state portal
)

// Appointment is a visitor's booked slot.
type Appointment struct {
	Code     string
	Service  string
	Day      string // YYYY-MM-DD of Start in the office's zone
	Start    time.Time
	End      time.Time
	Status   AppointmentStatus
	Ticket   string // the ticket issued at check-in
	Name     string // personal data: optional, never logged, purged after the retention period
	Phone    string
	Source   string
	External string // the id in the system it was imported from
	BookedAt time.Time
}

// slotKey names one slot of one service.
type slotKey struct {
	service string
	start   int64 // Unix seconds: time.Time values of one instant need not be ==
}

func keyOf(service string, start time.Time) slotKey { return slotKey{service, start.Unix()} }

// Slot is one appointment slot with its free places.
type Slot struct {
	Start    time.Time `json:"start"`
	End      time.Time `json:"end"`
	Capacity int       `json:"capacity"`
	Free     int       `json:"free"`
	// Bookable: in the booking horizon and far enough ahead; a full slot is
	// still bookable in this sense and has Free 0.
	Bookable bool `json:"bookable"`
}

// BookingDay is one date a service can be booked on.
type BookingDay struct {
	Date string `json:"date"`
	Free int    `json:"free"` // free places in bookable slots
}

// bookable returns the service and its booking rules, or an error saying
// it takes no appointments.
func (s *State) bookable(service string) (*Service, error) {
	svc, ok := s.ix.services[service]
	if !ok {
		return nil, Errorf(ENOTFOUND, "услуга %q не найдена", "service %q not found", service)
	}
	if svc.Booking == nil {
		return nil, textError(ECONFLICT, "на услугу «%s» нет предварительной записи: возьмите талон в киоске",
			"service %q takes no appointments: take a ticket at the kiosk", svc.Name)
	}
	return svc, nil
}

// slotTimes lists the slots of svc on date: from each opening, one after
// another while a slot still ends by the interval's end, and never past the
// time tickets stop being issued — documents are not taken after that.
func (s *State) slotTimes(svc *Service, date time.Time) []Interval {
	hours := DayHours{{0, 24 * time.Hour}}
	end := 24 * time.Hour
	if sc := s.office.Schedule; sc != nil {
		hours = sc.Hours(date)
		if len(hours) == 0 {
			return nil
		}
		end = sc.issueEnd(hours)
	}
	var out []Interval
	for _, iv := range hours {
		stop := min(iv.To, end)
		for from := iv.From; from+svc.Booking.Slot <= stop; from += svc.Booking.Slot {
			out = append(out, Interval{From: from, To: from + svc.Booking.Slot})
		}
	}
	return out
}

// parseDate reads a YYYY-MM-DD date as midnight in the office's zone.
func (s *State) parseDate(date string) (time.Time, error) {
	d, err := time.ParseInLocation(time.DateOnly, date, s.office.Location)
	if err != nil {
		return time.Time{}, Errorf(EINVALID, "дата %q не в формате ГГГГ-ММ-ДД", "date %q is not YYYY-MM-DD", date)
	}
	return d, nil
}

// horizonEnd is the last date booking is open on at now.
func (s *State) horizonEnd(b *Booking, now time.Time) string {
	return midnight(now, s.office.Location).AddDate(0, 0, b.Horizon).Format(time.DateOnly)
}

// Slots lists the slots of service on date with their free places.
func (s *State) Slots(service, date string, now time.Time) ([]Slot, error) {
	svc, err := s.bookable(service)
	if err != nil {
		return nil, err
	}
	d, err := s.parseDate(date)
	if err != nil {
		return nil, err
	}
	return s.slots(svc, d, now), nil
}

func (s *State) slots(svc *Service, d time.Time, now time.Time) []Slot {
	loc := s.office.Location
	date := d.Format(time.DateOnly)
	inHorizon := date >= s.DayOf(now) && date <= s.horizonEnd(svc.Booking, now)
	out := []Slot{}
	for _, iv := range s.slotTimes(svc, d) {
		start := at(d, iv.From, loc)
		booked := s.slotBooked[keyOf(svc.ID, start)]
		out = append(out, Slot{
			Start: start, End: at(d, iv.To, loc), Capacity: svc.Booking.Capacity,
			Free:     max(svc.Booking.Capacity-booked, 0),
			Bookable: inHorizon && !start.Before(now.Add(svc.Booking.Lead)),
		})
	}
	return out
}

// BookingDays lists the dates of the booking horizon on which service has
// bookable slots, with how many places are free.
func (s *State) BookingDays(service string, now time.Time) ([]BookingDay, error) {
	svc, err := s.bookable(service)
	if err != nil {
		return nil, err
	}
	today := midnight(now, s.office.Location)
	out := []BookingDay{}
	for i := 0; i <= svc.Booking.Horizon; i++ {
		d := today.AddDate(0, 0, i)
		free, any := 0, false
		for _, sl := range s.slots(svc, d, now) {
			if sl.Bookable {
				any = true
				free += sl.Free
			}
		}
		if any {
			out = append(out, BookingDay{Date: d.Format(time.DateOnly), Free: free})
		}
	}
	return out, nil
}

// BookRequest asks for an appointment.
type BookRequest struct {
	Service  string
	Start    time.Time
	Name     string
	Phone    string
	Source   string // SourceWeb, SourceStaff or SourceImport
	External string // import: the id in the other system
	Code     string // filled by the engine, or given by the other system on import
	Actor    Actor
}

// CodeFree reports whether code can be given to a new appointment: it is
// well-formed and no appointment the state holds has it.
func (s *State) CodeFree(code string) bool {
	_, taken := s.appts[code]
	return validCode(code) && !taken
}

func validCode(code string) bool {
	return len(code) == CodeDigits && strings.Trim(code, "0123456789") == ""
}

// Book decides an appointment for req.
func (s *State) Book(now time.Time, req BookRequest) (Decision, error) {
	ev, err := s.booking(now, req, nil, nil)
	if err != nil {
		return Decision{}, err
	}
	return Decision{Events: []Event{ev}}, nil
}

// booking checks req and returns its event. pending holds the places and
// codes taken by earlier rows of the same import, not yet in the state.
func (s *State) booking(now time.Time, req BookRequest, pending map[slotKey]int, codes map[string]bool) (Event, error) {
	svc, err := s.bookable(req.Service)
	if err != nil {
		return Event{}, err
	}
	b := svc.Booking
	if req.Start.IsZero() {
		return Event{}, Errorf(EINVALID, "не указано время записи", "the appointment time is missing")
	}
	loc := s.office.Location
	start := req.Start.In(loc)
	day := midnight(start, loc)
	date := day.Format(time.DateOnly)
	off := start.Sub(day)
	var slot *Interval
	slotTimes := s.slotTimes(svc, day)
	for i := range slotTimes {
		if slotTimes[i].From == off {
			slot = &slotTimes[i]
			break
		}
	}
	hm := start.Format("15:04")
	// The lead time and the horizon bind the public; staff booking for a
	// visitor and imports from systems with their own rules skip them.
	public := req.Source != SourceStaff && req.Source != SourceImport
	refuse := func(e *Error, reason string) (Event, error) {
		e.Details = map[string]string{"reason": reason}
		return Event{}, e
	}
	switch {
	case slot == nil:
		return refuse(&Error{Code: EINVALID,
			Message:   fmt.Sprintf("на %s в %s нет слота записи на услугу «%s»: выберите время из списка свободных", date, hm, svc.Name.RU),
			MessageEN: fmt.Sprintf("there is no slot for %q on %s at %s: pick a time from the free slots", svc.Name.EN, date, hm)}, "no_slot")
	case start.Before(now):
		return refuse(Errorf(ECONFLICT, "время %s %s уже прошло", "%s %s is in the past", date, hm), "past")
	case public && start.Before(now.Add(b.Lead)):
		return refuse(&Error{Code: ECONFLICT,
			Message:   fmt.Sprintf("записаться на %s можно не позже чем за %s до начала", hm, durationRU(b.Lead)),
			MessageEN: fmt.Sprintf("%s can be booked no later than %s before it starts", hm, durationEN(b.Lead))}, "lead")
	case public && date > s.horizonEnd(b, now):
		return refuse(Errorf(ECONFLICT, "запись на %s ещё не открыта: записаться можно на %d дн. вперёд",
			"booking for %s is not open yet: slots open %d days ahead", date, b.Horizon), "horizon")
	}
	key := keyOf(svc.ID, start)
	if s.slotBooked[key]+pending[key] >= b.Capacity {
		return refuse(Errorf(ECONFLICT, "на %s %s мест нет: выберите другое время", "%s %s is fully booked: pick another time", date, hm), "full")
	}
	// Errors about what the visitor typed name the field, so that a page
	// can show them next to it.
	name, err := cleanName(req.Name)
	if err != nil {
		return Event{}, fieldError(err, "name")
	}
	phone, err := NormalizePhone(req.Phone)
	if err != nil {
		return Event{}, fieldError(err, "phone")
	}
	if !validCode(req.Code) {
		return Event{}, Errorf(EINVALID, "код записи %q: нужно %d цифр", "booking code %q: %d digits are needed", req.Code, CodeDigits)
	}
	if _, taken := s.appts[req.Code]; taken || codes[req.Code] {
		return Event{}, Errorf(ECONFLICT, "код записи %s уже занят", "booking code %s is taken", req.Code)
	}
	if len(req.External) > maxExternalLen {
		return Event{}, Errorf(EINVALID, "номер записи во внешней системе длиннее %d знаков", "the external id is longer than %d characters", maxExternalLen)
	}
	if req.External != "" {
		if code, dup := s.externals[req.External]; dup {
			return Event{}, Errorf(ECONFLICT, "запись %s уже импортирована (код %s)", "appointment %s is imported already (code %s)", req.External, code)
		}
	}
	ev := Event{Type: EventAppointmentBooked, At: now, Day: s.DayOf(now), Service: svc.ID, Code: req.Code,
		Start: start, End: at(day, slot.To, loc), ApptDay: date, Source: req.Source, External: req.External,
		Actor: req.Actor.Login, Name: name, Phone: phone}
	return ev, nil
}

// fieldError marks err, an *Error, as being about the request's field.
func fieldError(err error, field string) error {
	if e, ok := err.(*Error); ok {
		e.Details = map[string]string{"field": field}
	}
	return err
}

func cleanName(name string) (string, error) {
	if !utf8.ValidString(name) {
		return "", Errorf(EINVALID, "имя не в кодировке UTF-8", "the name is not UTF-8")
	}
	name = strings.Join(strings.Fields(name), " ")
	if utf8.RuneCountInString(name) > maxNameRunes {
		return "", Errorf(EINVALID, "имя длиннее %d знаков", "the name is longer than %d characters", maxNameRunes)
	}
	for _, r := range name {
		if !unicode.IsPrint(r) {
			return "", Errorf(EINVALID, "в имени недопустимые символы", "the name has characters that are not allowed")
		}
	}
	return name, nil
}

// NormalizePhone turns a Russian phone number as people write it
// ("8 (912) 345-67-89", "+7 912 3456789") into +79123456789. Empty stays
// empty: the phone is optional.
func NormalizePhone(phone string) (string, error) {
	phone = strings.TrimSpace(phone)
	if phone == "" {
		return "", nil
	}
	var digits []rune
	for i, r := range phone {
		switch {
		case r >= '0' && r <= '9':
			digits = append(digits, r)
		case r == '+' && i == 0, r == ' ', r == '-', r == '(', r == ')':
		default:
			return "", Errorf(EINVALID, "телефон %q: допустимы цифры, пробелы, скобки, дефисы и + в начале",
				"phone %q: only digits, spaces, brackets, dashes and a leading + are allowed", phone)
		}
	}
	d := string(digits)
	switch {
	case len(d) == 10 && strings.ContainsRune("3489", rune(d[0])):
		// A number written without the country code: mobiles start with 9,
		// area codes with 3, 4 or 8 ("(495) 123-45-67").
		d = "7" + d
	case len(d) == 11 && d[0] == '8':
		d = "7" + d[1:]
	}
	if len(d) < 11 || len(d) > 15 {
		return "", Errorf(EINVALID, "телефон %q: нужен номер из 10–15 цифр, например +7 912 345-67-89",
			"phone %q: 10 to 15 digits are needed, e.g. +7 912 345-67-89", phone)
	}
	return "+" + d, nil
}

// MaskName hides a name for lists and logs: each word keeps its first letter.
func MaskName(name string) string {
	words := strings.Fields(name)
	for i, w := range words {
		r, _ := utf8.DecodeRuneInString(w)
		words[i] = string(r) + "***"
	}
	return strings.Join(words, " ")
}

// MaskPhone hides all but the last two digits: +7 *** ***-**-89.
func MaskPhone(phone string) string {
	if len(phone) < 4 {
		return strings.Repeat("*", len(phone))
	}
	return phone[:2] + " *** ***-**-" + phone[len(phone)-2:]
}

// CancelAppointment withdraws a booked appointment, freeing its place.
func (s *State) CancelAppointment(now time.Time, code string, actor Actor) (Decision, error) {
	a, err := s.appointment(code)
	if err != nil {
		return Decision{}, err
	}
	if a.Status != AppointmentBooked {
		return Decision{}, &Error{Code: ECONFLICT,
			Message:   fmt.Sprintf("запись %s нельзя отменить: %s", code, a.Status.ru()),
			MessageEN: fmt.Sprintf("appointment %s cannot be cancelled: it is %s", code, a.Status)}
	}
	ev := Event{Type: EventAppointmentCancelled, At: now, Day: s.DayOf(now), Service: a.Service, Code: a.Code, ApptDay: a.Day, Actor: actor.Login}
	return Decision{Events: []Event{ev}}, nil
}

func (st AppointmentStatus) ru() string {
	switch st {
	case AppointmentCheckedIn:
		return "по ней уже выдан талон"
	case AppointmentCancelled:
		return "она отменена"
	case AppointmentMissed:
		return "время записи прошло"
	}
	return "она действует"
}

func (s *State) appointment(code string) (*Appointment, error) {
	a, ok := s.appts[code]
	if !ok {
		return nil, Errorf(ENOTFOUND, "запись с кодом %s не найдена: проверьте код", "no appointment with code %s: check the code", code)
	}
	return a, nil
}

// CheckIn takes a visitor with an appointment into the queue: a ticket of
// the appointment class due at the slot start, so that once the slot comes
// the visitor is called before live tickets. Its deadline is the office's
// appointment wait target after the slot start, or after the check-in for
// a late visitor: an early one is not owed a call before the slot, and a
// late one cannot be called before arriving.
func (s *State) CheckIn(now time.Time, code string) (Decision, error) {
	if !validCode(code) {
		return Decision{}, Errorf(EINVALID, "код записи — %d цифр", "the booking code has %d digits", CodeDigits)
	}
	a, ok := s.appts[code]
	if !ok {
		return Decision{}, Errorf(ENOTFOUND, "запись с кодом %s не найдена: проверьте код или возьмите талон в живую очередь",
			"no appointment with code %s: check the code or take a ticket for the live queue", code)
	}
	svc := s.ix.services[a.Service]
	loc := s.office.Location
	hm := a.Start.In(loc).Format("15:04")
	rules := s.office.Checkin
	switch a.Status {
	case AppointmentCheckedIn:
		t := s.tickets[a.Ticket]
		number := ""
		if t != nil {
			number = t.Number
		}
		return Decision{}, Errorf(ECONFLICT, "по этой записи уже выдан талон %s", "a ticket, %s, was issued for this appointment already", number)
	case AppointmentCancelled:
		return Decision{}, Errorf(ECONFLICT, "запись с кодом %s отменена: возьмите талон в живую очередь", "appointment %s was cancelled: take a ticket for the live queue", code)
	case AppointmentMissed:
		return Decision{}, s.lateError(now, a, svc, hm)
	}
	if today := s.DayOf(now); a.Day != today {
		return Decision{}, &Error{Code: ECONFLICT,
			Message:   fmt.Sprintf("ваша запись — на %s в %s: приходите в этот день", DateRU(a.Start.In(loc)), hm),
			MessageEN: fmt.Sprintf("your appointment is on %s at %s: please come that day", a.Start.In(loc).Format("2 January"), hm)}
	}
	if opens := a.Start.Add(-rules.Early); now.Before(opens) {
		e := Errorf(ECONFLICT, "рано: регистрация по записи на %s начнётся в %s — подойдите к киоску в это время",
			"too early: check-in for your %s appointment opens at %s — please come back then", hm, opens.In(loc).Format("15:04"))
		e.Details = map[string]string{"come_back_at": opens.Format(time.RFC3339)}
		return Decision{}, e
	}
	if now.After(a.Start.Add(rules.Late)) {
		return Decision{}, s.lateError(now, a, svc, hm)
	}
	if !s.dayOpen {
		return Decision{}, Errorf(ECONFLICT, "регистрация закрыта: рабочий день не открыт", "check-in is closed: the working day is not open")
	}
	iss := s.newTicket(now, svc, PriorityAppointment, later(now, a.Start).Add(s.office.ApptWaitTarget()))
	iss.Code, iss.Slot = a.Code, a.Start
	in := Event{Type: EventAppointmentCheckedIn, At: now, Day: s.day, Service: a.Service, Code: a.Code, Ticket: iss.Ticket, ApptDay: a.Day}
	return Decision{Events: []Event{iss, in}}, nil
}

// lateError tells a visitor who came after the late window that the
// appointment is gone and, where the service has a live queue and tickets
// are being issued, offers a live ticket instead.
func (s *State) lateError(now time.Time, a *Appointment, svc *Service, hm string) error {
	until := a.Start.Add(s.office.Checkin.Late).In(s.office.Location).Format("15:04")
	e := Errorf(ECONFLICT, "вы опоздали: запись на %s действовала до %s", "you are late: the %s appointment held until %s", hm, until)
	if svc.Booking.Only {
		e.Message += ". Запишитесь на другое время"
		e.MessageEN += ". Please book another time"
		return e
	}
	if ok, why, _ := s.Issuing(now); !ok {
		e.Message += ". " + why.RU
		e.MessageEN += ". " + why.EN
		return e
	}
	e.Message += ". Можно взять талон в живую очередь"
	e.MessageEN += ". You can take a ticket for the live queue"
	e.Details = map[string]string{"offer": "live_ticket", "service_id": svc.ID}
	return e
}

// ReleaseMissed releases the appointments whose late window has passed
// without a check-in: they become no-shows.
func (s *State) ReleaseMissed(now time.Time) Decision {
	return Decision{Events: s.missed(now, s.DayOf(now), func(a *Appointment) bool { return now.After(a.Start.Add(s.office.Checkin.Late)) })}
}

// missed releases the booked appointments gone says are past, as
// AppointmentMissed events logged on day.
func (s *State) missed(now time.Time, day string, gone func(*Appointment) bool) []Event {
	var evs []Event
	for _, a := range s.appointmentsInOrder() {
		if a.Status == AppointmentBooked && gone(a) {
			evs = append(evs, Event{Type: EventAppointmentMissed, At: now, Day: day, Service: a.Service, Code: a.Code, ApptDay: a.Day})
		}
	}
	return evs
}

// RowError is what is wrong with one row of an import.
type RowError struct {
	Row int `json:"row"` // 1-based, as the caller numbered its rows
	Text
}

// ImportError lists every bad row of an import; nothing was imported.
type ImportError struct {
	Rows []RowError
}

// ImportError is an invalid request: its code is EINVALID.
func (e *ImportError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "импорт отменён, ошибок: %d", len(e.Rows))
	for _, r := range e.Rows {
		fmt.Fprintf(&b, "\nстрока %d: %s", r.Row, r.RU)
	}
	return b.String()
}

// ImportRow is one appointment to import and the row it came from.
type ImportRow struct {
	Row int
	BookRequest
	// Invalid says why the row could not even be read (a malformed time);
	// it is reported together with the rows the rules refuse.
	Invalid *Text
}

// Import decides appointments booked elsewhere, all or none: one bad row
// and the whole import is refused with every bad row named.
func (s *State) Import(now time.Time, rows []ImportRow) (Decision, error) {
	if len(rows) == 0 {
		return Decision{}, Errorf(EINVALID, "в файле нет записей", "the file has no appointments")
	}
	var (
		d        Decision
		bad      []RowError
		pending  = map[slotKey]int{}
		codes    = map[string]bool{}
		external = map[string]int{}
	)
	for _, r := range rows {
		r.Source = SourceImport
		if r.Invalid != nil {
			bad = append(bad, RowError{Row: r.Row, Text: *r.Invalid})
			continue
		}
		if prev, dup := external[r.External]; dup && r.External != "" {
			bad = append(bad, RowError{Row: r.Row, Text: Text{
				RU: fmt.Sprintf("запись %s уже есть в строке %d", r.External, prev),
				EN: fmt.Sprintf("appointment %s is in row %d already", r.External, prev)}})
			continue
		}
		ev, err := s.booking(now, r.BookRequest, pending, codes)
		if err != nil {
			ru, en := ErrorMessages(err)
			bad = append(bad, RowError{Row: r.Row, Text: Text{RU: ru, EN: en}})
			continue
		}
		pending[keyOf(ev.Service, ev.Start)]++
		codes[ev.Code] = true
		external[r.External] = r.Row
		d.Events = append(d.Events, ev)
	}
	if len(bad) > 0 {
		return Decision{}, &ImportError{Rows: bad}
	}
	return d, nil
}

// applyAppointment applies an appointment event. Appointments outlive
// working days, so these never depend on the day being open.
func (s *State) applyAppointment(ev Event) error {
	if ev.Type == EventAppointmentBooked {
		if _, ok := s.ix.services[ev.Service]; !ok {
			return fmt.Errorf("unknown service %q", ev.Service)
		}
		if _, dup := s.appts[ev.Code]; dup {
			return fmt.Errorf("appointment code %s booked twice", ev.Code)
		}
		s.appts[ev.Code] = &Appointment{Code: ev.Code, Service: ev.Service, Day: ev.ApptDay, Start: ev.Start, End: ev.End,
			Status: AppointmentBooked, Name: ev.Name, Phone: ev.Phone, Source: ev.Source, External: ev.External, BookedAt: ev.At}
		s.slotBooked[keyOf(ev.Service, ev.Start)]++
		if ev.External != "" {
			s.externals[ev.External] = ev.Code
		}
		return nil
	}
	a, ok := s.appts[ev.Code]
	if !ok {
		return fmt.Errorf("unknown appointment %s", ev.Code)
	}
	switch ev.Type {
	case EventAppointmentCancelled:
		a.Status = AppointmentCancelled
		s.slotBooked[keyOf(a.Service, a.Start)]--
	case EventAppointmentCheckedIn:
		if _, ok := s.tickets[ev.Ticket]; !ok {
			return fmt.Errorf("check-in to unknown ticket %q", ev.Ticket)
		}
		a.Status, a.Ticket = AppointmentCheckedIn, ev.Ticket
	case EventAppointmentMissed:
		a.Status = AppointmentMissed
	}
	return nil
}

// dropPastAppointments forgets appointments of dates before day: the log
// keeps them for reports, the live state needs only today's and later.
func (s *State) dropPastAppointments(day string) {
	for code, a := range s.appts {
		if a.Day < day {
			delete(s.appts, code)
			delete(s.slotBooked, keyOf(a.Service, a.Start))
			if a.External != "" {
				delete(s.externals, a.External)
			}
		}
	}
}

func (s *State) appointmentsInOrder() []*Appointment {
	out := make([]*Appointment, 0, len(s.appts))
	for _, a := range s.appts {
		out = append(out, a)
	}
	slices.SortFunc(out, func(a, b *Appointment) int {
		if c := a.Start.Compare(b.Start); c != 0 {
			return c
		}
		return strings.Compare(a.Code, b.Code)
	})
	return out
}

// AppointmentView is an appointment as staff lists and the visitor see it.
// Name and phone are masked unless the view is made for the person who
// has just given them.
type AppointmentView struct {
	Code         string            `json:"code"`
	ServiceID    string            `json:"service_id"`
	Service      Text              `json:"service"`
	Start        time.Time         `json:"start"`
	End          time.Time         `json:"end"`
	Status       AppointmentStatus `json:"status"`
	Ticket       string            `json:"ticket_id,omitempty"`
	Number       string            `json:"number,omitempty"`
	Name         string            `json:"name,omitempty"`
	Phone        string            `json:"phone,omitempty"`
	Source       string            `json:"source"`
	External     string            `json:"external_id,omitempty"`
	CheckinFrom  time.Time         `json:"checkin_from"`
	CheckinUntil time.Time         `json:"checkin_until"`
}

func (s *State) appointmentView(a *Appointment, unmasked bool) AppointmentView {
	svc := s.ix.services[a.Service]
	v := AppointmentView{Code: a.Code, ServiceID: a.Service, Service: svc.Name, Start: a.Start, End: a.End, Status: a.Status,
		Ticket: a.Ticket, Name: MaskName(a.Name), Phone: MaskPhone(a.Phone), Source: a.Source, External: a.External,
		CheckinFrom: a.Start.Add(-s.office.Checkin.Early), CheckinUntil: a.Start.Add(s.office.Checkin.Late)}
	if a.Phone == "" {
		v.Phone = ""
	}
	if unmasked {
		v.Name, v.Phone = a.Name, a.Phone
	}
	if t, ok := s.tickets[a.Ticket]; ok {
		v.Number = t.Number
	}
	return v
}

// Appointment returns one appointment, contacts masked.
func (s *State) Appointment(code string) (AppointmentView, error) {
	a, err := s.appointment(code)
	if err != nil {
		return AppointmentView{}, err
	}
	return s.appointmentView(a, false), nil
}

// Appointments lists the appointments of date in time order, contacts masked.
func (s *State) Appointments(date string) ([]AppointmentView, error) {
	if _, err := s.parseDate(date); err != nil {
		return nil, err
	}
	out := []AppointmentView{}
	for _, a := range s.appointmentsInOrder() {
		if a.Day == date {
			out = append(out, s.appointmentView(a, false))
		}
	}
	return out, nil
}
