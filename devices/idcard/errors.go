package idcard

import (
	"errors"
	"fmt"
)

// Errors of this package. Typed errors below wrap one of these, so callers can
// test with errors.Is and get details with errors.As.
var (
	// Framing.
	ErrIncomplete = errors.New("idcard: incomplete frame")
	ErrChecksum   = errors.New("idcard: bad checksum")
	ErrLength     = errors.New("idcard: impossible frame length")
	ErrStatus     = errors.New("idcard: module returned an error status")
	ErrResponse   = errors.New("idcard: malformed response")

	// Card data.
	ErrTextBlock  = errors.New("idcard: malformed text block")
	ErrText       = errors.New("idcard: invalid UCS-2 text")
	ErrDate       = errors.New("idcard: invalid date")
	ErrGender     = errors.New("idcard: unknown gender code")
	ErrNation     = errors.New("idcard: unknown nation code")
	ErrIDNumber   = errors.New("idcard: malformed ID number")
	ErrCheckDigit = errors.New("idcard: ID number check digit fails")

	// Conversation.
	ErrNoAnswer = errors.New("idcard: module not answering")
	ErrPortGone = errors.New("idcard: serial port gone")
	ErrNoSAM    = errors.New("idcard: SAM not ready")
)

// StatusError is a response whose SW1/SW2/SW3 is not the success expected for
// the command. It wraps ErrStatus.
type StatusError struct {
	Command       Command
	SW1, SW2, SW3 byte
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("idcard: %s: status %02X %02X %02X: %s", e.Command.Name(), e.SW1, e.SW2, e.SW3, StatusText(e.SW3))
}

func (e *StatusError) Unwrap() error { return ErrStatus }

// FieldError says which field of the text block is bad. It wraps the reason
// (ErrDate, ErrGender, ErrText ...). Value never holds an ID number in full.
type FieldError struct {
	Field string
	Value string
	Err   error
}

func (e *FieldError) Error() string {
	if e.Value == "" {
		return fmt.Sprintf("%v (field %s)", e.Err, e.Field)
	}
	return fmt.Sprintf("%v (field %s: %q)", e.Err, e.Field, e.Value)
}

func (e *FieldError) Unwrap() error { return e.Err }
