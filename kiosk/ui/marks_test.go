package ui

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"golang.org/x/image/font/sfnt"

	"github.com/pudong-community/kiosk/assets"
)

// The marks the screens put before a message are drawn from the bundled
// faces, never from whatever fonts the machine has.
func TestMarksAreInTheBundledFonts(t *testing.T) {
	t.Parallel()
	for name, face := range map[string][]byte{"regular": assets.FontRegular(), "bold": assets.FontBold()} {
		f, err := sfnt.Parse(face)
		if err != nil {
			t.Fatal(err)
		}
		var buf sfnt.Buffer
		for _, r := range markFailed {
			if gi, err := f.GlyphIndex(&buf, r); err != nil || gi == 0 {
				t.Errorf("%s face has no glyph for %q (U+%04X)", name, r, r)
			}
		}
	}
}

// The starting screen speaks in the bundled font, with the terminal's
// theme already set, and has no title bar for a measurement to mistake for
// the home screen.
func TestStartingScreen(t *testing.T) {
	fa := test.NewApp()
	defer test.NewApp()
	w := fa.NewWindow("")
	defer w.Close()
	w.SetContent(StartingScreen(fa))
	w.Resize(fyne.NewSize(540, 960))
	if _, ok := fa.Settings().Theme().(*Theme); !ok {
		t.Fatalf("theme = %T, want the terminal's", fa.Settings().Theme())
	}
	if !hasText(w, StartingText) {
		t.Errorf("texts = %q, want %q", texts(w), StartingText)
	}
	f, err := sfnt.Parse(assets.FontRegular())
	if err != nil {
		t.Fatal(err)
	}
	var buf sfnt.Buffer
	for _, r := range StartingText {
		if gi, err := f.GlyphIndex(&buf, r); err != nil || gi == 0 {
			t.Errorf("no glyph for %q in the bundled font", r)
		}
	}
	img := w.Canvas().Capture()
	top := img.At(img.Bounds().Dx()/2, 5)
	r, g, b, _ := top.RGBA()
	if b > r+0x2000 && b > g+0x2000 {
		t.Errorf("the top of the starting screen is blue (%v): it looks like the home screen's bar", top)
	}
}
