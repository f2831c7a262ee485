package escpos

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// Charset is the double-byte repertoire resident in the printer's font ROM.
type Charset int

// Charsets, from the smallest repertoire to the largest.
const (
	// GB2312 is EUC-CN: two-byte codes with both bytes in A1..FE (lead
	// A1..F7). SPRT SP series and other older heads.
	GB2312 Charset = iota + 1
	// GBK is CP936 two-byte codes only (lead 81..FE). Most Zjiang/Xprinter
	// 58 mm units.
	GBK
	// GB18030 includes the four-byte codes (¥, ©, •, rare CJK extension B+
	// name characters). Only printers whose ROM really holds them.
	GB18030
)

// String names the charset as it is written in configuration files.
func (c Charset) String() string {
	switch c {
	case GB2312:
		return "GB2312"
	case GBK:
		return "GBK"
	case GB18030:
		return "GB18030"
	}
	return fmt.Sprintf("Charset(%d)", int(c))
}

// ParseCharset reads "GB2312", "GBK" or "GB18030" (case-insensitive, "-"
// and "_" ignored).
func ParseCharset(s string) (Charset, error) {
	k := strings.NewReplacer("-", "", "_", "", " ", "").Replace(strings.ToUpper(strings.TrimSpace(s)))
	switch k {
	case "GB2312", "EUCCN":
		return GB2312, nil
	case "GBK", "CP936":
		return GBK, nil
	case "GB18030":
		return GB18030, nil
	}
	return 0, fmt.Errorf("%w: %q", ErrBadCharset, s)
}

// UnencodableError reports the first character of a text that the printer's
// charset cannot carry. Offset is the byte offset in the UTF-8 input.
type UnencodableError struct {
	Charset Charset
	Rune    rune
	Offset  int
	Reason  string
}

func (e *UnencodableError) Error() string {
	return fmt.Sprintf("escpos: %U %s in %s at byte %d", e.Rune, e.Reason, e.Charset, e.Offset)
}

// Unwrap returns ErrUnencodable.
func (e *UnencodableError) Unwrap() error { return ErrUnencodable }

// uncertainCode reports two-byte codes whose glyph differs between font ROM
// generations: the vertical punctuation A6D9..A6F5 and the FE50..FEA0 row
// that GB18030-2000/2005 mapped to private-use code points and GB18030-2022
// to real characters (䶮 U+4DAE is FE 9F in x/text). A printer may hold either
// generation, so these never go as text.
func uncertainCode(hi, lo byte) bool {
	switch hi {
	case 0xA6:
		return lo >= 0xD9 && lo <= 0xF5
	case 0xFE:
		return lo >= 0x50 && lo <= 0xA0
	}
	return false
}

// gb2312Rows are the assigned cells of GB 2312's symbol rows 1 to 9 (lead
// bytes A1 to A9), as trail-byte ranges: GBK fills some of the empty cells
// (small roman numerals in row 2, vertical forms in row 6, pinyin letters
// in row 8), which a GB2312 printer's font does not have.
var gb2312Rows = [9][][2]byte{
	{{0xA1, 0xFE}}, // 1: punctuation and signs
	{{0xB1, 0xE2}, {0xE5, 0xEE}, {0xF1, 0xFC}}, // 2: numbers
	{{0xA1, 0xFE}},               // 3: full-width ASCII
	{{0xA1, 0xF3}},               // 4: hiragana
	{{0xA1, 0xF6}},               // 5: katakana
	{{0xA1, 0xB8}, {0xC1, 0xD8}}, // 6: Greek
	{{0xA1, 0xC1}, {0xD1, 0xF1}}, // 7: Cyrillic
	{{0xA1, 0xBA}, {0xC5, 0xE9}}, // 8: pinyin, bopomofo
	{{0xA4, 0xEF}},               // 9: box drawing
}

// inGB2312 reports whether the two-byte EUC-CN code hi lo is a character
// of GB 2312: the symbol rows' assigned cells, and the hanzi of rows 16
// to 87 (B0A1 to F7FE; row 55 ends at D7F9).
func inGB2312(hi, lo byte) bool {
	if lo < 0xA1 || lo > 0xFE {
		return false
	}
	switch {
	case hi >= 0xA1 && hi <= 0xA9:
		for _, rg := range gb2312Rows[hi-0xA1] {
			if lo >= rg[0] && lo <= rg[1] {
				return true
			}
		}
		return false
	case hi == 0xD7:
		return lo <= 0xF9
	default:
		return hi >= 0xB0 && hi <= 0xF7
	}
}

// EncodeRune appends the printer bytes of one rune, or reports why it cannot
// be carried. ASCII printable characters are single bytes; control
// characters are refused (they would be interpreted as commands).
func (c Charset) EncodeRune(dst []byte, r rune) ([]byte, error) {
	switch {
	case r == utf8.RuneError:
		return dst, &UnencodableError{Charset: c, Rune: r, Reason: "is invalid UTF-8"}
	case r < 0x20 || r == 0x7F || (r >= 0x80 && r < 0xA0):
		return dst, &UnencodableError{Charset: c, Rune: r, Reason: "is a control character"}
	case r < 0x80:
		return append(dst, byte(r)), nil
	}
	var enc *encoding.Encoder
	switch c {
	case GB2312, GBK:
		enc = simplifiedchinese.GBK.NewEncoder()
	case GB18030:
		enc = simplifiedchinese.GB18030.NewEncoder()
	default:
		return dst, fmt.Errorf("%w: %d", ErrBadCharset, int(c))
	}
	var in [utf8.UTFMax]byte
	n := utf8.EncodeRune(in[:], r)
	var out [8]byte
	nDst, _, err := enc.Transform(out[:], in[:n], true)
	if err != nil || nDst == 0 {
		reason := "needs a four-byte GB18030 code"
		if c == GB18030 {
			reason = "has no GB18030 code"
		}
		return dst, &UnencodableError{Charset: c, Rune: r, Reason: reason}
	}
	code := out[:nDst]
	switch {
	case len(code) == 1:
		// x/text GBK maps € to the single byte 80 (CP936); no GB printer
		// font has a glyph there.
		return dst, &UnencodableError{Charset: c, Rune: r, Reason: "maps to a single high byte"}
	case len(code) == 2 && uncertainCode(code[0], code[1]):
		return dst, &UnencodableError{Charset: c, Rune: r, Reason: "has a code whose glyph differs between GB18030 editions"}
	case len(code) == 2 && c == GB2312 && !inGB2312(code[0], code[1]):
		return dst, &UnencodableError{Charset: c, Rune: r, Reason: "is outside GB2312"}
	case len(code) == 4 && c != GB18030:
		return dst, &UnencodableError{Charset: c, Rune: r, Reason: "needs a four-byte GB18030 code"}
	}
	return append(dst, code...), nil
}

// CanEncode reports whether r can be sent as text in this charset.
func (c Charset) CanEncode(r rune) bool {
	var buf [8]byte
	_, err := c.EncodeRune(buf[:0], r)
	return err == nil
}

// Encode appends the printer bytes of s. On the first character the charset
// cannot carry it returns dst unchanged and an *UnencodableError; nothing is
// replaced.
func (c Charset) Encode(dst []byte, s string) ([]byte, error) {
	start := len(dst)
	for i, r := range s {
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(s[i:]); size == 1 {
				return dst[:start], &UnencodableError{Charset: c, Rune: r, Offset: i, Reason: "is invalid UTF-8"}
			}
		}
		var err error
		dst, err = c.EncodeRune(dst, r)
		if err != nil {
			if ue, ok := err.(*UnencodableError); ok {
				ue.Offset = i
			}
			return dst[:start], err
		}
	}
	return dst, nil
}

// Unencodable returns the distinct runes of s that the charset cannot carry,
// in order of first appearance.
func (c Charset) Unencodable(s string) []rune {
	var out []rune
	seen := map[rune]bool{}
	for _, r := range s {
		if !seen[r] && !c.CanEncode(r) {
			out = append(out, r)
		}
		seen[r] = true
	}
	return out
}

// needsChineseMode reports whether an encoded text contains any byte that
// must be read as part of a GB code.
func needsChineseMode(p []byte) bool {
	for _, c := range p {
		if c >= 0x80 {
			return true
		}
	}
	return false
}

// AppendText encodes s for the charset and appends it. Text holding GB codes
// is wrapped in FS & ... FS . so that the printer reads them as two- or
// four-byte codes whatever its power-on mode. A line feed is not added. On
// error b is returned unchanged.
func AppendText(b []byte, c Charset, s string) ([]byte, error) {
	enc, err := c.Encode(nil, s)
	if err != nil {
		return b, err
	}
	if !needsChineseMode(enc) {
		return append(b, enc...), nil
	}
	b = AppendChineseOn(b)
	b = append(b, enc...)
	return AppendChineseOff(b), nil
}

// AppendTextLine is AppendText followed by LF inside the Chinese-mode span,
// the form of the escpos-php textChinese test vector.
func AppendTextLine(b []byte, c Charset, s string) ([]byte, error) {
	enc, err := c.Encode(nil, s)
	if err != nil {
		return b, err
	}
	if !needsChineseMode(enc) {
		return append(append(b, enc...), LF), nil
	}
	b = AppendChineseOn(b)
	b = append(b, enc...)
	b = append(b, LF)
	return AppendChineseOff(b), nil
}

// MarshalText writes the charset name (for JSON and TOML).
func (c Charset) MarshalText() ([]byte, error) {
	if c < GB2312 || c > GB18030 {
		return nil, fmt.Errorf("%w: %d", ErrBadCharset, int(c))
	}
	return []byte(c.String()), nil
}

// UnmarshalText reads a charset name (ParseCharset).
func (c *Charset) UnmarshalText(b []byte) error {
	v, err := ParseCharset(string(b))
	if err != nil {
		return err
	}
	*c = v
	return nil
}
