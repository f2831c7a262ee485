package ui

import (
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"

	"github.com/pudong-community/kiosk/kiosk"
	"github.com/pudong-community/kiosk/kiosk/visit"
)

// menuScreen is the identified resident's menu.
type menuScreen struct {
	buttons map[string]*button
}

func (s *menuScreen) Name() string  { return "menu" }
func (s *menuScreen) Title() string { return "screen.menu" }

// whoText is the resident (and agent) as shown: name and masked ID number.
func (a *App) whoText() string {
	snap := a.visit.snap
	if snap.Resident == nil {
		return ""
	}
	t := a.T("who.resident", snap.Resident.Name, kiosk.MaskID(snap.Resident.IDNumber))
	if snap.Agent != nil {
		t += "\n" + a.T("who.agent", snap.Agent.Name, kiosk.MaskID(snap.Agent.IDNumber))
	}
	return t
}

func (s *menuScreen) Build(a *App) fyne.CanvasObject {
	s.buttons = map[string]*button{}
	mk := func(name, title, sub string, st style, f func()) *button {
		b := a.newButton(name, a.T(title), a.T(sub), st, f)
		b.big = true
		s.buttons[name] = b
		return b
	}
	var tiles []fyne.CanvasObject
	if a.visit.snap.Agent == nil {
		tiles = append(tiles, mk("menu.cases", "home.cases", "menu.cases.sub", stylePrimary, func() { a.Show(&casesScreen{}) }))
	}
	apply := mk("menu.apply", "home.apply", "menu.apply.sub", stylePrimary, func() { a.Show(&applyListScreen{}) })
	if down, why := a.status.applyDown(); down {
		apply.disabled, apply.sub = true, a.T(why)
	}
	tiles = append(tiles, apply)
	if a.visit.snap.Agent == nil {
		tiles = append(tiles, mk("menu.guide", "home.guide", "home.guide.sub", styleSecondary, func() { _ = a.visit.m.Browse() }))
	}
	tiles = append(tiles, mk("menu.finish", "nav.finish", "menu.finish.sub", styleAccent, a.Finish))
	return container.NewVBox(panel(subheading(a.whoText())), container.NewGridWithColumns(1, tiles...))
}

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
		textBlock(a.T("case.status", a.statusWord(c.Status)), theme.ColorNamePrimary, theme.SizeNameSubHeadingText, true, fyne.TextAlignLeading),
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
	parts := []fyne.CanvasObject{panel(facts...), panel(timeline...)}
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
		if pr := a.visit.v.print; pr.failed() {
			objs = append(objs, notice(a.printErrText(pr.err)))
		}
		bottom = container.NewVBox(append(objs, s.print)...)
	}
	return container.NewBorder(nil, bottom, nil, nil, scroll(container.NewVBox(parts...)))
}

// onPrint prints a slip of the case.
func (s *caseScreen) onPrint(a *App, c kiosk.Case) { a.visit.printCase(c) }
