package queue

import (
	"errors"
	"fmt"
)

// Code classifies an error so that every edge (HTTP, console, CLI) can react
// the same way: one table in the server maps codes to statuses.
type Code string

// Error codes. They are part of the contract: clients switch on them.
const (
	EINVALID      Code = "invalid"      // the request itself is wrong
	ENOTFOUND     Code = "not_found"    // an id names nothing
	ECONFLICT     Code = "conflict"     // the request is fine but the state forbids it now
	EUNAUTHORIZED Code = "unauthorized" // who is asking is unknown
	EFORBIDDEN    Code = "forbidden"    // who is asking may not do this
	EINTERNAL     Code = "internal"     // our fault
)

// Error is a domain error with a message for people, Russian first.
type Error struct {
	Code      Code
	Message   string // Russian, shown to staff and visitors
	MessageEN string // English
	// Details are facts a client acts on beyond showing the message: when
	// to come back, which service to offer instead.
	Details map[string]string
}

// Error returns the Russian message, which is what staff read in logs too.
func (e *Error) Error() string { return e.Message }

// Errorf builds an Error; ru and en are formats sharing the same args.
func Errorf(code Code, ru, en string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(ru, args...), MessageEN: fmt.Sprintf(en, args...)}
}

// textError builds an Error about something named in both languages: the
// Russian format gets t.RU, the English one t.EN.
func textError(code Code, ru, en string, t Text) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(ru, t.RU), MessageEN: fmt.Sprintf(en, t.EN)}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL
// for any other non-nil error and "" for nil.
func ErrorCode(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	var ie *ImportError
	if errors.As(err, &ie) {
		return EINVALID
	}
	return EINTERNAL
}

// ErrorMessages returns the Russian and English messages people may see:
// an internal error never leaks its details.
func ErrorMessages(err error) (ru, en string) {
	var e *Error
	if errors.As(err, &e) {
		return e.Message, e.MessageEN
	}
	var ie *ImportError
	if errors.As(err, &ie) {
		return fmt.Sprintf("импорт отменён, ничего не записано: ошибок в строках — %d", len(ie.Rows)),
			fmt.Sprintf("import refused, nothing was written: %d rows have errors", len(ie.Rows))
	}
	return "Внутренняя ошибка сервера", "Internal server error"
}
