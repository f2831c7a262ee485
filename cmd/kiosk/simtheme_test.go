package main

import (
	"testing"

	"fyne.io/fyne/v2"
	"golang.org/x/image/font/sfnt"
)

// The demo's simulator panel names cards with rare characters (刘䶮) on
// buttons, which Fyne draws bold: every style of its theme draws them.
func TestSimThemeDrawsRareNames(t *testing.T) {
	for _, st := range []fyne.TextStyle{{}, {Bold: true}, {Monospace: true}} {
		f, err := sfnt.Parse(simTheme{}.Font(st).Content())
		if err != nil {
			t.Fatal(err)
		}
		var buf sfnt.Buffer
		for _, r := range "刘䶮" {
			if gi, err := f.GlyphIndex(&buf, r); err != nil || gi == 0 {
				t.Errorf("style %+v: no glyph for %c", st, r)
			}
		}
	}
}
