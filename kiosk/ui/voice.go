package ui

import (
	"github.com/pudong-community/kiosk/kiosk"
	"github.com/pudong-community/kiosk/kiosk/visit"
)

// The spoken prompts: the screens name a prompt by its id at the moments
// that matter and hand it to Options.Voice (nil: silence). No audio code
// lives here; the words are fixed and never personal (kiosk/voice).

// say asks for prompts in the language and text size shown, the first
// cutting whatever plays, the rest following it. Nothing is said while
// the staff screens are open (staff test prompts from there themselves).
func (a *App) say(ids ...kiosk.PromptID) {
	v := a.opts.Voice
	if v == nil || len(ids) == 0 {
		return
	}
	if _, entry := a.Current().(*maintEntryScreen); entry || isMaintScreen(a.Current()) {
		return
	}
	for i, id := range ids {
		v.Say(kiosk.Prompt{ID: id, English: a.lang == English, Elder: a.elder, After: i > 0 || id == kiosk.PromptPrinting})
	}
}

// visitPrompts are the prompts a change of the visit calls for. "Take your
// card" belongs to the take-your-card state: a visit that ends (after its
// rating or not) with the card on the reader goes there.
func visitPrompts(prev, s visit.Snapshot) []kiosk.PromptID {
	if s.Seq == prev.Seq {
		return nil
	}
	var ids []kiosk.PromptID
	if s.Resident != nil && prev.Resident == nil && !s.ResidentKeyed || s.Agent != nil && prev.Agent == nil {
		ids = append(ids, kiosk.PromptCardRead)
	}
	if prev.State == visit.StatePrinting && s.State != visit.StatePrinting && s.PrintErr == "" && prev.Resident != nil {
		ids = append(ids, kiosk.PromptTakeReceipt)
	}
	switch {
	case s.State == visit.StateIdleWarning && prev.State != visit.StateIdleWarning:
		ids = append(ids, kiosk.PromptIdleWarning)
	case s.State == visit.StateTakeCard && prev.State != visit.StateTakeCard:
		// The visit ended with its card on the reader (the take-your-card
		// screen repeats it while the card lies there).
		ids = append(ids, kiosk.PromptTakeCard)
	case s.State == visit.StateRating && prev.State != visit.StateRating && prev.State != visit.StateIdleWarning:
		ids = append(ids, kiosk.PromptRating)
	case s.State == visit.StateIdentifying && (s.Step == visit.StepResident || s.Step == visit.StepAgent) &&
		(prev.State != visit.StateIdentifying && prev.State != visit.StateIdleWarning || prev.Step != s.Step):
		ids = append(ids, kiosk.PromptPlaceCard)
	case s.State == visit.StateOutcome && prev.State == visit.StateSubmitting:
		switch s.Outcome.Status {
		case visit.OutcomeSent:
			ids = append(ids, kiosk.PromptAccepted)
		case visit.OutcomeQueued:
			ids = append(ids, kiosk.PromptSaved)
		}
	case s.State == visit.StatePrinting && prev.State != visit.StatePrinting:
		ids = append(ids, kiosk.PromptPrinting)
	}
	return ids
}

// refusedPrompt is the prompt of a card refused with the notice key.
func refusedPrompt(key string) kiosk.PromptID {
	switch key {
	case "":
		return ""
	case "identify.unreadable":
		return kiosk.PromptCardUnreadable
	case "identify.expired":
		return kiosk.PromptCardExpired
	}
	return kiosk.PromptCardRefused
}
