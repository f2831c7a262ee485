package ui

import (
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"

	"github.com/pudong-community/kiosk/kiosk"
	"github.com/pudong-community/kiosk/kiosk/visit"
)

// caseScreen is one case: status in words, timeline, due date, result, a QR
// code of its tracking page and print.
type caseScreen struct {
	caseNo string
	print  *button
}

func (s *caseScreen) Name() string  { return "case" }
func (s *caseScreen) Title() string { return "screen.case" }

func (s *caseScreen) find(a *App) (kiosk.Case, bool) {
	for _, c := range a.visit.snap.Cases {
		if c.CaseNo == s.caseNo {
			return c, true
		}
	}
	return kiosk.Case{}, false
}

func (s *caseScreen) Build(a *App) fyne.CanvasObject {
	c, ok := s.find(a)
	if !ok {
		return notice(a.T("case.gone"))
	}
	facts := []fyne.CanvasObject{
		heading(orDash(c.ItemName)),
		body(a.T("case.no", c.CaseNo)),
		container.NewHBox(
			oneLine(a.T("case.status", ""), colText, a.theme.Size(theme.SizeNameSubHeadingText), true),
			container.NewCenter(a.theme.badgeObject(a.statusBadge(c.Status)))),
	}
	if c.Department != "" {
		facts = append(facts, body(a.T("item.department")+a.colon()+c.Department))
	}
	if !c.SubmittedAt.IsZero() {
		facts = append(facts, body(a.T("case.submitted", c.SubmittedAt.In(kiosk.Zone()).Format("2006-01-02 15:04"))))
	}
	if c.DueDate != "" {
		facts = append(facts, body(a.T("case.due", c.DueDate)))
	}
	if c.Result != "" {
		facts = append(facts, body(a.T("case.result", c.Result)))
	}
	timeline := []fyne.CanvasObject{subheading(a.T("case.timeline"))}
	if len(c.History) == 0 {
		timeline = append(timeline, body(a.T("case.timeline.none")))
	}
	for _, e := range c.History {
		line := fmt.Sprintf("● %s  %s", e.At.In(kiosk.Zone()).Format("2006-01-02 15:04"), a.statusWord(e.Status))
		if e.Department != "" {
			line += "  " + e.Department
		}
		if e.Note != "" {
			line += "  " + e.Note
		}
		timeline = append(timeline, body(line))
	}
	var parts []fyne.CanvasObject
	if c.Status == kiosk.StatusNeedsMore {
		// What to bring and where, first and in the accent colour.
		parts = append(parts, a.needsMoreBox(c))
	}
	parts = append(parts, panel(facts...), panel(timeline...))
	if c.TrackURL != "" {
		parts = append(parts, panel(container.NewBorder(nil, nil, a.qrObject(c.TrackURL, 220), nil, body(a.T("case.qr")))))
	}
	var bottom fyne.CanvasObject
	switch {
	case !a.visit.canPrint():
		bottom = notice(a.T("outofservice.printer"))
	case a.visit.snap.State == visit.StatePrinting:
		bottom = centered(a.T("print.printing"), theme.SizeNameSubHeadingText)
	default:
		s.print = a.newButton("case.print", a.T("case.print"), "", stylePrimary, func() { s.onPrint(a, c) })
		var objs []fyne.CanvasObject
		if pr := a.visit.v.slip; pr.failed() {
			objs = append(objs, notice(a.printErrText(pr.err)))
		}
		bottom = container.NewVBox(append(objs, s.print)...)
	}
	return container.NewBorder(nil, bottom, nil, nil, scroll(container.NewVBox(parts...)))
}

// onPrint prints a slip of the case.
func (s *caseScreen) onPrint(a *App, c kiosk.Case) { a.visit.printCase(c) }

// needsMoreBox says, on a case that needs more documents, what to bring and
// where: the latest note of its history, with a warning sign, in the accent
// colour on a warm background.
func (a *App) needsMoreBox(c kiosk.Case) fyne.CanvasObject {
	th := a.theme
	ic := canvas.NewImageFromResource(theme.NewColoredResource(theme.WarningIcon(), theme.ColorNameError))
	ic.FillMode = canvas.ImageFillContain
	ic.SetMinSize(fyne.NewSquareSize(th.Size(theme.SizeNameHeadingText) * 1.2))
	lines := []fyne.CanvasObject{textBlock(a.T("case.needsmore"), theme.ColorNameError, theme.SizeNameHeadingText, true, fyne.TextAlignLeading)}
	note, where := needsMoreNote(c)
	if note != "" {
		lines = append(lines, textBlock(a.T("case.needsmore.what", note), theme.ColorNameForeground, theme.SizeNameSubHeadingText, true, fyne.TextAlignLeading))
	}
	if where != "" {
		lines = append(lines, body(a.T("case.needsmore.where", where)))
	}
	bg := canvas.NewRectangle(colWarnBg)
	bg.CornerRadius = 12
	bg.StrokeColor = colAccent
	bg.StrokeWidth = th.stroke(3)
	return container.NewStack(bg, container.NewPadded(container.NewBorder(nil, nil, container.NewCenter(ic), nil, container.NewVBox(lines...))))
}
