package ui

import (
	"errors"
	"unsafe"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"

	"github.com/pudong-community/kiosk/assets"
)

// Sentinels of the font page release.
var (
	// ErrFontPagesNotFile: a font's bytes are not in a file-backed mapping
	// of the program (they were copied to the heap), so dropping their
	// pages would lose them; nothing was released.
	ErrFontPagesNotFile = errors.New("ui: release font pages: font bytes are not file-backed")
	// ErrFontPagesUnsupported: this system cannot release the pages.
	ErrFontPagesUnsupported = errors.New("ui: release font pages: not supported on this system")
)

// bundledFonts are the font files compiled into the program: the three CJK
// faces of the theme (the common regular and bold ones and the full one) and
// the faces Fyne bundles and always parses as
// fallbacks (its Latin text faces and its emoji face).
// Each file is listed once even where Fyne serves one file for two styles.
func bundledFonts() [][]byte {
	fonts := [][]byte{assets.FontRegular(), assets.FontBold(), assets.FontFull()}
	seen := map[*byte]bool{}
	for _, b := range fonts {
		seen[unsafe.SliceData(b)] = true
	}
	for _, r := range []fyne.Resource{
		theme.DefaultTextFont(), theme.DefaultTextBoldFont(), theme.DefaultTextMonospaceFont(),
		theme.DefaultTextItalicFont(), theme.DefaultTextBoldItalicFont(), theme.DefaultSymbolFont(),
		theme.DefaultEmojiFont(), // nil when built with no_emoji
	} {
		if r == nil {
			continue
		}
		if b := r.Content(); len(b) > 0 && !seen[unsafe.SliceData(b)] {
			seen[unsafe.SliceData(b)] = true
			fonts = append(fonts, b)
		}
	}
	return fonts
}

// ReleaseFontPages gives back to the kernel the memory pages that hold the
// font files compiled into the program, once Fyne has parsed them.
//
// Fyne parses a face by copying each table of the font file into its own
// buffers, so after the first screen is laid out the ~12 MB of embedded font
// files are never read again, yet their pages stay in the resident set. The
// pages are clean and file-backed (never written), so dropping them loses
// nothing: a later read, such as a new text style, the elder theme or the
// receipt rasteriser parsing a face again, faults them back in from the
// program file with the same bytes.
//
// It returns how many bytes it released. Font bytes that are not
// file-backed are left alone (ErrFontPagesNotFile); the others are still
// released.
func ReleaseFontPages() (int64, error) {
	var total int64
	var errs []error
	for _, b := range bundledFonts() {
		n, err := releasePages(b)
		total += n
		if errors.Is(err, ErrFontPagesUnsupported) {
			return 0, err
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	return total, errors.Join(errs...)
}
