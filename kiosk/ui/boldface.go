package ui

import (
	"sync"

	"fyne.io/fyne/v2"
	"golang.org/x/image/font/sfnt"

	"github.com/pudong-community/kiosk/assets"
)

// The bundled bold face draws GB 2312's hanzi and the terminal's own text,
// not the 20,000 rare ideographs the regular face has (assets/fonts/
// make-fonts.sh): Fyne holds a parsed copy of every face it draws with, and
// a full bold face cost about 8 MB of memory for characters almost never
// drawn in bold. Text that may hold any character (a resident's name, a
// catalogue item's name, what an agent keys in) is bold only when the bold
// face draws all of it, and regular otherwise: Fyne has no other font to
// fall back on (the terminal hides the system's fonts), so a character the
// face lacks would show as a box.

// boldFace answers which characters the bold face draws. Its font is
// parsed once, in place: the character map is read from the embedded font
// file on each lookup, so nothing of the face is copied.
var boldFace = struct {
	sync.Mutex
	once sync.Once
	font *sfnt.Font // nil when the face cannot be read: then nothing is bold
	buf  sfnt.Buffer
}{}

// boldCovers reports whether the bold face draws every character of s
// (control characters such as a line break draw nothing and pass).
func boldCovers(s string) bool {
	boldFace.Lock()
	defer boldFace.Unlock()
	boldFace.once.Do(func() {
		if f, err := sfnt.Parse(assets.FontBold()); err == nil {
			boldFace.font = f
		}
	})
	if boldFace.font == nil {
		return false
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			continue
		}
		if gi, err := boldFace.font.GlyphIndex(&boldFace.buf, r); err != nil || gi == 0 {
			return false
		}
	}
	return true
}

// boldStyle is the style of text meant to be bold: bold when the bold face
// draws all of s, regular otherwise.
func boldStyle(s string) fyne.TextStyle {
	return fyne.TextStyle{Bold: boldCovers(s)}
}
