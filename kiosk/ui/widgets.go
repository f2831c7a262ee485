package ui

import (
	"image/color"
	"strings"
	"unicode"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// Button styles.
type style int

const (
	stylePrimary   style = iota // blue, white text: the main action
	styleSecondary              // light panel, dark text, border: lists and keys
	styleAccent                 // dark red, white text: call staff, danger
	styleSuccess                // dark green, white text: confirm
	styleSelected               // a chosen option: blue with a thick border
)

// finishStyle is 结束办理's on every screen (the bottom bar's button is
// the same blue): one action, one colour; red is for calling staff.
const finishStyle = stylePrimary

// button is the screens' touch target: never smaller than the theme's
// target size, a wrapped title (long item names stay whole) and an optional
// second line. Disabled buttons keep readable text and say why elsewhere.
type button struct {
	widget.BaseWidget
	name     string
	title    string
	sub      string
	st       style
	th       *Theme
	disabled bool
	onTapped func()
	big      bool // a subheading-size title (keypad keys, confirm, list rows)
	huge     bool // a heading-size title (继续)
	minW     float32

	// A list row (row): the icon at its left, the text aligned left, an
	// arrow at its right. Without row, an icon stands centred above the
	// title (a category tile).
	icon  fyne.Resource
	row   bool
	badge *badge // a status in words, with its colour and icon
	note  string // a line in the badge's colour under the rest (what to bring)
	warn  bool   // asks something of the resident: warm background, accent border
	// greyed: drawn as disabled, yet a tap still answers (a row the
	// resident may not choose, tapped for why).
	greyed bool
}

// badge is a status shown as words on a coloured label with an icon: the
// colour is never the only sign.
type badge struct {
	text string
	icon fyne.Resource
	bg   color.Color // white text on it: at least 7:1 (theme_test.go)
}

// badgeObject draws b: white icon and bold words on its colour.
func (th *Theme) badgeObject(b *badge) fyne.CanvasObject {
	rect := canvas.NewRectangle(b.bg)
	rect.CornerRadius = 8
	txt := canvas.NewText(b.text, colOnPrimary)
	txt.TextStyle = boldStyle(b.text)
	txt.TextSize = th.Size(theme.SizeNameText)
	var parts []fyne.CanvasObject
	if b.icon != nil {
		ic := canvas.NewImageFromResource(theme.NewColoredResource(b.icon, theme.ColorNameForegroundOnPrimary))
		ic.FillMode = canvas.ImageFillContain
		ic.SetMinSize(fyne.NewSquareSize(th.Size(theme.SizeNameText)))
		parts = append(parts, ic)
	}
	parts = append(parts, txt)
	pad := th.Size(theme.SizeNamePadding)
	return container.NewHBox(container.NewStack(rect, container.New(layout.NewCustomPaddedLayout(pad/2, pad/2, pad, pad), container.NewHBox(parts...))))
}

func (a *App) newButton(name, title, sub string, st style, tapped func()) *button {
	b := &button{name: name, title: title, sub: sub, st: st, th: a.theme}
	if tapped != nil {
		b.onTapped = a.tap(tapped)
	}
	b.ExtendBaseWidget(b)
	return b
}

// Tapped runs the action unless disabled.
func (b *button) Tapped(*fyne.PointEvent) {
	if b.disabled || b.onTapped == nil {
		return
	}
	b.onTapped()
}

func (b *button) MinSize() fyne.Size {
	s := b.BaseWidget.MinSize()
	t := b.th.TargetSize()
	if s.Height < t {
		s.Height = t
	}
	w := t
	if b.minW > w {
		w = b.minW
	}
	if s.Width < w {
		s.Width = w
	}
	return s
}

func (b *button) colors() (bg, fg, border color.Color, fgName fyne.ThemeColorName) {
	switch b.st {
	case styleSecondary:
		bg, fg, border, fgName = colSurface, colText, b.th.border(), theme.ColorNameForeground
	case styleAccent:
		bg, fg, border, fgName = colAccent, colOnPrimary, colAccent, theme.ColorNameForegroundOnPrimary
	case styleSuccess:
		bg, fg, border, fgName = colSuccess, colOnPrimary, colSuccess, theme.ColorNameForegroundOnPrimary
	case styleSelected:
		bg, fg, border, fgName = colPrimary, colOnPrimary, colText, theme.ColorNameForegroundOnPrimary
	default:
		bg, fg, border, fgName = colPrimary, colOnPrimary, colPrimary, theme.ColorNameForegroundOnPrimary
	}
	if b.warn && b.st == styleSecondary {
		bg, border = colWarnBg, colAccent
	}
	if b.disabled || b.greyed {
		bg, fg, border, fgName = colSurface, b.th.disabled(), b.th.disabled(), theme.ColorNameDisabled
	}
	return
}

func (b *button) CreateRenderer() fyne.WidgetRenderer {
	bg, _, border, fgName := b.colors()
	rect := canvas.NewRectangle(bg)
	rect.CornerRadius = 12
	rect.StrokeColor = border
	rect.StrokeWidth = b.th.stroke(2)
	if b.st == styleSelected {
		rect.StrokeWidth = 5
	} else if b.warn && !b.disabled {
		rect.StrokeWidth = b.th.stroke(3)
	}
	if b.row {
		return b.rowRenderer(rect, fgName)
	}
	sizes := []fyne.ThemeSizeName{theme.SizeNameText, theme.SizeNameCaptionText}
	switch {
	case b.huge:
		sizes = append([]fyne.ThemeSizeName{theme.SizeNameHeadingText, theme.SizeNameSubHeadingText}, sizes...)
	case b.big:
		sizes = append([]fyne.ThemeSizeName{theme.SizeNameSubHeadingText}, sizes...)
	}
	title := textBlock(b.title, fgName, sizes[0], true, fyne.TextAlignCenter)
	rows := []fyne.CanvasObject{layout.NewSpacer()}
	if b.icon != nil {
		// 60 dp in both modes: elder mode's larger text takes the height.
		rows = append(rows, container.NewCenter(b.iconObject(b.iconColor(fgName), 60)))
	}
	rows = append(rows, title)
	if b.sub != "" {
		subSize := theme.SizeNameCaptionText
		if b.big && b.icon != nil {
			subSize = theme.SizeNameText // a tile's line: a count, what waits
		}
		rows = append(rows, textBlock(b.sub, fgName, subSize, false, fyne.TextAlignCenter))
	}
	rows = append(rows, layout.NewSpacer())
	pad := b.th.Size(theme.SizeNamePadding)
	stack := container.NewStack(rect, container.New(layout.NewCustomPaddedLayout(pad/2, pad/2, pad, pad), container.NewVBox(rows...)))
	return &buttonRenderer{WidgetRenderer: widget.NewSimpleRenderer(stack), b: b, title: title, sizes: sizes}
}

// iconObject is the button's icon in the colour of its text, square, of
// side size. Fyne draws an SVG icon into an image of the object's size, so
// it goes into a container that keeps it at this size.
func (b *button) iconObject(fg fyne.ThemeColorName, size float32) *canvas.Image {
	ic := canvas.NewImageFromResource(theme.NewColoredResource(b.icon, fg))
	ic.FillMode = canvas.ImageFillContain
	ic.SetMinSize(fyne.NewSquareSize(size))
	return ic
}

// iconColor is the colour of the button's icon: the government blue on a
// light button, else its text's colour.
func (b *button) iconColor(fg fyne.ThemeColorName) fyne.ThemeColorName {
	if b.st == styleSecondary && !b.disabled && !b.greyed && !b.warn {
		return theme.ColorNamePrimary
	}
	return fg
}

// rowRenderer draws a list row: the icon on the left, then the title, the
// badge, the line under it and the note, aligned left; an arrow on the
// right says the row opens something.
func (b *button) rowRenderer(rect *canvas.Rectangle, fgName fyne.ThemeColorName) fyne.WidgetRenderer {
	th := b.th
	sizes := []fyne.ThemeSizeName{theme.SizeNameText, theme.SizeNameCaptionText}
	subSize := theme.SizeNameCaptionText
	if b.big {
		sizes = []fyne.ThemeSizeName{theme.SizeNameSubHeadingText, theme.SizeNameText, theme.SizeNameCaptionText}
		subSize = theme.SizeNameText
	}
	title := textBlock(b.title, fgName, sizes[0], true, fyne.TextAlignLeading)
	lines := []fyne.CanvasObject{layout.NewSpacer(), title}
	if b.badge != nil {
		lines = append(lines, th.badgeObject(b.badge))
	}
	if b.sub != "" {
		lines = append(lines, textBlock(b.sub, fgName, subSize, false, fyne.TextAlignLeading))
	}
	if b.note != "" {
		col := theme.ColorNameError
		if b.disabled || b.greyed {
			col = fgName
		}
		lines = append(lines, textBlock(b.note, col, theme.SizeNameText, true, fyne.TextAlignLeading))
	}
	lines = append(lines, layout.NewSpacer())
	var left fyne.CanvasObject
	var iconW float32
	if b.icon != nil {
		iconW = th.Size(theme.SizeNameHeadingText) * 1.2
		left = container.NewCenter(b.iconObject(b.iconColor(fgName), iconW))
	}
	arrow := canvas.NewImageFromResource(theme.NewColoredResource(theme.NavigateNextIcon(), b.iconColor(fgName)))
	arrow.FillMode = canvas.ImageFillContain
	arrow.SetMinSize(fyne.NewSquareSize(th.Size(theme.SizeNameSubHeadingText)))
	pad := th.Size(theme.SizeNamePadding)
	// The texts keep their own inner padding: no more space between them.
	text := container.New(layout.NewCustomPaddedVBoxLayout(0), lines...)
	inner := container.NewBorder(nil, nil, left, container.NewCenter(arrow), text)
	stack := container.NewStack(rect, container.New(layout.NewCustomPaddedLayout(pad/2, pad/2, pad*2, pad), inner))
	return &buttonRenderer{WidgetRenderer: widget.NewSimpleRenderer(stack), b: b, title: title, sizes: sizes,
		reserved: iconW + th.Size(theme.SizeNameSubHeadingText) + 3*pad}
}

// buttonRenderer lays a button out and, where a word of its title (a
// Latin word: "Delete" on a narrow key in English) would not fit the
// button's width at the title's size, takes the next smaller size, so that
// no word is broken across lines ("Dele/te"). Chinese text wraps between
// any two characters and keeps its size.
type buttonRenderer struct {
	fyne.WidgetRenderer
	b     *button
	title *widget.RichText
	sizes []fyne.ThemeSizeName // the title's size, then smaller ones
	// reserved is the width beside the title (a row's icon and arrow).
	reserved float32
}

func (r *buttonRenderer) Layout(s fyne.Size) {
	th := r.b.th
	avail := s.Width - 2*th.Size(theme.SizeNamePadding) - 2*th.Size(theme.SizeNameInnerPadding) - r.reserved
	words := latinWords(r.b.title)
	size := r.sizes[len(r.sizes)-1]
	for _, sz := range r.sizes {
		if widestWord(words, th.Size(sz)) <= avail {
			size = sz
			break
		}
	}
	if seg, ok := r.title.Segments[0].(*widget.TextSegment); ok && seg.Style.SizeName != size {
		seg.Style.SizeName = size
		r.title.Refresh()
	}
	r.WidgetRenderer.Layout(s)
}

// latinWords are the words of s that are not Chinese (which may break
// anywhere).
func latinWords(s string) []string {
	var out []string
	for _, w := range strings.Fields(s) {
		han := false
		for _, c := range w {
			if unicode.Is(unicode.Han, c) {
				han = true
				break
			}
		}
		if !han {
			out = append(out, w)
		}
	}
	return out
}

// widestWord is the width of the widest of words in bold at size.
func widestWord(words []string, size float32) float32 {
	var w float32
	for _, word := range words {
		w = max(w, fyne.MeasureText(word, size, fyne.TextStyle{Bold: true}).Width)
	}
	return w
}

// textBlock is wrapped text in one colour and size of the theme.
func textBlock(s string, col fyne.ThemeColorName, size fyne.ThemeSizeName, bold bool, align fyne.TextAlign) *widget.RichText {
	rt := widget.NewRichText(&widget.TextSegment{Text: s, Style: widget.RichTextStyle{
		ColorName: col, SizeName: size, Alignment: align, TextStyle: textStyle(s, bold),
	}})
	rt.Wrapping = fyne.TextWrapWord
	return rt
}

// oneLine is text that does not wrap, for beside other objects in a row
// (a wrapped text in a row of objects is given the width of one character).
func oneLine(s string, col color.Color, size float32, bold bool) *canvas.Text {
	t := canvas.NewText(s, col)
	t.TextSize = size
	t.TextStyle = textStyle(s, bold)
	return t
}

// Text helpers in the kiosk's sizes.
func heading(s string) *widget.RichText {
	return textBlock(s, theme.ColorNameForeground, theme.SizeNameHeadingText, true, fyne.TextAlignLeading)
}
func subheading(s string) *widget.RichText {
	return textBlock(s, theme.ColorNameForeground, theme.SizeNameSubHeadingText, true, fyne.TextAlignLeading)
}
func body(s string) *widget.RichText {
	return textBlock(s, theme.ColorNameForeground, theme.SizeNameText, false, fyne.TextAlignLeading)
}
func centered(s string, size fyne.ThemeSizeName) *widget.RichText {
	return textBlock(s, theme.ColorNameForeground, size, true, fyne.TextAlignCenter)
}

// The marks the screens put before a message. Both are in the bundled
// faces, which are the only fonts the terminal draws with: a heavy ballot X
// (U+2718) is in none of them and showed as a box on a terminal without the
// system's DejaVu font, and the heavy check mark (U+2714) came only from
// Fyne's emoji face, which the terminal is built without (-tags no_emoji).
const (
	// markFailed marks a failed step or a refused entry (U+00D7).
	markFailed = "×"
	// markDone marks a step done or an entry accepted (U+2713).
	markDone = "✓"
)

func errorText(s string) *widget.RichText {
	return textBlock(s, theme.ColorNameError, theme.SizeNameText, true, fyne.TextAlignLeading)
}

// panel puts objects on a light card with a border.
func panel(objs ...fyne.CanvasObject) fyne.CanvasObject {
	th := currentTheme()
	bg := canvas.NewRectangle(colSurface)
	bg.CornerRadius = 12
	bg.StrokeColor = th.border()
	bg.StrokeWidth = th.stroke(1)
	return container.NewStack(bg, container.NewPadded(container.NewVBox(objs...)))
}

// notice is a message box: warning colours with a bold text.
func notice(s string) fyne.CanvasObject {
	bg := canvas.NewRectangle(colWarnBg)
	bg.StrokeColor = colWarning
	bg.StrokeWidth = 2
	bg.CornerRadius = 8
	return container.NewStack(bg, container.NewPadded(textBlock(s, theme.ColorNameForegroundOnWarning, theme.SizeNameText, true, fyne.TextAlignLeading)))
}

// landscape reports a wide screen.
func (a *App) landscape() bool {
	s := a.win.Canvas().Size()
	return s.Width > s.Height*1.2
}

// listCols is how many columns a list has: two on a wide screen.
func (a *App) listCols() int {
	if a.landscape() {
		return 2
	}
	return 1
}

// perPage is how many list rows fit one page: fewer in elder mode; on a
// wide screen fewer rows in two columns.
func (a *App) perPage() int {
	if a.landscape() {
		if a.elder {
			return 4
		}
		return 6
	}
	if a.elder {
		return 4
	}
	return 6
}

// pageShape is how a page of a list is laid out: columns and rows. A page
// holds cols×rows entries, and each row keeps its share of the height even
// when the page holds fewer, so rows do not change size from page to page.
type pageShape struct{ cols, rows int }

func (s pageShape) per() int { return s.cols * s.rows }

// rowShape is the page of a list of items: on a wide screen two columns of
// three rows (two in elder mode); a portrait screen uses its height, eight
// rows in one column (six, larger, in elder mode).
func (a *App) rowShape() pageShape {
	switch {
	case a.landscape() && a.elder:
		return pageShape{2, 2}
	case a.landscape():
		return pageShape{2, 3}
	case a.elder:
		return pageShape{1, 6}
	}
	return pageShape{1, 8}
}

// caseShape is the page of 我的办件: a case row has more lines (status, a
// note of what to bring), so a portrait page holds five (three in elder
// mode), a wide one six (two in elder mode).
func (a *App) caseShape() pageShape {
	if a.landscape() {
		if a.elder {
			// Two cases side by side: a row of 需补正 with its note in
			// elder-size text needs the height of two rows.
			return pageShape{2, 1}
		}
		return a.rowShape()
	}
	if a.elder {
		return pageShape{1, 3}
	}
	return pageShape{1, 5}
}

// categoryShape is the guide's page of category tiles: two columns, five
// rows on a portrait screen (four in elder mode), three rows on a wide one
// (two in elder mode).
func (a *App) categoryShape() pageShape {
	switch {
	case a.landscape() && a.elder:
		return pageShape{2, 2}
	case a.landscape():
		return pageShape{2, 3}
	case a.elder:
		return pageShape{2, 4}
	}
	return pageShape{2, 5}
}

// pager pages a list: rows of the page and, when there is more than one
// page, a bar with previous/next and "page i of n". page is clamped.
type pager struct {
	page int
}

func (p *pager) slice(per, total int) (from, to int) {
	pages := (total + per - 1) / per
	if pages == 0 {
		pages = 1
	}
	if p.page >= pages {
		p.page = pages - 1
	}
	if p.page < 0 {
		p.page = 0
	}
	from = p.page * per
	to = from + per
	if to > total {
		to = total
	}
	return from, to
}

func (p *pager) bar(a *App, per, total int) fyne.CanvasObject {
	pages := (total + per - 1) / per
	if pages <= 1 {
		return nil
	}
	prev := a.newButton("page.prev", a.T("page.prev"), "", styleSecondary, func() { p.page--; a.render() })
	prev.disabled = p.page == 0
	next := a.newButton("page.next", a.T("page.next"), "", styleSecondary, func() { p.page++; a.render() })
	next.disabled = p.page >= pages-1
	prev.minW, next.minW = a.theme.TargetSize()*2.5, a.theme.TargetSize()*2.5
	label := centered(a.T("page.of", p.page+1, pages), theme.SizeNameText)
	return container.NewBorder(nil, nil, prev, next, label)
}

// list builds a paged list of rows with the pager bar under it, a page of
// the given shape.
func (a *App) list(p *pager, shape pageShape, total int, row func(i int) fyne.CanvasObject) fyne.CanvasObject {
	from, to := p.slice(shape.per(), total)
	var objs []fyne.CanvasObject
	for i := from; i < to; i++ {
		objs = append(objs, row(i))
	}
	var rows fyne.CanvasObject
	if a.landscape() {
		// A wide screen keeps its grid of as many rows as the page has.
		rows = container.NewGridWithColumns(shape.cols, objs...)
	} else {
		rows = container.New(&pageGrid{shape: shape, gap: a.theme.Size(theme.SizeNamePadding)}, objs...)
	}
	if bar := p.bar(a, shape.per(), total); bar != nil {
		return container.NewBorder(nil, bar, nil, nil, rows)
	}
	return rows
}

// pageGrid lays a page out in its shape's columns and rows, each cell the
// same share of the page however many entries the page has: a portrait
// page uses the screen's height, and a short last page keeps the rows'
// size and places (nothing moves under a finger turning pages).
type pageGrid struct {
	shape pageShape
	gap   float32
}

func (g *pageGrid) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	cols, rows := max(g.shape.cols, 1), max(g.shape.rows, 1)
	w := (size.Width - g.gap*float32(cols-1)) / float32(cols)
	h := (size.Height - g.gap*float32(rows-1)) / float32(rows)
	for i, o := range objs {
		r, c := i/cols, i%cols
		o.Move(fyne.NewPos(float32(c)*(w+g.gap), float32(r)*(h+g.gap)))
		o.Resize(fyne.NewSize(w, h))
	}
}

func (g *pageGrid) MinSize(objs []fyne.CanvasObject) fyne.Size {
	cols, rows := max(g.shape.cols, 1), max(g.shape.rows, 1)
	var cell fyne.Size
	for _, o := range objs {
		cell = cell.Max(o.MinSize())
	}
	return fyne.NewSize(cell.Width*float32(cols)+g.gap*float32(cols-1), cell.Height*float32(rows)+g.gap*float32(rows-1))
}

// scroll wraps long content (a notice of many pages) in a vertical scroller
// with a wide scroll bar.
func scroll(o fyne.CanvasObject) fyne.CanvasObject {
	return container.NewVScroll(o)
}

// pick chooses the Chinese or the English text, falling back to Chinese.
func (a *App) pick(zh, en string) string {
	if a.lang == English && en != "" {
		return en
	}
	return zh
}

// count is the text of key for n things: key+".one" for one where the
// catalogue has it ("1 item", not "1 items").
func (a *App) count(key string, n int) string {
	if n == 1 && a.cat.Has(key+".one") {
		return a.T(key+".one", n)
	}
	return a.T(key, n)
}

// colon joins a label and its value in the resident's language.
func (a *App) colon() string {
	if a.lang == English {
		return ": "
	}
	return "："
}
