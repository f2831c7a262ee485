package ui

import (
	"fyne.io/fyne/v2"

	"github.com/pudong-community/kiosk/kiosk"
	"github.com/pudong-community/kiosk/kiosk/visit"
)

// backer is a screen that takes the back button itself; it returns false
// to leave it to the App.
type backer interface {
	back(a *App) bool
}

func inFlight(s visit.State) bool {
	return s == visit.StateSubmitting || s == visit.StatePrinting
}

// initVisit makes the visit machine; its changes reach apply on the UI
// goroutine, in order.
func (a *App) initVisit() {
	cfg := a.opts.Visit
	user := cfg.OnChange
	cfg.OnChange = func(s visit.Snapshot) {
		if user != nil {
			user(s)
		}
		if a.gone() {
			return
		}
		post(func() {
			if !a.gone() {
				a.apply(s)
			}
		})
	}
	a.visit.start(cfg)
}

// apply shows a snapshot of the visit machine. A change of state rebuilds
// the screen stack for the new state; inside a state (the guide's pages,
// the form's steps) the stack stays. Snapshots older than the one shown are
// ignored.
func (a *App) apply(s visit.Snapshot) {
	prev, ok := a.visit.take(s)
	if !ok {
		return
	}
	// The goodbye speaks the visit's language at its text size.
	english, elder := a.visit.look()
	a.lang = Chinese
	if english {
		a.lang = English
	}
	if a.elder != elder {
		a.elder = elder
		a.applyTheme()
	}
	if built := a.nav.built; s.State != visit.StateIdleWarning && s.State != built {
		if !sameStack(built, s.State) {
			a.nav.over(screensFor(s, built)...)
		}
		a.nav.built = s.State
	}
	if s.State == visit.StateReviewing && prev.State == visit.StateSubmitting && a.visit.refusal() != nil {
		a.nav.replace(&refusedScreen{}) // not eligible, or a duplicate: said plainly
	}
	a.render()
	a.say(visitPrompts(prev, s)...)
	a.visit.afterTake(prev, s)
	if s.State == visit.StateTakeCard && s.CardLeftLong && !prev.CardLeftLong {
		a.cardLeftCall()
	}
}

// tap wraps a handler: every tap is activity for the idle countdown.
func (a *App) tap(f func()) func() {
	return func() {
		a.visit.m.Touch()
		_, onIdentify := a.Current().(*identifyScreen)
		a.visit.touched(onIdentify) // the refused card's notice has been seen
		if a.stray.timer != nil {
			a.armStray() // a touch outside any visit: the watch starts again
		}
		// Nothing after f: it may hand work to a goroutine whose result
		// comes back through post.
		f()
	}
}

// Close cancels the service calls in flight and waits for them; the
// visit machine's later changes are no longer shown.
func (a *App) Close() { a.jobs.close() }

// gone reports a closed App, or one whose Fyne app is no longer the
// current one (tests make a new app for each test).
func (a *App) gone() bool {
	return a.jobs.closed.Load() || fyne.CurrentApp() != a.fyneApp
}

// Finish ends the visit ("完成", "结束办理"): first the rating of the
// services the visit had, when there are some not yet rated (rating.go),
// then the goodbye.
func (a *App) Finish() {
	if a.beginRating(visit.EndFinished) {
		return
	}
	a.endVisit()
}

// CardReading shows that a card is on the reader and being read. Safe from
// any goroutine.
func (a *App) CardReading() {
	post(func() {
		a.visit.cardReading()
		a.render()
	})
}

// CardPresent hands the visit a card just read. expired is the reader's
// verdict (the machine also checks the card's validity date); age is the
// holder's age, for the elder-mode offer. Safe from any goroutine.
func (a *App) CardPresent(p kiosk.Person, expired bool, age int) {
	_ = age // the machine works the age out from the birth date itself
	post(func() {
		a.visit.cardPresent(p, expired)
		a.render()
		if id := refusedPrompt(a.visit.v.card.refused()); id != "" {
			a.say(id)
		}
	})
}

// CardRemoved reports that the card left the reader. Safe from any
// goroutine.
func (a *App) CardRemoved() { a.cardGone(false) }

// CardLost reports that the reader failed with the card on it: it counts
// as removed, but a card left after its visit is known again when the
// reader reads it once more (visit.Machine.CardLost). Safe from any
// goroutine.
func (a *App) CardLost() { a.cardGone(true) }

func (a *App) cardGone(lost bool) {
	post(func() {
		_, onIdentify := a.Current().(*identifyScreen)
		if a.visit.cardGone(onIdentify) {
			a.render() // the refused card is gone, and its notice
		}
		// A resident's own visit ends when the card is taken away: with
		// the rating first when there are services to rate.
		if s := a.visit.snap; s.Resident != nil && !s.ResidentKeyed && s.Agent == nil && a.beginRating(visit.EndCardRemoved) {
			return
		}
		if lost {
			a.visit.m.CardLost()
			return
		}
		a.visit.m.CardRemoved()
	})
}

// CardError reports a read that failed. reason is for the log, not the
// screen: the resident is told in plain words. Safe from any goroutine.
func (a *App) CardError(reason string) {
	_ = reason
	post(func() {
		a.visit.cardUnreadable()
		a.render()
		if id := refusedPrompt(a.visit.v.card.refused()); id != "" {
			a.say(id)
		}
	})
}
