package ui

import (
	"context"
	"errors"
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/pudong-community/kiosk/kiosk"
)

// The handwriting pad (手写): a resident who cannot spell pinyin writes a
// character with a finger in a large square; after each stroke the
// recogniser (Options.Handwriting, off the UI goroutine) offers candidates
// as big buttons; undo takes the last stroke back, clear starts again. The
// search screen and the agent's name keyboard offer it one tap from their
// pinyin keyboards; a recogniser that cannot work (its model missing or
// damaged) turns the pad off for good and the pinyin keyboard stays.

// handShown is how many candidates the pad shows (two rows of four).
const handShown = 8

// handAsk is how many candidates the pad asks the recogniser for: more
// than it shows, so that the search screen can rank the catalogue's
// characters ahead.
const handAsk = 20

// maxHandStrokes is the most strokes the pad takes for one character; more
// is scribbling (the recogniser refuses beyond 40).
const maxHandStrokes = 32

// handPad is the pad's state. It outlives the widgets, which are made
// anew on each build.
type handPad struct {
	strokes []kiosk.Stroke // finished strokes, in box coordinates
	cur     kiosk.Stroke   // the stroke being drawn
	cands   []string       // the candidates shown
	busy    bool           // a recognition runs
	msg     string         // i18n key of a message in place of the candidates
	seq     int            // of the recognitions: a late answer is dropped

	// rank orders the recogniser's answer (the search screen puts the
	// catalogue's characters first); nil keeps the recogniser's order.
	rank func(a *App, c []kiosk.HandwritingCandidate) []string

	ink  *inkPad
	keys map[string]*button // for tests
}

// handAvailable reports whether the pad may be offered: a recogniser is
// wired, its model is installed and no recognition has failed for good.
func (a *App) handAvailable() bool {
	return a.opts.Handwriting != nil && !a.handOff && a.opts.Handwriting.Available()
}

// reset clears the pad; a recognition in flight is forgotten.
func (h *handPad) reset() {
	h.strokes, h.cur, h.cands, h.busy, h.msg = nil, nil, nil, false, ""
	h.seq++
}

// finish ends the stroke being drawn and recognises what is written.
func (h *handPad) finish(a *App) {
	if len(h.cur) == 0 {
		return
	}
	if len(h.strokes) >= maxHandStrokes {
		h.cur = nil
		h.msg = "hand.toomany"
		a.render()
		return
	}
	h.strokes = append(h.strokes, h.cur)
	h.cur = nil
	h.recognise(a)
}

// undo takes the last stroke back.
func (h *handPad) undo(a *App) {
	if len(h.strokes) > 0 {
		h.strokes = h.strokes[:len(h.strokes)-1]
	}
	h.recognise(a)
}

// recognise asks for the candidates of the strokes so far, off the UI
// goroutine. Only the answer to the latest strokes is shown.
func (h *handPad) recognise(a *App) {
	h.seq++
	seq := h.seq
	h.msg = ""
	if len(h.strokes) == 0 || a.opts.Handwriting == nil {
		h.cands, h.busy = nil, false
		a.render()
		return
	}
	in := make([]kiosk.Stroke, len(h.strokes))
	copy(in, h.strokes)
	hw := a.opts.Handwriting
	scr := a.Current()
	h.busy = true
	a.render()
	a.jobs.run(func(ctx context.Context) func() {
		got, err := hw.Recognize(ctx, in, handAsk)
		got = drawable(got)
		return func() {
			if seq != h.seq {
				return
			}
			h.busy = false
			switch {
			case errors.Is(err, kiosk.ErrHandwritingUnavailable):
				a.handOff = true
				h.reset()
			case err != nil:
				h.cands, h.msg = nil, "hand.failed"
			default:
				if h.rank != nil {
					h.cands = h.rank(a, got)
				} else {
					h.cands = nil
					for _, c := range got {
						h.cands = append(h.cands, c.Char)
					}
				}
				h.cands = h.cands[:min(len(h.cands), handShown)]
				if len(h.cands) == 0 {
					h.msg = "hand.nocand"
				}
			}
			if a.Current() == scr {
				a.render()
			}
		}
	})
}

// drawable keeps the candidates the bundled faces draw (one character
// each): any of them may be a name's character, none may show as a box.
// It parses the faces on first use, so it runs off the UI goroutine.
func drawable(got []kiosk.HandwritingCandidate) []kiosk.HandwritingCandidate {
	out := got[:0:0]
	for _, c := range got {
		r := []rune(c.Char)
		if len(r) == 1 && !drawsNothing(r[0]) && (commonCmap.has(r[0]) || fullCmap.has(r[0])) {
			out = append(out, c)
		}
	}
	return out
}

// build lays the pad out: the square on the left, the candidates and the
// keys on the right. pick takes a candidate; the pad clears after it.
// extra are more keys below undo and clear (back to pinyin, delete). wide:
// the right side is wide enough for the candidates and the keys in one row
// each (a landscape window), which keeps the pad within its height.
func (h *handPad) build(a *App, side float32, wide bool, pick func(c string), extra ...fyne.CanvasObject) fyne.CanvasObject {
	h.keys = map[string]*button{}
	key := func(name, label string, st style, f func()) *button {
		b := a.newButton(name, label, "", st, f)
		b.big = true
		h.keys[name] = b
		return b
	}
	h.ink = newInkPad(a, h, side)
	var cands []fyne.CanvasObject
	for _, c := range h.cands {
		c := c
		b := key("hand:"+c, c, stylePrimary, func() {
			h.reset()
			pick(c)
			a.render()
		})
		b.huge = true
		cands = append(cands, b)
	}
	var status string
	switch {
	case h.msg != "":
		status = a.T(h.msg)
	case h.busy && len(h.cands) == 0:
		status = a.T("hand.busy")
	case len(h.cands) > 0:
		status = a.T("hand.pick")
	default:
		status = a.T("hand.hint")
	}
	// The candidates' place keeps its height whether it shows characters
	// or a message, so the keys below never move under a finger.
	candCols, rows := 4, 2
	if wide {
		candCols, rows = handShown, 1
	}
	candH := h.candHeight(a, rows)
	hold := canvas.NewRectangle(color.Transparent)
	hold.SetMinSize(fyne.NewSize(0, candH))
	candArea := container.NewStack(hold, container.NewVBox(body(status), container.NewGridWithColumns(candCols, cands...)))
	undo := key("hand:undo", a.T("hand.undo"), styleSecondary, func() { h.undo(a) })
	undo.disabled = len(h.strokes) == 0
	clr := key("hand:clear", a.T("hand.clear"), styleSecondary, func() { h.reset(); a.render() })
	clr.disabled = len(h.strokes) == 0
	keys := []fyne.CanvasObject{undo, clr}
	keys = append(keys, extra...)
	keyCols := 2
	if wide {
		keyCols = len(keys)
	}
	right := container.NewVBox(candArea, container.NewGridWithColumns(keyCols, keys...))
	return container.NewBorder(nil, nil, container.NewCenter(h.ink), nil, right)
}

// candHeight is the height of the candidates' place: a line of text and
// rows of big keys.
func (h *handPad) candHeight(a *App, rows int) float32 {
	pad := a.theme.Size(theme.SizeNamePadding)
	line := a.theme.Size(theme.SizeNameText) * 1.6
	return line + float32(rows)*(a.theme.TargetSize()*1.4+pad) + pad
}

// handKey is the key that switches a pinyin keyboard to the pad.
func (a *App) handKey(name string, f func()) *button {
	b := a.newButton(name, a.T("hand.switch"), "", stylePrimary, f)
	b.big = true
	return b
}

// inkPad is the square written in: it takes drags as strokes and draws
// them, thick, as they are made.
type inkPad struct {
	widget.BaseWidget
	a    *App
	h    *handPad
	side float32
}

func newInkPad(a *App, h *handPad, side float32) *inkPad {
	p := &inkPad{a: a, h: h, side: side}
	p.ExtendBaseWidget(p)
	return p
}

// MinSize is the square.
func (p *inkPad) MinSize() fyne.Size { return fyne.NewSize(p.side, p.side) }

// toBox maps a position on the pad to the recogniser's box.
func (p *inkPad) toBox(pos fyne.Position) [2]int {
	s := p.Size()
	if s.Width <= 0 || s.Height <= 0 {
		s = p.MinSize()
	}
	x := int(pos.X / s.Width * kiosk.HandwritingBox)
	y := int(pos.Y / s.Height * kiosk.HandwritingBox)
	return [2]int{max(0, min(kiosk.HandwritingBox-1, x)), max(0, min(kiosk.HandwritingBox-1, y))}
}

// Dragged adds the finger's way to the stroke being drawn.
func (p *inkPad) Dragged(e *fyne.DragEvent) {
	if len(p.h.cur) == 0 {
		p.h.cur = append(p.h.cur, p.toBox(e.Position.Subtract(e.Dragged)))
	}
	pt := p.toBox(e.Position)
	if last := p.h.cur[len(p.h.cur)-1]; last != pt {
		p.h.cur = append(p.h.cur, pt)
	}
	p.Refresh()
}

// DragEnd finishes the stroke.
func (p *inkPad) DragEnd() {
	p.a.tap(func() { p.h.finish(p.a) })()
}

// Tapped is a dot: a stroke of one point.
func (p *inkPad) Tapped(e *fyne.PointEvent) {
	p.h.cur = kiosk.Stroke{p.toBox(e.Position)}
	p.a.tap(func() { p.h.finish(p.a) })()
}

func (p *inkPad) CreateRenderer() fyne.WidgetRenderer {
	th := p.a.theme
	bg := canvas.NewRectangle(th.Color(theme.ColorNameInputBackground, 0))
	bg.StrokeColor = th.border()
	bg.StrokeWidth = th.stroke(3)
	bg.CornerRadius = 8
	guide := th.border()
	r := &inkRenderer{p: p, bg: bg,
		h: canvas.NewLine(guide), v: canvas.NewLine(guide),
		ink: th.Color(theme.ColorNameForeground, 0)}
	r.h.StrokeWidth, r.v.StrokeWidth = 1, 1
	return r
}

// inkRenderer draws the square, a centre cross as a guide (田字格) and the
// strokes.
type inkRenderer struct {
	p     *inkPad
	bg    *canvas.Rectangle
	h, v  *canvas.Line
	ink   color.Color
	lines []fyne.CanvasObject
}

func (r *inkRenderer) Layout(s fyne.Size) {
	r.bg.Resize(s)
	r.h.Position1, r.h.Position2 = fyne.NewPos(0, s.Height/2), fyne.NewPos(s.Width, s.Height/2)
	r.v.Position1, r.v.Position2 = fyne.NewPos(s.Width/2, 0), fyne.NewPos(s.Width/2, s.Height)
	r.draw(s)
}

func (r *inkRenderer) MinSize() fyne.Size { return r.p.MinSize() }

func (r *inkRenderer) Refresh() {
	r.draw(r.p.Size())
	canvas.Refresh(r.p)
}

// draw makes the strokes' segments for a pad of size s.
func (r *inkRenderer) draw(s fyne.Size) {
	r.lines = r.lines[:0]
	if s.Width <= 0 {
		return
	}
	w := max(8, s.Width/36)
	at := func(p [2]int) fyne.Position {
		return fyne.NewPos(float32(p[0])*s.Width/kiosk.HandwritingBox, float32(p[1])*s.Height/kiosk.HandwritingBox)
	}
	strokes := r.p.h.strokes
	if len(r.p.h.cur) > 0 {
		strokes = append(strokes[:len(strokes):len(strokes)], r.p.h.cur)
	}
	for _, st := range strokes {
		dot := func(p [2]int) {
			d := canvas.NewCircle(r.ink)
			d.Resize(fyne.NewSize(w, w))
			d.Move(at(p).Subtract(fyne.NewPos(w/2, w/2)))
			r.lines = append(r.lines, d)
		}
		dot(st[0]) // a stroke of one point is a dot
		for i := 1; i < len(st); i++ {
			l := canvas.NewLine(r.ink)
			l.StrokeWidth = w
			l.Position1, l.Position2 = at(st[i-1]), at(st[i])
			r.lines = append(r.lines, l)
			// A round joint hides the gap between thick segments where the
			// stroke turns, and rounds its end.
			if i < len(st)-1 && !turns(st[i-1], st[i], st[i+1]) {
				continue
			}
			dot(st[i])
		}
	}
}

// turns reports whether a stroke turns at b by more than a few degrees.
func turns(a, b, c [2]int) bool {
	ux, uy := float64(b[0]-a[0]), float64(b[1]-a[1])
	vx, vy := float64(c[0]-b[0]), float64(c[1]-b[1])
	dot, n := ux*vx+uy*vy, (ux*ux+uy*uy)*(vx*vx+vy*vy)
	return n == 0 || dot <= 0 || dot*dot < 0.99*n
}

func (r *inkRenderer) Objects() []fyne.CanvasObject {
	return append([]fyne.CanvasObject{r.bg, r.h, r.v}, r.lines...)
}

func (r *inkRenderer) Destroy() {}

var _ fyne.Draggable = (*inkPad)(nil)
var _ fyne.Tappable = (*inkPad)(nil)
