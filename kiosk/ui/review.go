package ui

import (
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
	if a.visit.snap.State == visit.StateReviewing {
		_ = a.visit.m.EditForm()
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
	snap := a.visit.snap
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
	if sub := a.visit.v.submit; snap.Outcome.Status == visit.OutcomeFailed && sub.failed() {
		parts = append(parts, notice(a.submitErrText(sub.err)))
		var rej *kiosk.RejectedError
		if errors.As(sub.err, &rej) && (a.opts.Center != nil || a.opts.Appointments != nil) {
			// Refused for good: a counter can look at it.
			item := *it
			parts = append(parts, a.newButton("review.handoff", a.T("review.handoff"), a.T("identify.handoff.sub"), stylePrimary,
				func() { a.showHandoff(handoffRejected, &item) }))
		}
	}
	s.confirm = a.newButton("review.confirm", a.T("review.confirm"), "", styleSuccess, func() { s.onConfirm(a) })
	s.confirm.big = true
	s.edit = a.newButton("review.edit", a.T("review.edit"), "", styleSecondary, func() { s.onEdit(a) })
	var bottom fyne.CanvasObject
	if snap.State == visit.StateSubmitting {
		s.confirm.disabled, s.edit.disabled = true, true
		bottom = container.NewVBox(centered(a.T("review.submitting"), theme.SizeNameSubHeadingText), s.confirm)
	} else {
		if len(formSteps(*it)) == 0 {
			s.edit.disabled = true
		}
		bottom = container.NewGridWithColumns(2, s.edit, s.confirm)
	}
	return container.NewBorder(nil, bottom, nil, nil, scroll(container.NewVBox(parts...)))
}

// onConfirm confirms once and submits off the UI goroutine.
func (s *reviewScreen) onConfirm(a *App) { a.visit.confirm() }

// onEdit goes back to the form.
func (s *reviewScreen) onEdit(a *App) { _ = a.visit.m.EditForm() }

// submitErrText says in plain words why a submission did not go through.
func (a *App) submitErrText(err error) string {
	var rej *kiosk.RejectedError
	switch {
	case errors.Is(err, kiosk.ErrStorageFull):
		return a.T("submit.full")
	case errors.As(err, &rej):
		t := a.T("submit.rejected")
		if rej.Code == "card_expired" {
			var ct kiosk.CardType
			if p := a.visit.snap.Resident; p != nil {
				ct = p.CardType
			}
			t = a.expiredText(ct)
		}
		for _, f := range rej.Fields {
			label := f.Field
			if it := a.visit.snap.Item; it != nil {
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
