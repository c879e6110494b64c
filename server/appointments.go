package server

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"eq/queue"
)

// maxImportBody bounds an import file: a month of a big centre's bookings
// is well under a megabyte.
const maxImportBody = 4 << 20

// handleSlots lists a service's slots on a date, or without a date the
// dates of the booking horizon with their free places.
func (s *Server) handleSlots(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	service, date := q.Get("service_id"), q.Get("date")
	if service == "" {
		s.writeError(w, r, queue.Errorf(queue.EINVALID, "укажите service_id", "service_id is required"))
		return
	}
	if date == "" {
		days, err := s.engine.BookingDays(service)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"service_id": service, "days": days})
		return
	}
	slots, err := s.engine.Slots(service, date)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"service_id": service, "date": date, "slots": slots})
}

type bookRequest struct {
	ServiceID string    `json:"service_id"`
	Start     time.Time `json:"start"`
	Name      string    `json:"name"`
	Phone     string    `json:"phone"`
}

// handleBook books an appointment. Anyone may: visitors book from the
// /book page or their phones. Anonymous booking is rate-limited per
// address so that nobody fills a day's slots with a script; staff booking
// for a visitor on the phone is not, and skips the lead time.
func (s *Server) handleBook(w http.ResponseWriter, r *http.Request) {
	req := queue.BookRequest{Source: queue.SourceWeb}
	if c := callerOf(r); c.isStaff() {
		req.Source, req.Actor = queue.SourceStaff, c.actor
	} else if ok, wait := s.bookings.allow(clientIP(r)); !ok {
		s.refuseTooMany(w, r, wait, "слишком много записей с этого адреса, попробуйте позже", "too many bookings from this address, try later")
		return
	}
	var body bookRequest
	if err := decodeJSON(w, r, &body, false); err != nil {
		s.writeError(w, r, err)
		return
	}
	if body.ServiceID == "" {
		s.writeError(w, r, queue.Errorf(queue.EINVALID, "укажите service_id", "service_id is required"))
		return
	}
	req.Service, req.Start, req.Name, req.Phone = body.ServiceID, body.Start, body.Name, body.Phone
	a, err := s.engine.Book(r.Context(), req)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	// The log line carries no name or phone: personal data stays in the store.
	s.log.Info("appointment booked", "service", a.ServiceID, "start", a.Start, "source", a.Source, "contacts", a.Name != "" || a.Phone != "")
	writeJSON(w, http.StatusCreated, a)
}

// handleAppointment shows one appointment to whoever has its code, with
// the contacts masked.
func (s *Server) handleAppointment(w http.ResponseWriter, r *http.Request) {
	if !s.codeLookup(w, r) {
		return
	}
	a, err := s.engine.Appointment(r.PathValue("code"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, a)
}

// handleCancelAppointment cancels by code: the code is what proves the
// booking is the visitor's.
func (s *Server) handleCancelAppointment(w http.ResponseWriter, r *http.Request) {
	actor := callerOf(r).actor
	if actor.Login == "" && !s.codeLookup(w, r) {
		return
	}
	a, err := s.engine.CancelAppointment(r.Context(), r.PathValue("code"), actor)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.log.Info("appointment cancelled", "service", a.ServiceID, "start", a.Start, "by", actor.Login)
	writeJSON(w, http.StatusOK, a)
}

// codeLookup rate-limits requests naming a booking code, so that codes
// cannot be found by trying them one after another; staff are not limited.
func (s *Server) codeLookup(w http.ResponseWriter, r *http.Request) bool {
	if callerOf(r).isStaff() {
		return true
	}
	ok, wait := s.codes.allow(clientIP(r))
	if !ok {
		s.refuseTooMany(w, r, wait, "слишком много попыток, подождите минуту", "too many attempts, wait a minute")
	}
	return ok
}

// handleAppointments lists a date's appointments (today by default) for
// staff, contacts masked.
func (s *Server) handleAppointments(w http.ResponseWriter, r *http.Request) {
	date := r.URL.Query().Get("date")
	if date == "" {
		s.engine.Read(func(st *queue.State, now time.Time) { date = st.DayOf(now) })
	}
	list, err := s.engine.Appointments(date)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"date": date, "appointments": list})
}

// handleImport takes appointments booked in another system (the centre's
// information system, the state portal) as CSV, all or none.
func (s *Server) handleImport(w http.ResponseWriter, r *http.Request) {
	actor := callerOf(r).actor
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxImportBody))
	if err != nil {
		s.writeError(w, r, queue.Errorf(queue.EINVALID, "файл больше %d МБ или не прочитан", "the file is larger than %d MB or could not be read", maxImportBody>>20))
		return
	}
	var loc *time.Location
	s.engine.Read(func(st *queue.State, _ time.Time) { loc = st.Office().Location })
	rows, err := ParseImport(body, loc)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	for i := range rows {
		rows[i].Actor = actor
	}
	list, err := s.engine.Import(r.Context(), rows)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.log.Info("appointments imported", "count", len(list), "by", actor.Login)
	writeJSON(w, http.StatusCreated, map[string]any{"imported": len(list), "appointments": list})
}

// Import file columns. The header names them; order is free, extra columns
// are refused so that a shifted file is not read wrongly.
var importColumns = []string{"service_id", "start", "name", "phone", "code", "external_id"}

// ImportTimeLayout is the local-time form of start an import may use
// besides RFC 3339: "2026-11-24 10:30" in the office's zone.
const ImportTimeLayout = "2006-01-02 15:04"

// ParseImport reads an import file: UTF-8 CSV with a header row, separated
// by commas or semicolons (what Russian Excel writes). Rows that cannot be
// read are returned with their problem, to be reported with the rest.
func ParseImport(data []byte, loc *time.Location) ([]queue.ImportRow, error) {
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	if !utf8.Valid(data) {
		return nil, queue.Errorf(queue.EINVALID, "файл не в кодировке UTF-8: сохраните его как «CSV UTF-8»", "the file is not UTF-8: save it as \"CSV UTF-8\"")
	}
	header, _, _ := bytes.Cut(data, []byte("\n"))
	rd := csv.NewReader(bytes.NewReader(data))
	if bytes.Count(header, []byte(";")) > bytes.Count(header, []byte(",")) {
		rd.Comma = ';'
	}
	rd.FieldsPerRecord = -1
	rd.TrimLeadingSpace = true
	head, err := rd.Read()
	if err != nil {
		return nil, queue.Errorf(queue.EINVALID, "в файле нет строки заголовка (%s)", "the file has no header row (%s)", strings.Join(importColumns, ","))
	}
	col := map[string]int{}
	for i, h := range head {
		h = strings.ToLower(strings.TrimSpace(h))
		if !slices.Contains(importColumns, h) {
			return nil, queue.Errorf(queue.EINVALID, "неизвестный столбец %q: допустимы %s", "unknown column %q: allowed are %s", h, strings.Join(importColumns, ", "))
		}
		if _, dup := col[h]; dup {
			return nil, queue.Errorf(queue.EINVALID, "столбец %q указан дважды", "column %q is given twice", h)
		}
		col[h] = i
	}
	for _, need := range []string{"service_id", "start"} {
		if _, ok := col[need]; !ok {
			return nil, queue.Errorf(queue.EINVALID, "нет обязательного столбца %q", "the required column %q is missing", need)
		}
	}
	var rows []queue.ImportRow
	for {
		rec, err := rd.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			// FieldPos panics after a failed Read: the row is where the
			// record that failed starts.
			var pe *csv.ParseError
			if !errors.As(err, &pe) {
				return nil, queue.Errorf(queue.EINVALID, "файл не прочитан: %v", "the file could not be read: %v", err)
			}
			rows = append(rows, queue.ImportRow{Row: pe.StartLine, Invalid: &queue.Text{
				RU: "строка не читается как CSV: " + err.Error(), EN: "the row is not valid CSV: " + err.Error()}})
			continue
		}
		line, _ := rd.FieldPos(0)
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue // a blank line
		}
		field := func(name string) string {
			if i, ok := col[name]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		row := queue.ImportRow{Row: line}
		row.Service, row.Name, row.Phone, row.Code, row.External = field("service_id"), field("name"), field("phone"), field("code"), field("external_id")
		start, err := parseImportTime(field("start"), loc)
		if err != nil {
			row.Invalid = &queue.Text{
				RU: fmt.Sprintf("время %q: нужен вид 2026-11-24 10:30 или RFC 3339", field("start")),
				EN: fmt.Sprintf("time %q: write 2026-11-24 10:30 or RFC 3339", field("start"))}
		}
		row.Start = start
		rows = append(rows, row)
	}
	return rows, nil
}

func parseImportTime(v string, loc *time.Location) (time.Time, error) {
	if t, err := time.ParseInLocation(ImportTimeLayout, v, loc); err == nil {
		return t, nil
	}
	return time.Parse(time.RFC3339, v)
}

// handleHours tells pages whether tickets are issued now and when the
// office opens next.
func (s *Server) handleHours(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.engine.Hours())
}
