package escpos

import (
	"errors"
	"fmt"
	"image"
	"image/draw"
	"sync"

	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
)

// Character cell of the printer's standard font A at 203 dpi: 12×24 dots for
// single-byte characters, 24×24 for double-byte (Chinese) characters.
const (
	CellHeight    = 24
	HalfCellWidth = 12
	FullCellWidth = 24
)

// ErrFont wraps font parsing failures.
var ErrFont = errors.New("escpos: cannot use font")

// Typeface rasterises characters into printer character cells with an
// OpenType font (TrueType or CFF outlines). It is safe for concurrent use.
type Typeface struct {
	mu    sync.Mutex
	font  *opentype.Font
	face  font.Face
	cache map[rune]*Bitmap
}

// NewTypeface parses an OpenType/TrueType font.
func NewTypeface(data []byte) (*Typeface, error) {
	f, err := opentype.Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrFont, err)
	}
	face, err := opentype.NewFace(f, &opentype.FaceOptions{Size: 22, DPI: 72, Hinting: font.HintingNone})
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrFont, err)
	}
	return &Typeface{font: f, face: face, cache: map[rune]*Bitmap{}}, nil
}

// CellWidth is the width in dots of r at size 1: 12 for ASCII, 24 otherwise
// (every GB code prints full width).
func CellWidth(r rune) int {
	if r < 0x80 {
		return HalfCellWidth
	}
	return FullCellWidth
}

// HasGlyph reports whether the font has a glyph for r.
func (t *Typeface) HasGlyph(r rune) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	_, ok := t.face.GlyphAdvance(r)
	if !ok {
		return false
	}
	var buf = &sfntBuffer{}
	i, err := t.font.GlyphIndex(&buf.b, r)
	return err == nil && i != 0
}

// Glyph returns r drawn in its size-1 cell (CellWidth(r)×24). A rune without
// a glyph comes back as a hollow box, so a missing character is visible.
func (t *Typeface) Glyph(r rune) *Bitmap {
	t.mu.Lock()
	defer t.mu.Unlock()
	if g, ok := t.cache[r]; ok {
		return g
	}
	cw := CellWidth(r)
	g := NewBitmap(cw, CellHeight)
	adv, ok := t.face.GlyphAdvance(r)
	var sb sfntBuffer
	idx, err := t.font.GlyphIndex(&sb.b, r)
	if !ok || err != nil || idx == 0 {
		box(g)
		t.cache[r] = g
		return g
	}
	// Draw at natural size into a scratch mask, then squeeze to the cell
	// width if the advance is wider (Latin capitals in a 12-dot cell).
	aw := max(adv.Ceil(), 1)
	tmp := image.NewAlpha(image.Rect(0, 0, aw, CellHeight))
	d := font.Drawer{Dst: tmp, Src: image.Opaque, Face: t.face, Dot: fixed.P(0, 19)}
	d.DrawString(string(r))
	off := 0
	if aw < cw {
		off = (cw - aw) / 2
	}
	for y := 0; y < CellHeight; y++ {
		for x := 0; x < min(aw, cw); x++ {
			sx := x
			if aw > cw {
				sx = x * aw / cw
			}
			if tmp.AlphaAt(sx, y).A >= 0x70 {
				g.Set(x+off, y, true)
			}
		}
	}
	t.cache[r] = g
	return g
}

func box(g *Bitmap) {
	for x := 2; x < g.Width-2; x++ {
		g.Set(x, 3, true)
		g.Set(x, g.Height-4, true)
	}
	for y := 3; y < g.Height-3; y++ {
		g.Set(2, y, true)
		g.Set(g.Width-3, y, true)
	}
}

// DrawGlyph paints glyph g onto dst at (x, y), enlarged sw×sh times; bold
// strikes it a second time one dot to the right.
func DrawGlyph(dst, g *Bitmap, x, y, sw, sh int, bold bool) {
	for gy := 0; gy < g.Height; gy++ {
		for gx := 0; gx < g.Width; gx++ {
			if !g.At(gx, gy) {
				continue
			}
			for dy := 0; dy < sh; dy++ {
				for dx := 0; dx < sw; dx++ {
					dst.Set(x+gx*sw+dx, y+gy*sh+dy, true)
					if bold {
						dst.Set(x+gx*sw+dx+1, y+gy*sh+dy, true)
					}
				}
			}
		}
	}
}

// TextWidth is the width in dots of s at the given size multiplier.
func TextWidth(s string, sw int) int {
	w := 0
	for _, r := range s {
		w += CellWidth(r) * sw
	}
	return w
}

// Line draws s as one printer line (height 24×sh), the way a printer would
// print it as text. Characters beyond maxWidth dots (when > 0) are dropped.
func (t *Typeface) Line(s string, sw, sh int, bold bool, maxWidth int) *Bitmap {
	sw, sh = clamp(sw, 1, 8), clamp(sh, 1, 8)
	w := TextWidth(s, sw)
	if maxWidth > 0 && w > maxWidth {
		w = maxWidth
	}
	m := NewBitmap(max(w, 1), CellHeight*sh)
	x := 0
	for _, r := range s {
		cw := CellWidth(r) * sw
		if maxWidth > 0 && x+cw > maxWidth {
			break
		}
		DrawGlyph(m, t.Glyph(r), x, 0, sw, sh, bold)
		x += cw
	}
	return m
}

// DrawImage copies a bitmap onto an RGBA/Gray destination in black.
func DrawImage(dst draw.Image, m *Bitmap, at image.Point) {
	for y := 0; y < m.Height; y++ {
		for x := 0; x < m.Width; x++ {
			if m.At(x, y) {
				dst.Set(at.X+x, at.Y+y, image.Black.C)
			}
		}
	}
}

type sfntBuffer struct{ b sfnt.Buffer }
