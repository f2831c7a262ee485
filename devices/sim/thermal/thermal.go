// Package thermal is an ESC/POS thermal receipt printer emulator. It
// interprets the byte stream a kiosk sends (GB2312/GBK/GB18030 text in
// Chinese mode, sizes, alignment, GS v 0, GS ( L / GS 8 L and ESC * images,
// native GS ( k QR codes drawn with go-qrcode, cuts), answers DLE EOT, GS r,
// GS I and ASB from its own state (paper out, cover open, near end, cutter
// jam), can print at a given speed with a given receive buffer and drops
// bytes on overrun like a real printer without flow control, and renders
// each cut receipt as a picture with the bundled CJK font.
//
// Unknown commands are logged and skipped by their documented lengths; the
// interpreter never panics on any input (it is fuzzed).
//
// Use: New(Options{...}) then Serve(ctx, rw) on any byte stream, or
// ServePTY(ctx) for a pseudo-terminal a driver opens as its serial port;
// Render(data, opts) interprets a captured stream offline. Each receipt that
// leaves the printer arrives on Receipts() and through Options.OnReceipt,
// with its picture (Receipt.Image, Receipt.PNG) for a demo window. SetPaper,
// LoadRoll, SetCover and SetCutterJam change what DLE EOT reports.
package thermal

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/png"
	"io"
	"sync"
	"time"

	"github.com/pudong-community/kiosk/assets"
	"github.com/pudong-community/kiosk/devices/escpos"
)

// Sentinel errors.
var (
	ErrWidth   = errors.New("thermal: paper width must be 384 or 576 dots")
	ErrCharset = errors.New("thermal: unknown charset")
	errCleared = errors.New("thermal: receive buffer cleared")
)

// Options configure a Printer. The zero value is an 80 mm GB18030 printer
// with a 4 KiB buffer that prints instantly.
type Options struct {
	WidthDots int            // 384 (58 mm) or 576 (80 mm); 0 = 576
	Charset   escpos.Charset // ROM repertoire; 0 = GB18030
	// AlphaAtPowerOn emulates a printer that starts (and returns after
	// ESC @) in alphanumeric mode and needs FS & for Chinese. The default is
	// Chinese mode, like most Chinese-market printers.
	AlphaAtPowerOn bool
	BufferSize     int // receive buffer in bytes; 0 = 4096; bytes beyond are dropped
	SpeedMM        int // print speed in mm/s (8 dots per mm); 0 = instant
	Baud           int // when > 0, received bytes are paced to this line rate
	Font           []byte
	// RollDots is the length of the paper roll in dots (8 per mm); 0 means
	// endless. The paper runs out (mid-receipt, as in life) once that much
	// has been printed, and is near its end in the last quarter. SetPaper
	// loads a new roll.
	RollDots int
	// Logf receives notes about unknown commands, overruns and state
	// changes; nil discards them. It is called with the printer's lock held
	// and must not call back into the Printer.
	Logf func(format string, args ...any)
	// OnReceipt is called for every receipt that leaves the printer, in
	// order and never concurrently, outside the printer's lock.
	OnReceipt func(Receipt)
}

// Receipt is one piece of paper that left the printer: cut off, or torn off
// because the paper ran out in the middle (Partial).
type Receipt struct {
	Seq     int
	Image   *image.Gray
	Cut     bool     // ended with a cut command
	Partial bool     // paper ran out (or the cover opened) while printing it
	Lines   []string // text of each printed line, U+FFFD where nothing printable
	QR      []string // payloads of the native QR codes printed
	Images  int      // raster/bit images printed
}

// PNG encodes the receipt picture.
func (r Receipt) PNG() ([]byte, error) {
	var buf bytes.Buffer
	if r.Image == nil {
		return nil, errors.New("thermal: receipt has no image")
	}
	err := png.Encode(&buf, r.Image)
	return buf.Bytes(), err
}

// Printer is the emulated printer. Its methods are safe for concurrent use.
type Printer struct {
	opts     Options
	typeface *escpos.Typeface

	mu   sync.Mutex
	cond *sync.Cond
	// receive buffer
	buf      []byte
	gen      int
	closed   bool
	overruns int
	// mechanical state
	paperOut, nearEnd, coverOpen, cutterJam bool
	asb                                     bool
	// interpreter
	st      state
	pg      *page
	seq     int
	pending []Receipt
	debt    int // dots printed but not yet "waited for" (speed emulation)
	cmdGen  int // p.gen when the current command started
	used    int // dots of the current roll used
	roll    int // length of the current roll, 0 endless

	receipts chan Receipt
	dmu      sync.Mutex // serialises deliver
	wmu      sync.Mutex
	w        io.Writer
}

// New makes a printer.
func New(o Options) (*Printer, error) {
	if o.WidthDots == 0 {
		o.WidthDots = 576
	}
	if o.WidthDots != 384 && o.WidthDots != 576 {
		return nil, fmt.Errorf("%w: %d", ErrWidth, o.WidthDots)
	}
	if o.Charset == 0 {
		o.Charset = escpos.GB18030
	}
	if o.Charset < escpos.GB2312 || o.Charset > escpos.GB18030 {
		return nil, fmt.Errorf("%w: %d", ErrCharset, o.Charset)
	}
	if o.BufferSize <= 0 {
		o.BufferSize = 4096
	}
	if o.Font == nil {
		o.Font = assets.FontFull()
	}
	tf, err := typefaceFor(o.Font)
	if err != nil {
		return nil, err
	}
	p := &Printer{opts: o, typeface: tf, receipts: make(chan Receipt, 64), roll: o.RollDots}
	p.cond = sync.NewCond(&p.mu)
	p.reset()
	p.pg = newPage(o.WidthDots)
	return p, nil
}

var (
	tfMu    sync.Mutex
	tfCache = map[*byte]*escpos.Typeface{}
)

// typefaceFor parses each font once per process (the CJK font is large).
func typefaceFor(data []byte) (*escpos.Typeface, error) {
	if len(data) == 0 {
		return nil, fmt.Errorf("thermal: empty font")
	}
	tfMu.Lock()
	defer tfMu.Unlock()
	if tf, ok := tfCache[&data[0]]; ok {
		return tf, nil
	}
	tf, err := escpos.NewTypeface(data)
	if err != nil {
		return nil, fmt.Errorf("thermal: %w", err)
	}
	tfCache[&data[0]] = tf
	return tf, nil
}

func (p *Printer) logf(format string, args ...any) {
	if p.opts.Logf != nil {
		p.opts.Logf(format, args...)
	}
}

// Receipts delivers every receipt that leaves the printer. The channel holds
// 64; when nobody reads, older receipts are not kept back (OnReceipt still
// sees them).
func (p *Printer) Receipts() <-chan Receipt { return p.receipts }

// Paper states for SetPaper.
const (
	PaperOK = iota
	PaperNearEnd
	PaperOut
)

// SetPaper changes the roll: PaperOK, PaperNearEnd or PaperOut. Running out
// in the middle of a receipt tears off what was printed as a Partial
// receipt; printing stops until paper is back.
func (p *Printer) SetPaper(s int) {
	p.mu.Lock()
	p.nearEnd = s == PaperNearEnd || s == PaperOut
	if s == PaperOK {
		p.used = 0
	}
	was := p.paperOut
	p.paperOut = s == PaperOut
	if p.paperOut && !was {
		p.tearOff()
	}
	p.changed()
	p.mu.Unlock()
	p.deliver()
}

// LoadRoll puts in a new roll of the given length in dots (0 = endless)
// and clears paper out and near end.
func (p *Printer) LoadRoll(dots int) {
	p.mu.Lock()
	p.roll = max(dots, 0)
	p.mu.Unlock()
	p.SetPaper(PaperOK)
}

// SetCover opens or closes the cover. Opening it stops printing like paper
// out.
func (p *Printer) SetCover(open bool) {
	p.mu.Lock()
	was := p.coverOpen
	p.coverOpen = open
	if open && !was {
		p.tearOff()
	}
	p.changed()
	p.mu.Unlock()
	p.deliver()
}

// SetCutterJam sets or clears an auto-cutter error. While set, printing is
// stopped; DLE ENQ 1/2 or SetCutterJam(false) recovers.
func (p *Printer) SetCutterJam(jam bool) {
	p.mu.Lock()
	p.cutterJam = jam
	p.changed()
	p.mu.Unlock()
}

// Status is what DLE EOT 1..4 would report now.
func (p *Printer) Status() escpos.Status {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.status()
}

// Buffered is the number of received bytes not yet printed.
func (p *Printer) Buffered() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.buf)
}

// Overruns is the number of bytes dropped because the buffer was full.
func (p *Printer) Overruns() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.overruns
}

func (p *Printer) status() escpos.Status {
	s := escpos.Status{
		CoverOpen: p.coverOpen, PaperStop: p.paperOut, PaperEnd: p.paperOut, PaperNearEnd: p.nearEnd,
		CutterError: p.cutterJam,
	}
	s.ErrorOccurs = p.cutterJam
	s.Offline = p.coverOpen || p.paperOut || p.cutterJam
	for i := 1; i <= 4; i++ {
		s.Have[i] = true
	}
	return s
}

func (p *Printer) stopped() bool { return p.paperOut || p.coverOpen || p.cutterJam }

// changed wakes the interpreter and sends ASB when enabled. Called with mu.
func (p *Printer) changed() {
	p.cond.Broadcast()
	p.logf("thermal: status %s", p.status())
	if p.asb {
		s := p.status()
		a := escpos.ASB{Offline: s.Offline, CoverOpen: s.CoverOpen, CutterError: s.CutterError,
			PaperNearEnd: s.PaperNearEnd, PaperEnd: s.PaperEnd}
		b := a.Encode()
		go p.reply(b[:])
	}
}

func (p *Printer) reply(b []byte) {
	p.wmu.Lock()
	defer p.wmu.Unlock()
	if p.w != nil {
		if _, err := p.w.Write(b); err != nil {
			p.logf("thermal: reply: %v", err)
		}
	}
}

// tearOff ends the current page as a partial receipt. Called with mu.
func (p *Printer) tearOff() {
	if p.pg.empty() && len(p.st.line) == 0 {
		return
	}
	p.flushLine(false)
	p.finishPage(false, true)
}

// finishPage queues the current page as a receipt and starts a new one.
func (p *Printer) finishPage(cut, partial bool) {
	if p.pg.empty() {
		return
	}
	p.seq++
	r := p.pg.receipt()
	r.Seq, r.Cut, r.Partial = p.seq, cut, partial
	p.pending = append(p.pending, r)
	p.pg = newPage(p.opts.WidthDots)
}

// deliver hands queued receipts out. Called without mu.
func (p *Printer) deliver() {
	p.dmu.Lock()
	defer p.dmu.Unlock()
	p.mu.Lock()
	rs := p.pending
	p.pending = nil
	p.mu.Unlock()
	for _, r := range rs {
		if p.opts.OnReceipt != nil {
			p.opts.OnReceipt(r)
		}
		select {
		case p.receipts <- r:
		default:
			p.logf("thermal: receipt %d not collected from Receipts()", r.Seq)
		}
	}
}

// push stores received bytes, dropping what does not fit. Called with mu.
func (p *Printer) push(b []byte) {
	room := p.opts.BufferSize - len(p.buf)
	if room < len(b) {
		drop := len(b) - max(room, 0)
		p.overruns += drop
		p.logf("thermal: receive buffer full, %d bytes dropped", drop)
		b = b[:max(room, 0)]
	}
	p.buf = append(p.buf, b...)
	p.cond.Broadcast()
}

// next is the interpreter's byte source: it waits for data and for the
// printer to be ready. Called with mu held (released while waiting).
func (p *Printer) next() (byte, error) {
	gen := p.cmdGen
	for len(p.buf) == 0 || p.stopped() {
		if p.gen != gen {
			return 0, errCleared
		}
		if p.closed && len(p.buf) == 0 {
			return 0, io.EOF
		}
		if p.closed && p.stopped() {
			return 0, io.EOF
		}
		p.cond.Wait()
	}
	if p.gen != gen {
		return 0, errCleared
	}
	c := p.buf[0]
	p.buf = p.buf[1:]
	if len(p.buf) == 0 {
		p.buf = nil
	}
	return c, nil
}

// realtime handles DLE EOT n and DLE ENQ n as they arrive, before buffering
// (printers act on them even while offline or with a full buffer).
type realtime struct {
	hist [2]byte
	n    int
}

func (p *Printer) scanRealtime(rt *realtime, b []byte) {
	for _, c := range b {
		if rt.n >= 2 && rt.hist[0] == escpos.DLE {
			switch rt.hist[1] {
			case escpos.EOT:
				if c >= 1 && c <= 4 {
					p.mu.Lock()
					s := p.status()
					p.mu.Unlock()
					p.reply([]byte{s.Encode(escpos.StatusKind(c))})
				}
			case escpos.ENQ:
				// DLE ENQ n recovers from a recoverable error (n = 2 after
				// clearing the buffers). HPRT TP80K: "effective only when an
				// autocutter error, a BM detecting error or a platen-open
				// error occurs". The emulator acts on it for its cutter
				// error only, and does nothing otherwise: after paper out or
				// an open cover the rest of a stopped job stays buffered and
				// prints once the printer can print again.
				if c == 1 || c == 2 {
					p.mu.Lock()
					if p.cutterJam {
						p.cutterJam = false
						if c == 2 {
							p.buf = nil
							p.gen++
							p.logf("thermal: DLE ENQ 2: cutter error cleared, buffers cleared")
						}
						p.changed()
					} else {
						p.logf("thermal: DLE ENQ %d ignored: no recoverable error", c)
					}
					p.mu.Unlock()
				}
			}
		}
		rt.hist[0], rt.hist[1] = rt.hist[1], c
		rt.n++
	}
}

// Serve runs the printer on a byte stream (the master side of a
// pseudo-terminal, a net.Conn) until ctx ends or the stream fails. Replies
// go to rw. If rw has SetReadDeadline, cancelling ctx interrupts a read.
func (p *Printer) Serve(ctx context.Context, rw io.ReadWriter) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	p.wmu.Lock()
	p.w = rw
	p.wmu.Unlock()
	p.mu.Lock()
	p.closed = false
	p.mu.Unlock()
	if d, ok := rw.(interface{ SetReadDeadline(time.Time) error }); ok {
		stop := context.AfterFunc(ctx, func() { _ = d.SetReadDeadline(time.Now()) })
		defer stop()
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		p.interpret(ctx)
	}()
	err := p.receive(ctx, rw)
	p.mu.Lock()
	p.closed = true
	p.cond.Broadcast()
	p.mu.Unlock()
	cancel()
	<-done
	p.wmu.Lock()
	p.w = nil
	p.wmu.Unlock()
	if ctx.Err() != nil {
		return nil
	}
	return err
}

func (p *Printer) receive(ctx context.Context, r io.Reader) error {
	var rt realtime
	b := make([]byte, 512)
	for {
		n, err := r.Read(b)
		if n > 0 {
			p.scanRealtime(&rt, b[:n])
			p.mu.Lock()
			p.push(b[:n])
			p.mu.Unlock()
			if p.opts.Baud > 0 {
				d := time.Duration(n) * 10 * time.Second / time.Duration(p.opts.Baud)
				select {
				case <-ctx.Done():
				case <-time.After(d):
				}
			}
		}
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			if errors.Is(err, io.EOF) {
				return nil
			}
			return fmt.Errorf("thermal: read: %w", err)
		}
	}
}

// interpret runs the interpreter until the input ends.
func (p *Printer) interpret(ctx context.Context) {
	stop := context.AfterFunc(ctx, func() {
		p.mu.Lock()
		p.closed = true
		p.cond.Broadcast()
		p.mu.Unlock()
	})
	defer stop()
	p.mu.Lock()
	for {
		err := p.command()
		if errors.Is(err, errCleared) {
			p.st.line = nil
			continue
		}
		if err != nil {
			break
		}
		p.used += p.debt
		if roll := p.roll; roll > 0 && !p.paperOut {
			if p.used >= roll {
				p.paperOut, p.nearEnd = true, true
				p.logf("thermal: roll used up")
				p.tearOff()
				p.changed()
			} else if !p.nearEnd && p.used >= roll*3/4 {
				p.nearEnd = true
				p.changed()
			}
		}
		if p.debt > 0 && p.opts.SpeedMM > 0 {
			d := time.Duration(p.debt) * time.Second / time.Duration(p.opts.SpeedMM*8)
			p.debt = 0
			p.mu.Unlock()
			p.deliver()
			select {
			case <-ctx.Done():
			case <-time.After(d):
			}
			p.mu.Lock()
		} else if p.debt = 0; len(p.pending) > 0 {
			p.mu.Unlock()
			p.deliver()
			p.mu.Lock()
		}
	}
	p.mu.Unlock()
	p.deliver()
}

// Render interprets a captured byte stream offline and returns every
// receipt, including a final one that was never cut (Cut false).
func Render(data []byte, o Options) ([]Receipt, error) {
	o.SpeedMM, o.Baud = 0, 0
	o.BufferSize = len(data) + 1
	var out []Receipt
	user := o.OnReceipt
	o.OnReceipt = func(r Receipt) {
		out = append(out, r)
		if user != nil {
			user(r)
		}
	}
	p, err := New(o)
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	p.push(data)
	p.closed = true
	p.mu.Unlock()
	p.interpret(context.Background())
	p.mu.Lock()
	p.flushLine(false)
	p.finishPage(false, false)
	p.mu.Unlock()
	p.deliver()
	return out, nil
}
