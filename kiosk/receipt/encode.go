package receipt

import (
	"fmt"
	"image"
	"sync"

	"github.com/pudong-community/kiosk/assets"
	"github.com/pudong-community/kiosk/devices/escpos"
	qrcode "github.com/skip2/go-qrcode"
)

// Options describe the printer the receipt is encoded for (from its device
// profile).
type Options struct {
	WidthDots int            // 384 (58 mm) or 576 (80 mm)
	Charset   escpos.Charset // GB2312, GBK or GB18030
	NativeQR  bool           // GS ( k works on this model
	Cut       escpos.CutKind // CutNone when there is no cutter
}

func (o Options) check() error {
	if o.WidthDots != 384 && o.WidthDots != 576 {
		return fmt.Errorf("%w: %d", ErrWidth, o.WidthDots)
	}
	if o.Charset < escpos.GB2312 || o.Charset > escpos.GB18030 {
		return fmt.Errorf("%w: %d", ErrCharset, o.Charset)
	}
	return nil
}

// Report says how a receipt was encoded.
type Report struct {
	RasterLines int    // lines sent as images because the charset cannot carry them
	Unencodable []rune // the characters that forced raster lines
	NoGlyph     []rune // characters the bundled font lacks (printed as a box)
	QRRaster    bool   // QR sent as GS v 0 instead of GS ( k
	QRModule    int    // dots per QR module
}

var (
	tfOnce sync.Once
	tf     *escpos.Typeface
	tfErr  error
)

func typeface() (*escpos.Typeface, error) {
	tfOnce.Do(func() {
		tf, tfErr = escpos.NewTypeface(assets.FontFull())
		if tfErr != nil {
			tfErr = fmt.Errorf("%w: %v", ErrFont, tfErr)
		}
	})
	return tf, tfErr
}

// minModule is the smallest QR module (0.375 mm at 203 dpi) phones read
// reliably from thermal paper.
const minModule = 3

// qrModule picks the largest module size up to 6 dots that fits the
// paper with a 4-module quiet zone each side. It only sizes the symbol
// (cheap); Bitmap, the expensive part, is left to qrSymbol.
func qrModule(payload string, width int) (*qrcode.QRCode, int, error) {
	q, err := qrcode.New(payload, qrcode.Medium)
	if err != nil {
		return nil, 0, fmt.Errorf("%w: %v", ErrQRTooLong, err)
	}
	n := 17 + 4*q.VersionNumber
	module := min(6, width/(n+8))
	if module < minModule {
		return nil, 0, fmt.Errorf("%w: %d modules on %d dots", ErrQRTooLong, n, width)
	}
	return q, module, nil
}

// qrSymbol draws the QR symbol without quiet zone at the module size
// qrModule chose.
func qrSymbol(payload string, width int) (*escpos.Bitmap, int, error) {
	q, module, err := qrModule(payload, width)
	if err != nil {
		return nil, 0, err
	}
	q.DisableBorder = true
	bits := q.Bitmap()
	n := len(bits)
	bm := escpos.NewBitmap(n*module, n*module)
	for y, row := range bits {
		// Draw the first dot row of the module row, then copy it down.
		y0 := y * module
		for x, on := range row {
			if !on {
				continue
			}
			for dx := 0; dx < module; dx++ {
				bm.Set(x*module+dx, y0, true)
			}
		}
		first := bm.Pix[y0*bm.Stride : (y0+1)*bm.Stride]
		for dy := 1; dy < module; dy++ {
			copy(bm.Pix[(y0+dy)*bm.Stride:(y0+dy+1)*bm.Stride], first)
		}
	}
	return bm, module, nil
}

// Encode appends the ESC/POS bytes of the receipt to dst. It starts with
// ESC @ and ends with the cut, so the same bytes can be sent again whole
// for a reprint.
func Encode(dst []byte, r Receipt, o Options) ([]byte, Report, error) {
	var rep Report
	if err := o.check(); err != nil {
		return dst, rep, err
	}
	if err := r.Validate(); err != nil {
		return dst, rep, err
	}
	face, err := typeface()
	if err != nil {
		return dst, rep, err
	}
	start := len(dst)
	b := escpos.AppendInit(dst)
	b = escpos.AppendPrintArea(b, 0, o.WidthDots)
	align, size, bold := escpos.AlignLeft, 1, false
	seen := map[rune]bool{}
	for _, bl := range layout(r, o.WidthDots) {
		if bl.align != align {
			b = escpos.AppendAlign(b, bl.align)
			align = bl.align
		}
		switch bl.kind {
		case qrBlock:
			_, module, err := qrModule(bl.text, o.WidthDots)
			if err != nil {
				return dst[:start], rep, err
			}
			rep.QRModule = module
			b = append(b, escpos.ESC, 'J', byte(4*module)) // quiet zone above
			if o.NativeQR {
				b, err = escpos.AppendQR(b, []byte(bl.text), escpos.QROptions{Module: module, Level: escpos.QRLevelM})
			} else {
				var sym *escpos.Bitmap
				if sym, _, err = qrSymbol(bl.text, o.WidthDots); err == nil {
					rep.QRRaster = true
					b, err = escpos.AppendRaster(b, sym, bandRows)
				}
			}
			if err != nil {
				return dst[:start], rep, fmt.Errorf("%w: %v", ErrQRTooLong, err)
			}
			b = append(b, escpos.ESC, 'J', byte(4*module)) // quiet zone below
			continue
		case feedBlock:
			b = append(b, escpos.ESC, 'J', byte(bl.dots))
			continue
		}
		if bl.size != size {
			b = escpos.AppendSize(b, bl.size, bl.size)
			size = bl.size
		}
		if bl.bold != bold {
			b = escpos.AppendBold(b, bl.bold)
			bold = bl.bold
		}
		if nb, err := escpos.AppendTextLine(b, o.Charset, bl.text); err == nil {
			b = nb
			continue
		}
		// The charset cannot carry this line: draw it with the bundled font.
		for _, c := range o.Charset.Unencodable(bl.text) {
			if !seen[c] {
				rep.Unencodable = append(rep.Unencodable, c)
				seen[c] = true
			}
		}
		for _, c := range bl.text {
			if c >= 0x80 && !face.HasGlyph(c) && !containsRune(rep.NoGlyph, c) {
				rep.NoGlyph = append(rep.NoGlyph, c)
			}
		}
		rep.RasterLines++
		line := face.Line(bl.text, bl.size, bl.size, bl.bold, o.WidthDots)
		if b, err = escpos.AppendRaster(b, line, bandRows); err != nil {
			return dst[:start], rep, err
		}
		b = append(b, escpos.ESC, 'J', byte(lineGap*bl.size)) // the gap a text line has
	}
	if size != 1 {
		b = escpos.AppendSize(b, 1, 1)
	}
	if bold {
		b = escpos.AppendBold(b, false)
	}
	if align != escpos.AlignLeft {
		b = escpos.AppendAlign(b, escpos.AlignLeft)
	}
	b = escpos.AppendFeed(b, 2)
	b = escpos.AppendCut(b, o.Cut, 0)
	return b, rep, nil
}

// bandRows is the height of each GS v 0 command images are split into:
// 16 rows of a full 576-dot line are 1152 bytes, of a 58 mm line 768, so the
// driver can wait for the printer (GS r 1) between bands even on a printer
// with a 1 KiB buffer and no flow control.
const bandRows = 16

// lineGap is what a 30-dot line spacing leaves under a 24-dot character.
const lineGap = 6

func containsRune(rs []rune, r rune) bool {
	for _, x := range rs {
		if x == r {
			return true
		}
	}
	return false
}

// Image renders the receipt for the screen, as it will look on paper of
// the given width (text always drawn with the bundled font).
func Image(r Receipt, widthDots int) (*image.Gray, error) {
	if widthDots != 384 && widthDots != 576 {
		return nil, fmt.Errorf("%w: %d", ErrWidth, widthDots)
	}
	if err := r.Validate(); err != nil {
		return nil, err
	}
	face, err := typeface()
	if err != nil {
		return nil, err
	}
	type placed struct {
		bm   *escpos.Bitmap
		x, y int
	}
	const margin = 16
	var parts []placed
	y := margin
	xFor := func(a escpos.Alignment, w int) int {
		switch a {
		case escpos.AlignCenter:
			return (widthDots - w) / 2
		case escpos.AlignRight:
			return widthDots - w
		}
		return 0
	}
	for _, bl := range layout(r, widthDots) {
		switch bl.kind {
		case qrBlock:
			sym, module, err := qrSymbol(bl.text, widthDots)
			if err != nil {
				return nil, err
			}
			y += 4 * module
			parts = append(parts, placed{sym, xFor(bl.align, sym.Width), y})
			y += sym.Height + 4*module
		case feedBlock:
			y += bl.dots
		default:
			line := face.Line(bl.text, bl.size, bl.size, bl.bold, widthDots)
			parts = append(parts, placed{line, xFor(bl.align, line.Width), y})
			y += line.Height + lineGap*bl.size
		}
	}
	y += 2*30 + margin
	img := image.NewGray(image.Rect(0, 0, widthDots+2*margin, y))
	for i := range img.Pix {
		img.Pix[i] = 0xFF
	}
	for _, p := range parts {
		escpos.DrawImage(img, p.bm, image.Pt(p.x+margin, p.y))
	}
	return img, nil
}
