package ui

import (
	"context"
	"errors"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"

	"github.com/pudong-community/kiosk/kiosk"
	"github.com/pudong-community/kiosk/kiosk/visit"
)

// reviewScreen shows everything that will be submitted, with the applicant
// and agent, before the resident confirms. A second tap on confirm (or a
// tap while submitting) never submits twice: the visit machine confirms
// once.
type reviewScreen struct {
	confirm, edit *button
}

func (s *reviewScreen) Name() string  { return "review" }
func (s *reviewScreen) Title() string { return "screen.review" }

func (s *reviewScreen) back(a *App) bool {
	if a.snap.State == visit.StateReviewing {
		_ = a.m.EditForm()
	}
	return true
}

// shownValue is a form value as the review page shows it: ID numbers
// masked.
func shownValue(f kiosk.Field, v string) string {
	if f.Type == kiosk.FieldIDNumber {
		return kiosk.MaskID(v)
	}
	if v == "" {
		return "—"
	}
	if f.Type == kiosk.FieldPhone {
		// Grouped as it was keyed in (139 1234 5678), for reading back.
		return (&keypad{kind: padPhone, value: v}).display()
	}
	return v
}

func (s *reviewScreen) Build(a *App) fyne.CanvasObject {
	snap := a.snap
	it := snap.Item
	if it == nil || snap.Resident == nil {
		return notice(a.T("apply.gone"))
	}
	who := []fyne.CanvasObject{subheading(a.T("review.applicant")),
		body(snap.Resident.Name + "  " + kiosk.MaskID(snap.Resident.IDNumber))}
	if ag := snap.Agent; ag != nil {
		who = append(who, subheading(a.T("review.agent")),
			body(ag.Name+"  "+kiosk.MaskID(ag.IDNumber)),
			body(a.T("review.relation", ag.Relation)),
			body(a.T("review.authref", ag.AuthorizationRef)))
	}
	fields := []fyne.CanvasObject{subheading(a.T("review.fields"))}
	if len(it.Fields) == 0 {
		fields = append(fields, body(a.T("review.nofields")))
	}
	for _, f := range it.Fields {
		if f.Type == kiosk.FieldText && snap.Form[f.Key] == "" {
			continue
		}
		fields = append(fields, body(a.pick(f.Label, f.LabelEn)+a.colon()+shownValue(f, snap.Form[f.Key])))
	}
	parts := []fyne.CanvasObject{heading(a.pick(it.Name, it.NameEn)), panel(who...), panel(fields...)}
	if snap.Outcome.Status == visit.OutcomeFailed && a.v.submitErr != nil {
		parts = append(parts, notice(a.submitErrText(a.v.submitErr)))
	}
	s.confirm = a.newButton("review.confirm", a.T("review.confirm"), "", styleSuccess, a.confirm)
	s.confirm.big = true
	s.edit = a.newButton("review.edit", a.T("review.edit"), "", styleSecondary, func() { _ = a.m.EditForm() })
	var bottom fyne.CanvasObject
	if snap.State == visit.StateSubmitting {
		s.confirm.disabled, s.edit.disabled = true, true
		bottom = container.NewVBox(centered(a.T("review.submitting"), theme.SizeNameSubHeadingText), s.confirm)
	} else {
		if len(it.Fields) == 0 {
			s.edit.disabled = true
		}
		bottom = container.NewGridWithColumns(2, s.edit, s.confirm)
	}
	return container.NewBorder(nil, bottom, nil, nil, scroll(container.NewVBox(parts...)))
}

// confirm confirms once and submits off the UI goroutine: stored first,
// then sent; the outcome goes back to the visit machine.
func (a *App) confirm() {
	sub, err := a.m.Confirm()
	if err != nil {
		return // a double tap, or a tap during a transition
	}
	sub.TerminalID = a.opts.TerminalID
	if a.catalog != nil {
		sub.CatalogVersion = a.catalog.Version
	}
	v := a.v
	v.confirmedAt = a.clk.Now()
	v.submitErr = nil
	src := a.opts.Submit
	a.jobs.run(func(ctx context.Context) func() {
		var out kiosk.Outcome
		err := errNoService
		if src != nil {
			out, err = src.Submit(ctx, sub)
		}
		return func() {
			vo := visit.Outcome{}
			switch {
			case err != nil:
				vo.Status = visit.OutcomeFailed
				vo.Message = submitErrCode(err)
			case out.Accepted != nil:
				vo.Status = visit.OutcomeSent
				vo.CaseNo, vo.DueDate, vo.TrackURL = out.Accepted.CaseNo, out.Accepted.DueDate, out.Accepted.TrackURL
			case out.Queued:
				vo.Status = visit.OutcomeQueued
			default:
				vo.Status = visit.OutcomeFailed
				vo.Message = "no_answer"
				err = errBadOutcome
			}
			if a.v == v {
				v.submitErr = err
				v.localNo = out.LocalNo
				v.accepted = out.Accepted
			}
			_ = a.m.SubmitFinished(sub.ID, vo)
		}
	})
}

var errBadOutcome = errors.New("ui: the submitter answered neither sent nor queued")

func submitErrCode(err error) string {
	var rej *kiosk.RejectedError
	switch {
	case errors.Is(err, kiosk.ErrStorageFull):
		return "storage_full"
	case errors.As(err, &rej):
		return "rejected:" + rej.Code
	}
	return "failed"
}

// submitErrText says in plain words why a submission did not go through.
func (a *App) submitErrText(err error) string {
	var rej *kiosk.RejectedError
	switch {
	case errors.Is(err, kiosk.ErrStorageFull):
		return a.T("submit.full")
	case errors.As(err, &rej):
		t := a.T("submit.rejected")
		if rej.Code == "card_expired" {
			t = a.T("identify.expired")
		}
		for _, f := range rej.Fields {
			label := f.Field
			if it := a.snap.Item; it != nil {
				for _, g := range it.Fields {
					if g.Key == f.Field {
						label = a.pick(g.Label, g.LabelEn)
					}
				}
			}
			t += "\n" + label + a.colon() + f.Reason
		}
		return t
	}
	return a.T("submit.failed")
}
