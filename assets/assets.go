// Package assets embeds what the terminal must carry with it so that it never
// depends on the machine it runs on: the CJK font (a single face, not a .ttc
// collection, so Fyne and the receipt rasteriser can load it), its licence,
// and the resident-facing translations.
package assets

import (
	_ "embed"
)

//go:embed fonts/NotoSansSC-Regular-Full.otf
var fontFull []byte

//go:embed fonts/NotoSansSC-Regular.otf
var fontRegular []byte

//go:embed fonts/NotoSansSC-Bold.otf
var fontBold []byte

//go:embed fonts/OFL.txt
var fontLicense []byte

// FontFull returns the full regular face of Noto Sans CJK SC (CFF
// outlines), covering Latin, arrows, mathematical operators, dingbats, CJK
// symbols and punctuation, CJK Unified Ideographs with Extension A,
// compatibility ideographs and full-width forms, in their simplified
// Chinese forms only (assets/fonts/make-fonts.sh). The receipt is drawn
// with it, and the screens draw with it text that the common faces cannot.
func FontFull() []byte { return fontFull }

// FontRegular returns the common regular face, which the screens draw with.
// It covers FontFull's non-Chinese ranges, the 6,763 hanzi of GB 2312 and
// every character of the terminal's own text (its translations and the
// string literals of its screens), but not the rare ideographs: text with
// one of those is drawn in the full face (kiosk/ui), and the face costs a
// quarter of the memory the full one does.
func FontRegular() []byte { return fontRegular }

// FontBold returns the common bold face, for headings, titles and keys. It
// covers exactly the characters FontRegular covers.
func FontBold() []byte { return fontBold }

// FontLicense returns the SIL Open Font License text of the bundled fonts.
func FontLicense() []byte { return fontLicense }

// FontName is the file name the fonts are known by in Fyne resources.
const (
	FontFullName    = "NotoSansSC-Regular-Full.otf"
	FontRegularName = "NotoSansSC-Regular.otf"
	FontBoldName    = "NotoSansSC-Bold.otf"
)

//go:embed i18n/strings.json
var translations []byte

// Translations returns the resident-facing strings: a JSON object mapping
// each key to {"zh": "...", "en": "..."}. Chinese is the terminal's first
// language; every key must have both.
func Translations() []byte { return translations }

//go:embed pinyin/pinyin.txt
var pinyinTable []byte

// PinyinTable returns the characters an agent can key a resident's name
// with: a line per toneless pinyin syllable (ü as v), the syllable, a
// space and its characters, most common first; then, for the characters
// listed under more than one syllable, lines "=syllable characters" giving
// their customary reading (which spells the catalogue in pinyin); lines
// starting with # are comments. It is derived from Unicode's Unihan database
// (pinyin/make-table.py, licence pinyin/LICENSE-Unicode.txt) and holds
// only characters the bundled font draws.
func PinyinTable() []byte { return pinyinTable }
