package audit

import (
	"context"
	"errors"
	"fmt"

	"github.com/pudong-community/kiosk/kiosk"
)

// Reason says how a link of the chain is broken.
type Reason string

// Reasons for a broken link.
const (
	ReasonSeq      Reason = "seq"       // the event with this seq is missing or out of place
	ReasonPrevHash Reason = "prev_hash" // prev_hash is not the previous event's hash
	ReasonHash     Reason = "hash"      // hash does not match the event's contents
)

// BreakError names the first broken link of a chain.
type BreakError struct {
	Seq    int64  // the seq at which the chain breaks
	Reason Reason //
	Found  int64  // for ReasonSeq: the seq found in its place (0: none)
}

func (e *BreakError) Error() string {
	switch e.Reason {
	case ReasonSeq:
		if e.Found == 0 {
			return fmt.Sprintf("audit: chain broken at seq %d: event missing", e.Seq)
		}
		return fmt.Sprintf("audit: chain broken at seq %d: found seq %d in its place", e.Seq, e.Found)
	case ReasonPrevHash:
		return fmt.Sprintf("audit: chain broken at seq %d: prev_hash does not match the previous event", e.Seq)
	}
	return fmt.Sprintf("audit: chain broken at seq %d: hash does not match the event", e.Seq)
}

// Unwrap makes errors.Is(err, ErrBroken) true.
func (e *BreakError) Unwrap() error { return ErrBroken }

// Checker checks a chain event by event, carrying the previous event. The
// zero Checker expects the chain from its first event (seq 1, empty
// prev_hash); From starts after a known event (a server's acked_through).
type Checker struct {
	seq  int64 // last good seq
	hash string
}

// From returns a checker that expects the event after prev.
func From(prev kiosk.AuditEvent) *Checker { return &Checker{seq: prev.Seq, hash: prev.Hash} }

// Next checks ev as the next event of the chain.
func (c *Checker) Next(ev kiosk.AuditEvent) error {
	want := c.seq + 1
	switch {
	case ev.Seq != want:
		return &BreakError{Seq: want, Reason: ReasonSeq, Found: ev.Seq}
	case ev.PrevHash != c.hash:
		return &BreakError{Seq: want, Reason: ReasonPrevHash}
	case ev.ComputeHash() != ev.Hash:
		return &BreakError{Seq: want, Reason: ReasonHash}
	}
	c.seq, c.hash = ev.Seq, ev.Hash
	return nil
}

// Check verifies evs as the chain that follows prev (a zero prev: the
// start of the trail).
func Check(prev kiosk.AuditEvent, evs []kiosk.AuditEvent) error {
	c := From(prev)
	for _, ev := range evs {
		if err := c.Next(ev); err != nil {
			return err
		}
	}
	return nil
}

// pageSize is how many events Verify reads at a time.
const pageSize = 500

// Verify walks the whole trail from seq 1 and returns the number of events
// that verified and, if the chain is broken, a *BreakError for the first
// broken link. A deleted last event cannot be seen from the trail alone;
// the central server's acked_through (and VerifyAgainst) covers it.
func (t *Trail) Verify(ctx context.Context) (int64, error) {
	last, err := t.st.Last(ctx)
	if err != nil {
		return 0, fmt.Errorf("%w: last: %w", ErrStorage, err)
	}
	var c Checker
	for c.seq < last.Seq {
		if err := ctx.Err(); err != nil {
			return c.seq, fmt.Errorf("audit: verify: %w", err)
		}
		evs, err := t.st.Range(ctx, c.seq+1, pageSize)
		if err != nil {
			return c.seq, fmt.Errorf("%w: range: %w", ErrStorage, err)
		}
		if len(evs) == 0 {
			return c.seq, &BreakError{Seq: c.seq + 1, Reason: ReasonSeq}
		}
		for _, ev := range evs {
			if err := c.Next(ev); err != nil {
				return c.seq, err
			}
		}
	}
	return c.seq, nil
}

// VerifyAgainst verifies the trail and then that it still holds the event
// an outside party acknowledged (seq and hash, e.g. the last event the
// central server stored), which catches a deleted or rewritten tail.
func (t *Trail) VerifyAgainst(ctx context.Context, seq int64, hash string) (int64, error) {
	n, err := t.Verify(ctx)
	if err != nil || seq == 0 {
		return n, err
	}
	evs, err := t.st.Range(ctx, seq, 1)
	if err != nil {
		return n, fmt.Errorf("%w: range: %w", ErrStorage, err)
	}
	if len(evs) == 0 || evs[0].Seq != seq {
		return n, &BreakError{Seq: seq, Reason: ReasonSeq}
	}
	if evs[0].Hash != hash {
		return n, &BreakError{Seq: seq, Reason: ReasonHash}
	}
	return n, nil
}

// IsBroken returns the first broken link named by err, if any.
func IsBroken(err error) (*BreakError, bool) {
	var be *BreakError
	ok := errors.As(err, &be)
	return be, ok
}
