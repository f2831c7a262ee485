package ui

import (
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// The banners say what is out of order (the network, a device). They lie
// over the top bar, in the place of the centre's name and the screen's
// title, and leave the clock: the top bar keeps its height, so a banner
// that appears in the middle of a flow (the printer runs out of paper
// while the resident picks an item) moves nothing under a finger, and it
// covers no target (the centre's name stays tappable for staff beneath
// it). It reads first, where the eye starts, in the warning colours.
//
// The bar holds two lines of text at the screen's text size. Several
// problems at once, or a long English line, take a smaller size rather
// than more height; what still does not fit scrolls inside the banner.

// withBanners lays the banners over the top bar top; without any it is
// top itself.
func (a *App) withBanners(top fyne.CanvasObject, texts []string) fyne.CanvasObject {
	if len(texts) == 0 {
		return top
	}
	bg := canvas.NewRectangle(colWarnBg)
	bg.StrokeColor = colWarning
	bg.StrokeWidth = 2
	bg.CornerRadius = 8
	icon := widget.NewIcon(theme.NewColoredResource(theme.WarningIcon(), theme.ColorNameWarning))
	rt := textBlock(strings.Join(texts, "\n"), theme.ColorNameForegroundOnWarning, theme.SizeNameText, true, fyne.TextAlignLeading)
	l := &bannerLayout{rt: rt, sizes: []fyne.ThemeSizeName{theme.SizeNameText, theme.SizeNameCaptionText},
		iconW: a.theme.Size(theme.SizeNameText) * 1.5}
	banner := container.New(l, bg, icon, container.NewVScroll(rt))
	var clockW float32
	if a.clock != nil {
		clockW = a.clock.MinSize().Width
	}
	return container.NewStack(top, container.New(&overBar{right: clockW + 24 + 2*a.theme.Size(theme.SizeNamePadding), pad: a.theme.Size(theme.SizeNamePadding)}, banner))
}

// overBar places the banner over the top bar: its full height but a
// padding, its width but the clock's on the right. It asks for no size of
// its own, so the bar keeps the height of its name and title.
type overBar struct {
	right, pad float32
}

func (o *overBar) MinSize([]fyne.CanvasObject) fyne.Size { return fyne.NewSize(0, 0) }

func (o *overBar) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	for _, b := range objs {
		b.Move(fyne.NewPos(o.pad, o.pad))
		b.Resize(fyne.NewSize(max(0, size.Width-o.right-o.pad), max(0, size.Height-2*o.pad)))
	}
}

// bannerLayout lays a banner out: the background, the warning icon on the
// left, and the text beside it at the largest of its sizes that fits the
// height it is given (else the smallest, scrolled), centred in that height.
type bannerLayout struct {
	rt    *widget.RichText
	sizes []fyne.ThemeSizeName
	iconW float32
}

func (l *bannerLayout) MinSize([]fyne.CanvasObject) fyne.Size { return fyne.NewSize(0, 0) }

func (l *bannerLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	bg, icon, text := objs[0], objs[1], objs[2]
	bg.Move(fyne.NewPos(0, 0))
	bg.Resize(size)
	icon.Resize(fyne.NewSquareSize(l.iconW * 0.8))
	icon.Move(fyne.NewPos(l.iconW*0.2, (size.Height-l.iconW*0.8)/2))
	w := size.Width - l.iconW
	l.fit(w, size.Height)
	// A text shorter than the banner is centred beside the icon.
	h := min(l.rt.MinSize().Height, size.Height)
	text.Move(fyne.NewPos(l.iconW, (size.Height-h)/2))
	text.Resize(fyne.NewSize(w, h))
}

// fit picks the text's size for a width and height.
func (l *bannerLayout) fit(w, h float32) {
	for i, sz := range l.sizes {
		if l.need(sz, w) <= h || i == len(l.sizes)-1 {
			return
		}
	}
}

// need sets the text's size to sz and reports the height it takes in the
// banner's text width w.
func (l *bannerLayout) need(sz fyne.ThemeSizeName, w float32) float32 {
	seg, ok := l.rt.Segments[0].(*widget.TextSegment)
	if !ok {
		return 0
	}
	if seg.Style.SizeName != sz {
		seg.Style.SizeName = sz
		l.rt.Refresh()
	}
	l.rt.Resize(fyne.NewSize(w, l.rt.Size().Height))
	return l.rt.MinSize().Height
}
