// Package fault defines civiclink's domain errors: an error code a program
// can branch on and a message that is safe to show a user.
//
// A raw driver or library error may contain partner data, so only errors made
// here reach users verbatim; anything else is reported as an internal error
// and logged.
package fault

import (
	"errors"
	"fmt"
	"runtime/debug"
	"strings"
	"syscall"
)

// Codes a domain error can carry. They map onto exit codes in the CLI and
// onto HTTP statuses in the web API.
const (
	Invalid      = "invalid"      // the request or input is malformed
	NotFound     = "not_found"    // the named thing does not exist
	Conflict     = "conflict"     // the thing already exists or the state forbids it
	Unauthorized = "unauthorized" // no or bad credentials
	Forbidden    = "forbidden"    // credentials fine, but no agreement or role allows it
	Disclosure   = "disclosure"   // an output would break disclosure control
	Busy         = "busy"         // too many requests at once or from one place: try again shortly
	Internal     = "internal"     // a bug or an environment failure
)

// Error is a domain error: Code for programs, Message for people.
type Error struct {
	Code    string
	Message string
	// Field names the input the error is about, in the domain's words
	// ("partner", "datasets", "by"), or is empty. The message does not name
	// how the input is given: the CLI adds its flag, the web its form label
	// or API parameter.
	Field string
	// Err is an optional cause kept for logs; it is never shown to users.
	Err error
}

// Error returns the message, prefixed by the cause when there is one.
func (e *Error) Error() string {
	if e.Err != nil {
		return e.Message + ": " + e.Err.Error()
	}
	return e.Message
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Errorf returns a domain error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// FieldErrorf returns a domain error about one input field (see
// [Error.Field]).
func FieldErrorf(code, field, format string, args ...any) *Error {
	return &Error{Code: code, Field: field, Message: fmt.Sprintf(format, args...)}
}

// Field returns the field of the first domain error in err's chain, or "".
func Field(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Field
	}
	return ""
}

// Wrap returns a domain error with the given code and message that keeps err
// as its cause (for logs only).
func Wrap(err error, code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Err: err}
}

// Code returns the code of the first domain error in err's chain, or
// [Internal] when there is none, or "" for a nil error.
func Code(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}

// Message returns the user-safe message of the first domain error in err's
// chain, or a generic message for any other error.
func Message(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "internal error: the details are in the server log"
}

// DiskFull is the code the CLI and the web give an error that
// [IsDiskFull] recognises; it is not carried by domain errors.
const DiskFull = "disk_full"

// IsDiskFull reports whether err comes from a full disk: an ENOSPC
// anywhere in its chain, or a message that says so (DuckDB reports a full
// disk in its message, not as an errno). Every write in civiclink leaves
// nothing half-written when it fails this way (docs/crash.md), so the
// person can be told to free space and try again.
func IsDiskFull(err error) bool {
	if err == nil {
		return false
	}
	return errors.Is(err, syscall.ENOSPC) || strings.Contains(strings.ToLower(err.Error()), "no space left on device")
}

// Catch runs f and returns its error, or an [Internal] error when f
// panics (the panic value and stack kept as the cause, for the log). A
// goroutine a request starts runs its work through Catch: a panic there,
// which no HTTP handler can recover, would otherwise stop the whole
// process and every user's requests with it.
func Catch(f func() error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = Wrap(fmt.Errorf("panic: %v\n%s", p, debug.Stack()), Internal, "an internal error stopped this figure; it has been logged")
		}
	}()
	return f()
}
