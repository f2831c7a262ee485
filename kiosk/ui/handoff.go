package ui

import "github.com/pudong-community/kiosk/kiosk"

// handoffReason is why a flow ends at a counter; the hand-off screen says
// it in plain words and offers a ticket, an appointment and call staff.
type handoffReason string

// Reasons a resident is handed on to a counter.
const (
	handoffForwarded   handoffReason = "forwarded_item"  // a 流转件: the terminal cannot take it
	handoffMaterials   handoffReason = "materials_check" // the materials must be checked at a counter
	handoffFreeText    handoffReason = "free_text"       // a required field the terminal cannot take
	handoffCardExpired handoffReason = "card_expired"    // the ID card has expired
	handoffCardProblem handoffReason = "card_problem"    // the card cannot be read or is not supported
	handoffRejected    handoffReason = "rejected"        // the central system refused the submission
	handoffNotEligible handoffReason = "not_eligible"    // the person may not apply for the item
)

// showHandoff hands the resident on to a counter for item (nil when the
// flow has no item). Placeholder until the hand-off screen exists.
func (a *App) showHandoff(reason handoffReason, item *kiosk.Item) {}

// noteService records that this visit received a service the resident may
// rate (好差评) before the goodbye: a submission, a case look-up, a ticket,
// an appointment. Each is offered for rating once.
func (a *App) noteService(r kiosk.Rating) {
	a.visit.note(r)
}
