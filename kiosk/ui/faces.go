package ui

import (
	"sync"

	"fyne.io/fyne/v2"
	"golang.org/x/image/font/sfnt"

	"github.com/pudong-community/kiosk/assets"
)

// The screens draw with two common faces, regular and bold, which hold
// GB 2312's hanzi and the terminal's own text but not the 20,000 rare
// ideographs (assets/fonts/make-fonts.sh): Fyne holds a parsed copy of
// every face it draws with, and a full face costs about 9 MB of memory for
// characters most visits never show. Text that may hold any character (a
// resident's name, a catalogue item's name, what an agent keys in) is drawn
// in the common faces when they draw all of it, and otherwise, all of it, in
// the full regular face, which draws everything. Fyne has no other font to
// fall back on (the terminal hides the system's fonts), so a character a
// face lacks would show as a box.
//
// Fyne picks a face by text style only, so the full face is the theme's
// face for the italic style, which the terminal never draws otherwise
// (fullStyle). Nothing is slanted: the face is upright. Fyne parses it the
// first time such text is laid out; the terminal drops it again when the
// visit that needed it ends (App.releaseFullFace).

// fullStyle is the text style the theme answers with the full face.
var fullStyle = fyne.TextStyle{Italic: true}

// cmap answers which characters a bundled face draws. Its font is parsed
// once, in place: the character map is read from the embedded font file on
// each lookup, so nothing of the face is copied.
type cmap struct {
	sync.Mutex
	once sync.Once
	data func() []byte
	font *sfnt.Font // nil when the face cannot be read: then it draws nothing
	buf  sfnt.Buffer
}

// has reports whether the face has a glyph for r.
func (c *cmap) has(r rune) bool {
	c.Lock()
	defer c.Unlock()
	c.once.Do(func() {
		if f, err := sfnt.Parse(c.data()); err == nil {
			c.font = f
		}
	})
	if c.font == nil {
		return false
	}
	gi, err := c.font.GlyphIndex(&c.buf, r)
	return err == nil && gi != 0
}

var (
	commonCmap = &cmap{data: assets.FontRegular} // the common faces draw the same characters
	fullCmap   = &cmap{data: assets.FontFull}
)

// drawsNothing are the characters that need no glyph: control characters
// such as a line break.
func drawsNothing(r rune) bool { return r < 0x20 || r == 0x7f }

// textStyle is the style s is drawn in: bold when asked and regular
// otherwise, in the common faces; but regular in the full face when that
// draws a character of s the common faces lack; and regular, whose face has
// Fyne's Noto Sans behind it, when s has a character no bundled face has
// (Cyrillic є, Greek ά).
func textStyle(s string, bold bool) fyne.TextStyle {
	style := fyne.TextStyle{Bold: bold}
	for _, r := range s {
		if drawsNothing(r) || commonCmap.has(r) {
			continue
		}
		if fullCmap.has(r) {
			return fullStyle
		}
		style = fyne.TextStyle{}
	}
	return style
}

// boldStyle is the style of text meant to be bold.
func boldStyle(s string) fyne.TextStyle { return textStyle(s, true) }

// plainStyle is the style of text meant to be regular.
func plainStyle(s string) fyne.TextStyle { return textStyle(s, false) }
