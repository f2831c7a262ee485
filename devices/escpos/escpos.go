// Package escpos is a pure ESC/POS encoder and status decoder for serial
// thermal receipt printers. It does no I/O: encoders append bytes to a slice
// (append style, like strconv.AppendInt) and decoders read the one-byte
// replies of DLE EOT and the four bytes of automatic status back.
//
// Only the portable command subset is emitted (ESC @, ESC a, ESC E, GS !, LF,
// ESC d, GS v 0, GS L / GS W), plus the optional commands a printer profile
// may switch on (GS ( k native QR, GS V cuts, DLE EOT, GS r). Chinese text is
// encoded for the printer's resident charset (GB2312, GBK or GB18030) and is
// sent between FS & and FS .; a character the charset cannot carry is
// reported as an *UnencodableError, never silently replaced.
package escpos

import (
	"errors"
	"fmt"
	"strings"
)

// Control bytes.
const (
	ESC  = 0x1B
	GS   = 0x1D
	FS   = 0x1C
	DLE  = 0x10
	EOT  = 0x04
	ENQ  = 0x05
	LF   = 0x0A
	XON  = 0x11
	XOFF = 0x13
)

// Sentinel errors. Every error of this package wraps one of these.
var (
	ErrUnencodable   = errors.New("escpos: character not in printer charset")
	ErrControlChar   = errors.New("escpos: control character in text")
	ErrInvalidUTF8   = errors.New("escpos: invalid UTF-8 in text")
	ErrBadCharset    = errors.New("escpos: unknown charset")
	ErrQRPayload     = errors.New("escpos: QR payload empty or too long")
	ErrQRParam       = errors.New("escpos: QR parameter out of range")
	ErrImageSize     = errors.New("escpos: image size out of range")
	ErrBadStatus     = errors.New("escpos: not a status reply")
	ErrBadStatusKind = errors.New("escpos: status kind must be 1 to 4")
	ErrParam         = errors.New("escpos: parameter out of range")
)

// Alignment is the ESC a justification.
type Alignment byte

// Justifications for ESC a.
const (
	AlignLeft   Alignment = 0
	AlignCenter Alignment = 1
	AlignRight  Alignment = 2
)

// String names the alignment.
func (a Alignment) String() string {
	switch a {
	case AlignLeft:
		return "left"
	case AlignCenter:
		return "center"
	case AlignRight:
		return "right"
	}
	return fmt.Sprintf("Alignment(%d)", byte(a))
}

// CutKind selects the GS V function used to cut the paper.
type CutKind byte

// Cut functions. CutNone means the printer has no cutter: the paper is only
// fed past the tear bar.
const (
	CutNone        CutKind = 0
	CutFeedFull    CutKind = 65 // GS V 65 n: feed to cutter + n units, full cut
	CutFeedPartial CutKind = 66 // GS V 66 n: feed to cutter + n units, partial cut (most portable)
)

// String names the cut kind.
func (c CutKind) String() string {
	switch c {
	case CutNone:
		return "none"
	case CutFeedFull:
		return "feed+full"
	case CutFeedPartial:
		return "feed+partial"
	}
	return fmt.Sprintf("CutKind(%d)", byte(c))
}

// AppendInit appends ESC @ (initialise printer, clears the print buffer and
// resets modes, including QR settings).
func AppendInit(b []byte) []byte { return append(b, ESC, '@') }

// AppendAlign appends ESC a n. Values other than left/center/right are
// treated as left.
func AppendAlign(b []byte, a Alignment) []byte {
	if a > AlignRight {
		a = AlignLeft
	}
	return append(b, ESC, 'a', byte(a))
}

// AppendBold appends ESC E n (emphasized on/off).
func AppendBold(b []byte, on bool) []byte {
	n := byte(0)
	if on {
		n = 1
	}
	return append(b, ESC, 'E', n)
}

// AppendSize appends GS ! n, the character size that also applies to Chinese
// characters. Width and height are multipliers 1..8; out-of-range values are
// clamped (0 becomes 1) so the byte can never underflow to GS ! FF.
func AppendSize(b []byte, width, height int) []byte {
	w, h := clamp(width, 1, 8), clamp(height, 1, 8)
	return append(b, GS, '!', byte((w-1)<<4|(h-1)))
}

func clamp(v, lo, hi int) int {
	if v < lo {
		return lo
	}
	if v > hi {
		return hi
	}
	return v
}

// AppendLF appends LF: print the line buffer and feed one line.
func AppendLF(b []byte) []byte { return append(b, LF) }

// AppendFeed appends ESC d n: print and feed n lines (clamped to 0..255).
func AppendFeed(b []byte, lines int) []byte {
	return append(b, ESC, 'd', byte(clamp(lines, 0, 255)))
}

// AppendLineSpacing appends ESC 3 n (line spacing in dots, 0..255).
func AppendLineSpacing(b []byte, dots int) []byte {
	return append(b, ESC, '3', byte(clamp(dots, 0, 255)))
}

// AppendDefaultLineSpacing appends ESC 2.
func AppendDefaultLineSpacing(b []byte) []byte { return append(b, ESC, '2') }

// AppendChineseOn appends FS & (select Chinese two-byte character mode).
func AppendChineseOn(b []byte) []byte { return append(b, FS, '&') }

// AppendChineseOff appends FS . (cancel Chinese character mode).
func AppendChineseOff(b []byte) []byte { return append(b, FS, '.') }

// AppendPrintArea appends GS L and GS W: left margin and print-area width in
// dots (horizontal motion unit = 1 dot on 203 dpi printers). They are only
// honoured at the beginning of a line.
func AppendPrintArea(b []byte, leftDots, widthDots int) []byte {
	l, w := clamp(leftDots, 0, 0xFFFF), clamp(widthDots, 0, 0xFFFF)
	return append(b, GS, 'L', byte(l), byte(l>>8), GS, 'W', byte(w), byte(w>>8))
}

// AppendCut appends a paper cut. CutFeedFull and CutFeedPartial feed to the
// cutting position plus extra vertical units first; CutNone only feeds
// `extra`/8 lines (at least 4) so the receipt can be torn off.
func AppendCut(b []byte, kind CutKind, extra int) []byte {
	switch kind {
	case CutFeedFull, CutFeedPartial:
		return append(b, GS, 'V', byte(kind), byte(clamp(extra, 0, 255)))
	default:
		return AppendFeed(b, max(4, extra/8))
	}
}

// AppendStatusQuery appends DLE EOT n, the real-time status query, n = 1..4.
func AppendStatusQuery(b []byte, kind StatusKind) []byte {
	return append(b, DLE, EOT, byte(kind))
}

// AppendRecover appends DLE ENQ n: n=1 resume from the error line, n=2
// recover after clearing the receive and print buffers.
func AppendRecover(b []byte, clearBuffers bool) []byte {
	n := byte(1)
	if clearBuffers {
		n = 2
	}
	return append(b, DLE, ENQ, n)
}

// AppendPaperSensorQuery appends GS r 1. Unlike DLE EOT it is processed in
// sequence, so its reply marks "everything sent before has been processed".
func AppendPaperSensorQuery(b []byte) []byte { return append(b, GS, 'r', 1) }

// MarshalText writes the cut kind name (for JSON and TOML).
func (c CutKind) MarshalText() ([]byte, error) {
	switch c {
	case CutNone, CutFeedFull, CutFeedPartial:
		return []byte(c.String()), nil
	}
	return nil, fmt.Errorf("%w: cut kind %d", ErrParam, byte(c))
}

// UnmarshalText reads "none", "feed+full" (or "full") and "feed+partial"
// (or "partial").
func (c *CutKind) UnmarshalText(b []byte) error {
	switch strings.ToLower(strings.TrimSpace(string(b))) {
	case "none", "":
		*c = CutNone
	case "feed+full", "full":
		*c = CutFeedFull
	case "feed+partial", "partial":
		*c = CutFeedPartial
	default:
		return fmt.Errorf("%w: cut kind %q", ErrParam, b)
	}
	return nil
}
