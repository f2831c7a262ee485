package ui

import (
	"context"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
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
		centered(a.T("takecard.notyours"), theme.SizeNameText))
	return newColumn(a.theme.Size(theme.SizeNamePadding), lines...)
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

// column stacks objects one under another, the whole centred vertically.
// Each is first given the full width and then asked its height: a VBox
// asks a wrapping text its height before it knows its width, and on the
// goodbye a long line ran into the next.
type column struct{ gap float32 }

func newColumn(gap float32, objs ...fyne.CanvasObject) *fyne.Container {
	return container.New(&column{gap: gap}, objs...)
}

func (c *column) MinSize(objs []fyne.CanvasObject) fyne.Size {
	var s fyne.Size
	n := 0
	for _, o := range objs {
		if !o.Visible() {
			continue
		}
		m := o.MinSize()
		s.Width = max(s.Width, m.Width)
		s.Height += m.Height
		n++
	}
	if n > 1 {
		s.Height += c.gap * float32(n-1)
	}
	return s
}

func (c *column) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	heights := make([]float32, len(objs))
	var total float32
	n := 0
	for i, o := range objs {
		if !o.Visible() {
			continue
		}
		o.Resize(fyne.NewSize(size.Width, o.MinSize().Height))
		heights[i] = o.MinSize().Height // now wrapped at the full width
		total += heights[i]
		n++
	}
	if n > 1 {
		total += c.gap * float32(n-1)
	}
	y := max((size.Height-total)/2, 0)
	for i, o := range objs {
		if !o.Visible() {
			continue
		}
		o.Move(fyne.NewPos(0, y))
		o.Resize(fyne.NewSize(size.Width, heights[i]))
		y += heights[i] + c.gap
	}
}
