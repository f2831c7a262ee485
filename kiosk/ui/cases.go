package ui

import (
	"context"
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
	snap := a.snap
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
	if a.snap.Agent == nil {
		tiles = append(tiles, mk("menu.cases", "home.cases", "menu.cases.sub", stylePrimary, func() { a.Show(&casesScreen{}) }))
	}
	apply := mk("menu.apply", "home.apply", "menu.apply.sub", stylePrimary, func() { a.Show(&applyListScreen{}) })
	if down, why := a.applyDown(); down {
		apply.disabled, apply.sub = true, a.T(why)
	}
	tiles = append(tiles, apply)
	if a.snap.Agent == nil {
		tiles = append(tiles, mk("menu.guide", "home.guide", "home.guide.sub", styleSecondary, func() { _ = a.m.Browse() }))
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
	snap := a.snap
	if snap.Resident == nil {
		return a.cardPanel(a.T("identify.prompt"))
	}
	if !a.v.casesLoaded && !a.v.casesLoading {
		a.loadCases(snap)
	}
	head := []fyne.CanvasObject{panel(subheading(a.whoText()))}
	if a.v.casesLoading {
		return container.NewVBox(append(head, centered(a.T("cases.loading"), theme.SizeNameSubHeadingText))...)
	}
	if !a.v.casesOnline {
		head = append(head, notice(a.T("cases.offline")))
		if len(a.v.unsent) > 0 {
			lines := []fyne.CanvasObject{subheading(a.T("cases.unsent"))}
			for _, u := range a.v.unsent {
				lines = append(lines, body(a.T("cases.unsent.row", u.ItemName, u.LocalNo, u.CreatedAt.In(kiosk.Zone()).Format("2006-01-02 15:04"))))
			}
			head = append(head, panel(lines...))
		}
	}
	cases := snap.Cases
	if len(cases) == 0 {
		if a.v.casesOnline {
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
	for _, c := range a.snap.Cases {
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
	case a.opts.Receipts == nil || a.printerDown():
		bottom = notice(a.T("outofservice.printer"))
	case a.snap.State == visit.StatePrinting:
		bottom = centered(a.T("print.printing"), theme.SizeNameSubHeadingText)
	default:
		s.print = a.newButton("case.print", a.T("case.print"), "", stylePrimary, func() { a.printCase(c) })
		var objs []fyne.CanvasObject
		if a.v.printErr != nil {
			objs = append(objs, notice(a.printErrText(a.v.printErr)))
		}
		bottom = container.NewVBox(append(objs, s.print)...)
	}
	return container.NewBorder(nil, bottom, nil, nil, scroll(container.NewVBox(parts...)))
}

// printCase prints a slip of one case.
func (a *App) printCase(c kiosk.Case) {
	snap := a.snap
	if snap.Resident == nil || a.opts.Receipts == nil {
		return
	}
	if err := a.m.BeginPrint(); err != nil {
		return
	}
	d := kiosk.ReceiptData{
		Center: a.opts.CenterName, TerminalID: a.opts.TerminalID,
		ItemCode: c.ItemCode, ItemName: c.ItemName,
		Applicant: snap.Resident.Name, ApplicantID: snap.Resident.IDNumber,
		LocalNo: c.CaseNo, CaseNo: c.CaseNo, ConfirmedAt: c.SubmittedAt, DueDate: c.DueDate,
		HowToFollow: a.cat.T(Chinese, "receipt.follow") + " " + a.cat.T(English, "receipt.follow"),
		QRPayload:   c.TrackURL,
		// A status slip, not an acceptance receipt: the case's own status.
		CaseStatus: c.Status, CaseResult: c.Result, StatusAsOf: a.clk.Now(),
	}
	a.print(d)
}

// print sends d to the printer off the UI goroutine and tells the visit
// machine when it is done.
func (a *App) print(d kiosk.ReceiptData) {
	rs := a.opts.Receipts
	v := a.v
	a.jobs.run(func(ctx context.Context) func() {
		err := rs.Print(ctx, d)
		return func() {
			v.printErr = err
			if err == nil {
				v.printed++
			}
			_ = a.m.PrintFinished(err)
			a.render()
		}
	})
}
