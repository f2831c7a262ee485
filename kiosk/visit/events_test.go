package visit_test

import (
	"strings"
	"testing"

	"github.com/pudong-community/kiosk/kiosk/visit"
)

func (r *rig) events() []visit.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []visit.Event
	prev := visit.Snapshot{}
	for _, s := range r.snaps {
		out = append(out, visit.Events(prev, s)...)
		prev = s
	}
	return out
}

func TestEvents(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		run  func(r *rig)
		want []string // kind subject|detail
	}{
		{"self-service", func(r *rig) {
			r.must(r.m.Identify(visit.PurposeApply))
			r.must(r.m.CardFailed(visit.FailUnreadable))
			r.must(r.m.CardRead(resident()))
			r.must(r.m.StartApplication(item()))
			r.must(r.m.SetField("phone", "13800138000"))
			r.must(r.m.Review())
			_, err := r.m.Confirm()
			r.must(err)
			r.m.CardRemoved()
			r.must(r.m.SubmitFinished(r.m.Snapshot().SubmissionID, visit.Outcome{Status: visit.OutcomeQueued}))
			r.must(r.m.BeginPrint()) // the receipt, then the end
			r.must(r.m.PrintFinished(nil))
		}, []string{
			"visit_start |visit 1",
			"card_refused |unreadable",
			"card_read 1101**********002X|resident resident",
			"submission_confirmed 1101**********002X|01JDSUB0000000000000000B MZ-0201",
			"visit_end |visit 1 card_removed",
		}},
		{"agent", func(r *rig) {
			r.must(r.m.StartAgent())
			r.must(r.m.CardRead(young()))
			r.must(r.m.KeyResident(keyedID, "王阿婆"))
			r.must(r.m.SetAuthorisation("WT-2026-0042", "社工"))
			r.must(r.m.Finish())
			r.m.CardRemoved() // the agent takes the card from the take-your-card screen
			r.clock.Advance(visit.DefaultLinger)
			r.must(r.m.Browse()) // the next visit
		}, []string{
			"visit_start |visit 1",
			"card_read 3101**********1234|agent resident",
			"card_read 3101**********0012|resident keyed by agent",
			"agent_authorised 3101**********1234|for 3101**********0012 ref WT-2026-0042",
			"visit_end |visit 1 finished",
			"visit_start |visit 2",
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := newRig(t, visit.Config{})
			tc.run(r)
			var got []string
			for _, ev := range r.events() {
				got = append(got, ev.Kind+" "+ev.Subject+"|"+ev.Detail)
				for _, s := range secrets {
					if s != "WT-2026-0042" && strings.Contains(ev.Subject+ev.Detail, s) {
						t.Errorf("event %s carries personal data", ev.Kind)
					}
				}
			}
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Fatalf("events:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}
