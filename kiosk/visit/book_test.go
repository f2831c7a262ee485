package visit_test

import (
	"testing"

	"github.com/pudong-community/kiosk/kiosk/visit"
)

// A booking (预约) needs the resident's card, as an application does; the
// purpose says which screen follows.
func TestIdentifyToBook(t *testing.T) {
	t.Parallel()
	r := newRig(t, visit.Config{})
	r.must(r.m.Identify(visit.PurposeBook))
	if s := r.want(visit.StateIdentifying); s.Purpose != visit.PurposeBook || s.Step != visit.StepResident {
		t.Fatalf("identifying to book: %+v", s)
	}
	r.must(r.m.CardRead(resident()))
	if s := r.want(visit.StateIdentified); s.Purpose != visit.PurposeBook || s.Resident == nil {
		t.Fatalf("identified to book: %+v", s)
	}
	// Home keeps the resident, and starting an application changes the
	// purpose to apply.
	r.must(r.m.Home())
	r.want(visit.StateIdentified)
	r.must(r.m.StartApplication(item()))
	if s := r.m.Snapshot(); s.Purpose != visit.PurposeApply {
		t.Fatalf("purpose after start = %v", s.Purpose)
	}
}

// An agent books for the principal: the agent's card, the resident's,
// the authorisation, then identified with the purpose to book.
func TestAgentToBook(t *testing.T) {
	t.Parallel()
	r := newRig(t, visit.Config{})
	if err := r.m.StartAgentFor(visit.PurposeCases); err == nil {
		t.Fatal("an agent flow for my cases was started")
	}
	r.must(r.m.StartAgentFor(visit.PurposeBook))
	if s := r.want(visit.StateIdentifying); s.Step != visit.StepAgent || s.Purpose != visit.PurposeBook {
		t.Fatalf("agent to book: %+v", s)
	}
	r.must(r.m.CardRead(young()))
	r.must(r.m.CardRead(resident()))
	r.must(r.m.SetAuthorisation("WT-1", "子女"))
	s := r.want(visit.StateIdentified)
	if s.Purpose != visit.PurposeBook || s.Agent == nil || s.Resident == nil || s.Resident.IDNumber != residentID {
		t.Fatalf("agent identified to book: %+v", s)
	}
	// StartAgent still means to apply.
	r2 := newRig(t, visit.Config{})
	r2.must(r2.m.StartAgent())
	if s := r2.m.Snapshot(); s.Purpose != visit.PurposeApply {
		t.Fatalf("StartAgent purpose = %v", s.Purpose)
	}
}
