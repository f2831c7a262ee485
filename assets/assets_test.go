package assets

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/image/font/sfnt"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// gb2312Hanzi enumerates the 6,763 hanzi of GB 2312 (rows 16 to 87 of the
// EUC-CN table) through x/text's decoder, so the list is not ours.
func gb2312Hanzi(t *testing.T) []rune {
	t.Helper()
	dec := simplifiedchinese.GBK.NewDecoder()
	var out []rune
	for hi := 0xB0; hi <= 0xF7; hi++ {
		for lo := 0xA1; lo <= 0xFE; lo++ {
			if hi == 0xD7 && lo > 0xF9 { // row 55 ends at 55-89
				continue
			}
			b, err := dec.Bytes([]byte{byte(hi), byte(lo)})
			if err != nil {
				t.Fatalf("decode %X%X: %v", hi, lo, err)
			}
			r, _ := utf8.DecodeRune(b)
			if r == utf8.RuneError {
				t.Fatalf("%X%X decodes to nothing", hi, lo)
			}
			out = append(out, r)
		}
	}
	return out
}

// Rare characters of real names that receipts and screens have shown as
// boxes or question marks elsewhere.
var rareNameChars = []rune{'䶮', '㛃', '堃', '喆', '赟', '昇', '珺', '琤', '𠮷'}

func TestFontsCoverGB2312AndRareNames(t *testing.T) {
	t.Parallel()
	hanzi := gb2312Hanzi(t)
	if len(hanzi) != 6763 {
		t.Fatalf("enumerated %d GB 2312 hanzi, want 6763", len(hanzi))
	}
	for name, data := range allFaces() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f, err := sfnt.Parse(data)
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			var buf sfnt.Buffer
			missing := 0
			check := func(r rune) {
				gi, err := f.GlyphIndex(&buf, r)
				if err != nil || gi == 0 {
					missing++
					if missing <= 10 {
						t.Errorf("no glyph for %q (U+%04X)", r, r)
					}
				}
			}
			for _, r := range hanzi {
				check(r)
			}
			if name == FontFullName {
				for _, r := range rareNameChars {
					check(r)
				}
			}
			for _, r := range "0123456789Xx·（）：，。、¥ABCxyz-/éüñǎǐǒǔǚễ€" {
				check(r)
			}
			if missing > 0 {
				t.Fatalf("%d characters missing", missing)
			}
		})
	}
}

func TestFontsAreSingleFacesOfReasonableSize(t *testing.T) {
	t.Parallel()
	for name, data := range allFaces() {
		if string(data[:4]) == "ttcf" {
			t.Errorf("%s is a collection; Fyne needs a single face", name)
		}
		if len(data) > 8<<20 {
			t.Errorf("%s is %d bytes; keep the bundled font under 8 MiB", name, len(data))
		}
	}
	if len(FontLicense()) < 1000 {
		t.Error("the font licence text is missing")
	}
}

// The faces carry the glyphs their character map reaches and little else.
// The collection's locale variants (Japanese, Korean and traditional forms,
// reached only through the 'locl' feature) once made up 18,000 of the
// 47,600 glyphs: Fyne copies a face's tables into memory each time it
// parses one, so they cost about 4 MB per face and text style for glyphs
// the terminal never draws. make-fonts.sh leaves them out.
func TestFontsCarryOnlyMappedGlyphs(t *testing.T) {
	t.Parallel()
	for name, data := range allFaces() {
		f, err := sfnt.Parse(data)
		if err != nil {
			t.Fatalf("%s: parse: %v", name, err)
		}
		var buf sfnt.Buffer
		reached := map[sfnt.GlyphIndex]bool{}
		for r := rune(0); r <= 0x2FFFF; r++ {
			if gi, err := f.GlyphIndex(&buf, r); err == nil && gi != 0 {
				reached[gi] = true
			}
		}
		// .notdef and the few glyphs the kerning or composite outlines use.
		const slack = 64
		if n := f.NumGlyphs(); n > len(reached)+slack {
			t.Errorf("%s has %d glyphs, but its character map reaches only %d: %d unreachable glyphs (locale or vertical variants?)",
				name, n, len(reached), n-len(reached))
		}
		if want := 29000; name == FontFullName && len(reached) < want {
			t.Errorf("%s maps %d glyphs; want the full coverage (about 29,600)", name, len(reached))
		}
	}
}

// cmapOf is the set of characters face has a glyph for, up to the
// supplementary ideographic plane.
func cmapOf(t *testing.T, face []byte) map[rune]bool {
	t.Helper()
	f, err := sfnt.Parse(face)
	if err != nil {
		t.Fatal(err)
	}
	var buf sfnt.Buffer
	m := map[rune]bool{}
	for r := rune(0); r <= 0x2FFFF; r++ {
		if gi, err := f.GlyphIndex(&buf, r); err == nil && gi != 0 {
			m[r] = true
		}
	}
	return m
}

// The full face draws every character the common faces draw: the screens
// send text to it whenever the common faces lack one of its characters,
// and the rest of that text must not turn into boxes there.
func TestFullFaceDrawsAllTheCommonFacesDo(t *testing.T) {
	t.Parallel()
	full := cmapOf(t, FontFull())
	for r := range cmapOf(t, FontRegular()) {
		if !full[r] {
			t.Errorf("the common face draws %q (U+%04X), the full face does not", r, r)
		}
	}
	if n := len(full); n < 31000 {
		t.Errorf("the full face maps %d characters, want about 31,800 (with Extension B)", n)
	}
}

// allFaces are the bundled faces by file name.
func allFaces() map[string][]byte {
	return map[string][]byte{FontFullName: FontFull(), FontRegularName: FontRegular(), FontBoldName: FontBold()}
}

// The common faces, regular and bold, are the common part only: GB 2312
// and the terminal's own text, about 7,800 glyphs, and both draw exactly
// the same characters (kiosk/ui asks one of them for both). A full face
// would be parsed and held in memory by Fyne for rare characters that are
// drawn in the full face anyway (kiosk/ui textStyle).
func TestCommonFacesAreTheCommonPart(t *testing.T) {
	t.Parallel()
	var cmaps [2]map[rune]bool
	for i, data := range [][]byte{FontRegular(), FontBold()} {
		f, err := sfnt.Parse(data)
		if err != nil {
			t.Fatal(err)
		}
		var buf sfnt.Buffer
		cmaps[i] = map[rune]bool{}
		for r := rune(0); r <= 0xFFFF; r++ {
			if gi, err := f.GlyphIndex(&buf, r); err == nil && gi != 0 {
				cmaps[i][r] = true
			}
		}
		rare := 0
		for _, r := range rareNameChars {
			if cmaps[i][r] && r >= 0x3400 && r <= 0x4DBF {
				rare++
			}
		}
		if rare > 0 {
			t.Errorf("face %d draws %d Extension A characters of rare names; it should hold the common characters only", i, rare)
		}
		if n := f.NumGlyphs(); n < 7000 || n > 9000 {
			t.Errorf("face %d has %d glyphs, want about 7,800 (GB 2312 and the terminal's text)", i, n)
		}
		if n := len(data); n > 2<<20 {
			t.Errorf("face %d is %d bytes, want under 2 MiB", i, n)
		}
	}
	for r := range cmaps[0] {
		if !cmaps[1][r] {
			t.Errorf("the regular common face draws %q (U+%04X), the bold one does not", r, r)
		}
	}
	for r := range cmaps[1] {
		if !cmaps[0][r] {
			t.Errorf("the bold common face draws %q (U+%04X), the regular one does not", r, r)
		}
	}
}

func TestTranslationsHaveBothLanguages(t *testing.T) {
	t.Parallel()
	var m map[string]map[string]string
	if err := json.Unmarshal(Translations(), &m); err != nil {
		t.Fatal(err)
	}
	if len(m) < 10 {
		t.Fatalf("only %d strings", len(m))
	}
	for k, v := range m {
		if v["zh"] == "" || v["en"] == "" {
			t.Errorf("%s: needs zh and en, has %v", k, v)
		}
	}
}

// Every character an agent can key from the pinyin table is one the full
// face draws: the screens show a keyed name in it when the common faces
// lack a character.
func TestPinyinTableCharactersHaveGlyphs(t *testing.T) {
	t.Parallel()
	f, err := sfnt.Parse(FontFull())
	if err != nil {
		t.Fatal(err)
	}
	var buf sfnt.Buffer
	n, missing := 0, 0
	for _, line := range strings.Split(string(PinyinTable()), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		_, chars, ok := strings.Cut(line, " ")
		if !ok {
			t.Fatalf("line %q has no characters", line)
		}
		for _, r := range chars {
			n++
			if gi, err := f.GlyphIndex(&buf, r); err != nil || gi == 0 {
				if missing++; missing <= 10 {
					t.Errorf("no glyph for %q (U+%04X) in the full face", r, r)
				}
			}
		}
	}
	if n < 20000 {
		t.Errorf("checked only %d characters of the table", n)
	}
	if missing > 0 {
		t.Errorf("%d characters of the pinyin table have no glyph", missing)
	}
}
