package ui

import (
	"errors"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"

	"github.com/pudong-community/kiosk/kiosk"
	"github.com/pudong-community/kiosk/kiosk/visit"
)

// applyListScreen lists the items the identified visitor can submit here.
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
	var items []kiosk.Item
	for _, it := range a.visit.catalog.val.Items {
		if a.visit.applicable(it) {
			items = append(items, it)
		}
	}
	if down, why := a.status.applyDown(); down {
		return container.NewVBox(panel(subheading(a.whoText())), notice(a.T(why)))
	}
	head := []fyne.CanvasObject{panel(subheading(a.whoText())), body(a.T("apply.choose"))}
	if s.err != "" {
		head = append(head, errorText(a.T(s.err)))
	}
	if len(items) == 0 {
		return container.NewVBox(append(head, notice(a.T("apply.noitems")))...)
	}
	s.rows = s.rows[:0]
	lst := a.list(&s.pg, a.rowShape(), len(items), func(i int) fyne.CanvasObject {
		b := a.itemRow(items[i], func(it kiosk.Item) { s.onItem(a, it) })
		s.rows = append(s.rows, b)
		return b
	})
	return container.NewBorder(container.NewVBox(head...), nil, nil, nil, lst)
}

// onItem starts the application for it.
func (s *applyListScreen) onItem(a *App, it kiosk.Item) {
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
