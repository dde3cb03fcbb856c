package flightevents

import (
	"errors"
	"fmt"
)

// Error codes returned by the ports. Adapters translate technology errors
// into these; httpapi maps them to HTTP statuses in one place.
const (
	EINVALID     = "invalid"     // the input can never succeed (bad event, bad filter)
	ENOTFOUND    = "not_found"   // the thing asked for does not exist
	EUNAVAILABLE = "unavailable" // a dependency is down or slow; retrying may succeed
	EINTERNAL    = "internal"    // a bug or an unexpected failure
)

// Error is a domain error carrying a machine-readable code and a message
// that is safe to show to a client.
type Error struct {
	Code    string
	Message string
	Err     error // optional cause, never shown to clients
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the given code and formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// WrapError returns an *Error with the given code and message wrapping cause.
func WrapError(code, message string, cause error) *Error {
	return &Error{Code: code, Message: message, Err: cause}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL
// for any other non-nil error and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the client-safe message of the first *Error in err's
// chain, or a generic message for any other error.
func ErrorMessage(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}
