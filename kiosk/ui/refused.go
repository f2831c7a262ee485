package ui

import (
	"errors"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"

	"github.com/pudong-community/kiosk/kiosk"
)

// Codes of the central system's final answers that end an application
// with a screen of its own rather than back on the review page: a retry
// would be refused again.
const (
	codeNotEligible = "not_eligible"
	codeDuplicate   = "duplicate_application"
)

// refusal is the central system's final refusal of the submission just
// confirmed when it is one of those (not eligible, a duplicate); nil
// otherwise.
func (p *visitPresenter) refusal() *kiosk.RejectedError {
	var rej *kiosk.RejectedError
	if sub := p.v.submit; sub.failed() && errors.As(sub.err, &rej) && (rej.Code == codeNotEligible || rej.Code == codeDuplicate) {
		return rej
	}
	return nil
}

// refusedScreen says truthfully why the central system did not take the
// application: the person may not apply (its reason, and a counter to ask
// at), or they have an open case of the item already (its number, and 我的
// 办件 to look it up). It shows over the review page, whose confirm would
// only be refused again.
type refusedScreen struct{}

func (s *refusedScreen) Name() string  { return "refused" }
func (s *refusedScreen) Title() string { return "screen.outcome" }

// back returns to the resident's menu: the application is over.
func (s *refusedScreen) back(a *App) bool { a.Home(); return true }

func (s *refusedScreen) Build(a *App) fyne.CanvasObject {
	rej := a.visit.refusal()
	it := a.visit.snap.Item
	if rej == nil || it == nil {
		return notice(a.T("apply.gone"))
	}
	name := a.pick(it.Name, it.NameEn)
	item := *it
	lines := []fyne.CanvasObject{layout.NewSpacer()}
	var actions []fyne.CanvasObject
	if rej.Code == codeNotEligible {
		lines = append(lines,
			textBlock(markFailed+" "+a.T("refused.ineligible.title"), theme.ColorNameError, theme.SizeNameHeadingText, true, fyne.TextAlignCenter),
			centered(a.T("refused.ineligible", name), theme.SizeNameSubHeadingText))
		if rej.Message != "" {
			lines = append(lines, centered(a.T("refused.reason", rej.Message), theme.SizeNameText))
		}
		lines = append(lines, centered(a.T("refused.ineligible.counter"), theme.SizeNameText))
		h := a.newButton("refused.handoff", a.T("apply.handoff"), "", stylePrimary, func() { a.showHandoff(handoffNotEligible, &item) })
		h.big = true
		actions = append(actions, h)
	} else {
		lines = append(lines,
			textBlock(markFailed+" "+a.T("refused.duplicate.title"), theme.ColorNameError, theme.SizeNameHeadingText, true, fyne.TextAlignCenter))
		if rej.CaseNo != "" {
			lines = append(lines, centered(a.T("refused.duplicate", name, rej.CaseNo), theme.SizeNameSubHeadingText))
		} else {
			lines = append(lines, centered(a.T("refused.duplicate.nocase", name), theme.SizeNameSubHeadingText))
		}
		if a.visit.snap.Agent == nil { // an agent does not look up the resident's cases
			c := a.newButton("refused.cases", a.T("refused.cases"), "", stylePrimary, func() { a.showMyCases() })
			c.big = true
			actions = append(actions, c)
		}
	}
	other := a.newButton("refused.other", a.T("refused.other"), "", styleSecondary, func() { a.Home() })
	actions = append(actions, other)
	lines = append(lines, layout.NewSpacer())
	return container.NewBorder(nil, container.NewVBox(actions...), nil, nil, container.NewVBox(lines...))
}

// showMyCases leaves the application for the resident's 我的办件.
func (a *App) showMyCases() {
	if err := a.visit.m.Home(); err != nil {
		return
	}
	a.nav.over(&menuScreen{}, &casesScreen{})
	a.render()
}
