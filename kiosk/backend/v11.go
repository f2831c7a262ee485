package backend

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/pudong-community/kiosk/kiosk"
	"github.com/pudong-community/kiosk/kiosk/intake"
)

// What the v1.1 services (centre, queue, tickets, appointments, ratings)
// share: the terminal's knowledge of its link, and how a failed call is
// told to the screens.

// Link says whether the terminal knows the central system to be out of
// reach (the relay: its last call got no answer, or the server asked for a
// pause). A service that needs the network fails at once then, with
// kiosk.ErrOffline, instead of letting the resident wait for a timeout.
type Link interface {
	Offline() bool
}

// offline reports whether the terminal knows it is offline.
func (b *Backend) offline() bool {
	if b.Link != nil && b.Link.Offline() {
		return true
	}
	return b.Pause != nil && !b.Pause.PausedUntil().IsZero()
}

func (b *Backend) now() time.Time {
	if b.Now != nil {
		return b.Now()
	}
	return time.Now()
}

// netErr is how a failed call of a service that needs the network is told
// to the screens: the central system's own answers (closed, full, already
// booked, refused: final) as they are; the caller's cancellation (the
// visit ended) as it is; anything else (no answer, a timeout, the caller's
// deadline, 5xx, 429) wraps kiosk.ErrOffline, with the cause.
func netErr(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(ctx.Err(), context.Canceled) {
		return err
	}
	var closed *kiosk.CenterClosedError
	var full *kiosk.SlotFullError
	var rej *kiosk.RejectedError
	switch {
	case errors.As(err, &closed), errors.As(err, &full), errors.As(err, &rej),
		errors.Is(err, kiosk.ErrCategoryClosed), errors.Is(err, kiosk.ErrAlreadyBooked),
		errors.Is(err, kiosk.ErrNoSuchAppointment), errors.Is(err, kiosk.ErrOffline):
		return err
	}
	if intake.IsFinal(err) {
		return err
	}
	return fmt.Errorf("%w: %w", kiosk.ErrOffline, err)
}

// errOfflineNow is the error of a call not made because the terminal knows
// it is offline.
var errOfflineNow = fmt.Errorf("%w (known offline: not asked)", kiosk.ErrOffline)
