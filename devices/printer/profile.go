package printer

import (
	"fmt"

	"github.com/pudong-community/kiosk/devices/escpos"
)

// Profile is what the installed printer model can do, settled once when the
// terminal is set up (see the open points of the printing spec).
type Profile struct {
	Name      string
	WidthDots int            // 384 (58 mm) or 576 (80 mm)
	Charset   escpos.Charset // resident GB repertoire
	NativeQR  bool           // GS ( k prints a QR code
	Cut       escpos.CutKind // CutNone: no cutter
	Baud      int

	// BufferBytes is the printer's receive buffer. Without flow control the
	// driver never lets its estimate of the buffer fill exceed 3/4 of it.
	// 0 means 1024 (conservative: some models have far less than 4 KiB
	// free before they start dropping).
	BufferBytes int
	// DrainBytesPerSec is how fast the printer empties its buffer when it
	// prints dense text (the slowest case per byte). 0 estimates it from
	// SpeedMM.
	DrainBytesPerSec int
	// SpeedMM is the print speed in mm/s; 0 means 50 (slow, safe).
	SpeedMM int
	// InSequenceStatus: GS r 1 is answered in sequence, so its reply marks
	// the end of the job. Otherwise the driver waits the estimated print
	// time.
	InSequenceStatus bool
	// ClearOnError: DLE ENQ 2 recovers from an auto-cutter error after
	// clearing the buffers, so a job stopped by the cutter leaves nothing
	// behind. DLE ENQ acts on recoverable errors only: after paper out or
	// an open cover it clears nothing, and the rest of a stopped job prints
	// when the printer can print again (see JobError.Leftover).
	ClearOnError bool
}

// Profile58 and Profile80 are typical 58 mm and 80 mm Chinese printers.
var (
	Profile58 = Profile{Name: "generic-58", WidthDots: 384, Charset: escpos.GBK, Cut: escpos.CutNone, Baud: 9600,
		BufferBytes: 1024, SpeedMM: 50}
	Profile80 = Profile{Name: "generic-80", WidthDots: 576, Charset: escpos.GB18030, NativeQR: true,
		Cut: escpos.CutFeedPartial, Baud: 9600, BufferBytes: 4096, SpeedMM: 80,
		InSequenceStatus: true, ClearOnError: true}
)

// Validate checks the profile and fills defaults.
func (p Profile) Validate() (Profile, error) {
	if p.WidthDots != 384 && p.WidthDots != 576 {
		return p, fmt.Errorf("%w: width %d dots (384 or 576)", ErrProfile, p.WidthDots)
	}
	if p.Charset < escpos.GB2312 || p.Charset > escpos.GB18030 {
		return p, fmt.Errorf("%w: charset %d", ErrProfile, p.Charset)
	}
	if p.Baud <= 0 {
		return p, fmt.Errorf("%w: baud %d", ErrProfile, p.Baud)
	}
	switch p.Cut {
	case escpos.CutNone, escpos.CutFeedFull, escpos.CutFeedPartial:
	default:
		return p, fmt.Errorf("%w: cut %d", ErrProfile, p.Cut)
	}
	if p.BufferBytes <= 0 {
		p.BufferBytes = 1024
	}
	if p.BufferBytes < 64 {
		return p, fmt.Errorf("%w: buffer %d bytes (at least 64)", ErrProfile, p.BufferBytes)
	}
	if p.SpeedMM <= 0 {
		p.SpeedMM = 50
	}
	if p.DrainBytesPerSec <= 0 {
		// Dense text: a line of WidthDots/12 bytes per 30 dots of paper.
		p.DrainBytesPerSec = max(1, p.WidthDots/12*p.SpeedMM*8/30)
	}
	return p, nil
}

// ByteTime is the time one byte takes on the line (8N1 = 10 bits).
func (p Profile) ByteTime() float64 { return 10 / float64(p.Baud) }
