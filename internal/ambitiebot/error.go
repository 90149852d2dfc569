package ambitiebot

import (
	"errors"
	"fmt"
)

// Error codes. The message of an Error is safe to show a user (after
// translation); its cause is for the log only.
const (
	ECONFLICT  = "conflict"
	EFORBIDDEN = "forbidden"
	EINTERNAL  = "internal"
	EINVALID   = "invalid"
	ENOTFOUND  = "not_found"
)

// Error is the one error type of the domain. MessageID names a sentence in
// locales/ and Data fills its template, so every edge can show it in the
// user's language. Err keeps the cause for the log.
type Error struct {
	Code      string
	MessageID string
	Data      map[string]any
	Err       error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.MessageID, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.MessageID)
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with a user-safe message id and template data.
func Errorf(code, messageID string, data map[string]any) *Error {
	return &Error{Code: code, MessageID: messageID, Data: data}
}

// invalidConfig is an EINVALID error about the configuration entry at
// key; data fills the rest of the sentence.
func invalidConfig(messageID, key string, data map[string]any) *Error {
	d := map[string]any{"Key": key}
	for k, v := range data {
		d[k] = v
	}
	return Errorf(EINVALID, messageID, d)
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL
// for any other non-nil error and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e):
		return e.Code
	default:
		return EINTERNAL
	}
}

// UserError returns the *Error to show a user for err: err's own when it
// carries one, otherwise the generic internal error, so that raw Go errors
// never reach a user.
func UserError(err error) *Error {
	var e *Error
	if errors.As(err, &e) && e.Code != EINTERNAL {
		return e
	}
	return &Error{Code: EINTERNAL, MessageID: "ErrInternal", Err: err}
}
