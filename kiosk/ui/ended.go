package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"

	"github.com/pudong-community/kiosk/kiosk/visit"
)

// endedScreen thanks the resident and says their data is gone; a tap (or
// a few seconds) goes home.
type endedScreen struct {
	home *button
}

func (s *endedScreen) Name() string  { return "ended" }
func (s *endedScreen) Title() string { return "" }

func (s *endedScreen) back(a *App) bool { a.visit.m.Touch(); return true }

func (s *endedScreen) Build(a *App) fyne.CanvasObject {
	g := a.visit.ended
	reason := "ended.finished"
	if !g.printed {
		reason = "ended.finished.card" // nothing was printed to take
	}
	switch a.visit.snap.EndReason {
	case visit.EndTimeout:
		reason = "ended.timeout"
	case visit.EndCardRemoved:
		reason = "ended.card"
	}
	if (g.cardTaken || a.visit.snap.EndReason == visit.EndFinished) && reason != "ended.timeout" {
		// The card was taken from the take-your-card screen, or none lay
		// on the reader when the visit ended (it would have been asked
		// for there): only a receipt is left to take.
		reason = ""
		if g.printed {
			reason = "ended.receipt"
		}
	}
	lines := []fyne.CanvasObject{centered(a.T("ended.title"), theme.SizeNameHeadingText)}
	// A submission the visit made is named, with whether its receipt
	// printed: the visit may have ended while it was being sent.
	switch g.taken {
	case visit.OutcomeSent:
		lines = append(lines, centered(a.T("ended.sent", g.no), theme.SizeNameSubHeadingText))
	case visit.OutcomeQueued:
		lines = append(lines, centered(a.T("ended.queued", g.no), theme.SizeNameSubHeadingText))
	}
	reasons := []string{reason}
	switch {
	case g.taken == visit.OutcomeNone || a.visit.snap.EndReason == visit.EndTimeout:
	case a.visit.snap.EndReason == visit.EndCardRemoved && g.printed:
		reasons = []string{"ended.receipt"}
	case a.visit.snap.EndReason == visit.EndCardRemoved:
		reasons = []string{"ended.noreceipt"}
	case !g.printed:
		reasons = append(reasons, "ended.noreceipt")
	}
	for _, r := range reasons {
		if r != "" {
			lines = append(lines, centered(a.T(r), theme.SizeNameSubHeadingText))
		}
	}
	// What was cleared, and what is kept where: an application waiting for
	// the network stays on this terminal (sealed) until it is sent.
	wiped := "ended.wiped"
	if g.taken == visit.OutcomeQueued {
		wiped = "ended.wiped.queued"
	}
	s.home = a.newButton("ended.home", a.T("ended.home"), "", stylePrimary, func() {})
	lines = append(lines,
		centered(a.T(wiped), theme.SizeNameText),
		container.NewCenter(container.NewGridWrap(fyne.NewSize(a.theme.TargetSize()*6, a.theme.TargetSize()*1.4), s.home)))
	return newColumn(a.theme.Size(theme.SizeNamePadding), lines...)
}
