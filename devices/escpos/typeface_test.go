package escpos

import (
	"testing"

	"golang.org/x/image/font/gofont/goregular"
)

func countDots(m *Bitmap) int {
	n := 0
	for y := 0; y < m.Height; y++ {
		for x := 0; x < m.Width; x++ {
			if m.At(x, y) {
				n++
			}
		}
	}
	return n
}

func TestTypeface(t *testing.T) {
	t.Parallel()
	tf, err := NewTypeface(goregular.TTF)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewTypeface([]byte("not a font")); err == nil {
		t.Error("garbage parsed as a font")
	}
	a := tf.Glyph('A')
	if a.Width != 12 || a.Height != 24 || countDots(a) < 20 {
		t.Errorf("A: %dx%d with %d dots", a.Width, a.Height, countDots(a))
	}
	if countDots(tf.Glyph(' ')) != 0 {
		t.Error("space has dots")
	}
	if !tf.HasGlyph('A') || tf.HasGlyph('回') {
		t.Error("HasGlyph wrong for Go Regular (Latin only)")
	}
	box := tf.Glyph('回') // missing: hollow box, visible
	if box.Width != 24 || countDots(box) == 0 {
		t.Errorf("missing glyph drawn as %d dots", countDots(box))
	}
	line := tf.Line("AB回", 2, 1, true, 0)
	if line.Width != (12+12+24)*2 || line.Height != 24 {
		t.Errorf("line %dx%d", line.Width, line.Height)
	}
	if clipped := tf.Line("ABCDEFGH", 1, 1, false, 30); clipped.Width != 30 {
		t.Errorf("clipped width %d", clipped.Width)
	}
	if g := BitmapFromImage(a.Image()); countDots(g) != countDots(a) {
		t.Error("Image/BitmapFromImage round trip lost dots")
	}
}
