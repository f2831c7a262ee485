package ui

import (
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"

	"github.com/pudong-community/kiosk/kiosk"
)

// idleWarning is the full-screen idle warning: a countdown and a big
// "继续". The visit machine decides when it shows (never during a
// submission or a print) and ends the visit when the countdown runs out.
// It shows over the screen on top, not in the stack.
type idleWarning struct {
	countdown *canvas.Text
}

// tick shows the seconds left.
func (w *idleWarning) tick(a *App) {
	w.countdown.Text = w.countdownText(a)
	w.countdown.Refresh()
}

// countdownText is the remaining seconds.
func (w *idleWarning) countdownText(a *App) string {
	left := a.visit.snap.Deadline.Sub(a.visit.clk.Now())
	if left < 0 {
		left = 0
	}
	return a.T("idle.countdown", int((left+time.Second-1)/time.Second))
}

func (w *idleWarning) build(a *App) fyne.CanvasObject {
	th := a.theme
	bg := canvas.NewRectangle(colWarnBg)
	title := textBlock(a.T("idle.title"), theme.ColorNameForegroundOnWarning, theme.SizeNameHeadingText, true, fyne.TextAlignCenter)
	msg := textBlock(a.T("idle.body"), theme.ColorNameForegroundOnWarning, theme.SizeNameSubHeadingText, false, fyne.TextAlignCenter)
	w.countdown = canvas.NewText(w.countdownText(a), colAccent)
	w.countdown.TextSize = th.Size(theme.SizeNameHeadingText) * 1.6
	w.countdown.TextStyle.Bold = true
	w.countdown.Alignment = fyne.TextAlignCenter
	cont := a.newButton("idle.continue", a.T("idle.continue"), a.T("idle.continue.sub"), styleSuccess, func() { w.onContinue(a) })
	cont.huge = true
	end := a.newButton("idle.end", a.T("idle.end"), "", finishStyle, func() { w.onEnd(a) })
	call := a.newButton("idle.callstaff", a.T("bar.callstaff"), "", styleAccent, func() { w.onCallStaff(a) })
	size := fyne.NewSize(th.TargetSize()*7, th.TileHeight())
	row := fyne.NewSize(size.Width, max(end.MinSize().Height, call.MinSize().Height))
	content := container.NewVBox(layout.NewSpacer(), title, msg, w.countdown,
		container.NewCenter(container.NewGridWrap(size, cont)),
		container.NewCenter(container.NewGridWrap(row, end)),
		container.NewCenter(container.NewGridWrap(row, call)),
		layout.NewSpacer())
	return container.NewStack(bg, container.NewPadded(content))
}

// onContinue: the resident is still there.
func (w *idleWarning) onContinue(a *App) { _ = a.visit.m.Continue() }

// onEnd ends the visit.
func (w *idleWarning) onEnd(a *App) { a.endVisit() }

// onCallStaff: call staff is one tap from every screen, this one too: the
// visit goes on, and the call-staff screen shows.
func (w *idleWarning) onCallStaff(a *App) {
	_ = a.visit.m.Continue()
	a.callStaff("idle_warning", kiosk.AssistIdleHelp)
}
