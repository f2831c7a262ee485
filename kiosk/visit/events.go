package visit

import (
	"fmt"

	"github.com/pudong-community/kiosk/kiosk"
)

// Event is a service step worth an audit record, found by comparing two
// consecutive snapshots. Kind is the audit trail's kind; Subject is a masked
// ID number or empty; Detail carries no name and no full number.
type Event struct {
	Kind    string
	Subject string
	Detail  string
}

// Audit kinds the visit produces (the same strings as package audit's).
const (
	EventVisitStart          = "visit_start"
	EventVisitEnd            = "visit_end"
	EventCardRead            = "card_read"
	EventCardRefused         = "card_refused"
	EventAgentAuthorised     = "agent_authorised"
	EventSubmissionConfirmed = "submission_confirmed"
)

// Events returns the service steps between prev and next, two snapshots
// delivered one after the other by OnChange (which delivers every change,
// in order). Sending, parking and printing receipts are recorded by the
// parts that do them.
func Events(prev, next Snapshot) []Event {
	var out []Event
	if next.Visit != 0 && next.Visit != prev.Visit {
		out = append(out, Event{Kind: EventVisitStart, Detail: fmt.Sprintf("visit %d", next.Visit)})
		prev = Snapshot{Visit: next.Visit} // everything after is new in this visit
	}
	if next.Agent != nil && prev.Agent == nil {
		out = append(out, Event{EventCardRead, kiosk.MaskID(next.Agent.IDNumber), "agent " + string(next.Agent.CardType)})
	}
	if next.Resident != nil && (prev.Resident == nil || prev.Resident.IDNumber != next.Resident.IDNumber) {
		d := "resident " + string(next.Resident.CardType)
		if next.ResidentKeyed {
			d = "resident keyed by agent"
		}
		out = append(out, Event{EventCardRead, kiosk.MaskID(next.Resident.IDNumber), d})
	}
	if next.Failures > prev.Failures {
		out = append(out, Event{Kind: EventCardRefused, Detail: next.LastFailure.String()})
	}
	if next.Agent != nil && next.Agent.AuthorizationRef != "" && (prev.Agent == nil || prev.Agent.AuthorizationRef == "") {
		res := ""
		if next.Resident != nil {
			res = kiosk.MaskID(next.Resident.IDNumber)
		}
		out = append(out, Event{EventAgentAuthorised, kiosk.MaskID(next.Agent.IDNumber),
			fmt.Sprintf("for %s ref %s", res, next.Agent.AuthorizationRef)})
	}
	if next.State == StateSubmitting && next.SubmissionID != "" && next.SubmissionID != prev.SubmissionID {
		subj, item, agent := "", "", ""
		if next.Resident != nil {
			subj = kiosk.MaskID(next.Resident.IDNumber)
		}
		if next.Item != nil {
			item = next.Item.Code
		}
		if next.Agent != nil {
			agent = " agent " + kiosk.MaskID(next.Agent.IDNumber)
		}
		out = append(out, Event{EventSubmissionConfirmed, subj, next.SubmissionID + " " + item + agent})
	}
	// The visit ends once: on the goodbye, or on the take-your-card screen
	// that comes before it while the card lies on the reader.
	ended := func(s State) bool { return s == StateEnded || s == StateTakeCard }
	if ended(next.State) && !ended(prev.State) {
		out = append(out, Event{Kind: EventVisitEnd, Detail: fmt.Sprintf("visit %d %s", prev.Visit, next.EndReason)})
	}
	return out
}
