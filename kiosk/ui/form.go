package ui

import (
	"errors"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"

	"github.com/pudong-community/kiosk/kiosk"
	"github.com/pudong-community/kiosk/kiosk/visit"
)

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
	// A date's month or year chooser closes first.
	if it := a.visit.snap.Item; it != nil {
		if steps := formSteps(*it); s.idx < len(steps) {
			if p := s.dates[steps[s.idx].Key]; p != nil && p.cancel() {
				a.render()
				return true
			}
		}
	}
	if s.idx > 0 {
		s.idx--
		s.err = ""
		a.render()
		return true
	}
	return false
}

// formSteps are the fields the resident fills on the terminal, one a page:
// all but free text, which the terminal never asks for ("终端无需填写":
// an optional text field is left empty, a required one sends the item to
// the counter, see needsCounter). The step count and the pages are these.
func formSteps(it kiosk.Item) []kiosk.Field {
	var out []kiosk.Field
	for _, f := range it.Fields {
		if f.Type != kiosk.FieldText {
			out = append(out, f)
		}
	}
	return out
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
	if it == nil {
		return notice(a.T("apply.gone"))
	}
	steps := formSteps(*it)
	if len(steps) == 0 {
		return notice(a.T("apply.gone"))
	}
	if s.pads == nil {
		s.pads, s.dates, s.choices = map[string]*keypad{}, map[string]*datePicker{}, map[string]string{}
	}
	if s.idx >= len(steps) {
		s.idx = len(steps) - 1
	}
	f := steps[s.idx]
	prev := a.visit.snap.Form[f.Key]
	label := a.pick(f.Label, f.LabelEn)
	mark := a.T("item.optional")
	if f.Required {
		mark = a.T("item.required")
	}
	parts := []fyne.CanvasObject{
		body(a.T("form.progress", s.idx+1, len(steps))),
		heading(a.T("form.field.title", label, mark)),
	}
	last := s.idx == len(steps)-1
	nextTitle := a.T("form.next")
	if last {
		nextTitle = a.T("form.review")
	}
	s.next = a.newButton("form.next", nextTitle, "", styleSuccess, func() { s.onNext(a, f, last) })
	s.next.big = true
	var editor fyne.CanvasObject
	wide := false // the editor holds the heading and the next key itself, beside the month
	switch f.Type {
	case kiosk.FieldDate:
		if s.dates[f.Key] == nil {
			s.dates[f.Key] = newDatePicker(prev, a.visit.clk.Now(), f.DateLean())
		}
		p := s.dates[f.Key]
		var lead, tail []fyne.CanvasObject
		if wide = p.wide(a); wide {
			lead = parts
			if s.err != "" {
				tail = append(tail, errorText(a.T(s.err)))
			}
			tail = append(tail, s.next)
		}
		editor = p.build(a, func() { s.err = "" }, lead, tail)
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
			b := a.newButton("choice:"+c, c, "", st, func() { s.onChoice(a, f, c) })
			b.big = true
			opts = append(opts, b)
		}
		cols := 2
		if a.elder || len(f.Choices) < 2 {
			cols = 1
		}
		editor = container.NewGridWithColumns(cols, opts...)
	default:
		if s.pads[f.Key] == nil {
			p := newKeypad(padFor(f.Type), f.MaxLen)
			p.value = prev
			s.pads[f.Key] = p
		}
		editor = s.pads[f.Key].build(a, func() { s.err = "" })
	}
	if wide {
		// The month beside the heading, the choosers and the next key: a
		// wide screen's height holds it all.
		return editor
	}
	parts = append(parts, editor)
	if s.err != "" {
		parts = append(parts, errorText(a.T(s.err)))
	}
	return container.NewBorder(nil, s.next, nil, nil, scroll(container.NewVBox(parts...)))
}

// onChoice picks choice c of field f.
func (s *formScreen) onChoice(a *App, f kiosk.Field, c string) {
	s.choices[f.Key] = c
	s.err = ""
	a.render()
}

// onNext stores the field's value in the visit and moves on.
func (s *formScreen) onNext(a *App, f kiosk.Field, last bool) {
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
			for i, g := range formSteps(*a.visit.snap.Item) {
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
