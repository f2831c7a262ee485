package ui

import (
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"

	"github.com/pudong-community/kiosk/kiosk"
)

// needsCounter reports a required free-text field: the terminal never
// needs free Chinese text, so such an item is done at the counter.
func needsCounter(it kiosk.Item) bool {
	for _, f := range it.Fields {
		if f.Required && f.Type == kiosk.FieldText {
			return true
		}
	}
	return false
}

// noticeScreen shows the item's notice and materials before the form.
type noticeScreen struct {
	start *button
}

func (s *noticeScreen) Name() string  { return "apply.notice" }
func (s *noticeScreen) Title() string { return "screen.apply" }

func (s *noticeScreen) Build(a *App) fyne.CanvasObject {
	it := a.visit.snap.Item
	if it == nil {
		return notice(a.T("apply.gone"))
	}
	parts := []fyne.CanvasObject{heading(a.pick(it.Name, it.NameEn)),
		body(a.T("item.limit") + a.colon() + a.timeLimit(it.TimeLimitDays))}
	if it.Notice != "" {
		parts = append(parts, panel(subheading(a.T("item.notice")), body(a.clip(it.Notice))))
	}
	mats := []fyne.CanvasObject{subheading(a.T("apply.materials"))}
	if len(it.Materials) == 0 {
		mats = append(mats, body(a.T("item.materials.none")))
	}
	for i, m := range it.Materials {
		mark := a.T("item.optional")
		if m.Required {
			mark = a.T("item.required")
		}
		mats = append(mats, body(fmt.Sprintf("%d. %s（%s）", i+1, m.Name, mark)))
	}
	parts = append(parts, panel(mats...))
	var bottom fyne.CanvasObject
	if needsCounter(*it) {
		bottom = container.NewVBox(notice(a.T("apply.textrequired")),
			a.newButton("apply.callstaff", a.T("bar.callstaff"), "", styleAccent, a.CallStaff))
		if a.opts.Center != nil || a.opts.Appointments != nil {
			item := *it
			bottom = container.NewVBox(notice(a.T("apply.textrequired")),
				a.newButton("apply.handoff", a.T("form.handoff"), a.T("item.handoff.sub"), stylePrimary, func() { a.showHandoff(handoffFreeText, &item) }))
		}
	} else {
		sub := ""
		if n := len(formSteps(*it)); n > 0 {
			sub = a.T("apply.fields", n)
		}
		s.start = a.newButton("apply.start", a.T("apply.start"), sub, stylePrimary, func() { s.onStart(a, *it) })
		s.start.big = true
		bottom = s.start
	}
	return container.NewBorder(nil, bottom, nil, nil, scroll(container.NewVBox(parts...)))
}

// onStart opens the form, or with nothing to fill the review page.
func (s *noticeScreen) onStart(a *App, it kiosk.Item) {
	if len(formSteps(it)) == 0 {
		_ = a.visit.m.Review()
		return
	}
	a.Show(&formScreen{})
}
