package ui

import (
	"sort"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
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
	if up := a.upcomingAppointments(); up != nil {
		// The resident's appointments to come, beside their cases.
		head = append(head, up)
	}
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
	if ld.val.online && !ld.loading() && !ld.failed() {
		// The central system answered: a look-up the resident may rate.
		a.visit.note(kiosk.Rating{Service: kiosk.RateCaseQuery})
	}
	cases := byUrgency(snap.Cases)
	if len(cases) == 0 {
		if ld.val.online {
			head = append(head, body(a.T("cases.none")))
		}
		return container.NewVBox(head...)
	}
	if !a.landscape() || !a.elder {
		// The counts by status; a wide screen in elder mode has no height
		// to spare for them (the rows carry the same words).
		head = append(head, a.caseCounts(cases))
	}
	s.rows = s.rows[:0]
	lst := a.list(&s.pg, a.caseShape(), len(cases), func(i int) fyne.CanvasObject {
		c := cases[i]
		sub := c.CaseNo
		if c.DueDate != "" {
			sub += " · " + a.T("case.due", c.DueDate)
		}
		b := a.newButton("case:"+c.CaseNo, orDash(c.ItemName), sub, styleSecondary, func() { a.Show(&caseScreen{caseNo: c.CaseNo}) })
		// A wide screen's two rows keep the smaller text (the rows of a
		// page there share their height with the grid's).
		b.row, b.big, b.badge = true, !a.landscape(), a.statusBadge(c.Status)
		if c.Status == kiosk.StatusNeedsMore {
			// What to bring, right in the row, and the row stands out.
			b.warn = true
			if note, where := needsMoreNote(c); note != "" {
				b.note = a.T("case.needsmore.what", note)
				if where != "" {
					b.note += " · " + where
				}
			}
		}
		s.rows = append(s.rows, b)
		return b
	})
	return container.NewBorder(container.NewVBox(head...), nil, nil, nil, lst)
}

// caseOrder is where a status sorts in 我的办件: what asks something of
// the resident first, then what is under way, then what is finished.
func caseOrder(s kiosk.CaseStatus) int {
	switch {
	case s == kiosk.StatusNeedsMore:
		return 0
	case s.Final():
		return 2
	}
	return 1
}

// byUrgency is cases in caseOrder, each group in the order given.
func byUrgency(cases []kiosk.Case) []kiosk.Case {
	out := append([]kiosk.Case(nil), cases...)
	sort.SliceStable(out, func(i, j int) bool { return caseOrder(out[i].Status) < caseOrder(out[j].Status) })
	return out
}

// needsMoreNote is the latest note of a case's history that says what to
// bring (an event of 需补正, else the latest event with a note) and the
// department it came from (the case's own when the event names none).
func needsMoreNote(c kiosk.Case) (note, where string) {
	pick := -1
	for i := len(c.History) - 1; i >= 0; i-- {
		if c.History[i].Note == "" {
			continue
		}
		if c.History[i].Status == kiosk.StatusNeedsMore {
			pick = i
			break
		}
		if pick < 0 {
			pick = i
		}
	}
	if pick < 0 {
		return "", c.Department
	}
	e := c.History[pick]
	where = e.Department
	if where == "" {
		where = c.Department
	}
	return e.Note, where
}

// caseCounts is the count of the resident's cases by status, each status
// with its colour, icon and words, in caseOrder.
func (a *App) caseCounts(cases []kiosk.Case) fyne.CanvasObject {
	n := map[kiosk.CaseStatus]int{}
	var order []kiosk.CaseStatus
	for _, c := range cases {
		if n[c.Status] == 0 {
			order = append(order, c.Status)
		}
		n[c.Status]++
	}
	sort.SliceStable(order, func(i, j int) bool { return caseOrder(order[i]) < caseOrder(order[j]) })
	objs := []fyne.CanvasObject{oneLine(a.count("cases.count", len(cases)), colText, a.theme.Size(theme.SizeNameSubHeadingText), true)}
	for _, st := range order {
		b := a.statusBadge(st)
		b.text = a.T("cases.count.status", b.text, n[st])
		objs = append(objs, a.theme.badgeObject(b))
	}
	// One line when it fits the screen (a wrapping row asks for the height
	// of all its parts stacked), else wrapped.
	var w float32
	for _, o := range objs {
		w += o.MinSize().Width + a.theme.Size(theme.SizeNamePadding)
	}
	if w < a.win.Canvas().Size().Width-4*a.theme.Size(theme.SizeNamePadding) {
		return container.NewHBox(objs...)
	}
	return container.New(layout.NewRowWrapLayout(), objs...)
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
