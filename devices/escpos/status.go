package escpos

import (
	"fmt"
	"strings"
)

// StatusKind is the n of DLE EOT n.
type StatusKind byte

// The four real-time status queries.
const (
	StatusPrinter StatusKind = 1 // printer status (online/offline)
	StatusOffline StatusKind = 2 // offline cause
	StatusError   StatusKind = 3 // error cause
	StatusPaper   StatusKind = 4 // roll paper sensor
)

// IsStatusReply reports whether b has the fixed bits of a DLE EOT reply
// (0xx1xx10). XON (11) and XOFF (13) fail this test.
func IsStatusReply(b byte) bool { return b&0x93 == 0x12 }

// IsFlowControl reports whether b is XON or XOFF.
func IsFlowControl(b byte) bool { return b == XON || b == XOFF }

// Status is what the four DLE EOT replies say. Fields of queries that were
// not asked stay false; Have records which were decoded.
type Status struct {
	Have [5]bool // Have[n] after a valid reply to DLE EOT n

	// n = 1
	DrawerHigh      bool // drawer connector pin 3 HIGH
	Offline         bool
	WaitingRecovery bool
	FeedPressed     bool
	// n = 2
	CoverOpen   bool
	PaperFeed   bool // paper being fed by the FEED button
	PaperStop   bool // printing stopped by paper end
	ErrorOccurs bool
	// n = 3
	MechanicalError      bool
	CutterError          bool
	UnrecoverableError   bool
	AutoRecoverableError bool
	// n = 4
	PaperNearEnd bool
	PaperEnd     bool
}

// Decode merges the reply byte to DLE EOT kind into s. A byte without the
// fixed bits (XON, XOFF, garbage) is ErrBadStatus and leaves s unchanged.
func (s *Status) Decode(kind StatusKind, b byte) error {
	if kind < StatusPrinter || kind > StatusPaper {
		return fmt.Errorf("%w: %d", ErrBadStatusKind, kind)
	}
	if !IsStatusReply(b) {
		return fmt.Errorf("%w: DLE EOT %d answered %02X", ErrBadStatus, kind, b)
	}
	bit := func(m byte) bool { return b&m == m }
	switch kind {
	case StatusPrinter:
		s.DrawerHigh, s.Offline, s.WaitingRecovery, s.FeedPressed = bit(0x04), bit(0x08), bit(0x20), bit(0x40)
	case StatusOffline:
		s.CoverOpen, s.PaperFeed, s.PaperStop, s.ErrorOccurs = bit(0x04), bit(0x08), bit(0x20), bit(0x40)
	case StatusError:
		s.MechanicalError, s.CutterError, s.UnrecoverableError, s.AutoRecoverableError = bit(0x04), bit(0x08), bit(0x20), bit(0x40)
	case StatusPaper:
		s.PaperNearEnd, s.PaperEnd = b&0x0C != 0, b&0x60 != 0
	}
	s.Have[kind] = true
	return nil
}

// DecodeStatus decodes one reply byte into a fresh Status.
func DecodeStatus(kind StatusKind, b byte) (Status, error) {
	var s Status
	err := s.Decode(kind, b)
	return s, err
}

// Ready reports whether nothing in s prevents printing.
func (s Status) Ready() bool {
	return !s.Offline && !s.ErrorOccurs && !s.CoverOpen && !s.PaperStop && !s.PaperEnd &&
		!s.CutterError && !s.UnrecoverableError && !s.AutoRecoverableError && !s.MechanicalError
}

// String lists the set conditions, "ok" when none.
func (s Status) String() string {
	var p []string
	add := func(on bool, name string) {
		if on {
			p = append(p, name)
		}
	}
	add(s.Offline, "offline")
	add(s.CoverOpen, "cover open")
	add(s.PaperEnd || s.PaperStop, "paper out")
	add(s.PaperNearEnd, "paper near end")
	add(s.CutterError, "cutter error")
	add(s.UnrecoverableError, "unrecoverable error")
	add(s.AutoRecoverableError, "auto-recoverable error")
	add(s.MechanicalError, "mechanical error")
	add(s.ErrorOccurs && !s.Have[StatusError], "error")
	add(s.WaitingRecovery, "waiting for recovery")
	add(s.PaperFeed, "feeding")
	if len(p) == 0 {
		return "ok"
	}
	return strings.Join(p, ", ")
}

// Encode builds the reply byte a printer in state s gives to DLE EOT kind
// (used by emulators; the inverse of Decode).
func (s Status) Encode(kind StatusKind) byte {
	b := byte(0x12)
	set := func(on bool, m byte) {
		if on {
			b |= m
		}
	}
	switch kind {
	case StatusPrinter:
		set(s.DrawerHigh, 0x04)
		set(s.Offline, 0x08)
		set(s.WaitingRecovery, 0x20)
		set(s.FeedPressed, 0x40)
	case StatusOffline:
		set(s.CoverOpen, 0x04)
		set(s.PaperFeed, 0x08)
		set(s.PaperStop, 0x20)
		set(s.ErrorOccurs, 0x40)
	case StatusError:
		set(s.MechanicalError, 0x04)
		set(s.CutterError, 0x08)
		set(s.UnrecoverableError, 0x20)
		set(s.AutoRecoverableError, 0x40)
	case StatusPaper:
		set(s.PaperNearEnd, 0x0C)
		set(s.PaperEnd, 0x60)
	}
	return b
}

// ASB is the automatic status back block (GS a n), four bytes.
type ASB struct {
	DrawerHigh, Offline, CoverOpen, FeedPressed bool
	WaitingRecovery, MechanicalError, CutterError, UnrecoverableError,
	AutoRecoverableError bool
	PaperNearEnd, PaperEnd bool
}

// DecodeASB decodes the four ASB bytes: first byte 0xx1xx00, the others
// 0xx0xxxx.
func DecodeASB(p []byte) (ASB, error) {
	if len(p) != 4 {
		return ASB{}, fmt.Errorf("%w: ASB needs 4 bytes, got %d", ErrBadStatus, len(p))
	}
	if p[0]&0x93 != 0x10 || p[1]&0x90 != 0 || p[2]&0x90 != 0 || p[3]&0x90 != 0 {
		return ASB{}, fmt.Errorf("%w: ASB % X", ErrBadStatus, p)
	}
	return ASB{
		DrawerHigh:           p[0]&0x04 != 0,
		Offline:              p[0]&0x08 != 0,
		CoverOpen:            p[0]&0x20 != 0,
		FeedPressed:          p[0]&0x40 != 0,
		WaitingRecovery:      p[1]&0x01 != 0,
		MechanicalError:      p[1]&0x04 != 0,
		CutterError:          p[1]&0x08 != 0,
		UnrecoverableError:   p[1]&0x20 != 0,
		AutoRecoverableError: p[1]&0x40 != 0,
		PaperNearEnd:         p[2]&0x03 != 0,
		PaperEnd:             p[2]&0x0C != 0,
	}, nil
}

// Encode builds the four ASB bytes for a (emulators).
func (a ASB) Encode() [4]byte {
	var p [4]byte
	p[0] = 0x10
	set := func(i int, on bool, m byte) {
		if on {
			p[i] |= m
		}
	}
	set(0, a.DrawerHigh, 0x04)
	set(0, a.Offline, 0x08)
	set(0, a.CoverOpen, 0x20)
	set(0, a.FeedPressed, 0x40)
	set(1, a.WaitingRecovery, 0x01)
	set(1, a.MechanicalError, 0x04)
	set(1, a.CutterError, 0x08)
	set(1, a.UnrecoverableError, 0x20)
	set(1, a.AutoRecoverableError, 0x40)
	set(2, a.PaperNearEnd, 0x03)
	set(2, a.PaperEnd, 0x0C)
	return p
}

// Status converts the ASB block to the DLE EOT view.
func (a ASB) Status() Status {
	s := Status{
		DrawerHigh: a.DrawerHigh, Offline: a.Offline, CoverOpen: a.CoverOpen, FeedPressed: a.FeedPressed,
		WaitingRecovery: a.WaitingRecovery, MechanicalError: a.MechanicalError, CutterError: a.CutterError,
		UnrecoverableError: a.UnrecoverableError, AutoRecoverableError: a.AutoRecoverableError,
		PaperNearEnd: a.PaperNearEnd, PaperEnd: a.PaperEnd, PaperStop: a.PaperEnd,
	}
	s.ErrorOccurs = a.MechanicalError || a.CutterError || a.UnrecoverableError || a.AutoRecoverableError
	for i := 1; i <= 4; i++ {
		s.Have[i] = true
	}
	return s
}

// PaperSensor decodes the GS r 1 reply (0xx0xxxx): bits 0-1 near end,
// bits 2-3 end.
func PaperSensor(b byte) (nearEnd, end bool, err error) {
	if b&0x90 != 0 {
		return false, false, fmt.Errorf("%w: GS r 1 answered %02X", ErrBadStatus, b)
	}
	return b&0x03 != 0, b&0x0C != 0, nil
}
