package visit_test

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pudong-community/kiosk/kiosk"
	"github.com/pudong-community/kiosk/kiosk/visit"
)

func TestIDNumbersOfTheTestsAreValid(t *testing.T) {
	t.Parallel()
	for _, id := range []string{residentID, agentID, keyedID} {
		if !kiosk.ValidIDNumber(id) {
			t.Errorf("%s: check digit should be %c", kiosk.MaskID(id), kiosk.IDCheckChar(id))
		}
	}
}

func TestNewConfig(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		cfg     visit.Config
		wantErr bool
	}{
		{"defaults", visit.Config{}, false},
		{"warning exactly 20s", visit.Config{Warning: 20 * time.Second}, false},
		{"warning 19s", visit.Config{Warning: 19 * time.Second}, true},
		{"negative idle", visit.Config{Idle: -time.Second}, true},
		{"elder shorter than normal", visit.Config{Idle: 90 * time.Second, ElderIdle: 80 * time.Second}, true},
		{"elder age absurd", visit.Config{ElderAge: 200}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := visit.New(tc.cfg)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, want error %v", err, tc.wantErr)
			}
			if err != nil && (!errors.Is(err, visit.ErrConfig) || !strings.HasPrefix(err.Error(), "visit: ")) {
				t.Fatalf("err = %v, want visit: ... wrapping ErrConfig", err)
			}
		})
	}
}

func TestSelfServiceApplication(t *testing.T) {
	t.Parallel()
	r := newRig(t, visit.Config{})
	r.want(visit.StateHome)
	r.must(r.m.Identify(visit.PurposeApply))
	s := r.want(visit.StateIdentifying)
	if s.Step != visit.StepResident || s.Visit != 1 {
		t.Fatalf("step %s visit %d, want resident 1", s.Step, s.Visit)
	}
	r.must(r.m.CardRead(resident()))
	s = r.want(visit.StateIdentified)
	if s.Resident == nil || s.Resident.Name != "张秀英" || !s.ElderOffered {
		t.Fatalf("identified snapshot = %+v", s)
	}
	r.must(r.m.StartApplication(item()))
	r.want(visit.StateFilling)
	if err := r.m.Review(); !errors.Is(err, visit.ErrMissingField) {
		t.Fatalf("review with empty phone: %v", err)
	}
	r.must(r.m.SetField("phone", "13800138000"))
	r.must(r.m.SetField("bank", "农商银行"))
	r.must(r.m.Review())
	r.must(r.m.EditForm())
	r.must(r.m.Review())
	sub, err := r.m.Confirm()
	r.must(err)
	if sub.ID == "" || sub.ItemCode != "MZ-0201" || sub.Applicant.IDNumber != residentID || sub.Agent != nil ||
		sub.Fields["phone"] != "13800138000" || !sub.CreatedAt.Equal(t0) {
		t.Fatalf("submission = %+v", sub)
	}
	sub.Fields["phone"] = "changed" // the caller's copy is its own
	s = r.want(visit.StateSubmitting)
	if s.Form["phone"] != "13800138000" || s.SubmissionID != sub.ID {
		t.Fatalf("machine shares the form with the submission: %v", s.Form)
	}
	r.must(r.m.SubmitFinished(sub.ID, visit.Outcome{Status: visit.OutcomeSent, CaseNo: "PD20261127-000123"}))
	s = r.want(visit.StateOutcome)
	if s.Outcome.CaseNo != "PD20261127-000123" {
		t.Fatalf("outcome = %+v", s.Outcome)
	}
	r.must(r.m.BeginPrint())
	r.want(visit.StatePrinting)
	r.must(r.m.PrintFinished(errors.New("printer: paper out")))
	s = r.want(visit.StateOutcome)
	if s.PrintErr == "" {
		t.Fatal("print error not shown")
	}
	r.must(r.m.BeginPrint()) // reprint
	r.must(r.m.PrintFinished(nil))
	if s = r.want(visit.StateOutcome); s.PrintErr != "" {
		t.Fatalf("print error after a good reprint: %q", s.PrintErr)
	}
	r.must(r.m.Finish())
	// The card is still on the reader: first the take-your-card screen,
	// already wiped, then, the card taken, the goodbye.
	s = r.want(visit.StateTakeCard)
	if s.EndReason != visit.EndFinished || s.Resident != nil || s.Item != nil || s.Form != nil || !s.CardOn {
		t.Fatalf("take-card snapshot holds data: %+v", s)
	}
	r.m.CardRemoved()
	s = r.want(visit.StateEnded)
	if s.EndReason != visit.EndFinished || s.Resident != nil || s.Item != nil || s.Form != nil || s.CardOn {
		t.Fatalf("ended snapshot holds data: %+v", s)
	}
	r.clock.Advance(visit.DefaultLinger)
	r.want(visit.StateHome)
	if last := r.last(); last.State != visit.StateHome {
		t.Fatalf("last announced state = %s", last.State)
	}
}

func TestIdleTimeout(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		elder    bool
		idle     time.Duration
		cont     bool // tap 继续 before the end
		wantEnds bool
	}{
		{"normal, no continue", false, 60 * time.Second, false, true},
		{"normal, continue", false, 60 * time.Second, true, false},
		{"elder, no continue", true, 120 * time.Second, false, true},
		{"elder, continue", true, 120 * time.Second, true, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := newRig(t, visit.Config{})
			r.identified()
			r.must(r.m.StartApplication(item()))
			r.must(r.m.SetField("phone", "13800138000"))
			if tc.elder {
				r.must(r.m.SetElderMode(true))
			}
			r.clock.Advance(tc.idle - time.Second)
			r.want(visit.StateFilling)
			r.clock.Advance(time.Second)
			s := r.want(visit.StateIdleWarning)
			if s.Prev != visit.StateFilling {
				t.Fatalf("prev = %s", s.Prev)
			}
			if got := s.Deadline.Sub(r.clock.Now()); got < visit.MinWarning {
				t.Fatalf("warning lasts %v, want at least %v", got, visit.MinWarning)
			}
			r.m.Touch() // a stray tap does not dismiss the warning
			r.clock.Advance(visit.DefaultWarning - time.Second)
			r.want(visit.StateIdleWarning)
			if tc.cont {
				r.must(r.m.Continue())
				s = r.want(visit.StateFilling)
				if s.Form["phone"] != "13800138000" || s.Resident == nil {
					t.Fatal("continue lost the form")
				}
				r.clock.Advance(tc.idle - time.Second) // the countdown starts again
				r.want(visit.StateFilling)
				return
			}
			r.clock.Advance(time.Second)
			s = r.want(visit.StateTakeCard) // the card lies on the reader
			if s.EndReason != visit.EndTimeout || s.Resident != nil || s.Elder {
				t.Fatalf("take card = %+v", s)
			}
			r.m.CardRemoved()
			s = r.want(visit.StateEnded)
			if s.EndReason != visit.EndTimeout || s.Resident != nil || s.Elder {
				t.Fatalf("ended = %+v", s)
			}
		})
	}
}

func TestTouchRestartsIdle(t *testing.T) {
	t.Parallel()
	r := newRig(t, visit.Config{})
	r.must(r.m.Browse())
	for range 5 {
		r.clock.Advance(50 * time.Second)
		r.m.Touch()
	}
	r.want(visit.StateBrowsing)
	r.clock.Advance(60 * time.Second)
	r.want(visit.StateIdleWarning)
	r.clock.Advance(visit.DefaultWarning)
	r.want(visit.StateEnded)
	r.m.Touch() // a tap on the ended screen goes home at once
	r.want(visit.StateHome)
	if r.clock.Pending() != 0 {
		t.Fatalf("%d timers left on the idle home screen", r.clock.Pending())
	}
}

func TestNoTimeoutInFlight(t *testing.T) {
	t.Parallel()
	for _, step := range []string{"submit", "print"} {
		t.Run(step, func(t *testing.T) {
			t.Parallel()
			r := newRig(t, visit.Config{})
			r.reviewing()
			sub, err := r.m.Confirm()
			r.must(err)
			inFlight := visit.StateSubmitting
			finish := func() { r.must(r.m.SubmitFinished(sub.ID, visit.Outcome{Status: visit.OutcomeQueued})) }
			if step == "print" {
				finish()
				r.must(r.m.BeginPrint())
				inFlight = visit.StatePrinting
				finish = func() { r.must(r.m.PrintFinished(nil)) }
			}
			r.clock.Advance(10 * time.Minute)
			if s := r.want(inFlight); !s.Deadline.IsZero() {
				t.Fatalf("a countdown runs in flight: %v", s.Deadline)
			}
			finish()
			r.want(visit.StateOutcome)
			r.clock.Advance(59 * time.Second)
			r.want(visit.StateOutcome)
			r.clock.Advance(time.Second)
			r.want(visit.StateIdleWarning)
		})
	}
}

func TestCardRemoval(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		setup   func(r *rig) (finish func())
		wantEnd bool
	}{
		{"home, no card", func(r *rig) func() { return nil }, false},
		{"identifying, read failed", func(r *rig) func() {
			r.must(r.m.Identify(visit.PurposeCases))
			r.must(r.m.CardFailed(visit.FailUnreadable))
			return nil
		}, false},
		{"identified", func(r *rig) func() { r.identified(); return nil }, true},
		{"mid-form", func(r *rig) func() {
			r.identified()
			r.must(r.m.StartApplication(item()))
			r.must(r.m.SetField("phone", "13800138000"))
			return nil
		}, true},
		{"idle warning", func(r *rig) func() {
			r.identified()
			r.clock.Advance(visit.DefaultIdle)
			r.want(visit.StateIdleWarning)
			return nil
		}, true},
		{"submitting: ends after the submission's receipt", func(r *rig) func() {
			r.reviewing()
			sub, err := r.m.Confirm()
			r.must(err)
			return func() {
				r.must(r.m.SubmitFinished(sub.ID, visit.Outcome{Status: visit.OutcomeSent, CaseNo: "PD1"}))
				// The outcome shows and its receipt prints before the end.
				if s := r.m.Snapshot(); s.State != visit.StateOutcome || s.EndPending != visit.EndCardRemoved || s.Resident == nil {
					t.Fatalf("after the submission: %s pending %s", s.State, s.EndPending)
				}
				r.must(r.m.BeginPrint())
				r.must(r.m.PrintFinished(nil))
			}
		}, true},
		{"submitting: ends after the outcome when no receipt prints", func(r *rig) func() {
			r.reviewing()
			sub, err := r.m.Confirm()
			r.must(err)
			return func() {
				r.must(r.m.SubmitFinished(sub.ID, visit.Outcome{Status: visit.OutcomeQueued}))
				if s := r.m.Snapshot(); s.State != visit.StateOutcome {
					t.Fatalf("after the submission: %s", s.State)
				}
				r.m.SkipReceipt()
			}
		}, true},
		{"submitting: a failed submission ends at once", func(r *rig) func() {
			r.reviewing()
			sub, err := r.m.Confirm()
			r.must(err)
			return func() { r.must(r.m.SubmitFinished(sub.ID, visit.Outcome{Status: visit.OutcomeFailed})) }
		}, true},
		{"printing: ends after the print", func(r *rig) func() {
			r.identified()
			r.must(r.m.BeginPrint())
			return func() { r.must(r.m.PrintFinished(nil)) }
		}, true},
		{"agent flow: cards are swapped on purpose", func(r *rig) func() {
			r.must(r.m.StartAgent())
			r.must(r.m.CardRead(young()))
			r.must(r.m.CardRead(resident()))
			return nil
		}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := newRig(t, visit.Config{})
			finish := tc.setup(r)
			before := r.m.Snapshot()
			r.m.CardRemoved()
			if finish != nil {
				if s := r.m.Snapshot(); s.State != before.State || s.EndPending != visit.EndCardRemoved {
					t.Fatalf("in flight: state %s pending %s", s.State, s.EndPending)
				}
				finish()
			}
			s := r.m.Snapshot()
			switch {
			case tc.wantEnd && (s.State != visit.StateEnded || s.EndReason != visit.EndCardRemoved || s.Resident != nil):
				t.Fatalf("want ended by card removal, got %s/%s resident %v", s.State, s.EndReason, s.Resident != nil)
			case !tc.wantEnd && s.State != before.State:
				t.Fatalf("state %s -> %s, want unchanged", before.State, s.State)
			}
		})
	}
}

func TestDoubleConfirm(t *testing.T) {
	t.Parallel()
	t.Run("sequential", func(t *testing.T) {
		t.Parallel()
		r := newRig(t, visit.Config{})
		r.reviewing()
		first, err := r.m.Confirm()
		r.must(err)
		second, err := r.m.Confirm()
		if !errors.Is(err, visit.ErrAlreadyConfirmed) || second.ID != "" {
			t.Fatalf("second confirm = %q, %v", second.ID, err)
		}
		r.must(r.m.SubmitFinished(first.ID, visit.Outcome{Status: visit.OutcomeSent}))
		if _, err := r.m.Confirm(); !errors.Is(err, visit.ErrAlreadyConfirmed) {
			t.Fatalf("confirm on the outcome screen: %v", err)
		}
	})
	t.Run("concurrent taps", func(t *testing.T) {
		t.Parallel()
		r := newRig(t, visit.Config{})
		r.reviewing()
		var wg sync.WaitGroup
		var mu sync.Mutex
		var ids []string
		for range 16 {
			wg.Go(func() {
				sub, err := r.m.Confirm()
				if err == nil {
					mu.Lock()
					ids = append(ids, sub.ID)
					mu.Unlock()
				} else if !errors.Is(err, visit.ErrAlreadyConfirmed) {
					t.Errorf("confirm: %v", err)
				}
			})
		}
		wg.Wait()
		if len(ids) != 1 {
			t.Fatalf("%d confirms succeeded, want exactly 1", len(ids))
		}
	})
	t.Run("failed submission: new id on retry", func(t *testing.T) {
		t.Parallel()
		r := newRig(t, visit.Config{})
		r.reviewing()
		first, err := r.m.Confirm()
		r.must(err)
		r.must(r.m.SubmitFinished(first.ID, visit.Outcome{Status: visit.OutcomeFailed, Message: "磁盘已满 disk full"}))
		s := r.want(visit.StateReviewing)
		if s.Outcome.Status != visit.OutcomeFailed || s.SubmissionID != "" {
			t.Fatalf("after failure: %+v", s.Outcome)
		}
		if err := r.m.SubmitFinished(first.ID, visit.Outcome{Status: visit.OutcomeSent}); !errors.Is(err, visit.ErrStale) {
			t.Fatalf("late result of the failed attempt: %v", err)
		}
		second, err := r.m.Confirm()
		r.must(err)
		if second.ID == first.ID || second.ID == "" {
			t.Fatalf("retry id %q, first %q", second.ID, first.ID)
		}
	})
}

func TestTapsDuringTransitions(t *testing.T) {
	t.Parallel()
	type op struct {
		name string
		do   func(m *visit.Machine) error
		want error
	}
	ops := []op{
		{"review", func(m *visit.Machine) error { return m.Review() }, visit.ErrWrongState},
		{"edit", func(m *visit.Machine) error { return m.EditForm() }, visit.ErrWrongState},
		{"apply", func(m *visit.Machine) error { return m.StartApplication(item()) }, visit.ErrWrongState},
		{"field", func(m *visit.Machine) error { return m.SetField("phone", "13900139000") }, visit.ErrWrongState},
		{"continue", func(m *visit.Machine) error { return m.Continue() }, visit.ErrWrongState},
		{"browse", func(m *visit.Machine) error { return m.Browse() }, visit.ErrWrongState},
		{"home", func(m *visit.Machine) error { return m.Home() }, visit.ErrWrongState},
		{"identify", func(m *visit.Machine) error { return m.Identify(visit.PurposeCases) }, visit.ErrWrongState},
		{"agent", func(m *visit.Machine) error { return m.StartAgent() }, visit.ErrWrongState},
		{"print", func(m *visit.Machine) error { return m.BeginPrint() }, visit.ErrWrongState},
		{"print done", func(m *visit.Machine) error { return m.PrintFinished(nil) }, visit.ErrStale},
		{"other id", func(m *visit.Machine) error {
			return m.SubmitFinished("01JDOTHER00000000000000000", visit.Outcome{Status: visit.OutcomeSent})
		}, visit.ErrStale},
		{"other card", func(m *visit.Machine) error { return m.CardRead(young()) }, visit.ErrWrongState},
		{"same card again", func(m *visit.Machine) error { return m.CardRead(resident()) }, nil},
	}
	for _, o := range ops {
		t.Run("submitting/"+o.name, func(t *testing.T) {
			t.Parallel()
			r := newRig(t, visit.Config{})
			r.reviewing()
			sub, err := r.m.Confirm()
			r.must(err)
			before := r.m.Snapshot()
			if err := o.do(r.m); !errors.Is(err, o.want) || (o.want == nil) != (err == nil) {
				t.Fatalf("err = %v, want %v", err, o.want)
			}
			after := r.m.Snapshot()
			if after.State != visit.StateSubmitting || after.SubmissionID != sub.ID || after.Seq != before.Seq {
				t.Fatalf("a refused tap changed the machine: %s seq %d -> %d", after.State, before.Seq, after.Seq)
			}
			r.must(r.m.SubmitFinished(sub.ID, visit.Outcome{Status: visit.OutcomeSent}))
			r.want(visit.StateOutcome)
		})
	}
}

func TestStaleTimer(t *testing.T) {
	t.Parallel()
	r := newRig(t, visit.Config{})
	r.identified()
	r.clock.Advance(visit.DefaultIdle - time.Millisecond)
	r.m.Touch() // just before the timer: the old one must not fire
	r.clock.Advance(time.Millisecond)
	r.want(visit.StateIdentified)
	if r.clock.Pending() != 1 {
		t.Fatalf("%d timers pending, want 1", r.clock.Pending())
	}
}

func TestAgentFlow(t *testing.T) {
	t.Parallel()
	r := newRig(t, visit.Config{})
	r.must(r.m.StartAgent())
	s := r.want(visit.StateIdentifying)
	if s.Step != visit.StepAgent {
		t.Fatalf("step = %s", s.Step)
	}
	r.must(r.m.CardRead(young()))
	if s = r.m.Snapshot(); s.Step != visit.StepResident || s.Agent == nil || s.Resident != nil || s.ElderOffered {
		t.Fatalf("after agent card: %+v", s)
	}
	r.m.CardRemoved() // the agent takes the card away to key the resident
	r.want(visit.StateIdentifying)
	bad := keyedID[:17] + "9"
	err := r.m.KeyResident(bad, "王阿婆")
	if !errors.Is(err, visit.ErrBadIDNumber) || strings.Contains(err.Error(), bad) {
		t.Fatalf("bad id: %v", err)
	}
	if err := r.m.KeyResident(agentID, "王阿婆"); !errors.Is(err, visit.ErrSamePerson) {
		t.Fatalf("agent keyed as resident: %v", err)
	}
	if err := r.m.KeyResident(keyedID, " "); !errors.Is(err, visit.ErrMissingName) {
		t.Fatalf("no name: %v", err)
	}
	r.must(r.m.KeyResident(keyedID, "王阿婆"))
	s = r.m.Snapshot()
	// The resident (75) is absent: elder mode is not offered to the agent
	// for the resident's age.
	if s.Step != visit.StepAuthorisation || !s.ResidentKeyed || s.ElderOffered {
		t.Fatalf("after keyed resident: %+v", s)
	}
	if err := r.m.CardRead(resident()); !errors.Is(err, visit.ErrUnexpectedCard) {
		t.Fatalf("card at authorisation: %v", err)
	}
	if err := r.m.SetAuthorisation("  ", "子女"); !errors.Is(err, visit.ErrEmptyAuthorisation) {
		t.Fatalf("empty ref: %v", err)
	}
	r.must(r.m.SetAuthorisation("WT-2026-0042", "社工"))
	r.want(visit.StateIdentified)
	noAgent := item()
	noAgent.AgentAllowed = false
	if err := r.m.StartApplication(noAgent); !errors.Is(err, visit.ErrAgentNotAllowed) {
		t.Fatalf("agent on a self-only item: %v", err)
	}
	r.must(r.m.StartApplication(item()))
	r.must(r.m.SetField("phone", "13800138000"))
	r.must(r.m.Review())
	sub, err := r.m.Confirm()
	r.must(err)
	if sub.Agent == nil || sub.Agent.IDNumber != agentID || sub.Agent.AuthorizationRef != "WT-2026-0042" ||
		sub.Applicant.IDNumber != keyedID || sub.Applicant.BirthDate != "1950-01-01" {
		t.Fatalf("submission = %+v agent %+v", sub, sub.Agent)
	}
}

func TestAgentCardTwice(t *testing.T) {
	t.Parallel()
	r := newRig(t, visit.Config{})
	r.must(r.m.StartAgent())
	r.must(r.m.CardRead(young()))
	if err := r.m.CardRead(young()); !errors.Is(err, visit.ErrSamePerson) {
		t.Fatalf("agent card as resident card: %v", err)
	}
	if s := r.m.Snapshot(); s.LastFailure != visit.FailSamePerson || s.Resident != nil {
		t.Fatalf("snapshot = %+v", s)
	}
}

func TestElderOffer(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		birth      string
		elderFirst bool
		want       bool
	}{
		{"60 today", "1966-11-27", false, true},
		{"60 tomorrow", "1966-11-28", false, false},
		{"card date format", "19450101", false, true},
		{"young", "1990-01-01", false, false},
		{"already in elder mode", "1940-01-01", true, false},
		{"unreadable birth date", "unknown", false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := newRig(t, visit.Config{})
			if tc.elderFirst {
				r.must(r.m.SetElderMode(true))
			}
			p := young()
			p.BirthDate = tc.birth
			r.must(r.m.CardRead(p))
			s := r.want(visit.StateIdentified)
			if s.ElderOffered != tc.want {
				t.Fatalf("offered = %v, want %v", s.ElderOffered, tc.want)
			}
			if tc.want {
				r.must(r.m.SetElderMode(true))
				if s = r.m.Snapshot(); s.ElderOffered || !s.Elder {
					t.Fatalf("after accepting: %+v", s)
				}
			}
		})
	}
}

// In the agent flow elder mode is offered to the person at the screen, the
// agent, for the agent's own age, when the agent's card is read; never for
// the age of the absent resident, whose card comes later.
func TestElderOfferInTheAgentFlow(t *testing.T) {
	t.Parallel()
	t.Run("young agent, old resident", func(t *testing.T) {
		t.Parallel()
		r := newRig(t, visit.Config{})
		r.must(r.m.StartAgent())
		r.must(r.m.CardRead(young()))
		r.must(r.m.CardRead(resident())) // 76
		if s := r.m.Snapshot(); s.Step != visit.StepAuthorisation || s.ElderOffered {
			t.Fatalf("offered for the resident's age: %+v", s)
		}
		r.must(r.m.SetAuthorisation("WT-1", "子女"))
		if s := r.want(visit.StateIdentified); s.ElderOffered {
			t.Fatal("offered once identified")
		}
	})
	t.Run("old agent, young resident", func(t *testing.T) {
		t.Parallel()
		r := newRig(t, visit.Config{})
		r.must(r.m.StartAgent())
		r.must(r.m.CardRead(resident())) // the agent is 76
		s := r.m.Snapshot()
		if s.Step != visit.StepResident || !s.ElderOffered {
			t.Fatalf("the old agent is not offered elder mode: %+v", s)
		}
		r.must(r.m.DismissElderOffer())
		r.must(r.m.CardRead(young()))
		r.must(r.m.SetAuthorisation("WT-1", "子女"))
		if s = r.want(visit.StateIdentified); s.ElderOffered {
			t.Fatal("the dismissed offer came back")
		}
	})
}

// The offer is made once a visit: dismissed, it stays dismissed for the
// visit; the next visit (the next card holder) is offered again.
func TestElderOfferOncePerVisit(t *testing.T) {
	t.Parallel()
	r := newRig(t, visit.Config{})
	r.identified() // 76
	if !r.m.Snapshot().ElderOffered {
		t.Fatal("not offered")
	}
	r.must(r.m.DismissElderOffer())
	r.must(r.m.Browse()) // the guide, the card still on the reader
	_ = r.m.CardRead(resident())
	r.must(r.m.Home())
	if s := r.m.Snapshot(); s.ElderOffered || s.Resident == nil {
		t.Fatalf("offered again in the same visit: %+v", s)
	}
	r.m.CardRemoved()
	r.clock.Advance(visit.DefaultLinger)
	r.want(visit.StateHome)
	r.must(r.m.CardRead(resident()))
	if !r.m.Snapshot().ElderOffered {
		t.Fatal("the next visit is not offered elder mode")
	}
}

func TestElderModeFromHome(t *testing.T) {
	t.Parallel()
	r := newRig(t, visit.Config{})
	r.must(r.m.SetElderMode(true)) // one tap from home
	s := r.want(visit.StateHome)
	if !s.Elder || s.Visit != 1 || !s.Deadline.Equal(t0.Add(visit.DefaultElderIdle)) {
		t.Fatalf("home in elder mode: %+v", s)
	}
	r.clock.Advance(visit.DefaultElderIdle + visit.DefaultWarning + visit.DefaultLinger)
	if s = r.want(visit.StateHome); s.Elder || s.English {
		t.Fatal("the next resident inherits elder mode")
	}
}

func TestCardRefusals(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		edit  func(p *kiosk.Person)
		want  error
		fail  visit.CardFailure
		state visit.State
	}{
		{"valid until today", func(p *kiosk.Person) { p.ValidUntil = "2026-11-27" }, nil, visit.FailNone, visit.StateIdentified},
		{"long-term card", func(p *kiosk.Person) { p.ValidUntil = "长期" }, nil, visit.FailNone, visit.StateIdentified},
		{"expired yesterday", func(p *kiosk.Person) { p.ValidUntil = "2026-11-26" }, visit.ErrCardExpired, visit.FailExpired, visit.StateIdentifying},
		{"expired, card format", func(p *kiosk.Person) { p.ValidUntil = "20200101" }, visit.ErrCardExpired, visit.FailExpired, visit.StateIdentifying},
		{"unknown card type", func(p *kiosk.Person) { p.CardType = "passport" }, visit.ErrCardUnsupported, visit.FailUnsupported, visit.StateIdentifying},
		{"no number", func(p *kiosk.Person) { p.IDNumber = "" }, visit.ErrCardUnsupported, visit.FailUnsupported, visit.StateIdentifying},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := newRig(t, visit.Config{})
			r.must(r.m.Identify(visit.PurposeCases))
			p := resident()
			tc.edit(&p)
			err := r.m.CardRead(p)
			if !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			s := r.want(tc.state)
			if s.LastFailure != tc.fail || (tc.want != nil) != (s.Failures == 1) {
				t.Fatalf("failure %s x%d, want %s", s.LastFailure, s.Failures, tc.fail)
			}
			if tc.want != nil && r.last().LastFailure != tc.fail {
				t.Fatal("the refusal was not announced to the screen")
			}
		})
	}
}

func TestThreeFailedReads(t *testing.T) {
	t.Parallel()
	r := newRig(t, visit.Config{})
	r.must(r.m.Identify(visit.PurposeCases))
	for range 3 {
		r.must(r.m.CardFailed(visit.FailUnreadable))
	}
	if s := r.m.Snapshot(); s.Failures != 3 || s.LastFailure != visit.FailUnreadable {
		t.Fatalf("after three failures: %d %s", s.Failures, s.LastFailure)
	}
	r.must(r.m.CardRead(resident()))
	if s := r.m.Snapshot(); s.Failures != 0 || s.LastFailure != visit.FailNone {
		t.Fatalf("after a good read: %d %s", s.Failures, s.LastFailure)
	}
}

func TestSetField(t *testing.T) {
	t.Parallel()
	tests := []struct {
		key, value string
		want       error
	}{
		{"phone", "13800138000", nil},
		{"phone", "1380013800", visit.ErrBadValue},
		{"phone", "23800138000", visit.ErrBadValue},
		{"phone", "1380013800a", visit.ErrBadValue},
		{"bank", "工商银行", nil},
		{"bank", "花旗银行", visit.ErrBadValue},
		{"note", "五个字以内", nil},
		{"note", "超过五个字了", visit.ErrTooLong},
		{"rooms", "3", nil},
		{"rooms", "三", visit.ErrBadValue},
		{"since", "2026-02-28", nil},
		{"since", "2026-02-30", visit.ErrBadValue},
		{"spouse", strings.ToLower(residentID), nil},
		{"spouse", residentID[:17] + "1", visit.ErrBadIDNumber},
		{"nosuch", "x", visit.ErrUnknownField},
		{"note", "\xff\xfe", visit.ErrBadValue},
		{"phone", "", nil}, // clears
	}
	for _, tc := range tests {
		t.Run(tc.key+"="+tc.value, func(t *testing.T) {
			t.Parallel()
			r := newRig(t, visit.Config{})
			r.identified()
			r.must(r.m.StartApplication(item()))
			err := r.m.SetField(tc.key, tc.value)
			if !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			var fe *visit.FieldError
			if err != nil && (!errors.As(err, &fe) || fe.Key != tc.key || strings.Contains(err.Error(), tc.value)) {
				t.Fatalf("error %q must name the field and not the value", err)
			}
			got, ok := r.m.Snapshot().Form[tc.key]
			if err == nil && tc.value != "" && (!ok || got != strings.ToUpper(tc.value) && got != tc.value) {
				t.Fatalf("form[%s] = %q", tc.key, got)
			}
			if err != nil && ok {
				t.Fatalf("refused value stored: %q", got)
			}
		})
	}
}

func TestNotSelfService(t *testing.T) {
	t.Parallel()
	r := newRig(t, visit.Config{})
	r.identified()
	it := item()
	it.Kind = kiosk.KindForwarded
	if err := r.m.StartApplication(it); !errors.Is(err, visit.ErrNotSelfService) {
		t.Fatalf("forwarded item: %v", err)
	}
	r.want(visit.StateIdentified)
}

func TestLateCasesAreDropped(t *testing.T) {
	t.Parallel()
	r := newRig(t, visit.Config{})
	r.identified()
	no := r.m.Snapshot().Visit
	cases := []kiosk.Case{{CaseNo: "PD1", Status: kiosk.StatusAccepted, History: []kiosk.CaseEvent{{Note: "收件"}}}}
	r.must(r.m.SetCases(no, cases))
	cases[0].History[0].Note = "changed"
	if s := r.m.Snapshot(); len(s.Cases) != 1 || s.Cases[0].History[0].Note != "收件" {
		t.Fatalf("cases not copied: %+v", s.Cases)
	}
	r.m.CardRemoved()
	if err := r.m.SetCases(no, cases); !errors.Is(err, visit.ErrStale) {
		t.Fatalf("cases after the visit ended: %v", err)
	}
	r.m.Touch()
	r.identified() // the next visit
	if err := r.m.SetCases(no, cases); !errors.Is(err, visit.ErrStale) {
		t.Fatalf("previous visit's cases given to the next resident: %v", err)
	}
	if s := r.m.Snapshot(); s.Cases != nil || s.Visit == no {
		t.Fatalf("next visit: no %d cases %v", s.Visit, s.Cases)
	}
}

func TestHomeButton(t *testing.T) {
	t.Parallel()
	r := newRig(t, visit.Config{})
	r.identified()
	r.must(r.m.StartApplication(item()))
	r.must(r.m.SetField("phone", "13800138000"))
	r.must(r.m.Home())
	s := r.want(visit.StateIdentified)
	if s.Item != nil || s.Form != nil || s.Resident == nil {
		t.Fatalf("home from the form: %+v", s)
	}
	r2 := newRig(t, visit.Config{})
	r2.must(r2.m.StartAgent())
	r2.must(r2.m.CardRead(young()))
	r2.must(r2.m.Home()) // the agent gives up: forget the agent
	if s := r2.want(visit.StateHome); s.Agent != nil {
		t.Fatal("agent kept after home")
	}
}

func TestOnChangeMayCallBack(t *testing.T) {
	t.Parallel()
	clock := newRig(t, visit.Config{}).clock
	var m *visit.Machine
	var mu sync.Mutex
	var seqs []uint64
	touched := false
	m, err := visit.New(visit.Config{Clock: clock, OnChange: func(s visit.Snapshot) {
		mu.Lock()
		seqs = append(seqs, s.Seq)
		mu.Unlock()
		_ = m.Snapshot()
		if s.State == visit.StateBrowsing && !touched {
			touched = true // calls are serialised: no race on touched
			m.Touch()      // re-entrant: must not deadlock
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Browse(); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seqs) < 2 {
		t.Fatalf("seqs = %v, want the browse and the re-entrant touch", seqs)
	}
	for i := 1; i < len(seqs); i++ {
		if seqs[i] <= seqs[i-1] {
			t.Fatalf("snapshots out of order: %v", seqs)
		}
	}
}

func TestConcurrentUse(t *testing.T) {
	t.Parallel()
	r := newRig(t, visit.Config{})
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 200 {
				switch (g + i) % 8 {
				case 0:
					_ = r.m.Identify(visit.PurposeApply)
				case 1:
					_ = r.m.CardRead(resident())
				case 2:
					r.m.Touch()
				case 3:
					r.m.CardRemoved()
				case 4:
					_ = r.m.StartApplication(item())
				case 5:
					_ = r.m.Snapshot()
				case 6:
					r.clock.Advance(7 * time.Second)
				case 7:
					_ = r.m.Continue()
				}
			}
		})
	}
	wg.Wait()
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := 1; i < len(r.snaps); i++ {
		if r.snaps[i].Seq <= r.snaps[i-1].Seq {
			t.Fatalf("snapshot %d seq %d after %d", i, r.snaps[i].Seq, r.snaps[i-1].Seq)
		}
	}
}
