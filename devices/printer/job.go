package printer

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/pudong-community/kiosk/devices/escpos"
	"github.com/pudong-community/kiosk/devices/serialport"
)

// write sends bytes; any failure means the port is gone.
func (d *Driver) write(b []byte) error {
	if _, err := d.port.Write(b); err != nil {
		d.portErr = fmt.Errorf("%w: %v", ErrPortGone, err)
		return d.portErr
	}
	return nil
}

// classify files a received byte that is not the awaited reply: GS r
// replies (0xx0xxxx) are kept in d.gsr, XON/XOFF and noise are dropped.
// Status-shaped bytes reaching it are unsolicited and dropped too.
func (d *Driver) classify(b byte) {
	switch {
	case b&0x90 == 0:
		d.gsr = int(b)
	case escpos.IsFlowControl(b):
	case escpos.IsStatusReply(b):
		d.logf("printer: unsolicited status byte %02X dropped", b)
	default:
		d.logf("printer: unexpected byte %02X dropped", b)
	}
}

// readReply waits until ctx ends or the deadline for a byte that accept
// takes. Bytes before it go to classify.
func (d *Driver) readReply(ctx context.Context, deadline time.Time, accept func(byte) bool) (byte, error) {
	tmp := make([]byte, 64)
	for {
		for len(d.rbuf) > 0 {
			b := d.rbuf[0]
			d.rbuf = d.rbuf[1:]
			if accept(b) {
				return b, nil
			}
			d.classify(b)
		}
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		if time.Now().After(deadline) {
			return 0, ErrNoAnswer
		}
		n, err := d.port.Read(tmp)
		d.rbuf = append(d.rbuf, tmp[:n]...)
		if err != nil && !errors.Is(err, serialport.ErrTimeout) {
			d.portErr = fmt.Errorf("%w: %v", ErrPortGone, err)
			return 0, d.portErr
		}
	}
}

// dropBuffered empties d.rbuf: whatever was received before a question is
// asked cannot be its answer.
func (d *Driver) dropBuffered() {
	for _, b := range d.rbuf {
		d.classify(b)
	}
	d.rbuf = d.rbuf[:0]
}

// ask sends DLE EOT n and decodes the reply into st.
//
// The printer acts on 10 04 n wherever it meets it, inside image data too,
// and answers it; those unsolicited replies look exactly like the answer
// to a question. Since the printer answers in the order it receives, they
// always come before the answer to a question sent after them. So ask
// drops what was received before the question, and takes the last status
// byte received for it: all of those already buffered, and, while
// unsolicited replies may still be on their way (d.strays), as many as
// are expected or until the line is quiet for a reply timeout.
func (d *Driver) ask(ctx context.Context, kind escpos.StatusKind, st *escpos.Status) error {
	if d.stale {
		d.settle(ctx)
		if d.portErr != nil {
			return d.portErr
		}
	}
	d.dropBuffered()
	if err := d.write(escpos.AppendStatusQuery(nil, kind)); err != nil {
		return err
	}
	b, err := d.readReply(ctx, time.Now().Add(d.opt.ReplyTimeout), escpos.IsStatusReply)
	if err != nil {
		if errors.Is(err, ErrNoAnswer) {
			d.stale = true // its reply may still come, late
		}
		return err
	}
	got, want := 1, d.strays+1
	for {
		for len(d.rbuf) > 0 { // received after b, so b was not the answer
			c := d.rbuf[0]
			d.rbuf = d.rbuf[1:]
			if escpos.IsStatusReply(c) {
				b, got = c, got+1
			} else {
				d.classify(c)
			}
		}
		if got >= want {
			break
		}
		c, err := d.readReply(ctx, time.Now().Add(d.opt.ReplyTimeout), escpos.IsStatusReply)
		if errors.Is(err, ErrNoAnswer) {
			break // the printer did not answer all of them
		}
		if err != nil {
			return err
		}
		b, got = c, got+1
	}
	if got > 1 {
		d.logf("printer: %d unsolicited status bytes before the answer to DLE EOT %d", got-1, kind)
	}
	if got > want {
		d.stale = true // more than foreseen: more may follow
	}
	d.strays = 0
	return st.Decode(kind, b)
}

// settle drops what the line carries until it has been quiet for a reply
// timeout (at most 5 s), so that the next reply read is the next question's.
// A GS r reply among it is kept.
func (d *Driver) settle(ctx context.Context) {
	d.stale, d.strays = false, 0
	d.dropBuffered()
	tmp := make([]byte, 64)
	start := time.Now()
	last := start
	for ctx.Err() == nil && time.Since(start) < 5*time.Second && time.Since(last) < d.opt.ReplyTimeout {
		n, err := d.port.Read(tmp)
		if n > 0 {
			last = time.Now()
			for _, b := range tmp[:n] {
				d.classify(b)
			}
		}
		if err != nil && !errors.Is(err, serialport.ErrTimeout) {
			d.portErr = fmt.Errorf("%w: %v", ErrPortGone, err)
			return
		}
	}
}

// countStrays notes the real-time status requests (10 04 n, n = 1..4)
// that end in job[from:to]: the printer answers each, wherever it is.
func (d *Driver) countStrays(job []byte, from, to int) {
	for i := max(from, 2); i < to; i++ {
		if job[i-2] == escpos.DLE && job[i-1] == escpos.EOT && job[i] >= 1 && job[i] <= 4 {
			d.strays++
		}
	}
}

// query asks all four DLE EOT statuses and updates the state. A round
// that would turn a printable state into one that is not is asked again
// after the line has settled, unless it was asked on a settled line: an
// unsolicited reply nobody foresaw can make one round misread, and it must
// not stop a job or refuse the next.
func (d *Driver) query(ctx context.Context) (escpos.Status, error) {
	settled := d.stale
	st, err := d.round(ctx)
	if err == nil && !settled && !StateOf(st).CanPrint() {
		d.mu.Lock()
		was := d.state
		d.mu.Unlock()
		if was.CanPrint() {
			d.logf("printer: %s after %s; asking again on a quiet line", StateOf(st), was)
			d.stale = true
			st, err = d.round(ctx)
		}
	}
	if err != nil {
		if ctx.Err() == nil {
			d.setState(StateNoAnswer, escpos.Status{}, err)
		}
		return st, err
	}
	d.setState(StateOf(st), st, nil)
	return st, nil
}

// round asks DLE EOT 1 to 4.
func (d *Driver) round(ctx context.Context) (escpos.Status, error) {
	var st escpos.Status
	for k := escpos.StatusPrinter; k <= escpos.StatusPaper; k++ {
		if err := d.ask(ctx, k, &st); err != nil {
			return st, err
		}
	}
	return st, nil
}

// pace waits until n more bytes fit in the estimated free part of the
// printer's buffer (3/4 of it), then books them.
func (d *Driver) pace(ctx context.Context, n int) error {
	limit := float64(d.prof.BufferBytes) * 3 / 4
	drain := float64(d.prof.DrainBytesPerSec)
	for {
		now := d.now()
		if !d.fillAt.IsZero() {
			d.fill = max(0, d.fill-now.Sub(d.fillAt).Seconds()*drain)
		}
		d.fillAt = now
		if d.fill == 0 || d.fill+float64(n) <= limit {
			break
		}
		wait := time.Duration((d.fill + float64(n) - limit) / drain * float64(time.Second))
		if err := d.sleep(ctx, wait); err != nil {
			return err
		}
	}
	d.fill += float64(n)
	return nil
}

// drainTime is how long the printer still needs for what it was sent.
func (d *Driver) drainTime() time.Duration {
	left := d.fill - d.now().Sub(d.fillAt).Seconds()*float64(d.prof.DrainBytesPerSec)
	if left <= 0 {
		return 0
	}
	return time.Duration(left / float64(d.prof.DrainBytesPerSec) * float64(time.Second))
}

// firstErr is the error of whichever context ended.
func firstErr(a, b context.Context) error {
	if err := a.Err(); err != nil {
		return err
	}
	return b.Err()
}

// runJob sends one job and confirms it. runCtx is Run's, jobCtx the
// caller's.
func (d *Driver) runJob(runCtx, jobCtx context.Context, job []byte) error {
	ctx, cancel := context.WithCancel(runCtx)
	defer cancel()
	stop := context.AfterFunc(jobCtx, cancel)
	defer stop()
	total := len(job)
	points, _ := escpos.SafePoints(job)
	fail := func(sent int, s State, err error) error {
		if jobCtx.Err() != nil && errors.Is(err, context.Canceled) {
			err = jobCtx.Err()
		}
		je := &JobError{State: s, Sent: sent, Total: total, Err: err}
		if sent > 0 {
			je.Leftover = d.stopped(job, points, sent, s)
		}
		d.logf("printer: job stopped after %d of %d bytes: %s (leftover may print: %v)", sent, total, s, je.Leftover)
		return je
	}

	st, err := d.query(ctx)
	if err != nil {
		return fail(0, StateNoAnswer, err)
	}
	if s := StateOf(st); !s.CanPrint() {
		return fail(0, s, s.Err())
	}
	if d.dirty {
		if s, err := d.finishLeftover(ctx); err != nil {
			return fail(0, s, err)
		}
	}

	chunk := max(d.prof.BufferBytes/4, 16)
	window := d.prof.BufferBytes * 3 / 4
	sent, sinceCheck, inFlight, pi := 0, 0, 0, 0
	for sent < total {
		for pi < len(points) && points[pi] <= sent {
			pi++
		}
		end := total
		if pi < len(points) {
			end = points[pi]
		}
		// sent is a command boundary here. Where the printer answers GS r
		// in sequence, wait for it to catch up before the buffer could
		// fill: paper feeds and QR codes take paper time without bytes,
		// which no byte-rate estimate foresees.
		if d.prof.InSequenceStatus && inFlight > 0 && inFlight+(end-sent) > window {
			if s, err := d.sync(ctx, window); err != nil {
				return fail(sent, s, err)
			}
			inFlight, sinceCheck = 0, 0
			d.fill, d.fillAt = 0, time.Time{}
		}
		// Between GS r 1 waits a segment that fits the window needs no time
		// pacing; a larger one (a long image) is paced by the estimate.
		timed := !d.prof.InSequenceStatus || end-sent > window
		for sent < end {
			n := min(end-sent, chunk)
			if !timed {
				d.fill += float64(n)
				d.fillAt = d.now()
			} else if err := d.pace(ctx, n); err != nil {
				return fail(sent, StateUnknown, firstErr(jobCtx, ctx))
			}
			if err := d.write(job[sent : sent+n]); err != nil {
				return fail(sent, StateNoAnswer, err)
			}
			d.countStrays(job, sent, sent+n)
			sent += n
			sinceCheck += n
			inFlight += n
		}
		if sent < total && sinceCheck >= d.opt.CheckEvery && pi < len(points) {
			sinceCheck = 0
			st, err := d.query(ctx)
			if err != nil {
				return fail(sent, StateNoAnswer, err)
			}
			if s := StateOf(st); !s.CanPrint() {
				return fail(sent, s, s.Err())
			}
		}
	}
	if d.prof.InSequenceStatus {
		if s, err := d.sync(ctx, inFlight); err != nil {
			return fail(total, s, err)
		}
		return nil
	}
	return d.waitPrinted(ctx, total, fail)
}

// sync sends GS r 1 (processed in sequence) and waits for its reply, which
// means the printer has processed everything sent before. The real-time
// status is checked all the while. pending is the number of bytes the
// printer may still have to print, for the timeout.
func (d *Driver) sync(ctx context.Context, pending int) (State, error) {
	d.gsr = -1
	if err := d.write(escpos.AppendPaperSensorQuery(nil)); err != nil {
		return StateNoAnswer, err
	}
	budget := time.Duration(float64(pending)/float64(d.prof.DrainBytesPerSec)*4*float64(time.Second)) +
		5*time.Second + 10*d.opt.ReplyTimeout
	deadline := d.now().Add(budget)
	for {
		st, err := d.query(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return StateUnknown, err
			}
			return StateNoAnswer, err
		}
		if s := StateOf(st); !s.CanPrint() {
			return s, s.Err()
		}
		if d.gsr >= 0 {
			if _, end, err := escpos.PaperSensor(byte(d.gsr)); err == nil && end {
				return StatePaperOut, ErrPaperOut
			}
			return StateOf(st), nil
		}
		if d.now().After(deadline) {
			return StateNoAnswer, fmt.Errorf("%w: GS r 1 not answered in %v", ErrNoAnswer, budget.Round(time.Millisecond))
		}
		if err := d.sleep(ctx, 20*time.Millisecond); err != nil {
			return StateUnknown, err
		}
	}
}

// waitPrinted is the end of a job on a model without in-sequence status:
// wait the estimated print time, checking the status all the while.
func (d *Driver) waitPrinted(ctx context.Context, total int, fail func(int, State, error) error) error {
	est := d.now().Add(d.drainTime())
	for {
		st, err := d.query(ctx)
		if err != nil {
			return fail(total, StateNoAnswer, err)
		}
		if s := StateOf(st); !s.CanPrint() {
			return fail(total, s, s.Err())
		}
		if !d.now().Before(est) {
			return nil
		}
		if err := d.sleep(ctx, min(100*time.Millisecond, max(est.Sub(d.now()), 10*time.Millisecond))); err != nil {
			return fail(total, StateUnknown, err)
		}
	}
}

// stopped notes what a job stopped after sent bytes leaves in the printer
// and reports whether some of it may still print.
//
// After an auto-cutter error DLE ENQ 2 recovers after clearing the buffers
// (where the profile says it works), and nothing is left. After paper out,
// an open cover, a cancelled job or a lost answer no command clears the
// receive buffer on every model (DLE ENQ acts only on recoverable errors
// such as the cutter's; ESC @ clears the print buffer, not the receive
// buffer): what the printer holds prints when it can print again. The job
// may also have been cut inside a command (an image, a QR code), which
// would swallow the next job's first bytes. So the driver finishes that
// command with NULs and adds a cut once the printer can print
// (finishLeftover), and the JobError says the rest may print.
func (d *Driver) stopped(job []byte, points []int, sent int, s State) (leftover bool) {
	if s == StateCutterError && d.prof.ClearOnError && d.portErr == nil {
		d.fill, d.fillAt = 0, time.Time{}
		d.dirty, d.pad, d.padCut = false, 0, false
		_ = d.write(escpos.AppendRecover(nil, true))
		return false
	}
	d.dirty = true
	d.pad, d.padCut = padFor(job, points, sent), sent < len(job)
	d.leftover = min(sent, d.prof.BufferBytes)
	return true
}

// maxPad is the most NULs sent to end a command the driver cannot measure:
// receiptio sends 8192 to flush a half-received command.
const maxPad = 8192

// padFor is the number of NULs that complete the command job[:sent] ends
// inside: up to the next command boundary. In image or QR data a NUL is a
// white dot or a harmless data byte; outside a command the printer ignores
// it.
func padFor(job []byte, points []int, sent int) int {
	if sent >= len(job) {
		return 0
	}
	for _, p := range points {
		if p >= sent {
			return p - sent
		}
	}
	return min(len(job)-sent, maxPad)
}

// finishLeftover runs once the printer can print again after a stopped
// job: it completes the half-sent command with NULs and cuts off whatever
// of the stopped job prints, so it comes out as a piece of its own before
// the next job. The printer may still hold part of the stopped job, so the
// estimate of its buffer starts full and, where GS r 1 is answered in
// sequence, the driver waits until it has all printed.
func (d *Driver) finishLeftover(ctx context.Context) (State, error) {
	b := make([]byte, d.pad)
	if d.padCut {
		b = escpos.AppendCut(b, d.prof.Cut, 0)
	}
	d.fill, d.fillAt = float64(d.leftover), d.now()
	d.dirty, d.pad, d.padCut = false, 0, false
	chunk := max(d.prof.BufferBytes/4, 16)
	for sent := 0; sent < len(b); {
		n := min(len(b)-sent, chunk)
		if err := d.pace(ctx, n); err != nil {
			return StateUnknown, err
		}
		if err := d.write(b[sent : sent+n]); err != nil {
			return StateNoAnswer, err
		}
		sent += n
	}
	if len(b) > 0 {
		d.logf("printer: ended the stopped job's last command with %d NULs and a cut", len(b))
	}
	if d.prof.InSequenceStatus {
		s, err := d.sync(ctx, d.leftover+len(b))
		if err != nil {
			return s, err
		}
		d.fill, d.fillAt = 0, time.Time{}
	}
	d.leftover = 0
	return StateReady, nil
}

// tidy finishes a stopped job's leftover as soon as the printer can print,
// so it does not sit half-done until the next job.
func (d *Driver) tidy(ctx context.Context) {
	if !d.dirty || d.portErr != nil || ctx.Err() != nil {
		return
	}
	if s, _ := d.State(); !s.CanPrint() {
		return
	}
	if s, err := d.finishLeftover(ctx); err != nil {
		d.logf("printer: finishing a stopped job: %s: %v", s, err)
	}
}
