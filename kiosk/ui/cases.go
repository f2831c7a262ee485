package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"

	"github.com/pudong-community/kiosk/kiosk"
)

// casesScreen is 我的办件: while identifying it asks for the card; then it
// lists the resident's cases, or says the network is down and shows what
// this terminal still holds unsent for them.
type casesScreen struct {
	pg   pager
	rows []*button
}

func (s *casesScreen) Name() string  { return "cases" }
func (s *casesScreen) Title() string { return "screen.cases" }

func (s *casesScreen) Build(a *App) fyne.CanvasObject {
	snap := a.visit.snap
	if snap.Resident == nil {
		return a.cardPanel(a.T("identify.prompt"))
	}
	ld := &a.visit.v.cases
	if ld.idle() {
		a.visit.loadCases(snap)
	}
	head := []fyne.CanvasObject{panel(subheading(a.whoText()))}
	if ld.loading() {
		return container.NewVBox(append(head, centered(a.T("cases.loading"), theme.SizeNameSubHeadingText))...)
	}
	if !ld.val.online {
		head = append(head, notice(a.T("cases.offline")))
		if len(ld.val.unsent) > 0 {
			lines := []fyne.CanvasObject{subheading(a.T("cases.unsent"))}
			for _, u := range ld.val.unsent {
				lines = append(lines, body(a.T("cases.unsent.row", u.ItemName, u.LocalNo, u.CreatedAt.In(kiosk.Zone()).Format("2006-01-02 15:04"))))
			}
			head = append(head, panel(lines...))
		}
	}
	cases := snap.Cases
	if len(cases) == 0 {
		if ld.val.online {
			head = append(head, body(a.T("cases.none")))
		}
		return container.NewVBox(head...)
	}
	s.rows = s.rows[:0]
	lst := a.list(&s.pg, len(cases), func(i int) fyne.CanvasObject {
		c := cases[i]
		sub := a.statusWord(c.Status) + " · " + c.CaseNo
		if c.DueDate != "" {
			sub += " · " + a.T("case.due", c.DueDate)
		}
		b := a.newButton("case:"+c.CaseNo, orDash(c.ItemName), sub, styleSecondary, func() { a.Show(&caseScreen{caseNo: c.CaseNo}) })
		s.rows = append(s.rows, b)
		return b
	})
	return container.NewBorder(container.NewVBox(head...), nil, nil, nil, lst)
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

func (a *App) statusWord(s kiosk.CaseStatus) string {
	if a.lang == English {
		return s.English()
	}
	return s.Chinese()
}
