package ui

import (
	"context"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"

	"github.com/pudong-community/kiosk/kiosk"
	"github.com/pudong-community/kiosk/kiosk/visit"
)

// takeCardScreen asks for the ID card left on the reader when a visit
// ended (完成, 结束办理, the idle timeout): big words, a picture of the
// card leaving the reader, the spoken prompt repeated. It stays until the
// card is removed (then the goodbye); after two minutes staff are called
// (kiosk.AssistCardLeft). The visit is already wiped: it shows nothing of
// whose card it is.
type takeCardScreen struct {
	ticks int
}

// takeCardRepeat is how many seconds pass between the spoken prompts.
const takeCardRepeat = 15

func (s *takeCardScreen) Name() string  { return "takecard" }
func (s *takeCardScreen) Title() string { return "" }

// back: the screen stays until the card is taken.
func (s *takeCardScreen) back(a *App) bool { return true }

func (s *takeCardScreen) Build(a *App) fyne.CanvasObject {
	g := a.visit.ended
	lines := []fyne.CanvasObject{
		layout.NewSpacer(),
		textBlock(a.T("takecard.title"), theme.ColorNameError, theme.SizeNameHeadingText, true, fyne.TextAlignCenter),
		container.NewCenter(cardArrowPicture(a.theme, "↑")),
		centered(a.T("takecard.body"), theme.SizeNameSubHeadingText),
	}
	if g.printed {
		lines = append(lines, centered(a.T("takecard.receipt"), theme.SizeNameSubHeadingText))
	}
	switch {
	case g.staff && g.answered && g.notified:
		lines = append(lines, notice(a.T("takecard.staff")))
	case g.staff && g.answered:
		lines = append(lines, notice(a.T("takecard.nostaff")))
	}
	lines = append(lines,
		centered(a.T("takecard.wiped"), theme.SizeNameText),
		centered(a.T("takecard.notyours"), theme.SizeNameText),
		layout.NewSpacer())
	return container.NewVBox(lines...)
}

// tick repeats the spoken prompt while the card lies on the reader.
func (s *takeCardScreen) tick(a *App) {
	s.ticks++
	if s.ticks%takeCardRepeat == 0 && a.visit.snap.State == visit.StateTakeCard {
		a.say(kiosk.PromptTakeCard)
	}
}

// cardLeftCall calls staff, once, about a card left on the reader: through
// Options.Assist when set, else Options.CallStaff. The screen stays; it
// says staff are coming only when the call was confirmed.
func (a *App) cardLeftCall() {
	g := &a.visit.ended
	if g.staff {
		return
	}
	g.staff = true
	report := func(ok bool) func() {
		return func() {
			if a.visit.snap.State == visit.StateTakeCard && a.visit.ended.staff {
				a.visit.ended.answered, a.visit.ended.notified = true, ok
				a.render()
			}
		}
	}
	switch {
	case a.opts.Assist != nil:
		as := a.opts.Assist
		a.jobs.run(func(ctx context.Context) func() {
			return report(as.CallStaff(ctx, "takecard", kiosk.AssistCardLeft).Notified)
		})
	case a.opts.CallStaff != nil:
		ring := a.opts.CallStaff
		a.jobs.run(func(ctx context.Context) func() { return report(ring(ctx) == nil) })
	default:
		g.staff = false // nobody to call: the screen keeps asking
	}
	a.render()
}
