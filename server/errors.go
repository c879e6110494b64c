package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"reflect"
	"strings"

	"eq/queue"
)

// statusOf is the one table from domain error codes to HTTP statuses.
var statusOf = map[queue.Code]int{
	queue.EINVALID:      http.StatusBadRequest,
	queue.ENOTFOUND:     http.StatusNotFound,
	queue.ECONFLICT:     http.StatusConflict,
	queue.EUNAUTHORIZED: http.StatusUnauthorized,
	queue.EFORBIDDEN:    http.StatusForbidden,
	queue.EINTERNAL:     http.StatusInternalServerError,
	codeTooMany:         http.StatusTooManyRequests,
}

// codeTooMany is the server's own code for rate limiting; the domain never needs it.
const codeTooMany queue.Code = "too_many_requests"

// maxBody bounds request bodies: every command fits in far less.
const maxBody = 64 << 10

type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code      queue.Code        `json:"code"`
	Message   string            `json:"message"`
	MessageEN string            `json:"message_en"`
	Details   map[string]string `json:"details,omitempty"` // e.g. opens_at, come_back_at, offer
	Rows      []queue.RowError  `json:"rows,omitempty"`    // an import's bad rows
}

// writeError answers with the contract's error JSON. Internal errors are
// logged with their detail and shown to people without it.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	code := queue.ErrorCode(err)
	status, ok := statusOf[code]
	if !ok {
		status = http.StatusInternalServerError
	}
	if status >= 500 {
		// The route, not the path, which may carry a booking code.
		s.log.Error("request failed", "route", r.Pattern, "err", err)
	}
	ru, en := queue.ErrorMessages(err)
	detail := errorDetail{Code: code, Message: ru, MessageEN: en}
	var e *queue.Error
	if errors.As(err, &e) {
		detail.Details = e.Details
	}
	var ie *queue.ImportError
	if errors.As(err, &ie) {
		detail.Rows = ie.Rows
	}
	writeJSON(w, status, errorBody{Error: detail})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if err := json.NewEncoder(w).Encode(v); err != nil {
		// The status is sent already; all that is left is to say so in the log.
		slog.Default().Warn("write response", "err", err)
	}
}

// decodeJSON reads a request body into v strictly: one JSON object, known
// fields only, bounded size. An empty body leaves v as it is when optional.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any, optional bool) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if errors.Is(err, io.EOF) {
		if optional {
			return nil
		}
		return queue.Errorf(queue.EINVALID, "пустое тело запроса: ожидается JSON", "empty request body: JSON expected")
	}
	if err != nil {
		return jsonError(err)
	}
	// Anything after the object, even a stray brace, means the client sent
	// something other than it thinks: refuse rather than guess.
	if err := dec.Decode(&json.RawMessage{}); !errors.Is(err, io.EOF) {
		return queue.Errorf(queue.EINVALID, "после JSON-объекта в теле запроса есть лишние данные", "the request body has data after the JSON object")
	}
	return nil
}

// jsonError turns a decoding failure into a message that says what to fix.
func jsonError(err error) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &syntax):
		return queue.Errorf(queue.EINVALID, "неверный JSON (позиция %d)", "malformed JSON (offset %d)", syntax.Offset)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return queue.Errorf(queue.EINVALID, "JSON оборван", "JSON is cut short")
	case errors.As(err, &typ):
		ru, en := typeName(typ.Type.Kind())
		return &queue.Error{Code: queue.EINVALID,
			Message:   fmt.Sprintf("поле %q: ожидается %s", jsonField(typ.Field), ru),
			MessageEN: fmt.Sprintf("field %q: %s expected", jsonField(typ.Field), en)}
	case errors.As(err, &tooBig):
		return queue.Errorf(queue.EINVALID, "тело запроса больше %d байт", "request body is larger than %d bytes", tooBig.Limit)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.TrimPrefix(err.Error(), "json: unknown field ")
		return queue.Errorf(queue.EINVALID, "неизвестное поле %s", "unknown field %s", field)
	}
	return &queue.Error{Code: queue.EINVALID, Message: "неверный JSON: " + err.Error(), MessageEN: "malformed JSON: " + err.Error()}
}

// typeName names a JSON type for people, in Russian and English.
func typeName(k reflect.Kind) (ru, en string) {
	switch k {
	case reflect.String:
		return "строка", "a string"
	case reflect.Int, reflect.Int64, reflect.Int32, reflect.Uint, reflect.Float64:
		return "число", "a number"
	case reflect.Bool:
		return "true или false", "true or false"
	case reflect.Slice, reflect.Array:
		return "список", "a list"
	}
	return "объект", "an object"
}

// jsonField is the name a client wrote: encoding/json reports fields of
// embedded structs with the Go path ("Params.minutes").
func jsonField(path string) string {
	return path[strings.LastIndex(path, ".")+1:]
}
