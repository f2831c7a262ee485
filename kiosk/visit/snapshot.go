package visit

import (
	"time"

	"github.com/pudong-community/kiosk/kiosk"
)

// Snapshot is a copy of the machine's state for the UI. It shares nothing
// mutable with the machine.
type Snapshot struct {
	Seq   uint64 // rises with every change
	Visit uint64 // number of the visit in progress (0 before the first)
	State State
	Prev  State // in StateIdleWarning: the screen "继续" restores

	Step    Step
	Purpose Purpose

	Elder        bool // elder mode (长辈模式) is on
	ElderOffered bool // the card holder is 60 or older: offer elder mode
	English      bool

	EndReason  EndReason // in StateEnded: why
	EndPending EndReason // the visit ends when the step in flight finishes

	// Deadline is when the idle warning appears or, in StateIdleWarning,
	// when the visit ends; zero when no countdown runs.
	Deadline time.Time

	Resident      *kiosk.Person // nil until identified
	ResidentKeyed bool          // keyed by an agent rather than read from a card
	Agent         *kiosk.Agent  // nil unless the agent flow has the agent's card
	Item          *kiosk.Item   // the item being applied for
	Form          map[string]string
	Cases         []kiosk.Case
	SubmissionID  string // once confirmed: the local submission number
	Outcome       Outcome
	PrintErr      string

	Failures    int // failed card reads in this identification
	LastFailure CardFailure

	// CardOn: a card lies on the reader (read, or read and refused, and
	// not removed since), whether or not a visit holds it. Nothing of whose
	// card it is survives the visit's end.
	CardOn bool
	// CardLeftLong: in StateTakeCard, the card has lain on the reader
	// Config.CardLeft since its visit ended: time to call staff.
	CardLeftLong bool
}

func (m *Machine) snapshotLocked() Snapshot {
	s := Snapshot{
		Seq:          m.seq,
		Visit:        m.visitNo,
		State:        m.state,
		Step:         m.step,
		Purpose:      m.purpose,
		Elder:        m.elder,
		ElderOffered: m.p.elderOffered,
		English:      m.english,
		EndReason:    m.endReason,
		EndPending:   m.pendingEnd,
		Deadline:     m.deadline,
		Form:         copyMap(m.p.form),
		Cases:        copyCases(m.p.cases),
		SubmissionID: m.p.submissionID,
		Outcome:      m.p.outcome,
		PrintErr:     m.p.printErr,
		Failures:     m.p.failures,
		LastFailure:  m.p.lastFailure,
		CardOn:       m.cardOn,
		CardLeftLong: m.cardLeftLong,
	}
	if !m.started {
		s.Visit = 0
	}
	if m.state == StateIdleWarning {
		s.Prev = m.prev
	}
	if m.p.resident.IDNumber != "" {
		r := m.p.resident
		s.Resident = &r
		s.ResidentKeyed = m.p.residentKeyed
	}
	if m.p.agent.IDNumber != "" {
		a := m.p.agent
		s.Agent = &a
	}
	if m.p.item.Code != "" {
		it := m.p.item
		s.Item = &it
	}
	return s
}

func copyMap(in map[string]string) map[string]string {
	if in == nil {
		return nil
	}
	out := make(map[string]string, len(in))
	for k, v := range in {
		out[k] = v
	}
	return out
}

func copyCases(in []kiosk.Case) []kiosk.Case {
	if in == nil {
		return nil
	}
	out := make([]kiosk.Case, len(in))
	copy(out, in)
	for i := range out {
		out[i].History = append([]kiosk.CaseEvent(nil), in[i].History...)
	}
	return out
}
