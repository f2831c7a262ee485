package ui

import (
	"errors"
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"

	"github.com/pudong-community/kiosk/kiosk"
	"github.com/pudong-community/kiosk/kiosk/visit"
)

// applyChooser is the first step of 自助申办: for yourself, or for someone
// else as their agent (委托代理). No card has been read yet.
type applyChooser struct {
	self, agent *button
}

func (s *applyChooser) Name() string  { return "apply" }
func (s *applyChooser) Title() string { return "screen.apply" }

func (s *applyChooser) Build(a *App) fyne.CanvasObject {
	s.self = a.newButton("apply.self", a.T("apply.self"), a.T("apply.self.sub"), stylePrimary, func() { _ = a.visit.m.Identify(visit.PurposeApply) })
	s.agent = a.newButton("apply.agent", a.T("apply.agent"), a.T("apply.agent.sub"), stylePrimary, func() { _ = a.visit.m.StartAgent() })
	s.self.big, s.agent.big = true, true
	parts := []fyne.CanvasObject{subheading(a.T("apply.who"))}
	if down, why := a.status.applyDown(); down {
		s.self.disabled, s.agent.disabled = true, true
		parts = append(parts, notice(a.T(why)))
	}
	h := a.theme.TileHeight()
	grid := container.NewGridWrap(fyne.NewSize(a.win.Canvas().Size().Width-4*a.theme.Size(theme.SizeNamePadding), h), s.self, s.agent)
	return container.NewVBox(append(parts, grid)...)
}

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
	lst := a.list(&s.pg, len(items), func(i int) fyne.CanvasObject {
		b := a.itemRow(items[i], func(it kiosk.Item) { s.start(a, it) })
		s.rows = append(s.rows, b)
		return b
	})
	return container.NewBorder(container.NewVBox(head...), nil, nil, nil, lst)
}

func (s *applyListScreen) start(a *App, it kiosk.Item) {
	err := a.visit.m.StartApplication(it)
	switch {
	case err == nil:
		s.err = ""
	case errors.Is(err, visit.ErrAgentNotAllowed):
		s.err = "apply.noagent"
	case errors.Is(err, visit.ErrNotSelfService):
		s.err = "item.counter"
	default:
		return // a tap during a transition
	}
	a.render()
}

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
	} else {
		s.start = a.newButton("apply.start", a.T("apply.start"), a.T("apply.fields", len(it.Fields)), stylePrimary, func() {
			if len(it.Fields) == 0 {
				_ = a.visit.m.Review()
				return
			}
			a.Show(&formScreen{})
		})
		s.start.big = true
		bottom = s.start
	}
	return container.NewBorder(nil, bottom, nil, nil, scroll(container.NewVBox(parts...)))
}

// formScreen fills the item's form one field per page, each on its own
// keypad, picker or buttons, so 200 fields are 200 short pages and never
// one crowded one.
type formScreen struct {
	idx     int
	pads    map[string]*keypad
	dates   map[string]*datePicker
	choices map[string]string
	err     string
	next    *button
}

func (s *formScreen) Name() string  { return "apply.form" }
func (s *formScreen) Title() string { return "screen.apply" }

func (s *formScreen) back(a *App) bool {
	if s.idx > 0 {
		s.idx--
		s.err = ""
		a.render()
		return true
	}
	return false
}

func padFor(t kiosk.FieldType) padKind {
	switch t {
	case kiosk.FieldPhone:
		return padPhone
	case kiosk.FieldIDNumber:
		return padID
	}
	return padDigits
}

// value is the field's value as entered so far.
func (s *formScreen) value(f kiosk.Field) string {
	switch f.Type {
	case kiosk.FieldDate:
		if p := s.dates[f.Key]; p != nil {
			return p.value()
		}
	case kiosk.FieldChoice:
		return s.choices[f.Key]
	case kiosk.FieldText:
		return ""
	default:
		if p := s.pads[f.Key]; p != nil {
			return p.value
		}
	}
	return ""
}

func (s *formScreen) Build(a *App) fyne.CanvasObject {
	it := a.visit.snap.Item
	if it == nil || len(it.Fields) == 0 {
		return notice(a.T("apply.gone"))
	}
	if s.pads == nil {
		s.pads, s.dates, s.choices = map[string]*keypad{}, map[string]*datePicker{}, map[string]string{}
	}
	if s.idx >= len(it.Fields) {
		s.idx = len(it.Fields) - 1
	}
	f := it.Fields[s.idx]
	prev := a.visit.snap.Form[f.Key]
	label := a.pick(f.Label, f.LabelEn)
	mark := a.T("item.optional")
	if f.Required {
		mark = a.T("item.required")
	}
	parts := []fyne.CanvasObject{
		body(a.T("form.progress", s.idx+1, len(it.Fields))),
		heading(a.T("form.field.title", label, mark)),
	}
	last := s.idx == len(it.Fields)-1
	nextTitle := a.T("form.next")
	if last {
		nextTitle = a.T("form.review")
	}
	var editor fyne.CanvasObject
	switch f.Type {
	case kiosk.FieldDate:
		if s.dates[f.Key] == nil {
			s.dates[f.Key] = newDatePicker(prev, a.visit.clk.Now())
		}
		editor = s.dates[f.Key].build(a, func() { s.err = "" })
	case kiosk.FieldChoice:
		if _, ok := s.choices[f.Key]; !ok {
			s.choices[f.Key] = prev
		}
		var opts []fyne.CanvasObject
		for _, c := range f.Choices {
			c := c
			st := styleSecondary
			if s.choices[f.Key] == c {
				st = styleSelected
			}
			b := a.newButton("choice:"+c, c, "", st, func() { s.choices[f.Key] = c; s.err = ""; a.render() })
			b.big = true
			opts = append(opts, b)
		}
		cols := 2
		if a.elder || len(f.Choices) < 2 {
			cols = 1
		}
		editor = container.NewGridWithColumns(cols, opts...)
	case kiosk.FieldText:
		// The notice names the button below it: on the last field that
		// is the review button, not "next".
		editor = notice(a.T("form.text.skip", nextTitle))
	default:
		if s.pads[f.Key] == nil {
			p := newKeypad(padFor(f.Type), f.MaxLen)
			p.value = prev
			s.pads[f.Key] = p
		}
		editor = s.pads[f.Key].build(a, func() { s.err = "" })
	}
	parts = append(parts, editor)
	if s.err != "" {
		parts = append(parts, errorText(a.T(s.err)))
	}
	s.next = a.newButton("form.next", nextTitle, "", styleSuccess, func() { s.advance(a, f, last) })
	s.next.big = true
	return container.NewBorder(nil, s.next, nil, nil, scroll(container.NewVBox(parts...)))
}

// advance stores the field's value in the visit and moves on.
func (s *formScreen) advance(a *App, f kiosk.Field, last bool) {
	v := s.value(f)
	if f.Type != kiosk.FieldText {
		if p := s.pads[f.Key]; p != nil && v != "" {
			if msg, ok := p.check(); !ok {
				s.err = msg
				a.render()
				return
			}
		}
		if v == "" && f.Required {
			s.err = "form.required"
			a.render()
			return
		}
		if err := a.visit.m.SetField(f.Key, v); err != nil {
			s.err = fieldErrKey(err)
			a.render()
			return
		}
	}
	s.err = ""
	if !last {
		s.idx++
		a.render()
		return
	}
	if err := a.visit.m.Review(); err != nil {
		var fe *visit.FieldError
		if errors.As(err, &fe) {
			for i, g := range a.visit.snap.Item.Fields {
				if g.Key == fe.Key {
					s.idx = i
				}
			}
			s.err = fieldErrKey(err)
		}
		a.render()
	}
}

func fieldErrKey(err error) string {
	switch {
	case errors.Is(err, visit.ErrMissingField):
		return "form.required"
	case errors.Is(err, visit.ErrBadIDNumber):
		return "pad.id.bad"
	case errors.Is(err, visit.ErrTooLong):
		return "form.toolong"
	case errors.Is(err, visit.ErrBadValue):
		return "form.bad"
	}
	return "identify.notnow"
}
