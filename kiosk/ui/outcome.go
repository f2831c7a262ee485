package ui

import (
	"errors"
	"time"

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

// receiptData is the receipt of the current outcome.
func (a *App) receiptData() (kiosk.ReceiptData, bool) {
	snap := a.snap
	if snap.Resident == nil || snap.Item == nil {
		return kiosk.ReceiptData{}, false
	}
	d := kiosk.ReceiptData{
		Center: a.opts.CenterName, TerminalID: a.opts.TerminalID,
		ItemCode: snap.Item.Code, ItemName: snap.Item.Name,
		Applicant: snap.Resident.Name, ApplicantID: snap.Resident.IDNumber,
		LocalNo: a.v.localNo, ConfirmedAt: a.v.confirmedAt,
		HowToFollow:  a.cat.T(Chinese, "receipt.follow") + " " + a.cat.T(English, "receipt.follow"),
		ReprintCount: a.v.printed,
	}
	if d.LocalNo == "" {
		d.LocalNo = snap.SubmissionID
	}
	if ag := snap.Agent; ag != nil {
		d.Agent, d.AgentID, d.AuthRef = ag.Name, ag.IDNumber, ag.AuthorizationRef
	}
	switch snap.Outcome.Status {
	case visit.OutcomeSent:
		d.CaseNo, d.DueDate, d.QRPayload = snap.Outcome.CaseNo, snap.Outcome.DueDate, snap.Outcome.TrackURL
		if acc := a.v.accepted; acc != nil {
			d.AcceptedAt = acc.AcceptedAt
		}
	default:
		d.Queued = true
		d.QRPayload = d.LocalNo
	}
	if d.DueDate == "" && a.catalog != nil {
		from := d.ConfirmedAt
		if from.IsZero() {
			from = a.clk.Now()
		}
		d.DueDate = a.catalog.Calendar.DueDate(from, snap.Item.TimeLimitDays).Format(kiosk.DateLayout)
	}
	if d.QRPayload == "" {
		d.QRPayload = d.LocalNo
	}
	return d, true
}

func (s *outcomeScreen) Build(a *App) fyne.CanvasObject {
	snap := a.snap
	d, ok := a.receiptData()
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
	if d.DueDate != "" {
		head = append(head, centered(a.T("outcome.due", d.DueDate), theme.SizeNameText))
	}

	// The receipt on screen: the printed picture, or, without a printer,
	// just its QR code, big enough to scan from a phone.
	var pic fyne.CanvasObject
	noPrinter := a.opts.Receipts == nil || a.printerDown()
	if !noPrinter {
		if a.v.receipt == nil && a.v.receiptErr == nil {
			a.v.receipt, a.v.receiptErr = a.opts.Receipts.Render(d)
		}
		if a.v.receipt != nil {
			img := canvas.NewImageFromImage(a.v.receipt)
			img.FillMode = canvas.ImageFillContain
			img.ScaleMode = canvas.ImageScalePixels
			b := a.v.receipt.Bounds()
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
		if a.v.printErr != nil {
			actions = append(actions, notice(a.printErrText(a.v.printErr)))
		} else if a.v.printed > 0 {
			actions = append(actions, centered(a.T("print.done"), theme.SizeNameText))
		}
		title := a.T("print.print")
		if a.v.printed > 0 || a.v.printErr != nil {
			title = a.T("print.reprint")
		}
		s.print = a.newButton("outcome.print", title, "", stylePrimary, a.printReceipt)
		actions = append(actions, s.print)
	}
	s.done = a.newButton("outcome.done", a.T("outcome.done"), a.T("outcome.done.sub"), styleSuccess, a.Finish)
	s.done.disabled = snap.State == visit.StatePrinting
	actions = append(actions, s.done)
	if a.landscape() {
		// The receipt on the left, what happened and what to do on the right.
		right := container.NewBorder(container.NewVBox(head...), container.NewVBox(actions...), nil, nil, nil)
		return container.NewBorder(nil, nil, container.NewCenter(pic), nil, right)
	}
	return container.NewBorder(container.NewVBox(head...), container.NewVBox(actions...), nil, nil, scroll(container.NewCenter(pic)))
}

// printReceipt prints the outcome's receipt.
func (a *App) printReceipt() { a.startReceipt() }

// startReceipt starts printing the outcome's receipt and reports whether
// it started.
func (a *App) startReceipt() bool {
	d, ok := a.receiptData()
	if !ok || a.opts.Receipts == nil || a.printerDown() {
		return false
	}
	if err := a.m.BeginPrint(); err != nil {
		return false
	}
	a.v.printErr = nil
	a.print(d)
	return true
}

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

// autoPrint prints the receipt once when the outcome is first shown. When
// the visit was ended while the submission was in flight (the card taken
// away, 结束办理 tapped), the end waits for that receipt, or goes ahead at
// once if there is none to print.
func (a *App) autoPrint(prev, s visit.Snapshot) {
	if s.State == visit.StateOutcome && prev.State == visit.StateSubmitting && a.v.printed == 0 && a.v.printErr == nil {
		if !a.startReceipt() && s.EndPending != visit.EndNone {
			a.m.SkipReceipt()
		}
	}
}

// countdownText is the idle warning's remaining seconds.
func (a *App) countdownText() string {
	left := a.snap.Deadline.Sub(a.clk.Now())
	if left < 0 {
		left = 0
	}
	return a.T("idle.countdown", int((left+time.Second-1)/time.Second))
}
