// Package printer drives an ESC/POS receipt printer over a serial port: it
// polls the real-time status (DLE EOT), reports the printer's state as
// events, paces jobs so that a printer with a small buffer and no flow
// control is never overrun, and stops a job that meets paper-out or an open
// cover, reports how far it got, and lets the caller print it again whole
// once the printer is ready. What the printer already holds of a stopped job
// prints when it can print again (no command clears it on every model):
// the driver ends it with a cut and JobError.Leftover says so, so the
// caller can tell the person that a partial copy comes before the full one.
// A job never half-prints silently: Print returns
// nil only after the printer confirmed the end of the job (GS r 1 answered
// in sequence) or, on models without that, after the estimated print time
// with the printer still ready.
//
// One goroutine (Run) owns the port; Print, Query and WaitReady hand work to
// it and wait.
package printer

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pudong-community/kiosk/devices/escpos"
	"github.com/pudong-community/kiosk/devices/serialport"
	"github.com/pudong-community/kiosk/internal/clock"
)

// Sentinel errors.
var (
	ErrProfile   = errors.New("printer: bad profile")
	ErrNotReady  = errors.New("printer: not ready")
	ErrPaperOut  = errors.New("printer: paper out")
	ErrCoverOpen = errors.New("printer: cover open")
	ErrCutter    = errors.New("printer: cutter error")
	ErrFault     = errors.New("printer: printer error")
	ErrNoAnswer  = errors.New("printer: not answering")
	ErrPortGone  = errors.New("printer: port failed")
	ErrEmptyJob  = errors.New("printer: empty job")
	ErrStopped   = errors.New("printer: driver not running")
	ErrRunning   = errors.New("printer: Run called twice")
)

// State is the printer's condition as the kiosk cares about it.
type State int

// States.
const (
	StateUnknown State = iota
	StateReady
	StateNearEnd // prints, but the roll should be changed soon
	StatePaperOut
	StateCoverOpen
	StateCutterError
	StateError    // other printer error (head too hot, mechanical, offline)
	StateNoAnswer // no valid status reply: unplugged, switched off, wrong baud
)

var stateNames = map[State][2]string{
	StateUnknown:     {"unknown", "状态未知"},
	StateReady:       {"ready", "就绪"},
	StateNearEnd:     {"paper near end", "纸将用完"},
	StatePaperOut:    {"paper out", "缺纸"},
	StateCoverOpen:   {"cover open", "纸仓盖未关"},
	StateCutterError: {"cutter error", "切刀故障"},
	StateError:       {"printer error", "打印机故障"},
	StateNoAnswer:    {"not answering", "打印机无响应"},
}

// String is the English name, for logs.
func (s State) String() string {
	if n, ok := stateNames[s]; ok {
		return n[0]
	}
	return fmt.Sprintf("State(%d)", int(s))
}

// Chinese is the staff-facing Chinese name.
func (s State) Chinese() string {
	if n, ok := stateNames[s]; ok {
		return n[1]
	}
	return "状态未知"
}

// CanPrint reports whether a job may start.
func (s State) CanPrint() bool { return s == StateReady || s == StateNearEnd }

// Err is the sentinel error of a state that prevents printing.
func (s State) Err() error {
	switch s {
	case StateReady, StateNearEnd:
		return nil
	case StatePaperOut:
		return ErrPaperOut
	case StateCoverOpen:
		return ErrCoverOpen
	case StateCutterError:
		return ErrCutter
	case StateNoAnswer:
		return ErrNoAnswer
	case StateError:
		return ErrFault
	}
	return ErrNotReady
}

// StateOf classifies decoded DLE EOT replies.
func StateOf(s escpos.Status) State {
	switch {
	case s.PaperEnd || s.PaperStop:
		return StatePaperOut
	case s.CoverOpen:
		return StateCoverOpen
	case s.CutterError:
		return StateCutterError
	case !s.Ready():
		return StateError
	case s.PaperNearEnd:
		return StateNearEnd
	}
	return StateReady
}

// Event reports a change of state.
type Event struct {
	State  State
	Status escpos.Status
	Err    error // why there is no answer, when State is StateNoAnswer
	Time   time.Time
}

// JobError tells how far a job got before it was stopped. Sent bytes may
// have printed partly; the job must be printed again whole.
type JobError struct {
	State State
	Sent  int
	Total int
	Err   error
	// Leftover: part of the job may still be in the printer, and prints
	// when it can print again (after paper is loaded or the cover closed;
	// no command clears it on every model). The driver ends it with a cut,
	// so it comes out as a partial copy of its own, before any reprint:
	// the person waiting gets that partial copy and then the full one.
	Leftover bool
}

func (e *JobError) Error() string {
	msg := fmt.Sprintf("printer: job stopped after %d of %d bytes (%s): %v", e.Sent, e.Total, e.State, e.Err)
	if e.Leftover {
		msg += " (the part already sent may still print)"
	}
	return msg
}

// Unwrap returns the cause (ErrPaperOut, ErrCoverOpen, ErrNoAnswer, a
// context error...).
func (e *JobError) Unwrap() error { return e.Err }

// Options tune the driver; zero values give the defaults.
type Options struct {
	PollInterval time.Duration // idle status polling; default 2 s
	ReplyTimeout time.Duration // wait for one status reply; default 500 ms
	// CheckEvery is how many job bytes may be sent between two status
	// checks; default a quarter of the profile's buffer.
	CheckEvery int
	Logf       func(format string, args ...any)
}

type request struct {
	ctx context.Context
	job []byte // nil: status query
	res chan result
}

type result struct {
	st  escpos.Status
	err error
}

// Driver is a printer on a port. Create it with New and start Run.
type Driver struct {
	port    serialport.Port
	prof    Profile
	opt     Options
	events  chan Event
	reqs    chan request
	done    chan struct{}
	running atomic.Bool

	mu      sync.Mutex
	state   State
	status  escpos.Status
	changed chan struct{}

	// owned by the Run goroutine
	rbuf   []byte
	gsr    int // last GS r 1 reply seen, -1 none
	fill   float64
	fillAt time.Time
	// dirty: a job was stopped half-way and part of it may still be in
	// the printer; finishLeftover sends pad NULs (and a cut, padCut) once
	// it can print. leftover bounds the bytes it may still hold.
	dirty    bool
	pad      int
	padCut   bool
	leftover int
	// stale: the line may carry status replies nobody waits for (left by
	// an earlier user of the port, or late after a timeout). The four
	// DLE EOT replies look alike, so one taken for the answer to the next
	// question would leave every later question reading its predecessor's.
	stale bool
	// strays: real-time status requests (10 04 n) sent inside job data
	// whose unsolicited replies may still be on the line.
	strays  int
	portErr error

	now   func() time.Time                           // injectable for pacing tests
	sleep func(context.Context, time.Duration) error // injectable for pacing tests
}

// New makes a driver for the printer on port, described by prof.
func New(port serialport.Port, prof Profile, opt Options) (*Driver, error) {
	p, err := prof.Validate()
	if err != nil {
		return nil, err
	}
	if opt.PollInterval <= 0 {
		opt.PollInterval = 2 * time.Second
	}
	if opt.ReplyTimeout <= 0 {
		opt.ReplyTimeout = 500 * time.Millisecond
	}
	if opt.CheckEvery <= 0 {
		opt.CheckEvery = max(p.BufferBytes/4, 64)
	}
	return &Driver{
		port: port, prof: p, opt: opt,
		events:  make(chan Event, 16),
		reqs:    make(chan request),
		done:    make(chan struct{}),
		changed: make(chan struct{}),
		gsr:     -1,
		stale:   true,
		now:     time.Now,
		sleep:   clock.Sleep,
	}, nil
}

// Profile is the validated profile in use.
func (d *Driver) Profile() Profile { return d.prof }

// Events delivers state changes. When the consumer falls behind, the oldest
// events are dropped; State is always current.
func (d *Driver) Events() <-chan Event { return d.events }

// State is the last known state and status.
func (d *Driver) State() (State, escpos.Status) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.state, d.status
}

func (d *Driver) logf(format string, args ...any) {
	if d.opt.Logf != nil {
		d.opt.Logf(format, args...)
	}
}

func (d *Driver) setState(s State, st escpos.Status, err error) {
	d.mu.Lock()
	if s == d.state && st == d.status {
		d.mu.Unlock()
		return
	}
	d.state, d.status = s, st
	close(d.changed)
	d.changed = make(chan struct{})
	d.mu.Unlock()
	d.logf("printer: %s (%s)", s, st)
	ev := Event{State: s, Status: st, Err: err, Time: time.Now()}
	for {
		select {
		case d.events <- ev:
			return
		default:
		}
		select {
		case <-d.events: // drop the oldest
		default:
		}
	}
}

// Run owns the port until ctx ends (returns nil) or the port fails
// (returns an error wrapping ErrPortGone). It polls the status while idle
// and runs the jobs and queries handed to it.
func (d *Driver) Run(ctx context.Context) error {
	if !d.running.CompareAndSwap(false, true) {
		return ErrRunning
	}
	defer close(d.done)
	t := time.NewTicker(d.opt.PollInterval)
	defer t.Stop()
	d.poll(ctx)
	for d.portErr == nil {
		select {
		case <-ctx.Done():
			return nil
		case r := <-d.reqs:
			var res result
			if r.job == nil {
				res.st, res.err = d.query(ctx)
			} else {
				res.err = d.runJob(ctx, r.ctx, r.job)
			}
			r.res <- res
			d.tidy(ctx)
		case <-t.C:
			d.poll(ctx)
			d.tidy(ctx)
		}
	}
	return d.portErr
}

func (d *Driver) poll(ctx context.Context) { _, _ = d.query(ctx) }

func (d *Driver) submit(ctx context.Context, job []byte) (result, error) {
	r := request{ctx: ctx, job: job, res: make(chan result, 1)}
	select {
	case d.reqs <- r:
	case <-ctx.Done():
		return result{}, ctx.Err()
	case <-d.done:
		return result{}, ErrStopped
	}
	// The job watches ctx itself and reports how far it got.
	select {
	case res := <-r.res:
		return res, nil
	case <-d.done:
		select { // Run may have answered just before it stopped
		case res := <-r.res:
			return res, nil
		default:
			return result{}, ErrStopped
		}
	}
}

// Query asks all four DLE EOT statuses now.
func (d *Driver) Query(ctx context.Context) (escpos.Status, error) {
	res, err := d.submit(ctx, nil)
	if err != nil {
		return escpos.Status{}, err
	}
	return res.st, res.err
}

// Print sends a whole job (starting with ESC @) and returns once it is
// confirmed printed. A *JobError says it was stopped and must be printed
// again whole, after WaitReady.
func (d *Driver) Print(ctx context.Context, job []byte) error {
	if len(job) == 0 {
		return ErrEmptyJob
	}
	res, err := d.submit(ctx, job)
	if err != nil {
		return err
	}
	return res.err
}

// WaitReady blocks until the printer can print (ready or paper near end).
func (d *Driver) WaitReady(ctx context.Context) error {
	for {
		d.mu.Lock()
		s, ch := d.state, d.changed
		d.mu.Unlock()
		if s.CanPrint() {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		case <-d.done:
			return ErrStopped
		}
	}
}
