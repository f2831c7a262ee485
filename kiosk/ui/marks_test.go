package ui

import (
	"testing"

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
