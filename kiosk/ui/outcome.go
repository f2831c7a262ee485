package ui

import (
	"errors"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"

	"github.com/pudong-community/kiosk/kiosk"
	"github.com/pudong-community/kiosk/kiosk/visit"
)

// outcomeScreen says what became of the submission — 已受理 with the case
// number, or 已保存 with the local number — shows the receipt as a picture
// with its QR code, and prints it (reprint after paper out).
type outcomeScreen struct {
	print, done *button
}

func (s *outcomeScreen) Name() string  { return "outcome" }
func (s *outcomeScreen) Title() string { return "screen.outcome" }

func (s *outcomeScreen) back(a *App) bool { return true } // the submission is done: finish or home

func (s *outcomeScreen) Build(a *App) fyne.CanvasObject {
	snap := a.visit.snap
	if a.opts.Center != nil && a.centre.center.idle() {
		a.loadCenter() // the counter step names the item's counter
	}
	d, ok := a.visit.receiptData()
	if !ok {
		return notice(a.T("apply.gone"))
	}
	var head []fyne.CanvasObject
	if snap.Outcome.Status == visit.OutcomeSent {
		head = append(head,
			textBlock(markDone+" "+a.T("outcome.sent"), theme.ColorNameSuccess, theme.SizeNameHeadingText, true, fyne.TextAlignCenter),
			centered(a.T("outcome.caseno", d.CaseNo), theme.SizeNameSubHeadingText))
	} else {
		head = append(head,
			textBlock(markDone+" "+a.T("outcome.queued"), theme.ColorNameSuccess, theme.SizeNameHeadingText, true, fyne.TextAlignCenter),
			centered(a.T("outcome.localno", d.LocalNo), theme.SizeNameSubHeadingText))
	}
	switch {
	case snap.Outcome.Status != visit.OutcomeSent:
		// Saved, not sent: no case number and no promised date yet; none
		// is made up from the calendar.
		head = append(head, centered(a.T("outcome.due.queued"), theme.SizeNameText))
	case d.DueDate != "":
		head = append(head, centered(a.T("outcome.due", d.DueDate), theme.SizeNameText))
	}
	// What is left for a counter: the materials the terminal cannot check.
	item := *snap.Item
	mats, note := counterStep(item)
	if len(mats) > 0 || note != "" {
		lines := []fyne.CanvasObject{textBlock(a.counterStepTitle(item, len(mats) > 0), theme.ColorNameForegroundOnWarning, theme.SizeNameSubHeadingText, true, fyne.TextAlignLeading)}
		if len(mats) > 0 {
			sep := "、"
			if a.lang == English {
				sep = ", "
			}
			lines = append(lines, textBlock(a.T("outcome.counter.bring", strings.Join(mats, sep)), theme.ColorNameForegroundOnWarning, theme.SizeNameText, true, fyne.TextAlignLeading))
		}
		if note != "" {
			lines = append(lines, textBlock(note, theme.ColorNameForegroundOnWarning, theme.SizeNameText, false, fyne.TextAlignLeading))
		}
		h := a.newButton("outcome.handoff", a.T("outcome.handoff"), "", stylePrimary, func() { a.showHandoff(handoffMaterials, &item) })
		head = append(head, warnPanel(append(lines, h)...))
	}

	// The receipt on screen: the printed picture, or, without a printer,
	// just its QR code, big enough to scan from a phone.
	var pic fyne.CanvasObject
	noPrinter := !a.visit.canPrint()
	if !noPrinter {
		if receipt := a.visit.receiptPicture(d); receipt != nil {
			img := canvas.NewImageFromImage(receipt)
			img.FillMode = canvas.ImageFillContain
			img.ScaleMode = canvas.ImageScalePixels
			b := receipt.Bounds()
			h := a.win.Canvas().Size().Height * 0.5
			if a.landscape() {
				h = a.win.Canvas().Size().Height * 0.62
			}
			w := h * float32(b.Dx()) / float32(max(b.Dy(), 1))
			img.SetMinSize(fyne.NewSize(w, h))
			pic = img
		}
	}
	if pic == nil {
		pic = container.NewVBox(container.NewCenter(a.qrObject(d.QRPayload, 320)), centered(a.T("outcome.scan"), theme.SizeNameText))
	}
	var actions []fyne.CanvasObject
	switch {
	case noPrinter:
		actions = append(actions, notice(a.T("outofservice.printer")))
	case snap.State == visit.StatePrinting:
		actions = append(actions, centered(a.T("print.printing"), theme.SizeNameSubHeadingText))
	default:
		pr := a.visit.v.receipt.print
		if pr.failed() {
			actions = append(actions, notice(a.printErrText(pr.err)))
		} else if pr.val > 0 {
			actions = append(actions, centered(a.T("print.done"), theme.SizeNameText))
		}
		title := a.T("print.print")
		if pr.val > 0 || pr.failed() {
			title = a.T("print.reprint")
		}
		s.print = a.newButton("outcome.print", title, "", stylePrimary, func() { s.onPrint(a) })
		actions = append(actions, s.print)
	}
	s.done = a.newButton("outcome.done", a.T("outcome.done"), a.T(doneSub(a.visit.v.receipt.print.val > 0, len(mats) > 0 || note != "")), styleSuccess, func() { s.onDone(a) })
	s.done.disabled = snap.State == visit.StatePrinting
	actions = append(actions, s.done)
	if a.landscape() {
		// The receipt on the left, what happened and what to do on the right.
		right := container.NewBorder(container.NewVBox(head...), container.NewVBox(actions...), nil, nil, nil)
		return container.NewBorder(nil, nil, container.NewCenter(pic), nil, right)
	}
	return container.NewBorder(container.NewVBox(head...), container.NewVBox(actions...), nil, nil, scroll(container.NewCenter(pic)))
}

// counterStepTitle is the head of the outcome's counter step for item:
// materials to be checked there (check), else the notice sends the
// resident there. It names the item's counter as the centre calls it
// (the counter the hand-off screen offers a ticket for); while the
// centre's data is not known, it says only "a counter".
func (a *App) counterStepTitle(item kiosk.Item, check bool) string {
	if a.centre.center.val == nil {
		if check {
			return a.T("outcome.counter")
		}
		return a.T("outcome.counter.notice")
	}
	name := a.counterName(item.CounterCategory)
	if check {
		return a.T("outcome.counter.at", name)
	}
	return a.T("outcome.counter.notice.at", name)
}

// doneSub is what 完成 asks the resident to take: the receipt only when
// one printed; and the counter, when materials are to be checked there.
func doneSub(printed, counter bool) string {
	switch {
	case printed && counter:
		return "outcome.done.sub.counter"
	case printed:
		return "outcome.done.sub"
	case counter:
		return "outcome.done.card.counter"
	}
	return "outcome.done.card"
}

// counterStep is what of an item is left for a counter once the terminal
// has taken the application: the required materials to be checked there
// (all but the applicant's own ID card, which the terminal read; the
// notice screen lists them as 办理后交窗口核验), and the item's notice when it
// sends the resident to a counter (凭回执到窗口领取).
func counterStep(it kiosk.Item) (materials []string, note string) {
	for _, m := range it.Materials {
		if !m.Required || ownIDCard(m.Name) {
			continue
		}
		name := m.Name
		if m.Note != "" {
			name += "（" + m.Note + "）"
		}
		materials = append(materials, name)
	}
	if strings.Contains(it.Notice, "窗口") {
		note = it.Notice
	}
	return materials, note
}

// ownIDCard reports a material that is the applicant's own ID card (居民身份证,
// 本人有效身份证件), which the terminal has read; a spouse's or both spouses'
// cards are still to be shown at a counter.
func ownIDCard(name string) bool {
	if !strings.Contains(name, "身份证") {
		return false
	}
	for _, other := range []string{"配偶", "双方", "夫妻", "子女", "父母", "家庭成员"} {
		if strings.Contains(name, other) {
			return false
		}
	}
	return true
}

// warnPanel is a panel in the warning colours: something still asked of
// the resident.
func warnPanel(objs ...fyne.CanvasObject) fyne.CanvasObject {
	bg := canvas.NewRectangle(colWarnBg)
	bg.StrokeColor = colWarning
	bg.StrokeWidth = 2
	bg.CornerRadius = 8
	return container.NewStack(bg, container.NewPadded(container.NewVBox(objs...)))
}

// onPrint prints the receipt (again).
func (s *outcomeScreen) onPrint(a *App) { a.visit.startReceipt() }

// onDone finishes the visit.
func (s *outcomeScreen) onDone(a *App) { a.Finish() }

// printErrText says what the printer's problem means for the resident.
func (a *App) printErrText(err error) string {
	var text string
	switch {
	case errors.Is(err, kiosk.ErrPaperOut):
		text = a.T("print.paperout")
	case errors.Is(err, kiosk.ErrCoverOpen):
		text = a.T("print.cover")
	default:
		return a.T("print.failed")
	}
	if errors.Is(err, kiosk.ErrPartPrintsLater) {
		text += " " + a.T("print.partlater")
	}
	return text
}
