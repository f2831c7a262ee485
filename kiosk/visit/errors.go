package visit

import (
	"errors"
	"fmt"
)

// Sentinel errors. Callers test them with errors.Is; none of them ever
// carries a personal value (ID number, name, form value).
var (
	ErrWrongState         = errors.New("visit: not possible now")
	ErrAlreadyConfirmed   = errors.New("visit: already confirmed")
	ErrStale              = errors.New("visit: result for an earlier step or visit")
	ErrBadIDNumber        = errors.New("visit: ID number check digit is wrong")
	ErrMissingName        = errors.New("visit: name is missing")
	ErrSamePerson         = errors.New("visit: agent and resident are the same person")
	ErrEmptyAuthorisation = errors.New("visit: authorisation reference is missing")
	ErrTooLong            = errors.New("visit: value is too long")
	ErrUnknownField       = errors.New("visit: no such field")
	ErrMissingField       = errors.New("visit: required field is empty")
	ErrBadValue           = errors.New("visit: value does not fit the field")
	ErrNotSelfService     = errors.New("visit: item cannot be submitted at the terminal")
	ErrAgentNotAllowed    = errors.New("visit: item does not allow an agent")
	ErrCardExpired        = errors.New("visit: card has expired")
	ErrCardUnsupported    = errors.New("visit: card type is not supported")
	ErrUnexpectedCard     = errors.New("visit: a card was not expected now")
	ErrConfig             = errors.New("visit: bad config")
)

// StateError says an operation was refused because of the state the visit
// was in (a tap during a transition, a late event).
type StateError struct {
	Op    string
	State State
}

func (e *StateError) Error() string {
	return fmt.Sprintf("visit: %s is not possible in state %s", e.Op, e.State)
}

// Unwrap makes errors.Is(err, ErrWrongState) true.
func (e *StateError) Unwrap() error { return ErrWrongState }

// FieldError is a refused form value. It names the field, never the value.
type FieldError struct {
	Key string
	Err error
}

func (e *FieldError) Error() string { return fmt.Sprintf("visit: field %q: %v", e.Key, trim(e.Err)) }

// Unwrap returns the sentinel (ErrMissingField, ErrBadValue, ...).
func (e *FieldError) Unwrap() error { return e.Err }

func trim(err error) string {
	s := err.Error()
	const p = "visit: "
	if len(s) > len(p) && s[:len(p)] == p {
		return s[len(p):]
	}
	return s
}
