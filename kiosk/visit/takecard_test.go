package visit_test

import (
	"testing"
	"time"

	"github.com/pudong-community/kiosk/kiosk/visit"
)

// TestTakeCard: a visit that ends (finish, timeout) with its card on the
// reader shows the take-your-card state, wiped, until the card is taken;
// it says when the card has lain there CardLeft; nothing there starts a
// visit; the card taken, the goodbye and then home.
func TestTakeCard(t *testing.T) {
	t.Parallel()
	for _, end := range []string{"finish", "timeout"} {
		t.Run(end, func(t *testing.T) {
			t.Parallel()
			r := newRig(t, visit.Config{})
			r.identified()
			visitNo := r.m.Snapshot().Visit
			if !r.m.Snapshot().CardOn {
				t.Fatal("a card was read but the machine does not know it lies on the reader")
			}
			if end == "finish" {
				r.must(r.m.Finish())
			} else {
				r.clock.Advance(visit.DefaultIdle + visit.DefaultWarning)
			}
			s := r.want(visit.StateTakeCard)
			if s.Resident != nil || !s.CardOn || s.CardLeftLong || s.Visit != 0 {
				t.Fatalf("take card: %+v", s)
			}
			// Nothing there goes anywhere but the card's removal.
			r.m.Touch()
			if r.m.Home() == nil || r.m.Finish() == nil || r.m.Browse() == nil || r.m.SetEnglish(true) == nil || r.m.SetElderMode(true) == nil {
				t.Fatal("the take-your-card state let a tap leave it")
			}
			r.clock.Advance(visit.DefaultCardLeft - time.Second)
			if s := r.want(visit.StateTakeCard); s.CardLeftLong {
				t.Fatal("card left long before its time")
			}
			r.clock.Advance(time.Second)
			if s := r.want(visit.StateTakeCard); !s.CardLeftLong {
				t.Fatal("two minutes with the card on the reader went unnoticed")
			}
			r.clock.Advance(time.Hour)
			r.want(visit.StateTakeCard) // staff are coming; it stays
			r.m.CardRemoved()
			s = r.want(visit.StateEnded)
			if s.CardOn || s.CardLeftLong {
				t.Fatalf("goodbye: %+v", s)
			}
			r.clock.Advance(visit.DefaultLinger)
			s = r.want(visit.StateHome)
			r.must(r.m.Browse())
			if s := r.m.Snapshot(); s.Visit != visitNo+1 {
				t.Fatalf("next visit is number %d, want %d (the take-card state is no visit)", s.Visit, visitNo+1)
			}
		})
	}
}

// TestCardOnWithoutVisit: a card read and refused (expired) lies on the
// reader with no visit holding it; its removal is news.
func TestCardOnWithoutVisit(t *testing.T) {
	t.Parallel()
	r := newRig(t, visit.Config{})
	r.must(r.m.CardFailed(visit.FailExpired))
	if !r.m.Snapshot().CardOn {
		t.Fatal("an expired card on the reader is not known to lie there")
	}
	n := len(r.snaps)
	r.m.CardRemoved()
	if s := r.m.Snapshot(); s.CardOn || len(r.snaps) == n || r.last().CardOn {
		t.Fatalf("card removal not announced: %+v", s)
	}
	// An unreadable card: the reader reports no removal of it, so it is
	// not counted as lying there.
	r.must(r.m.CardFailed(visit.FailUnreadable))
	if r.m.Snapshot().CardOn {
		t.Fatal("an unreadable card counted as lying on the reader")
	}
	// Taken away during the visit: the visit ends without the take-card
	// state.
	r.identified()
	r.m.CardRemoved()
	if s := r.want(visit.StateEnded); s.EndReason != visit.EndCardRemoved {
		t.Fatalf("end reason %s", s.EndReason)
	}
}

// TestCardLostOnTheReader: the reader fails with a card left on it after
// its visit (CardLost), so the take-card screen gives way; when the
// reader comes back and reads the same card, it is still the card left
// there, on the home screen, the guide or the goodbye: the take-card
// state again, never a visit with someone else's card. Another card, or
// the same card once a removal was seen or after LostCardHold, starts a
// visit as any card does.
func TestCardLostOnTheReader(t *testing.T) {
	t.Parallel()
	for _, where := range []string{"home", "guide", "identifying", "goodbye"} {
		t.Run(where, func(t *testing.T) {
			t.Parallel()
			r := newRig(t, visit.Config{})
			r.identified()
			r.must(r.m.Finish())
			r.want(visit.StateTakeCard)
			r.m.CardLost()
			r.want(visit.StateEnded)
			switch where {
			case "home":
				r.clock.Advance(visit.DefaultLinger)
				r.want(visit.StateHome)
			case "guide":
				r.clock.Advance(visit.DefaultLinger)
				r.must(r.m.Browse())
				r.want(visit.StateBrowsing)
			case "identifying":
				r.clock.Advance(visit.DefaultLinger)
				r.must(r.m.Identify(visit.PurposeCases))
				r.want(visit.StateIdentifying)
			}
			r.must(r.m.CardRead(resident()))
			s := r.want(visit.StateTakeCard)
			if s.Resident != nil || !s.CardOn || s.Visit != 0 {
				t.Fatalf("the lost card read again: %+v", s)
			}
			// Its removal, seen this time, ends it; then it is any card.
			r.m.CardRemoved()
			r.want(visit.StateEnded)
			r.clock.Advance(visit.DefaultLinger)
			r.want(visit.StateHome)
			r.must(r.m.CardRead(resident()))
			if s := r.m.Snapshot(); s.State == visit.StateTakeCard || s.Resident == nil {
				t.Fatalf("the card laid again after its removal: %+v", s)
			}
		})
	}
	// lostLeft: a visit ended with its card left on the reader, which then
	// failed with it on.
	lostLeft := func(t *testing.T) *rig {
		r := newRig(t, visit.Config{})
		r.identified()
		r.must(r.m.Finish())
		r.m.CardLost()
		return r
	}
	t.Run("another card", func(t *testing.T) {
		t.Parallel()
		r := lostLeft(t)
		r.clock.Advance(visit.DefaultLinger)
		other := resident()
		other.IDNumber = "310104195208170022"
		r.must(r.m.CardRead(other))
		if s := r.m.Snapshot(); s.State == visit.StateTakeCard || s.Resident == nil {
			t.Fatalf("another card after a lost one: %+v", s)
		}
	})
	t.Run("after the hold", func(t *testing.T) {
		t.Parallel()
		r := lostLeft(t)
		r.clock.Advance(visit.LostCardHold)
		r.want(visit.StateHome)
		r.must(r.m.CardRead(resident()))
		if s := r.m.Snapshot(); s.State == visit.StateTakeCard {
			t.Fatalf("the lost card still held after %v: %+v", visit.LostCardHold, s)
		}
	})
	t.Run("lost during a visit", func(t *testing.T) {
		// The reader failing in a visit ends it as a removal does; the
		// resident at the screen lays the card again and goes on.
		t.Parallel()
		r := newRig(t, visit.Config{})
		r.identified()
		r.m.CardLost()
		if s := r.want(visit.StateEnded); s.EndReason != visit.EndCardRemoved {
			t.Fatalf("end reason %s", s.EndReason)
		}
		r.clock.Advance(visit.DefaultLinger)
		r.must(r.m.CardRead(resident()))
		if s := r.m.Snapshot(); s.State == visit.StateTakeCard || s.Resident == nil {
			t.Fatalf("the card laid again after a failure in its visit: %+v", s)
		}
	})
}
