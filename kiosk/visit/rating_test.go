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
// size go on until Finish, which ends it for the reason it began with.
func TestRatingEndsTheVisitAfterwards(t *testing.T) {
	for _, why := range []visit.EndReason{visit.EndFinished, visit.EndCardRemoved} {
		t.Run(why.String(), func(t *testing.T) {
			r := newRig(t, visit.Config{})
			r.must(r.m.SetElderMode(true))
			r.identified()
			before := r.m.Snapshot()
			r.must(r.m.BeginRating(why))
			s := r.want(visit.StateRating)
			if s.Resident != nil || s.Agent != nil || s.Cases != nil || s.Item != nil || !s.Elder || s.Visit != before.Visit || s.Visit == 0 {
				t.Errorf("rating snapshot %+v (visit before %d)", s, before.Visit)
			}
			personalGone(t, r)
			for _, e := range visit.Events(before, s) {
				if e.Kind == visit.EventVisitEnd || e.Kind == visit.EventVisitStart {
					t.Errorf("the rating began with %+v", e)
				}
			}
			r.m.CardRemoved() // the card taken during the rating: nothing more to end
			r.want(visit.StateRating)
			if err := r.m.CardRead(resident()); err == nil {
				t.Error("a card was taken during the rating")
			}
			if err := r.m.Home(); err == nil || r.m.Snapshot().State != visit.StateRating {
				t.Error("home left the rating")
			}
			if err := r.m.BeginRating(visit.EndFinished); err == nil {
				t.Error("the rating began twice")
			}
			rating := r.m.Snapshot()
			r.must(r.m.Finish())
			s = r.want(visit.StateEnded)
			if s.EndReason != why || s.Elder {
				t.Errorf("ended %s elder %v, want %s and the mode reset", s.EndReason, s.Elder, why)
			}
			ends := 0
			for _, e := range visit.Events(rating, s) {
				if e.Kind == visit.EventVisitEnd {
					ends++
				}
			}
			if ends != 1 {
				t.Errorf("%d visit ends after the rating", ends)
			}
			personalGone(t, r)
		})
	}
}

// The idle timeout runs during the rating: the warning, 继续 back to the
// rating, then the end by timeout, unrated.
func TestRatingIdleTimeout(t *testing.T) {
	r := newRig(t, visit.Config{})
	r.identified()
	r.must(r.m.BeginRating(visit.EndFinished))
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
	if s := r.want(visit.StateEnded); s.EndReason != visit.EndTimeout {
		t.Errorf("end reason %s", s.EndReason)
	}
	personalGone(t, r)
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
