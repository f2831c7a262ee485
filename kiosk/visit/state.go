package visit

// State is where a visit stands. The UI shows one screen per state.
type State int

// States of a visit.
const (
	StateHome        State = iota // attract / home screen, no visit data
	StateBrowsing                 // service guide and search, no card needed
	StateIdentifying              // waiting for a card (or, for an agent, a keyed number)
	StateIdentified               // a resident is known: my cases, choose an item
	StateFilling                  // notice, materials and the item's form
	StateReviewing                // review page before confirm
	StateSubmitting               // confirmed; stored and being sent (in flight)
	StateOutcome                  // 已受理 / 已保存 shown, receipt offered
	StatePrinting                 // a receipt or case print is in flight
	StateIdleWarning              // the countdown with "继续"
	StateEnded                    // the visit ended and was wiped; back home shortly
	// StateTakeCard: the visit ended (and was wiped) with its card still
	// on the reader; the screen asks for the card until it is removed,
	// then the goodbye (StateEnded) shows. Appended last: the numbers of
	// the states before it are kept.
	StateTakeCard
	// StateRating: the resident is done and asked to rate the visit's
	// services (好差评) before the goodbye. Everything personal is wiped
	// already; the idle timeout runs and ends the visit unrated.
	StateRating
)

var stateNames = [...]string{
	StateHome:        "home",
	StateBrowsing:    "browsing",
	StateIdentifying: "identifying",
	StateIdentified:  "identified",
	StateFilling:     "filling",
	StateReviewing:   "reviewing",
	StateSubmitting:  "submitting",
	StateOutcome:     "outcome",
	StatePrinting:    "printing",
	StateIdleWarning: "idle_warning",
	StateEnded:       "ended",
	StateTakeCard:    "take_card",
	StateRating:      "rating",
}

func (s State) String() string {
	if s >= 0 && int(s) < len(stateNames) {
		return stateNames[s]
	}
	return "unknown"
}

// inFlight reports whether the state waits on a submission or a print; no
// idle timeout runs then.
func (s State) inFlight() bool { return s == StateSubmitting || s == StatePrinting }

// EndReason says why a visit ended.
type EndReason int

// Reasons a visit ends.
const (
	EndNone        EndReason = iota
	EndTimeout               // idle warning ran out
	EndCardRemoved           // the resident took the card away
	EndFinished              // "finish" tapped
)

func (r EndReason) String() string {
	switch r {
	case EndTimeout:
		return "timeout"
	case EndCardRemoved:
		return "card_removed"
	case EndFinished:
		return "finished"
	}
	return "none"
}

// Step is the identification step of the Identifying state.
type Step int

// Identification steps.
const (
	StepNone          Step = iota
	StepResident           // the resident's card (or, for an agent, keyed number and name)
	StepAgent              // the agent's own card first
	StepAuthorisation      // the agent enters the authorisation reference (委托书编号)
)

func (s Step) String() string {
	switch s {
	case StepResident:
		return "resident"
	case StepAgent:
		return "agent"
	case StepAuthorisation:
		return "authorisation"
	}
	return "none"
}

// Purpose is what the resident came for when the visit needed identity.
type Purpose int

// Purposes of identification.
const (
	PurposeNone  Purpose = iota // the card was simply placed on the reader
	PurposeCases                // 我的办件
	PurposeApply                // 自助申办 (also the agent flow)
	PurposeBook                 // 预约: book a counter visit (also the agent flow)
)

// CardFailure is why a card could not be used.
type CardFailure int

// Card failures the UI explains in plain words.
const (
	FailNone        CardFailure = iota
	FailUnreadable              // the read failed: put the card back flat
	FailExpired                 // the card has expired
	FailUnsupported             // a card type the terminal does not take
	FailSamePerson              // agent and resident are the same person
)

func (f CardFailure) String() string {
	switch f {
	case FailUnreadable:
		return "unreadable"
	case FailExpired:
		return "expired"
	case FailUnsupported:
		return "unsupported"
	case FailSamePerson:
		return "same_person"
	}
	return "none"
}

// OutcomeStatus is the result of a confirmed submission as the resident sees it.
type OutcomeStatus int

// Submission outcomes.
const (
	OutcomeNone   OutcomeStatus = iota
	OutcomeSent                 // 已受理 + case number
	OutcomeQueued               // 已保存，网络恢复后自动上传 + local number
	OutcomeFailed               // could not even be stored, or refused for good (422)
)

func (o OutcomeStatus) String() string {
	switch o {
	case OutcomeSent:
		return "sent"
	case OutcomeQueued:
		return "queued"
	case OutcomeFailed:
		return "failed"
	}
	return "none"
}
