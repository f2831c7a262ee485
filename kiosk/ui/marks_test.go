package ui

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"golang.org/x/image/font/sfnt"

	"github.com/pudong-community/kiosk/assets"
)

// Every character the screens write is drawn from the bundled faces, never
// from whatever fonts the machine has: the terminal is built without Fyne's
// emoji face and its unit hides the system's fonts, so a character outside
// the bundled faces shows as a box. This reads every string literal of the
// package's source (the marks, the keypad's signs, the fixed labels) and
// every translation.
func TestScreenTextIsInTheBundledFonts(t *testing.T) {
	t.Parallel()
	texts := map[string]string{} // text -> where it is
	fset := token.NewFileSet()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
				if s, err := strconv.Unquote(lit.Value); err == nil {
					texts[s] = fset.Position(lit.Pos()).String()
				}
			}
			return true
		})
	}
	if len(texts) < 100 {
		t.Fatalf("found %d string literals; the source was not read", len(texts))
	}
	var tr map[string]map[string]string
	if err := json.Unmarshal(assets.Translations(), &tr); err != nil {
		t.Fatal(err)
	}
	for key, langs := range tr {
		for lang, s := range langs {
			texts[s] = "strings.json " + key + "." + lang
		}
	}
	texts[markDone+markFailed] = "the marks"
	for name, face := range map[string][]byte{"regular": assets.FontRegular(), "bold": assets.FontBold()} {
		f, err := sfnt.Parse(face)
		if err != nil {
			t.Fatal(err)
		}
		var buf sfnt.Buffer
		for s, where := range texts {
			for _, r := range s {
				if r < 0x20 || r == 0x7f || r == utf8.RuneError {
					continue
				}
				if gi, err := f.GlyphIndex(&buf, r); err != nil || gi == 0 {
					t.Errorf("%s face has no glyph for %q (U+%04X) of %q (%s)", name, r, r, s, where)
				}
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
