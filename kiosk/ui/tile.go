package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// tile is a large tappable block with an icon, a title and a line under it.
// Its minimum size is never below the theme's touch target.
type tile struct {
	widget.BaseWidget
	name     string // stable name for tests
	title    string
	sub      string
	icon     fyne.Resource
	bg       color.Color
	th       *Theme
	onTapped func()
	minH     float32
}

func newTile(title, sub string, icon fyne.Resource, bg color.Color, th *Theme, tapped func()) *tile {
	t := &tile{title: title, sub: sub, icon: icon, bg: bg, th: th, onTapped: tapped}
	t.ExtendBaseWidget(t)
	return t
}

// Tapped runs the tile's action.
func (t *tile) Tapped(*fyne.PointEvent) {
	if t.onTapped != nil {
		t.onTapped()
	}
}

func (t *tile) MinSize() fyne.Size {
	s := t.BaseWidget.MinSize()
	min := t.th.TargetSize()
	if t.minH > min {
		min = t.minH
	}
	if s.Height < min {
		s.Height = min
	}
	if s.Width < t.th.TargetSize() {
		s.Width = t.th.TargetSize()
	}
	return s
}

func (t *tile) CreateRenderer() fyne.WidgetRenderer {
	bg := canvas.NewRectangle(t.bg)
	bg.CornerRadius = 18
	fg := colOnPrimary
	if ContrastRatio(t.bg, colOnPrimary) < 7 {
		fg = colText
	}
	title := canvas.NewText(t.title, fg)
	title.TextStyle = boldStyle(t.title)
	title.TextSize = t.th.Size(theme.SizeNameSubHeadingText) * 1.15
	title.Alignment = fyne.TextAlignCenter
	rows := []fyne.CanvasObject{layout.NewSpacer()}
	if t.icon != nil {
		name := theme.ColorNameForegroundOnPrimary
		if fg == colText {
			name = theme.ColorNameForeground
		}
		ic := canvas.NewImageFromResource(theme.NewColoredResource(t.icon, name))
		ic.FillMode = canvas.ImageFillContain
		ic.SetMinSize(fyne.NewSquareSize(t.th.Size(theme.SizeNameHeadingText) * 1.3))
		// Centred at its own size: Fyne draws an SVG icon into an image of
		// the object's size, which the tile's column would make as wide as
		// the tile.
		rows = append(rows, container.NewCenter(ic))
	}
	rows = append(rows, title)
	if t.sub != "" {
		sub := canvas.NewText(t.sub, fg)
		sub.TextStyle = plainStyle(t.sub)
		sub.TextSize = t.th.Size(theme.SizeNameCaptionText)
		sub.Alignment = fyne.TextAlignCenter
		rows = append(rows, sub)
	}
	rows = append(rows, layout.NewSpacer())
	content := container.NewStack(bg, container.New(layout.NewCustomPaddedLayout(12, 12, 12, 12), container.NewVBox(rows...)))
	return widget.NewSimpleRenderer(content)
}

// barButton is a text button for the top and bottom bars: full target
// height, high-contrast colours of its own.
type barButton struct {
	widget.BaseWidget
	name     string
	text     string
	fg, bg   color.Color
	th       *Theme
	onTapped func()
}

func newBarButton(text string, fg, bg color.Color, th *Theme, tapped func()) *barButton {
	b := &barButton{text: text, fg: fg, bg: bg, th: th, onTapped: tapped}
	b.ExtendBaseWidget(b)
	return b
}

func (b *barButton) Tapped(*fyne.PointEvent) {
	if b.onTapped != nil {
		b.onTapped()
	}
}

func (b *barButton) MinSize() fyne.Size {
	s := b.BaseWidget.MinSize()
	t := b.th.TargetSize()
	if s.Height < t {
		s.Height = t
	}
	if s.Width < t*1.6 {
		s.Width = t * 1.6
	}
	return s
}

func (b *barButton) CreateRenderer() fyne.WidgetRenderer {
	bg := canvas.NewRectangle(b.bg)
	bg.CornerRadius = 12
	bg.StrokeColor = b.th.border()
	bg.StrokeWidth = b.th.stroke(1)
	txt := canvas.NewText(b.text, b.fg)
	txt.TextStyle = boldStyle(b.text)
	txt.TextSize = b.th.Size(theme.SizeNameText)
	txt.Alignment = fyne.TextAlignCenter
	return widget.NewSimpleRenderer(container.NewStack(bg, container.New(layout.NewCustomPaddedLayout(4, 4, 18, 18), container.NewCenter(txt))))
}

// tileGrid lays tiles out in two columns on a portrait screen and three on
// a landscape one, every row the same height.
type tileGrid struct {
	gap float32
}

func (g *tileGrid) columns(size fyne.Size) int {
	if size.Width > size.Height*1.2 {
		return 3
	}
	return 2
}

func (g *tileGrid) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	cols := g.columns(size)
	rows := (len(objs) + cols - 1) / cols
	if rows == 0 {
		return
	}
	w := (size.Width - g.gap*float32(cols-1)) / float32(cols)
	h := (size.Height - g.gap*float32(rows-1)) / float32(rows)
	for i, o := range objs {
		r, c := i/cols, i%cols
		o.Move(fyne.NewPos(float32(c)*(w+g.gap), float32(r)*(h+g.gap)))
		o.Resize(fyne.NewSize(w, h))
	}
}

func (g *tileGrid) MinSize(objs []fyne.CanvasObject) fyne.Size {
	var cell fyne.Size
	for _, o := range objs {
		cell = cell.Max(o.MinSize())
	}
	// Each dimension takes the smaller of the two layouts: the width of two
	// columns (a portrait screen), the height of the rows of three columns
	// (a landscape one). The screen in use has room in the other direction.
	cols, wideCols := 2, 3
	rows := (len(objs) + wideCols - 1) / wideCols
	return fyne.NewSize(cell.Width*float32(cols)+g.gap*float32(cols-1), cell.Height*float32(rows)+g.gap*float32(rows-1))
}
