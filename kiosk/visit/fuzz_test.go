package visit_test

import (
	"errors"
	"testing"
	"time"

	"github.com/pudong-community/kiosk/kiosk/visit"
)

// FuzzOps drives the machine with arbitrary sequences of taps, card events,
// results and clock steps. Whatever the order: no panic, snapshots in
// order, nothing personal left once a visit has ended, and never a second
// successful Confirm for the same application.
func FuzzOps(f *testing.F) {
	f.Add([]byte{0, 1, 4, 5, 6, 7, 8, 9, 10, 11, 3})           // self-service to the end
	f.Add([]byte{12, 13, 14, 15, 4, 5, 6, 7, 7, 7, 8, 16, 16}) // agent, double confirm, timeouts
	f.Add([]byte{0, 1, 4, 5, 6, 7, 2, 8, 17, 16, 18})          // card pulled in flight
	f.Fuzz(func(t *testing.T, ops []byte) {
		r := newRig(t, visit.Config{})
		m := r.m
		var open string // id of a confirmed application awaiting its result
		for _, op := range ops {
			switch op % 22 {
			case 0:
				_ = m.Identify(visit.PurposeApply)
			case 1:
				_ = m.CardRead(resident())
			case 2:
				m.CardRemoved()
			case 3:
				_ = m.Finish()
			case 4:
				_ = m.StartApplication(item())
			case 5:
				_ = m.SetField("phone", "13800138000")
			case 6:
				_ = m.Review()
			case 7:
				sub, err := m.Confirm()
				if err == nil {
					if open != "" && open == sub.ID {
						t.Fatalf("confirmed %s twice", sub.ID)
					}
					if open != "" && m.Snapshot().State == visit.StateSubmitting {
						t.Fatal("a second confirm while the first is in flight")
					}
					open = sub.ID
				} else if sub.ID != "" {
					t.Fatal("a refused confirm returned a submission")
				}
			case 8:
				if m.SubmitFinished(open, visit.Outcome{Status: visit.OutcomeSent, CaseNo: "PD1"}) == nil {
					open = "" // finished: a new application may be confirmed
				}
			case 9:
				_ = m.BeginPrint()
			case 10:
				_ = m.PrintFinished(nil)
			case 11:
				_ = m.PrintFinished(errors.New("printer: paper out"))
			case 12:
				_ = m.StartAgent()
			case 13:
				_ = m.CardRead(young())
			case 14:
				_ = m.KeyResident(keyedID, "王阿婆")
			case 15:
				_ = m.SetAuthorisation("WT-2026-0042", "社工")
			case 16:
				r.clock.Advance(45 * time.Second)
			case 17:
				if m.SubmitFinished(open, visit.Outcome{Status: visit.OutcomeFailed}) == nil {
					open = ""
				}
			case 18:
				_ = m.Continue()
			case 19:
				m.Touch()
				_ = m.Home()
			case 20:
				_ = m.BeginRating(visit.EndFinished)
			case 21:
				m.CardLost()
			}
			s := m.Snapshot()
			if s.State == visit.StateEnded || s.State == visit.StateHome || s.State == visit.StateRating || s.State == visit.StateTakeCard {
				open = ""
				p := m.Personal()
				for i := 0; i < p.NumField(); i++ {
					if !p.Field(i).IsZero() {
						t.Fatalf("after op %d in %s, personal field %s is not zero", op, s.State, p.Type().Field(i).Name)
					}
				}
			}
		}
		r.mu.Lock()
		defer r.mu.Unlock()
		for i := 1; i < len(r.snaps); i++ {
			if r.snaps[i].Seq <= r.snaps[i-1].Seq {
				t.Fatalf("snapshots out of order")
			}
		}
	})
}
