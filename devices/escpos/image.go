package escpos

import (
	"fmt"
	"image"
	"image/color"
)

// Maximum raster sizes accepted by AppendRaster: 72 bytes (576 dots) per row
// on an 80 mm head, and 2303 rows per GS v 0 command (yH <= 8, the smallest
// limit found in manuals). Taller images are sent in bands.
const (
	MaxRasterWidthDots = 576
	MaxRasterBandRows  = 2303
)

// Bitmap is a 1-bit image in printer layout: rows of Stride bytes, MSB =
// leftmost dot, bit 1 = black.
type Bitmap struct {
	Width, Height int
	Stride        int
	Pix           []byte
}

// NewBitmap returns a white bitmap.
func NewBitmap(w, h int) *Bitmap {
	if w < 0 {
		w = 0
	}
	if h < 0 {
		h = 0
	}
	s := (w + 7) / 8
	return &Bitmap{Width: w, Height: h, Stride: s, Pix: make([]byte, s*h)}
}

// Set paints dot (x, y) black (on=true) or white. Out of range is ignored.
func (m *Bitmap) Set(x, y int, on bool) {
	if x < 0 || y < 0 || x >= m.Width || y >= m.Height {
		return
	}
	i := y*m.Stride + x/8
	bit := byte(0x80 >> (x % 8))
	if on {
		m.Pix[i] |= bit
	} else {
		m.Pix[i] &^= bit
	}
}

// At reports whether dot (x, y) is black.
func (m *Bitmap) At(x, y int) bool {
	if x < 0 || y < 0 || x >= m.Width || y >= m.Height {
		return false
	}
	return m.Pix[y*m.Stride+x/8]&(0x80>>(x%8)) != 0
}

// Image returns the bitmap as a black-on-white gray image.
func (m *Bitmap) Image() *image.Gray {
	g := image.NewGray(image.Rect(0, 0, m.Width, m.Height))
	for y := 0; y < m.Height; y++ {
		for x := 0; x < m.Width; x++ {
			c := uint8(0xFF)
			if m.At(x, y) {
				c = 0
			}
			g.Pix[y*g.Stride+x] = c
		}
	}
	return g
}

// BitmapFromImage thresholds any image to black dots (luminance below half).
func BitmapFromImage(img image.Image) *Bitmap {
	r := img.Bounds()
	m := NewBitmap(r.Dx(), r.Dy())
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			g := color.GrayModel.Convert(img.At(x, y)).(color.Gray)
			_, _, _, a := img.At(x, y).RGBA()
			if a > 0x7FFF && g.Y < 0x80 {
				m.Set(x-r.Min.X, y-r.Min.Y, true)
			}
		}
	}
	return m
}

// AppendRaster appends the bitmap as GS v 0 (mode 0, normal size), split in
// bands of at most bandRows rows (MaxRasterBandRows when bandRows <= 0). The
// width is never rounded down: the last byte of a row is padded with white.
func AppendRaster(b []byte, m *Bitmap, bandRows int) ([]byte, error) {
	if m == nil || m.Width <= 0 || m.Height <= 0 || m.Width > MaxRasterWidthDots {
		w, h := 0, 0
		if m != nil {
			w, h = m.Width, m.Height
		}
		return b, fmt.Errorf("%w: %dx%d dots (width 1..%d)", ErrImageSize, w, h, MaxRasterWidthDots)
	}
	if bandRows <= 0 || bandRows > MaxRasterBandRows {
		bandRows = MaxRasterBandRows
	}
	for y := 0; y < m.Height; y += bandRows {
		rows := min(bandRows, m.Height-y)
		b = append(b, GS, 'v', '0', 0, byte(m.Stride), byte(m.Stride>>8), byte(rows), byte(rows>>8))
		b = append(b, m.Pix[y*m.Stride:(y+rows)*m.Stride]...)
	}
	return b, nil
}
