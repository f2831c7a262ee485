package thermal

import (
	"image"
	"strings"

	"github.com/pudong-community/kiosk/devices/escpos"
)

// page is the paper printed since the last cut.
type page struct {
	width  int
	rows   [][]byte // one row of dots per entry, width/8 bytes
	y      int      // next print position (dots from the top)
	lines  []string
	qr     []string
	images int
}

const (
	topMargin   = 16
	maxPageDots = 16000 // 2 m of paper: a longer receipt is clipped
)

func newPage(width int) *page { return &page{width: width, y: topMargin} }

func (g *page) empty() bool {
	return g.y <= topMargin && len(g.lines) == 0 && g.images == 0 && len(g.qr) == 0
}

func (g *page) grow(y int) {
	for len(g.rows) <= y {
		g.rows = append(g.rows, make([]byte, g.width/8))
	}
}

func (g *page) set(x, y int) {
	if x < 0 || x >= g.width || y < 0 || y >= maxPageDots {
		return
	}
	g.grow(y)
	g.rows[y][x/8] |= 0x80 >> (x % 8)
}

// blit draws a bitmap at (x, y) scaled sx×sy.
func (g *page) blit(m *escpos.Bitmap, x, y, sx, sy int, bold bool) {
	for my := 0; my < m.Height; my++ {
		for mx := 0; mx < m.Width; mx++ {
			if !m.At(mx, my) {
				continue
			}
			for dy := 0; dy < sy; dy++ {
				for dx := 0; dx < sx; dx++ {
					g.set(x+mx*sx+dx, y+my*sy+dy)
					if bold {
						g.set(x+mx*sx+dx+1, y+my*sy+dy)
					}
				}
			}
		}
	}
}

func (g *page) feed(dots int) {
	g.y += max(dots, 0)
	if g.y > maxPageDots {
		g.y = maxPageDots
	}
}

func (g *page) receipt() Receipt {
	h := max(g.y, len(g.rows)) + 24
	img := image.NewGray(image.Rect(0, 0, g.width+32, h))
	for i := range img.Pix {
		img.Pix[i] = 0xFF
	}
	for y, row := range g.rows {
		for x := 0; x < g.width; x++ {
			if row[x/8]&(0x80>>(x%8)) != 0 {
				img.Pix[y*img.Stride+x+16] = 0
			}
		}
	}
	return Receipt{Image: img, Lines: g.lines, QR: g.qr, Images: g.images}
}

// item is a piece of the line buffer: a glyph or an ESC * bit image.
type item struct {
	bm     *escpos.Bitmap
	x      int // offset in the line
	sx, sy int
	bold   bool
	ul     int // underline thickness
	r      rune
}

func (it item) w() int { return it.bm.Width * it.sx }
func (it item) h() int { return it.bm.Height * it.sy }

// flushLine prints the line buffer (LF, ESC d, ESC J, wrap) and advances by
// the line spacing, or the line height when taller. Called with mu.
func (p *Printer) flushLine(feed bool) {
	st := &p.st
	if len(st.line) == 0 {
		if feed {
			p.pg.feed(st.spacing)
			p.debt += st.spacing
		}
		return
	}
	used, h := 0, 0
	var text strings.Builder
	for _, it := range st.line {
		used = max(used, it.x+it.w())
		h = max(h, it.h())
		if it.r != 0 {
			text.WriteRune(it.r)
		}
	}
	left := p.lineLeft(used)
	for _, it := range st.line {
		top := p.pg.y + h - it.h()
		p.pg.blit(it.bm, left+it.x, top, it.sx, it.sy, it.bold)
		for u := 0; u < it.ul; u++ {
			for x := 0; x < it.w(); x++ {
				p.pg.set(left+it.x+x, p.pg.y+h-1-u)
			}
		}
	}
	if text.Len() > 0 {
		p.pg.lines = append(p.pg.lines, strings.TrimRight(text.String(), " "))
	}
	adv := h
	if feed {
		adv = max(h, st.spacing)
	}
	p.pg.feed(adv)
	p.debt += adv
	st.line = nil
	st.x = 0
}

// area is the printable area [left, left+width) in dots.
func (p *Printer) area() (left, width int) {
	left = min(p.st.left, p.opts.WidthDots-1)
	width = p.st.width
	if width <= 0 || left+width > p.opts.WidthDots {
		width = p.opts.WidthDots - left
	}
	return left, width
}

func (p *Printer) lineLeft(used int) int {
	left, width := p.area()
	switch p.st.align {
	case escpos.AlignCenter:
		return left + max(width-used, 0)/2
	case escpos.AlignRight:
		return left + max(width-used, 0)
	}
	return left
}

// placeBlock prints a stand-alone block (raster image, QR) at the current
// alignment and advances past it.
func (p *Printer) placeBlock(m *escpos.Bitmap, sx, sy int) {
	p.flushLine(false)
	left := p.lineLeft(m.Width * sx)
	p.pg.blit(m, left, p.pg.y, sx, sy, false)
	p.pg.feed(m.Height * sy)
	p.debt += m.Height * sy
}

// addItem puts a glyph or bit image in the line buffer, wrapping first when
// it does not fit.
func (p *Printer) addItem(it item) {
	_, width := p.area()
	if p.st.x > 0 && p.st.x+it.w() > width {
		p.flushLine(true)
	}
	it.x = p.st.x
	p.st.line = append(p.st.line, it)
	p.st.x += it.w() + p.st.charSpacing
}
