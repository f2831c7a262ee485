package thermal

import (
	"fmt"
	"unicode/utf8"

	"github.com/pudong-community/kiosk/devices/escpos"
	qrcode "github.com/skip2/go-qrcode"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// Limits that keep a hostile stream from exhausting memory: image data
// beyond them is skipped (and logged), not stored.
const (
	maxImageBytes = 4 << 20
	defaultSpace  = 30 // ESC 2 line spacing in dots
)

// state is everything ESC @ resets.
type state struct {
	chinese     bool
	align       escpos.Alignment
	bold        bool
	gsW, gsH    int
	escW, escH  int
	fsW, fsH    int
	underline   int
	spacing     int
	left, width int
	charSpacing int
	tabs        []int

	line []item
	x    int

	qrModule  int
	qrLevel   byte
	qrData    []byte
	graphic   *escpos.Bitmap
	gsx, gsy  int
	lastTrail byte
}

func (p *Printer) reset() {
	p.st = state{
		chinese: !p.opts.AlphaAtPowerOn,
		gsW:     1, gsH: 1, escW: 1, escH: 1, fsW: 1, fsH: 1,
		spacing:  defaultSpace,
		qrModule: 3, qrLevel: 48,
	}
}

func (p *Printer) arg() (byte, error) { return p.next() }

func (p *Printer) args(n int) ([]byte, error) {
	b := make([]byte, n)
	for i := range b {
		c, err := p.next()
		if err != nil {
			return nil, err
		}
		b[i] = c
	}
	return b, nil
}

// skip discards n bytes of a command's data.
func (p *Printer) skip(n int) error {
	for ; n > 0; n-- {
		if _, err := p.next(); err != nil {
			return err
		}
	}
	return nil
}

func (p *Printer) unread(c byte) {
	p.buf = append([]byte{c}, p.buf...)
}

func u16(lo, hi byte) int { return int(lo) | int(hi)<<8 }

// command interprets one command or character. Called with mu held.
func (p *Printer) command() error {
	p.cmdGen = p.gen
	c, err := p.next()
	if err != nil {
		return err
	}
	switch c {
	case escpos.LF:
		p.flushLine(true)
	case 0x09: // HT
		p.tab()
	case escpos.ESC:
		return p.esc()
	case escpos.GS:
		return p.gs()
	case escpos.FS:
		return p.fs()
	case escpos.DLE:
		return p.dle()
	default:
		if c < 0x20 || c == 0x7F {
			return nil // CR, FF, CAN, NUL...: nothing in standard mode
		}
		return p.char(c)
	}
	return nil
}

func (p *Printer) tab() {
	unit := escpos.HalfCellWidth*p.st.gsW + p.st.charSpacing
	if len(p.st.tabs) == 0 {
		p.st.x = (p.st.x/(8*unit) + 1) * 8 * unit
		return
	}
	for _, t := range p.st.tabs {
		if t*unit > p.st.x {
			p.st.x = t * unit
			return
		}
	}
}

func (p *Printer) char(c byte) error {
	st := &p.st
	lo, hi := byte(0x81), byte(0xFE)
	if p.opts.Charset == escpos.GB2312 {
		lo = 0xA1
	}
	if !st.chinese || c < lo || c > hi {
		r := rune(c)
		if c >= 0x80 {
			r = charmap.CodePage437.DecodeByte(c)
		}
		p.glyph(r, min(st.gsW*st.escW, 8), min(st.gsH*st.escH, 8))
		return nil
	}
	c2, err := p.next()
	if err != nil {
		return err
	}
	code := []byte{c, c2}
	switch {
	case p.opts.Charset == escpos.GB18030 && c2 >= 0x30 && c2 <= 0x39:
		rest, err := p.args(2)
		if err != nil {
			return err
		}
		code = append(code, rest...)
	case c2 < 0x40 || c2 == 0x7F || c2 == 0xFF:
		// Not a trail byte: the lead prints blank, the byte is read again
		// (a 2-byte-only printer prints ¥ = 81 30 84 36 as " 0 6").
		p.glyph(' ', st.gsW*st.fsW, st.gsH*st.fsH)
		p.unread(c2)
		return nil
	}
	r := rune(utf8.RuneError)
	if p.inRepertoire(code) {
		if d, err := simplifiedchinese.GB18030.NewDecoder().Bytes(code); err == nil {
			if dr, n := utf8.DecodeRune(d); n == len(d) {
				r = dr
			}
		}
	}
	w, h := min(st.gsW*st.fsW, 8), min(st.gsH*st.fsH, 8)
	if r == utf8.RuneError {
		p.logf("thermal: no glyph for code % X", code)
		box := escpos.NewBitmap(escpos.FullCellWidth, escpos.CellHeight)
		for i := 3; i < 21; i++ {
			box.Set(i, 3, true)
			box.Set(i, 20, true)
			box.Set(3, i, true)
			box.Set(20, i, true)
		}
		p.addItem(item{bm: box, sx: w, sy: h, bold: st.bold, ul: st.underline, r: r})
		return nil
	}
	p.glyph(r, w, h)
	return nil
}

func (p *Printer) inRepertoire(code []byte) bool {
	switch p.opts.Charset {
	case escpos.GB2312:
		return len(code) == 2 && code[0] >= 0xA1 && code[0] <= 0xF7 && code[1] >= 0xA1 && code[1] <= 0xFE
	case escpos.GBK:
		return len(code) == 2
	}
	if len(code) == 4 {
		return code[2] >= 0x81 && code[2] <= 0xFE && code[3] >= 0x30 && code[3] <= 0x39
	}
	return true
}

func (p *Printer) glyph(r rune, sw, sh int) {
	p.addItem(item{bm: p.typeface.Glyph(r), sx: max(sw, 1), sy: max(sh, 1), bold: p.st.bold, ul: p.st.underline, r: r})
}

func (p *Printer) unknown(what string, skipped int) {
	p.logf("thermal: unknown command %s, skipped %d bytes", what, skipped)
}

func (p *Printer) esc() error {
	st := &p.st
	n, err := p.next()
	if err != nil {
		return err
	}
	one := func() (byte, error) { return p.arg() }
	switch n {
	case '@':
		p.reset()
	case 'a':
		v, err := one()
		if err != nil {
			return err
		}
		if v >= '0' {
			v -= '0'
		}
		if v <= 2 {
			st.align = escpos.Alignment(v)
		}
	case 'E', 'G':
		v, err := one()
		if err != nil {
			return err
		}
		st.bold = v&1 == 1
	case '!':
		v, err := one()
		if err != nil {
			return err
		}
		st.escW, st.escH = 1+int(v>>5&1), 1+int(v>>4&1)
		st.bold = v&0x08 != 0
		st.underline = int(v >> 7)
	case '-':
		v, err := one()
		if err != nil {
			return err
		}
		st.underline = int(v % 48 % 3)
	case 'd':
		v, err := one()
		if err != nil {
			return err
		}
		p.flushLine(false)
		p.pg.feed(int(v) * st.spacing)
		p.debt += int(v) * st.spacing
	case 'J':
		v, err := one()
		if err != nil {
			return err
		}
		p.flushLine(false)
		p.pg.feed(int(v))
		p.debt += int(v)
	case '2':
		st.spacing = defaultSpace
	case '3':
		v, err := one()
		if err != nil {
			return err
		}
		st.spacing = int(v)
	case ' ':
		v, err := one()
		if err != nil {
			return err
		}
		st.charSpacing = int(v)
	case '$', '\\':
		b, err := p.args(2)
		if err != nil {
			return err
		}
		v := u16(b[0], b[1])
		if n == '\\' {
			v = int(int16(v))
			v += st.x
		}
		if _, w := p.area(); v >= 0 && v < w {
			st.x = v
		}
	case 'D':
		st.tabs = nil
		for i := 0; i < 33; i++ {
			v, err := one()
			if err != nil {
				return err
			}
			if v == 0 {
				break
			}
			st.tabs = append(st.tabs, int(v))
		}
	case 'i', 'm':
		p.cut(0)
	case '*':
		return p.bitImage()
	case 'Z':
		b, err := p.args(5)
		if err != nil {
			return err
		}
		data, err := p.args(u16(b[3], b[4]))
		if err != nil {
			return err
		}
		p.drawQR(data, 4, byte(48+min(b[1], 3)))
	case 'v', 'u':
		if _, err := one(); err != nil {
			return err
		}
		p.reply([]byte{p.paperSensor()})
	case 'M', 't', 'R', 'r', 'U', 'V', '{', '=', 'e', 'T', '%', '?', 'l', 'K':
		_, err := one()
		return err
	case 'c':
		return p.skip(2)
	case 'p':
		return p.skip(3)
	case 'L', 'S':
	case 'W':
		return p.skip(8)
	case '&':
		b, err := p.args(3)
		if err != nil {
			return err
		}
		for c := int(b[1]); c <= int(b[2]) && c <= 126; c++ {
			x, err := one()
			if err != nil {
				return err
			}
			if err := p.skip(int(b[0]) * int(x)); err != nil {
				return err
			}
		}
	default:
		p.unknown(fmt.Sprintf("ESC %02X", n), 2)
	}
	return nil
}

func (p *Printer) paperSensor() byte {
	var b byte
	if p.nearEnd {
		b |= 0x03
	}
	if p.paperOut {
		b |= 0x0C
	}
	return b
}

func (p *Printer) cut(feed int) {
	p.flushLine(false)
	p.pg.feed(feed)
	p.finishPage(true, false)
}

func (p *Printer) bitImage() error {
	b, err := p.args(3)
	if err != nil {
		return err
	}
	m, cols := b[0], u16(b[1], b[2])
	rows, sx, sy := 8, 2, 3
	switch m {
	case 0:
	case 1:
		sx = 1
	case 32:
		rows, sy = 24, 1
	case 33:
		rows, sx, sy = 24, 1, 1
	default:
		p.logf("thermal: ESC * mode %d unknown, read as 8-dot", m)
	}
	per := rows / 8
	bm := escpos.NewBitmap(cols, rows)
	for c := 0; c < cols; c++ {
		for k := 0; k < per; k++ {
			v, err := p.next()
			if err != nil {
				return err
			}
			for bit := 0; bit < 8; bit++ {
				if v&(0x80>>bit) != 0 {
					bm.Set(c, k*8+bit, true)
				}
			}
		}
	}
	if cols > 0 {
		p.pg.images++
		p.addItem(item{bm: bm, sx: sx, sy: sy})
	}
	return nil
}

func (p *Printer) gs() error {
	st := &p.st
	n, err := p.next()
	if err != nil {
		return err
	}
	one := func() (byte, error) { return p.arg() }
	switch n {
	case '!':
		v, err := one()
		if err != nil {
			return err
		}
		st.gsW, st.gsH = int(v>>4&7)+1, int(v&7)+1
	case 'V':
		m, err := one()
		if err != nil {
			return err
		}
		feed := 0
		switch m {
		case 65, 66, 97, 98, 103, 104:
			v, err := one()
			if err != nil {
				return err
			}
			if m == 65 || m == 66 {
				feed = int(v)
			}
		}
		p.cut(feed)
	case 'v':
		return p.rasterV()
	case '(':
		return p.gsParen()
	case '8':
		return p.gs8()
	case 'L', 'W':
		b, err := p.args(2)
		if err != nil {
			return err
		}
		if st.x == 0 && len(st.line) == 0 {
			if n == 'L' {
				st.left = min(u16(b[0], b[1]), p.opts.WidthDots-1)
			} else {
				st.width = u16(b[0], b[1])
			}
		}
	case 'a':
		v, err := one()
		if err != nil {
			return err
		}
		p.asb = v != 0
		if p.asb {
			s := p.status()
			a := escpos.ASB{Offline: s.Offline, CoverOpen: s.CoverOpen, CutterError: s.CutterError,
				PaperNearEnd: s.PaperNearEnd, PaperEnd: s.PaperEnd}.Encode()
			p.reply(a[:])
		}
	case 'r':
		v, err := one()
		if err != nil {
			return err
		}
		if v == 1 || v == '1' {
			p.reply([]byte{p.paperSensor()})
		} else {
			p.reply([]byte{0})
		}
	case 'I':
		v, err := one()
		if err != nil {
			return err
		}
		switch v {
		case 1, '1':
			p.reply([]byte{0x20})
		case 2, '2':
			p.reply([]byte{0x03}) // multi-byte characters supported, cutter
		case 3, '3':
			p.reply([]byte{0x00})
		case 65, 66, 67, 68, 69:
			s := map[byte]string{65: "1.0", 66: "KIOSK-SIM", 67: fmt.Sprintf("THERMAL-%d", p.opts.WidthDots), 68: "0001", 69: p.opts.Charset.String()}[v]
			p.reply(append(append([]byte{0x5F}, s...), 0))
		}
	case 'k':
		return p.barcode()
	case '*':
		b, err := p.args(2)
		if err != nil {
			return err
		}
		return p.skip(int(b[0]) * int(b[1]) * 8)
	case '^':
		return p.skip(3)
	case 'P', '\\', '$':
		return p.skip(2)
	case 'g':
		b, err := p.args(1)
		if err != nil {
			return err
		}
		if b[0] == '0' || b[0] == '2' {
			return p.skip(3)
		}
		p.unknown(fmt.Sprintf("GS g %02X", b[0]), 3)
	case 'z':
		return p.skip(3)
	case 'B', 'b', 'H', 'f', 'h', 'w', 'E', 'T', '/', 'j':
		_, err := one()
		return err
	case ':':
	default:
		p.unknown(fmt.Sprintf("GS %02X", n), 2)
	}
	return nil
}

func (p *Printer) barcode() error {
	m, err := p.arg()
	if err != nil {
		return err
	}
	if m <= 6 {
		for i := 0; i < 256; i++ {
			c, err := p.next()
			if err != nil || c == 0 {
				break
			}
		}
	} else {
		n, err := p.arg()
		if err != nil {
			return err
		}
		if err := p.skip(int(n)); err != nil {
			return err
		}
	}
	p.logf("thermal: barcode (GS k %d) not drawn", m)
	return nil
}

func (p *Printer) rasterV() error {
	z, err := p.arg()
	if err != nil {
		return err
	}
	if z != '0' {
		// e.g. 1D 76 00 00 from a buggy encoder: not a command; what follows
		// is printed as text, as a real printer would.
		p.unknown(fmt.Sprintf("GS v %02X", z), 3)
		return nil
	}
	h, err := p.args(5)
	if err != nil {
		return err
	}
	m, x, y := h[0], u16(h[1], h[2]), u16(h[3], h[4])
	return p.rasterData(x*8, y, x, 1+int(m&1), 1+int(m>>1&1), "GS v 0")
}

// rasterData reads rows of stride bytes and prints them as a block.
func (p *Printer) rasterData(wDots, rows, stride, sx, sy int, what string) error {
	total := stride * rows
	if total == 0 {
		return nil
	}
	if total > maxImageBytes {
		p.logf("thermal: %s of %d bytes skipped (too large)", what, total)
		return p.skip(total)
	}
	bm := escpos.NewBitmap(wDots, rows)
	for y := 0; y < rows; y++ {
		for i := 0; i < stride; i++ {
			v, err := p.next()
			if err != nil {
				return err
			}
			if i < bm.Stride {
				bm.Pix[y*bm.Stride+i] = v
			}
		}
	}
	p.pg.images++
	p.placeBlock(bm, sx, sy)
	return nil
}

// payload reads a length-prefixed function block (GS ( x pL pH ...).
func (p *Printer) payload(n int) ([]byte, error) {
	if n > maxImageBytes {
		return nil, p.skip(n)
	}
	return p.args(n)
}

func (p *Printer) gsParen() error {
	b, err := p.args(3)
	if err != nil {
		return err
	}
	fn, n := b[0], u16(b[1], b[2])
	data, err := p.payload(n)
	if err != nil || data == nil {
		return err
	}
	switch fn {
	case 'k':
		p.qrFunction(data)
	case 'L':
		p.graphics(data)
	default:
		p.logf("thermal: GS ( %c function skipped (%d bytes)", fn, n)
	}
	return nil
}

func (p *Printer) gs8() error {
	b, err := p.args(5)
	if err != nil {
		return err
	}
	if b[0] != 'L' {
		p.unknown(fmt.Sprintf("GS 8 %02X", b[0]), 7)
		return nil
	}
	n := int(b[1]) | int(b[2])<<8 | int(b[3])<<16 | int(b[4])<<24
	if n < 0 {
		n = 0
	}
	data, err := p.payload(n)
	if err != nil || data == nil {
		return err
	}
	p.graphics(data)
	return nil
}

// graphics handles GS ( L / GS 8 L: fn 112 stores a raster graphic, fn 50
// prints it.
func (p *Printer) graphics(d []byte) {
	if len(d) < 2 {
		return
	}
	switch d[1] {
	case 112:
		if len(d) < 10 {
			p.logf("thermal: GS ( L fn 112 too short")
			return
		}
		bx, by, x, y := int(d[3]), int(d[4]), u16(d[6], d[7]), u16(d[8], d[9])
		stride := (x + 7) / 8
		data := d[10:]
		if x == 0 || y == 0 || len(data) < stride*y {
			p.logf("thermal: GS ( L fn 112 %dx%d with %d data bytes ignored", x, y, len(data))
			return
		}
		bm := escpos.NewBitmap(x, y)
		copy(bm.Pix, data[:stride*y])
		p.st.graphic, p.st.gsx, p.st.gsy = bm, min(max(bx, 1), 2), min(max(by, 1), 2)
	case 50, 2:
		if p.st.graphic != nil {
			p.pg.images++
			p.placeBlock(p.st.graphic, p.st.gsx, p.st.gsy)
			p.st.graphic = nil
		}
	default:
		p.logf("thermal: GS ( L fn %d skipped", d[1])
	}
}

func (p *Printer) qrFunction(d []byte) {
	if len(d) < 2 {
		p.logf("thermal: GS ( k with %d parameter bytes skipped", len(d))
		return
	}
	if d[0] != 49 {
		p.logf("thermal: GS ( k symbol %d skipped", d[0])
		return
	}
	switch fn, arg := d[1], d[2:]; fn {
	case 65:
	case 67:
		if len(arg) >= 1 && arg[0] >= 1 && arg[0] <= 16 {
			p.st.qrModule = int(arg[0])
		}
	case 69:
		if len(arg) >= 1 && arg[0] >= 48 && arg[0] <= 51 {
			p.st.qrLevel = arg[0]
		}
	case 80:
		if len(arg) >= 1 {
			p.st.qrData = append([]byte(nil), arg[1:]...)
		}
	case 81:
		p.drawQR(p.st.qrData, p.st.qrModule, p.st.qrLevel)
	case 82:
		p.reply([]byte{0x37, 0x36, 0x1F, 0x31, 0x1F, 0x00})
	default:
		p.logf("thermal: GS ( k fn %d skipped", fn)
	}
}

func (p *Printer) drawQR(data []byte, module int, level byte) {
	if len(data) == 0 {
		p.logf("thermal: QR print with no stored data")
		return
	}
	lv := map[byte]qrcode.RecoveryLevel{48: qrcode.Low, 49: qrcode.Medium, 50: qrcode.High, 51: qrcode.Highest}[level]
	q, err := qrcode.New(string(data), lv)
	if err != nil {
		p.logf("thermal: QR not printed: %v", err)
		return
	}
	q.DisableBorder = true
	bits := q.Bitmap()
	bm := escpos.NewBitmap(len(bits), len(bits))
	for y, row := range bits {
		for x, on := range row {
			bm.Set(x, y, on)
		}
	}
	if bm.Width*module > p.opts.WidthDots {
		p.logf("thermal: QR %d modules × %d dots wider than paper, not printed", bm.Width, module)
		return
	}
	p.pg.qr = append(p.pg.qr, string(data))
	p.placeBlock(bm, module, module)
}

func (p *Printer) fs() error {
	st := &p.st
	n, err := p.next()
	if err != nil {
		return err
	}
	one := func() (byte, error) { return p.arg() }
	switch n {
	case '&':
		st.chinese = true
	case '.':
		st.chinese = false
	case '!':
		v, err := one()
		if err != nil {
			return err
		}
		st.fsW, st.fsH = 1+int(v>>2&1), 1+int(v>>3&1)
		st.underline = int(v >> 7)
	case 'W':
		v, err := one()
		if err != nil {
			return err
		}
		st.fsW, st.fsH = 1+int(v&1), 1+int(v&1)
	case '-', 'C':
		_, err := one()
		return err
	case 'S', 'p', '?':
		return p.skip(2)
	case '2':
		return p.skip(2 + 72)
	case 'q':
		k, err := one()
		if err != nil {
			return err
		}
		for i := 0; i < int(k); i++ {
			h, err := p.args(4)
			if err != nil {
				return err
			}
			if err := p.skip(u16(h[0], h[1]) * u16(h[2], h[3]) * 8); err != nil {
				return err
			}
		}
	default:
		p.unknown(fmt.Sprintf("FS %02X", n), 2)
	}
	return nil
}

func (p *Printer) dle() error {
	n, err := p.next()
	if err != nil {
		return err
	}
	switch n {
	case escpos.EOT, escpos.ENQ:
		_, err := p.next() // answered on arrival by the receiver
		return err
	case 0x14: // DLE DC4 fn ...
		fn, err := p.next()
		if err != nil {
			return err
		}
		switch fn {
		case 7:
			return p.skip(1)
		case 8:
			return p.skip(7)
		default:
			return p.skip(2)
		}
	default:
		p.unread(n)
	}
	return nil
}
