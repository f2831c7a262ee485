package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// The notice of a card refused outside the identify screen (an expired
// card laid on the home screen or while browsing the guide) comes between
// two taps, and must move nothing under the resident's finger. It lies
// over the top of the window, in the warning colours: over the top bar
// (and any banner on it), and down over the screen as far as its text
// needs. Its text is long (identify.expired says where to renew the card),
// so it is not squeezed into the bar like the device banners:
//
//   - it takes the screen's subheading size, text size or caption size,
//     the largest that fits above the screen's first target, and reaches
//     down to that target (on the home screen, over the greeting above
//     the tiles; no more than a quarter of the window): nothing tappable
//     is covered;
//   - where none fits there (a screen whose first button is right under
//     the bar), it keeps the text size and covers the top of the screen
//     until it goes: a covered target is hidden, never moved, and is where
//     it was once the notice goes.
//
// A tap on the notice is the touch that dismisses it, never a tap on what
// lies beneath. It goes, as before, when the card is taken away or the
// screen touched (App.tap).

// withCardNotice lays the notice text over content, whose top bar is top.
func (a *App) withCardNotice(content, top fyne.CanvasObject, text string) fyne.CanvasObject {
	bg := canvas.NewRectangle(colWarnBg)
	bg.StrokeColor = colWarning
	bg.StrokeWidth = 2
	bg.CornerRadius = 8
	icon := widget.NewIcon(theme.NewColoredResource(theme.WarningIcon(), theme.ColorNameWarning))
	rt := textBlock(text, theme.ColorNameForegroundOnWarning, theme.SizeNameText, true, fyne.TextAlignLeading)
	bl := &bannerLayout{rt: rt, iconW: a.theme.Size(theme.SizeNameText) * 1.5}
	n := &secretTap{name: "card.refused", content: container.New(bl, bg, icon, container.NewVScroll(rt)), onTap: a.tap(a.render)}
	n.ExtendBaseWidget(n)
	l := &cardNoticeLayout{base: content, top: top, bl: bl, pad: a.theme.Size(theme.SizeNamePadding),
		sizes: []fyne.ThemeSizeName{theme.SizeNameSubHeadingText, theme.SizeNameText, theme.SizeNameCaptionText}}
	return container.NewStack(content, container.New(l, n))
}

// cardNoticeLayout places the notice over base (laid out before it, in the
// same coordinates): from the top of the window, over the top bar top at
// least, and as tall as its text at the size chosen (see above).
type cardNoticeLayout struct {
	base, top fyne.CanvasObject
	bl        *bannerLayout
	pad       float32
	sizes     []fyne.ThemeSizeName // to choose from, largest first
}

func (l *cardNoticeLayout) MinSize([]fyne.CanvasObject) fyne.Size { return fyne.NewSize(0, 0) }

func (l *cardNoticeLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	w := max(0, size.Width-2*l.pad)
	tw := w - l.bl.iconW
	room := size.Height
	if y, ok := targetTop(l.base, fyne.NewPos(0, 0), 0, l.top); ok {
		room = y - 2*l.pad // its own margin, and a gap above the target
	}
	var h float32
	fits := false
	for i, sz := range l.sizes {
		if h = l.bl.need(sz, tw); h <= room {
			l.bl.sizes = l.sizes[i:]
			// Down to the target, over the greeting above the home
			// screen's tiles rather than across its middle, but not
			// over most of a screen whose first target is far below.
			h = max(h, min(room, size.Height/4))
			fits = true
			break
		}
	}
	if !fits {
		// Readable first: the text size, over the top of the screen, and
		// no more than half of it (the rest scrolls).
		l.bl.sizes = []fyne.ThemeSizeName{theme.SizeNameText}
		h = min(l.bl.need(theme.SizeNameText, tw), size.Height/2)
	}
	h = max(h, l.top.Size().Height-2*l.pad) // the whole bar is covered
	for _, o := range objs {
		o.Move(fyne.NewPos(l.pad, l.pad))
		o.Resize(fyne.NewSize(w, h))
	}
}

// targetTop is the top of the highest tappable object of o, but in skip,
// in the coordinates o's position is taken from (at is the position of
// o's parent): a target scrolled partly out of sight counts from its
// scroller's top (clip).
func targetTop(o fyne.CanvasObject, at fyne.Position, clip float32, skip fyne.CanvasObject) (float32, bool) {
	if o == nil || o == skip || !o.Visible() {
		return 0, false
	}
	pos := at.Add(o.Position())
	if _, ok := o.(fyne.Tappable); ok {
		return max(pos.Y, clip), true
	}
	var kids []fyne.CanvasObject
	switch v := o.(type) {
	case *fyne.Container:
		kids = v.Objects
	case *container.Scroll:
		kids = []fyne.CanvasObject{v.Content}
		clip = max(clip, pos.Y)
	case *container.ThemeOverride:
		kids = []fyne.CanvasObject{v.Content}
	case *container.Split:
		kids = []fyne.CanvasObject{v.Leading, v.Trailing}
	}
	var top float32
	found := false
	for _, k := range kids {
		if y, ok := targetTop(k, pos, clip, skip); ok && (!found || y < top) {
			top, found = y, true
		}
	}
	return top, found
}
