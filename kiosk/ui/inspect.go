package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
)

// Target is one thing the window shows, read from the widgets themselves
// rather than from pixels: what it says, its stable name when it has one,
// where it is, and which of its characters the face it is drawn in lacks
// (they would show as boxes). The demo's scripted walk (cmd/smoke) finds
// what to tap with it and checks each screen's own words.
type Target struct {
	Name     string        `json:"name,omitempty"`
	Text     string        `json:"text"`
	Pos      fyne.Position `json:"pos"`  // top left, in the window's coordinates
	Size     fyne.Size     `json:"size"` // in the window's coordinates
	Tappable bool          `json:"tappable,omitempty"`
	Missing  string        `json:"missing,omitempty"`
}

// Inspect lists the visible texts and tappable widgets of w, its overlays
// (the idle warning, dialogues) last. It must run on the UI goroutine.
func Inspect(w fyne.Window) []Target {
	var out []Target
	c := w.Canvas()
	var walk func(o fyne.CanvasObject)
	add := func(o fyne.CanvasObject, name, text string, style fyne.TextStyle, styled, tappable bool) {
		if text == "" && !tappable {
			return
		}
		var pos fyne.Position
		if d := fyne.CurrentApp(); d != nil {
			pos = d.Driver().AbsolutePositionForObject(o)
		}
		t := Target{Name: name, Text: text, Pos: pos, Size: o.Size(), Tappable: tappable}
		for _, r := range text {
			if drawsNothing(r) || r == ' ' {
				continue
			}
			// Text the terminal styles itself is drawn in the face
			// textStyle picks: the full face when the common ones lack a
			// character. A standard widget draws in the style it is given.
			full := style == fullStyle || (!styled && !commonCmap.has(r))
			if (full && !fullCmap.has(r)) || (!full && !commonCmap.has(r)) {
				t.Missing += string(r)
			}
		}
		out = append(out, t)
	}
	walk = func(o fyne.CanvasObject) {
		if o == nil || !o.Visible() {
			return
		}
		switch v := o.(type) {
		case *fyne.Container:
			for _, ch := range v.Objects {
				walk(ch)
			}
		case *container.Scroll:
			walk(v.Content)
		case *container.Split:
			walk(v.Leading)
			walk(v.Trailing)
		case *container.ThemeOverride:
			walk(v.Content)
		case *canvas.Text:
			add(v, "", v.Text, v.TextStyle, true, false)
		case *widget.Label:
			add(v, "", v.Text, v.TextStyle, true, false)
		case *widget.RichText:
			add(v, "", v.String(), fyne.TextStyle{}, false, false)
		case *widget.Button:
			add(v, "", v.Text, fyne.TextStyle{Bold: true}, true, !v.Disabled())
		case *widget.Check:
			add(v, "", v.Text, fyne.TextStyle{}, true, !v.Disabled())
		case *tile:
			add(v, v.name, joinText(v.title, v.sub), fyne.TextStyle{}, false, true)
		case *barButton:
			add(v, v.name, v.text, fyne.TextStyle{}, false, true)
		case *button:
			text := v.title
			if v.badge != nil {
				text = joinText(text, v.badge.text)
			}
			text = joinText(joinText(text, v.sub), v.note)
			add(v, v.name, text, fyne.TextStyle{}, false, !v.disabled && v.onTapped != nil)
		case *inkPad:
			add(v, "hand:pad", "", fyne.TextStyle{}, false, true)
		case *secretTap:
			add(v, v.name, "", fyne.TextStyle{}, false, true)
			walk(v.content)
		}
	}
	walk(c.Content())
	for _, o := range c.Overlays().List() {
		walk(o)
	}
	return out
}

func joinText(title, sub string) string {
	if sub == "" {
		return title
	}
	return title + "\n" + sub
}
