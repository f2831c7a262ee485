package ui

import (
	"context"
	"errors"
	"image"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"

	"github.com/pudong-community/kiosk/kiosk"
	"github.com/pudong-community/kiosk/kiosk/visit"
)

// backer is a screen that takes the back button itself; it returns false
// to leave it to the App.
type backer interface {
	back(a *App) bool
}

// visitUI is what the screens keep about the visit beyond the machine's
// snapshot. It is replaced whole when a visit ends, so nothing of one
// resident survives into the next visit.
type visitUI struct {
	countdown   *canvas.Text // the idle warning's countdown, while shown
	idleButtons [2]*button   // 继续 and end, while shown (for tests)

	wantItem    string // item chosen in the guide, opened once identified
	cardReading bool   // a card is on the reader and being read
	cardMsg     string // i18n key of the last card problem
	keyedErr    string // i18n key of a refused keyed identity

	casesLoading bool
	casesOnline  bool
	casesErr     error
	casesLoaded  bool
	unsent       []kiosk.SubmissionSummary

	localNo     string // the Submitter's local number of the submission
	confirmedAt time.Time
	accepted    *kiosk.Accepted
	submitErr   error // the last submission's failure
	printErr    error // the last print's failure
	printed     int   // receipts printed in this visit
	receipt     image.Image
	qr          map[string]image.Image // QR pictures of this visit
	receiptErr  error
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
	m, err := visit.New(cfg)
	if err != nil {
		a.visitErr = err
		def := visit.Config{Clock: cfg.Clock, NewID: cfg.NewID, OnChange: cfg.OnChange}
		m, _ = visit.New(def)
	}
	a.m = m
	a.clk = cfg.Clock
	if a.clk == nil {
		a.clk = visit.SystemClock{}
	}
	a.snap = m.Snapshot()
	a.stackFor = a.snap.State
}

// apply shows a snapshot of the visit machine. A change of state rebuilds
// the screen stack for the new state; inside a state (the guide's pages,
// the form's steps) the stack stays. Snapshots older than the one shown are
// ignored.
func (a *App) apply(s visit.Snapshot) {
	if s.Seq < a.snap.Seq {
		return
	}
	prev := a.snap
	a.snap = s
	if s.State == visit.StateEnded && prev.State != visit.StateEnded {
		a.endedPrinted = a.v.printed > 0
		a.endedTaken, a.endedNo = visit.OutcomeNone, ""
		switch prev.Outcome.Status {
		case visit.OutcomeSent:
			a.endedTaken, a.endedNo = visit.OutcomeSent, prev.Outcome.CaseNo
		case visit.OutcomeQueued:
			a.endedTaken, a.endedNo = visit.OutcomeQueued, a.v.localNo
			if a.endedNo == "" {
				a.endedNo = prev.SubmissionID
			}
		}
		a.endedEnglish, a.endedElder = prev.English, prev.Elder
	}
	if s.State == visit.StateEnded || s.State == visit.StateHome && prev.Resident != nil || s.Visit != prev.Visit {
		a.v = &visitUI{} // forget everything the screens held
	}
	english, elder := s.English, s.Elder
	if s.State == visit.StateEnded {
		// The goodbye speaks the visit's language at its text size.
		english, elder = a.endedEnglish, a.endedElder
	}
	a.lang = Chinese
	if english {
		a.lang = English
	}
	if a.elder != elder {
		a.elder = elder
		a.applyTheme()
	}
	if s.State != visit.StateIdleWarning && s.State != a.stackFor {
		if !sameStack(a.stackFor, s.State) {
			a.stack = append(a.stack[:1], a.screensFor(s, a.stackFor)...)
		}
		a.stackFor = s.State
	}
	a.render()
	a.afterApply(prev, s)
}

// sameStack reports whether the screens of state from stay for state to: a
// print returns to the screen it began on, and a submission in flight is
// shown on the review page it came from.
func sameStack(from, to visit.State) bool {
	switch {
	case to == visit.StatePrinting:
		return from == visit.StateIdentified || from == visit.StateOutcome
	case from == visit.StatePrinting:
		return to == visit.StateIdentified || to == visit.StateOutcome
	case from == visit.StateReviewing && to == visit.StateSubmitting, from == visit.StateSubmitting && to == visit.StateReviewing:
		return true
	}
	return false
}

// screensFor is the stack (above home) for a state just entered.
func (a *App) screensFor(s visit.Snapshot, from visit.State) []Screen {
	switch s.State {
	case visit.StateBrowsing:
		return []Screen{&guideScreen{}}
	case visit.StateIdentifying:
		if s.Purpose == visit.PurposeCases {
			return []Screen{&casesScreen{}}
		}
		return []Screen{&identifyScreen{}}
	case visit.StateIdentified:
		switch s.Purpose {
		case visit.PurposeCases:
			return []Screen{&casesScreen{}}
		case visit.PurposeApply:
			return []Screen{&menuScreen{}, &applyListScreen{}}
		}
		return []Screen{&menuScreen{}}
	case visit.StateFilling:
		if from == visit.StateReviewing && s.Item != nil && len(s.Item.Fields) > 0 {
			// Back from the review page: the form at its last field.
			return []Screen{&noticeScreen{}, &formScreen{idx: len(s.Item.Fields) - 1}}
		}
		return []Screen{&noticeScreen{}}
	case visit.StateReviewing, visit.StateSubmitting:
		return []Screen{&reviewScreen{}}
	case visit.StateOutcome, visit.StatePrinting:
		return []Screen{&outcomeScreen{}}
	case visit.StateEnded:
		return []Screen{&endedScreen{}}
	}
	return nil
}

// afterApply starts the service calls a new state needs.
func (a *App) afterApply(prev, s visit.Snapshot) {
	if s.State == visit.StateIdentified && s.Purpose == visit.PurposeCases && !a.v.casesLoaded && !a.v.casesLoading {
		a.loadCases(s)
	}
	if s.State == visit.StateIdentified && prev.State != visit.StateIdentified && a.v.wantItem != "" {
		a.startWanted()
	}
	a.autoPrint(prev, s)
	if (s.State == visit.StateBrowsing || s.State == visit.StateIdentified) && prev.State != s.State {
		a.loadCatalog(false)
	}
}

// tap wraps a handler: every tap is activity for the idle countdown.
func (a *App) tap(f func()) func() {
	return func() {
		a.m.Touch()
		if _, ok := a.Current().(*identifyScreen); !ok {
			a.v.cardMsg = "" // the refused card's notice has been seen
		}
		if a.stray != nil {
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

// Finish ends the visit ("结束办理").
func (a *App) Finish() { _ = a.m.Finish() }

// loadCatalog fetches the catalogue unless a fresh one is held.
func (a *App) loadCatalog(force bool) {
	src := a.opts.Catalog
	if src == nil || a.catLoading || !force && a.catalog != nil && a.clk.Now().Sub(a.catLoaded) < 5*time.Minute {
		return
	}
	a.catLoading = true
	a.jobs.run(func(ctx context.Context) func() {
		c, err := src.Catalog(ctx)
		if err == nil && (c == nil || len(c.Items) == 0) {
			err = errEmptyCatalog
		}
		return func() {
			a.catLoading = false
			if err != nil {
				a.catErr = err
			} else {
				a.catalog, a.catErr, a.catLoaded = c, nil, a.clk.Now()
			}
			a.render()
		}
	})
}

var errEmptyCatalog = errors.New("ui: the catalogue is empty")

// loadCases asks for the resident's cases and what the terminal holds
// unsent for them. A late answer for another visit is dropped.
func (a *App) loadCases(s visit.Snapshot) {
	src := a.opts.Cases
	if src == nil || s.Resident == nil {
		a.v.casesLoaded = true
		a.v.casesErr = errNoService
		return
	}
	p := *s.Resident
	v := a.v
	v.casesLoading = true
	a.jobs.run(func(ctx context.Context) func() {
		cases, online, err := src.Cases(ctx, p)
		var unsent []kiosk.SubmissionSummary
		var uerr error
		if !online || err != nil {
			unsent, uerr = src.Unsent(ctx, p.IDNumber)
		}
		return func() {
			if a.v != v {
				return // the visit ended meanwhile
			}
			v.casesLoading, v.casesLoaded = false, true
			v.casesOnline = online && err == nil
			v.casesErr = err
			if uerr == nil {
				v.unsent = unsent
			}
			if err := a.m.SetCases(s.Visit, cases); err != nil && !errors.Is(err, visit.ErrStale) {
				v.casesErr = err
			}
			a.render()
		}
	})
}

var errNoService = errors.New("ui: service not configured")

// CardReading shows that a card is on the reader and being read. Safe from
// any goroutine.
func (a *App) CardReading() {
	post(func() {
		a.v.cardReading = true
		a.v.cardMsg = ""
		a.render()
	})
}

// CardPresent hands the visit a card just read. expired is the reader's
// verdict (the machine also checks the card's validity date); age is the
// holder's age, for the elder-mode offer. Safe from any goroutine.
func (a *App) CardPresent(p kiosk.Person, expired bool, age int) {
	_ = age // the machine works the age out from the birth date itself
	post(func() {
		a.v.cardReading = false
		a.v.cardMsg = ""
		var err error
		if expired {
			err = a.m.CardFailed(visit.FailExpired)
		} else {
			err = a.m.CardRead(p)
		}
		switch {
		case err == nil && expired:
			a.v.cardMsg = "identify.expired"
		case err == nil:
		case errors.Is(err, visit.ErrCardExpired):
			a.v.cardMsg = "identify.expired"
		case errors.Is(err, visit.ErrCardUnsupported):
			a.v.cardMsg = "identify.unsupported"
		case errors.Is(err, visit.ErrSamePerson):
			a.v.cardMsg = "identify.same"
		case errors.Is(err, visit.ErrUnexpectedCard), errors.Is(err, visit.ErrWrongState):
			a.v.cardMsg = "identify.notnow"
		}
		a.render()
	})
}

// CardRemoved reports that the card left the reader. Safe from any
// goroutine.
func (a *App) CardRemoved() {
	post(func() {
		a.v.cardReading = false
		if _, ok := a.Current().(*identifyScreen); !ok && a.v.cardMsg != "" {
			a.v.cardMsg = "" // the refused card is gone, and its notice
			a.render()
		}
		a.m.CardRemoved()
	})
}

// CardError reports a read that failed. reason is for the log, not the
// screen: the resident is told in plain words. Safe from any goroutine.
func (a *App) CardError(reason string) {
	_ = reason
	post(func() {
		a.v.cardReading = false
		if err := a.m.CardFailed(visit.FailUnreadable); err == nil {
			a.v.cardMsg = "identify.unreadable"
		}
		a.render()
	})
}

// readerDown and printerDown say whether a required device is out of order.
func (a *App) readerDown() bool  { return a.deviceDown(DeviceCardReader) }
func (a *App) printerDown() bool { return a.deviceDown(DevicePrinter) }

// applyDown says whether self-service application is not offered, and the
// key of the words that say why: without the card reader nobody can be
// identified; without a printer the terminal is configured to require
// (printer.required), no application is taken, as no receipt could be
// printed for it. "My cases" and the guide still work in that case.
func (a *App) applyDown() (bool, string) {
	if a.readerDown() {
		return true, "outofservice.reader"
	}
	for _, p := range a.problems {
		if p.DeviceKey == DevicePrinter && p.Required {
			return true, "outofservice.printer.apply"
		}
	}
	return false, ""
}

func (a *App) deviceDown(key string) bool {
	for _, p := range a.problems {
		if p.DeviceKey == key {
			return true
		}
	}
	return false
}
