package visit_test

import (
	"testing"

	"github.com/pudong-community/kiosk/kiosk/visit"
)

// personalGone fails if anything personal is left in the machine.
func personalGone(t *testing.T, r *rig) {
	t.Helper()
	p := r.m.Personal()
	for i := 0; i < p.NumField(); i++ {
		if !p.Field(i).IsZero() {
			t.Errorf("personal field %s is not zero", p.Type().Field(i).Name)
		}
	}
}

// The rating (好差评) comes after the resident's part of the visit: what
// is personal is wiped as it begins; the visit, its language and text
// size go on until Finish, which ends it for the reason it began with:
// with a card on the reader then, the take-your-card state first and the
// goodbye when it is taken; with none, the goodbye at once.
func TestRatingEndsTheVisitAfterwards(t *testing.T) {
	for _, tc := range []struct {
		name string
		why  visit.EndReason
		// during the rating: "remove" the card, "lay" one on the reader
		// (refused: the rating identifies nobody)
		during   []string
		takeCard bool // a card lies on the reader at Finish
	}{
		{"finished/card left on the reader", visit.EndFinished, nil, true},
		{"finished/card taken during the rating", visit.EndFinished, []string{"remove"}, false},
		{"finished/card taken, another laid", visit.EndFinished, []string{"remove", "lay"}, true},
		{"finished/card taken, laid, taken", visit.EndFinished, []string{"remove", "lay", "remove"}, false},
		{"card_removed", visit.EndCardRemoved, nil, false},
		{"card_removed/another laid", visit.EndCardRemoved, []string{"lay"}, true},
		{"card_removed/laid and taken", visit.EndCardRemoved, []string{"lay", "remove"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, visit.Config{})
			r.must(r.m.SetElderMode(true))
			r.identified()
			before := r.m.Snapshot()
			// The screens begin the rating for a card taken away instead
			// of telling the machine it was removed.
			r.must(r.m.BeginRating(tc.why))
			s := r.want(visit.StateRating)
			if s.Resident != nil || s.Agent != nil || s.Cases != nil || s.Item != nil || !s.Elder || s.Visit != before.Visit || s.Visit == 0 {
				t.Errorf("rating snapshot %+v (visit before %d)", s, before.Visit)
			}
			if s.CardOn != (tc.why == visit.EndFinished) {
				t.Errorf("rating for %s: card on the reader %v", tc.why, s.CardOn)
			}
			personalGone(t, r)
			for _, e := range visit.Events(before, s) {
				if e.Kind == visit.EventVisitEnd || e.Kind == visit.EventVisitStart {
					t.Errorf("the rating began with %+v", e)
				}
			}
			for _, op := range tc.during {
				switch op {
				case "remove":
					r.m.CardRemoved() // nothing more to end
				case "lay":
					if err := r.m.CardRead(resident()); err == nil {
						t.Error("a card was taken during the rating")
					}
				}
				r.want(visit.StateRating)
				personalGone(t, r)
			}
			if err := r.m.Home(); err == nil || r.m.Snapshot().State != visit.StateRating {
				t.Error("home left the rating")
			}
			if err := r.m.BeginRating(visit.EndFinished); err == nil {
				t.Error("the rating began twice")
			}
			rating := r.m.Snapshot()
			r.must(r.m.Finish())
			if tc.takeCard {
				s = r.want(visit.StateTakeCard)
				if s.EndReason != tc.why || s.Elder || !s.CardOn || s.Visit != 0 {
					t.Errorf("take card: %+v, want ended %s, the mode reset", s, tc.why)
				}
				personalGone(t, r)
				if err := r.m.Finish(); err == nil {
					t.Error("finish left the take-your-card state")
				}
				r.m.CardRemoved()
			}
			s = r.want(visit.StateEnded)
			if s.EndReason != tc.why || s.Elder || s.CardOn {
				t.Errorf("ended %s elder %v card %v, want %s, the mode reset, no card", s.EndReason, s.Elder, s.CardOn, tc.why)
			}
			ends := 0
			r.mu.Lock()
			snaps := append([]visit.Snapshot(nil), r.snaps...)
			r.mu.Unlock()
			prev := rating
			for _, n := range snaps {
				if n.Seq <= rating.Seq {
					continue
				}
				for _, e := range visit.Events(prev, n) {
					if e.Kind == visit.EventVisitEnd {
						ends++
					}
				}
				prev = n
			}
			if ends != 1 {
				t.Errorf("%d visit ends after the rating", ends)
			}
			personalGone(t, r)
			r.clock.Advance(visit.DefaultLinger)
			r.want(visit.StateHome)
		})
	}
}

// The idle timeout runs during the rating: the warning, 继续 back to the
// rating, then the end by timeout, unrated: with the card still on the
// reader, the take-your-card state until it is taken; with the card taken
// during the rating, the goodbye at once.
func TestRatingIdleTimeout(t *testing.T) {
	for _, taken := range []bool{false, true} {
		t.Run(map[bool]string{false: "card on the reader", true: "card taken"}[taken], func(t *testing.T) {
			r := newRig(t, visit.Config{})
			r.identified()
			r.must(r.m.BeginRating(visit.EndFinished))
			if taken {
				r.m.CardRemoved()
			}
			r.clock.Advance(visit.DefaultIdle)
			r.want(visit.StateIdleWarning)
			r.must(r.m.Continue())
			r.want(visit.StateRating)
			r.m.Touch()
			r.clock.Advance(visit.DefaultIdle - 1)
			r.want(visit.StateRating)
			r.clock.Advance(1)
			r.want(visit.StateIdleWarning)
			r.clock.Advance(visit.DefaultWarning)
			if !taken {
				if s := r.want(visit.StateTakeCard); s.EndReason != visit.EndTimeout {
					t.Errorf("take card: end reason %s", s.EndReason)
				}
				personalGone(t, r)
				r.clock.Advance(visit.DefaultLinger) // it waits for the card, not the clock
				r.want(visit.StateTakeCard)
				r.m.CardRemoved()
			}
			if s := r.want(visit.StateEnded); s.EndReason != visit.EndTimeout {
				t.Errorf("end reason %s", s.EndReason)
			}
			personalGone(t, r)
		})
	}
}

// No rating over a step in flight, the idle warning, the goodbye or an
// idle home screen; no rating for an end that is not the resident's.
func TestRatingRefused(t *testing.T) {
	r := newRig(t, visit.Config{})
	if err := r.m.BeginRating(visit.EndFinished); err == nil {
		t.Error("a rating with no visit")
	}
	r.reviewing()
	if _, err := r.m.Confirm(); err != nil {
		t.Fatal(err)
	}
	if err := r.m.BeginRating(visit.EndFinished); err == nil {
		t.Error("a rating while submitting")
	}
	s := r.want(visit.StateSubmitting)
	r.must(r.m.SubmitFinished(s.SubmissionID, visit.Outcome{Status: visit.OutcomeSent, CaseNo: "PD1"}))
	if err := r.m.BeginRating(visit.EndTimeout); err == nil {
		t.Error("a rating for a timeout")
	}
	r.clock.Advance(visit.DefaultIdle)
	r.want(visit.StateIdleWarning)
	if err := r.m.BeginRating(visit.EndFinished); err == nil {
		t.Error("a rating over the idle warning")
	}
	r.must(r.m.Continue())
	r.must(r.m.BeginRating(visit.EndFinished))
	r.must(r.m.Finish())
	if err := r.m.BeginRating(visit.EndFinished); err == nil {
		t.Error("a rating on the goodbye")
	}
}
