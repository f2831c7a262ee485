package receipt

import (
	"context"
	"errors"
	"fmt"
	"image"
	"time"

	"github.com/pudong-community/kiosk/kiosk"
)

// FromData converts the application's receipt data.
func FromData(d kiosk.ReceiptData) (Receipt, error) {
	if d.Ticket != nil {
		t := *d.Ticket
		r := Receipt{Center: d.Center, TerminalID: d.TerminalID, QRPayload: d.QRPayload, Reprint: d.ReprintCount, Ticket: &t}
		return r, r.Validate()
	}
	if d.Appointment != nil {
		ap := *d.Appointment
		r := Receipt{Center: d.Center, TerminalID: d.TerminalID, ItemName: d.ItemName, ItemCode: d.ItemCode,
			Applicant: Person{Name: d.Applicant, ID: d.ApplicantID}, HowToFollow: d.HowToFollow,
			QRPayload: d.QRPayload, Reprint: d.ReprintCount, Appointment: &ap}
		if d.Agent != "" || d.AgentID != "" {
			r.Agent = &Agent{Person: Person{Name: d.Agent, ID: d.AgentID}, AuthRef: d.AuthRef}
		}
		return r, r.Validate()
	}
	r := Receipt{
		Center: d.Center, TerminalID: d.TerminalID, ItemName: d.ItemName, ItemCode: d.ItemCode,
		Applicant:   Person{Name: d.Applicant, ID: d.ApplicantID},
		LocalNumber: d.LocalNo, CaseNumber: d.CaseNo, ConfirmedAt: d.ConfirmedAt,
		HowToFollow: d.HowToFollow, QRPayload: d.QRPayload, Status: StatusSent, Reprint: d.ReprintCount,
	}
	if d.Queued {
		r.Status = StatusQueued
	}
	if d.CaseStatus != "" {
		r.Status = 0
		r.Case = &CaseProgress{StatusZH: d.CaseStatus.Chinese(), StatusEN: d.CaseStatus.English(), Result: d.CaseResult, AsOf: d.StatusAsOf,
			Bring: d.CaseBring, Where: d.CaseWhere}
	}
	if d.Agent != "" || d.AgentID != "" || d.AuthRef != "" {
		r.Agent = &Agent{Person: Person{Name: d.Agent, ID: d.AgentID}, AuthRef: d.AuthRef}
	}
	if d.DueDate != "" {
		loc := d.ConfirmedAt.Location()
		t, err := time.ParseInLocation("2006-01-02", d.DueDate, loc)
		if err != nil {
			return r, fmt.Errorf("%w: due date %q is not YYYY-MM-DD", ErrMissing, d.DueDate)
		}
		r.PromisedBy = t
	}
	return r, r.Validate()
}

// Service implements kiosk.ReceiptService for one printer profile. Send
// delivers a whole job to the printer and returns nil only once it printed;
// it must return (or wrap) kiosk.ErrPaperOut, kiosk.ErrCoverOpen or
// kiosk.ErrPrinterUnavailable when the printer cannot print, so the screens
// can say what happened. A nil Send means there is no printer.
type Service struct {
	Options Options
	Send    func(ctx context.Context, job []byte) error
}

var _ kiosk.ReceiptService = Service{}

// Print encodes and sends the receipt. The same data can be printed again
// whole after an error (set ReprintCount to mark the copy).
func (s Service) Print(ctx context.Context, d kiosk.ReceiptData) error {
	if s.Send == nil {
		return kiosk.ErrPrinterUnavailable
	}
	r, err := FromData(d)
	if err != nil {
		return err
	}
	job, _, err := Encode(nil, r, s.Options)
	if err != nil {
		return err
	}
	if err := s.Send(ctx, job); err != nil {
		if errors.Is(err, kiosk.ErrPaperOut) || errors.Is(err, kiosk.ErrCoverOpen) || errors.Is(err, kiosk.ErrPrinterUnavailable) {
			return err
		}
		return fmt.Errorf("%w: %w", kiosk.ErrPrinterUnavailable, err)
	}
	return nil
}

// Render draws the receipt for the screen at the profile's paper width.
func (s Service) Render(d kiosk.ReceiptData) (image.Image, error) {
	r, err := FromData(d)
	if err != nil {
		return nil, err
	}
	w := s.Options.WidthDots
	if w == 0 {
		w = 576
	}
	return Image(r, w)
}
