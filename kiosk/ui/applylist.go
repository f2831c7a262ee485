package ui

import (
	"errors"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"

	"github.com/pudong-community/kiosk/kiosk"
	"github.com/pudong-community/kiosk/kiosk/visit"
)

// applyListScreen lists the items the identified visitor can submit here:
// first those the person may apply for, then, greyed with their rule in
// words, those they may not (a tap says why and offers a counter). Before
// the form of an item the person applied for already (held unsent here, or
// an open case), it asks first.
type applyListScreen struct {
	pg   pager
	rows []*button
	err  string
}

func (s *applyListScreen) Name() string  { return "apply.items" }
func (s *applyListScreen) Title() string { return "screen.apply" }

func (s *applyListScreen) Build(a *App) fyne.CanvasObject {
	if o := a.catalogState(); o != nil {
		return o
	}
	var ok, no []kiosk.Item
	for _, it := range a.visit.catalog.val.Items {
		switch {
		case !a.visit.applicable(it):
		case a.visit.eligible(it):
			ok = append(ok, it)
		default:
			no = append(no, it)
		}
	}
	items := append(ok, no...)
	if down, why := a.status.applyDown(); down {
		return container.NewVBox(panel(subheading(a.whoText())), notice(a.T(why)))
	}
	head := []fyne.CanvasObject{panel(subheading(a.whoText())), body(a.T("apply.choose"))}
	if s.err != "" {
		head = append(head, errorText(a.T(s.err)))
	}
	v := a.visit.v
	switch {
	case v.again != nil:
		head = append(head, s.againPanel(a, v.again))
	case v.why != nil:
		head = append(head, s.whyPanel(a, *v.why))
	}
	if len(items) == 0 {
		return container.NewVBox(append(head, notice(a.T("apply.noitems")))...)
	}
	s.rows = s.rows[:0]
	lst := a.list(&s.pg, a.rowShape(), len(items), func(i int) fyne.CanvasObject {
		it := items[i]
		var b *button
		if i < len(ok) {
			b = a.itemRow(it, func(it kiosk.Item) { s.onItem(a, it) })
		} else {
			b = a.itemRow(it, func(it kiosk.Item) { s.onWhy(a, it) })
			// The rule in place of the department line: a greyed row
			// is as tall as the others, so a page of them still fits.
			b.greyed = true
			b.sub = a.T("apply.rule", a.ruleText(it.Eligibility))
		}
		s.rows = append(s.rows, b)
		return b
	})
	return container.NewBorder(container.NewVBox(head...), nil, nil, nil, lst)
}

// whyPanel says why the person may not apply for it, and offers a counter.
func (s *applyListScreen) whyPanel(a *App, it kiosk.Item) fyne.CanvasObject {
	msg := a.T("apply.ineligible", a.pick(it.Name, it.NameEn), a.ruleText(it.Eligibility))
	handoff := a.newButton("apply.handoff", a.T("apply.handoff"), "", stylePrimary, func() { s.onHandoff(a, it) })
	closeB := a.newButton("apply.why.close", a.T("apply.why.close"), "", styleSecondary, func() { s.onCloseWhy(a) })
	return panel(notice(markFailed+" "+msg), container.NewGridWithColumns(2, closeB, handoff))
}

// againPanel names the earlier application of the item chosen and asks
// before a second one.
func (s *applyListScreen) againPanel(a *App, e *earlier) fyne.CanvasObject {
	name := a.pick(e.item.Name, e.item.NameEn)
	var msg string
	if e.unsent != nil {
		msg = a.T("apply.again.unsent", name, e.unsent.LocalNo, e.unsent.CreatedAt.In(kiosk.Zone()).Format("2006-01-02 15:04"))
	} else {
		msg = a.T("apply.again.open", name, e.caseNo)
	}
	yes := a.newButton("apply.again", a.T("apply.again"), "", styleSecondary, func() { s.onAgain(a) })
	no := a.newButton("apply.notagain", a.T("apply.notagain"), "", stylePrimary, func() { s.onNotAgain(a) })
	return panel(notice(msg), body(a.T("apply.again.ask")), container.NewGridWithColumns(2, no, yes))
}

// onItem starts the application for it, once any earlier application of
// it has been looked for.
func (s *applyListScreen) onItem(a *App, it kiosk.Item) {
	v := a.visit.v
	v.why, v.again = nil, nil
	a.visit.checkEarlier(it, func(e *earlier) {
		if a.visit.v != v {
			return
		}
		if e != nil {
			v.again = e
			a.render()
			return
		}
		s.start(a, it)
	})
}

// start opens it.
func (s *applyListScreen) start(a *App, it kiosk.Item) {
	err := a.visit.m.StartApplication(it)
	switch {
	case err == nil:
		s.err = ""
	case errors.Is(err, visit.ErrAgentNotAllowed):
		s.err = "apply.noagent"
	case errors.Is(err, visit.ErrNotSelfService):
		if a.opts.Center != nil || a.opts.Appointments != nil {
			s.err = ""
			a.showHandoff(counterReason(it), &it)
			return
		}
		s.err = "item.counter"
	default:
		return // a tap during a transition
	}
	a.render()
}

// onWhy explains why the person may not apply for it.
func (s *applyListScreen) onWhy(a *App, it kiosk.Item) {
	a.visit.v.why, a.visit.v.again = &it, nil
	a.render()
}

func (s *applyListScreen) onCloseWhy(a *App) {
	a.visit.v.why = nil
	a.render()
}

// onHandoff hands the person on to a counter about it.
func (s *applyListScreen) onHandoff(a *App, it kiosk.Item) { a.showHandoff(handoffNotEligible, &it) }

// onAgain: the resident wants a second application all the same.
func (s *applyListScreen) onAgain(a *App) {
	e := a.visit.v.again
	a.visit.v.again = nil
	if e == nil {
		return
	}
	s.start(a, e.item)
}

// onNotAgain: no second application.
func (s *applyListScreen) onNotAgain(a *App) {
	a.visit.v.again = nil
	a.render()
}
