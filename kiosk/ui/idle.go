package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"

	"github.com/pudong-community/kiosk/kiosk/visit"
)

// buildIdleWarning is the full-screen idle warning: a countdown and a big
// "继续". The visit machine decides when it shows (never during a
// submission or a print) and ends the visit when the countdown runs out.
func (a *App) buildIdleWarning() fyne.CanvasObject {
	th := a.theme
	bg := canvas.NewRectangle(colWarnBg)
	title := textBlock(a.T("idle.title"), theme.ColorNameForegroundOnWarning, theme.SizeNameHeadingText, true, fyne.TextAlignCenter)
	msg := textBlock(a.T("idle.body"), theme.ColorNameForegroundOnWarning, theme.SizeNameSubHeadingText, false, fyne.TextAlignCenter)
	a.v.countdown = canvas.NewText(a.countdownText(), colAccent)
	a.v.countdown.TextSize = th.Size(theme.SizeNameHeadingText) * 1.6
	a.v.countdown.TextStyle.Bold = true
	a.v.countdown.Alignment = fyne.TextAlignCenter
	cont := a.newButton("idle.continue", a.T("idle.continue"), a.T("idle.continue.sub"), styleSuccess, func() { _ = a.m.Continue() })
	cont.huge = true
	end := a.newButton("idle.end", a.T("idle.end"), "", styleSecondary, a.Finish)
	a.v.idleButtons = [2]*button{cont, end}
	// Call staff is one tap from every screen, this one too: the visit
	// goes on, and the call-staff screen shows.
	call := a.newButton("idle.callstaff", a.T("bar.callstaff"), "", styleAccent, func() {
		_ = a.m.Continue()
		a.CallStaff()
	})
	size := fyne.NewSize(th.TargetSize()*7, th.TileHeight())
	row := fyne.NewSize(size.Width, max(end.MinSize().Height, call.MinSize().Height))
	content := container.NewVBox(layout.NewSpacer(), title, msg, a.v.countdown,
		container.NewCenter(container.NewGridWrap(size, cont)),
		container.NewCenter(container.NewGridWrap(row, end)),
		container.NewCenter(container.NewGridWrap(row, call)),
		layout.NewSpacer())
	return container.NewStack(bg, container.NewPadded(content))
}

// endedScreen thanks the resident and says their data is gone; a tap (or
// a few seconds) goes home.
type endedScreen struct {
	home *button
}

func (s *endedScreen) Name() string  { return "ended" }
func (s *endedScreen) Title() string { return "" }

func (s *endedScreen) back(a *App) bool { a.m.Touch(); return true }

func (s *endedScreen) Build(a *App) fyne.CanvasObject {
	reason := "ended.finished"
	if !a.endedPrinted {
		reason = "ended.finished.card" // nothing was printed to take
	}
	switch a.snap.EndReason {
	case visit.EndTimeout:
		reason = "ended.timeout"
	case visit.EndCardRemoved:
		reason = "ended.card"
	}
	lines := []fyne.CanvasObject{layout.NewSpacer(), centered(a.T("ended.title"), theme.SizeNameHeadingText)}
	// A submission the visit made is named, with whether its receipt
	// printed: the visit may have ended while it was being sent.
	switch a.endedTaken {
	case visit.OutcomeSent:
		lines = append(lines, centered(a.T("ended.sent", a.endedNo), theme.SizeNameSubHeadingText))
	case visit.OutcomeQueued:
		lines = append(lines, centered(a.T("ended.queued", a.endedNo), theme.SizeNameSubHeadingText))
	}
	reasons := []string{reason}
	switch {
	case a.endedTaken == visit.OutcomeNone || a.snap.EndReason == visit.EndTimeout:
	case a.snap.EndReason == visit.EndCardRemoved && a.endedPrinted:
		reasons = []string{"ended.receipt"}
	case a.snap.EndReason == visit.EndCardRemoved:
		reasons = []string{"ended.noreceipt"}
	case !a.endedPrinted:
		reasons = append(reasons, "ended.noreceipt")
	}
	for _, r := range reasons {
		lines = append(lines, centered(a.T(r), theme.SizeNameSubHeadingText))
	}
	s.home = a.newButton("ended.home", a.T("ended.home"), "", stylePrimary, func() {})
	lines = append(lines,
		centered(a.T("ended.wiped"), theme.SizeNameText),
		container.NewCenter(container.NewGridWrap(fyne.NewSize(a.theme.TargetSize()*6, a.theme.TargetSize()*1.4), s.home)),
		layout.NewSpacer())
	return container.NewVBox(lines...)
}
