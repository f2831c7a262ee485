package backend

import (
	"context"
	"errors"
	"testing"

	"github.com/pudong-community/kiosk/kiosk"
)

// While an agent's visit is in progress, the back end refuses the
// resident's cases (online and from the cache alike), as the screens hide
// them; once the visit has no agent, the resident's own visit gets them.
func TestAgentSeesNoResidentCases(t *testing.T) {
	r := newRig(t)
	p := sampleResident(t)
	ctx := context.Background()
	if cs, _, err := r.b.Cases(ctx, p); err != nil || len(cs) == 0 {
		t.Fatalf("the resident's own cases: %d, %v (the test needs some)", len(cs), err)
	}
	agent := &kiosk.Agent{Person: kiosk.Person{IDNumber: "11010519491231002X", Name: "李代理"}, Relation: "子女"}
	r.b.SetVisitAgent(agent)
	for _, down := range []bool{false, true} { // from the API, then from the cache
		r.down.Store(down)
		cs, _, err := r.b.Cases(ctx, p)
		if !errors.Is(err, ErrAgentCases) || len(cs) != 0 {
			t.Errorf("offline=%v: an agent got %d of the resident's cases, err %v", down, len(cs), err)
		}
	}
	r.down.Store(false)
	r.b.SetVisitAgent(nil) // the visit ended
	if cs, _, err := r.b.Cases(ctx, p); err != nil || len(cs) == 0 {
		t.Errorf("after the agent's visit: %d cases, %v", len(cs), err)
	}
}
