package idcard

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/pudong-community/kiosk/devices/serialport"
	"github.com/pudong-community/kiosk/internal/clock"
)

// EventKind says what happened at the reader.
type EventKind int

// Event kinds.
const (
	// CardPresent: a card was read; Event.Identity is set.
	CardPresent EventKind = iota + 1
	// CardRemoved: the card that was read has left the reader.
	CardRemoved
	// CardError: a card was found but could not be read or decoded;
	// Event.Err says why (a *StatusError, a *FieldError ...). Reported once
	// per card.
	CardError
	// ReaderError: the module stopped answering, its SAM is not ready, or
	// the port is gone. Reported once until the reader is back.
	ReaderError
	// ReaderBack: the module answers and its SAM is ready — at start-up and
	// after every ReaderError.
	ReaderBack
)

func (k EventKind) String() string {
	switch k {
	case CardPresent:
		return "card present"
	case CardRemoved:
		return "card removed"
	case CardError:
		return "card error"
	case ReaderError:
		return "reader error"
	case ReaderBack:
		return "reader back"
	}
	return fmt.Sprintf("EventKind(%d)", int(k))
}

// Event is one thing the reader reports.
type Event struct {
	Kind     EventKind
	Identity *Identity
	Err      error
	At       time.Time
	// Timings of the steps of a card read (CardPresent, CardError).
	Timings Timings
	// Lost marks a CardRemoved sent because the reader failed with the
	// card on it: the card may well still lie there.
	Lost bool
}

// Timings of one card read, from the find that saw the card.
type Timings struct {
	Find, Select, Read, Appended, Total time.Duration
}

// Timeouts bound each command. Zero fields take the defaults.
type Timeouts struct {
	SAM, Find, Select, Read, Appended time.Duration
}

// DefaultTimeouts are generous against the read times public implementations
// use; the read includes 112 ms of line time at 115200 baud.
var DefaultTimeouts = Timeouts{
	SAM: 500 * time.Millisecond, Find: 500 * time.Millisecond, Select: 500 * time.Millisecond,
	Read: 3 * time.Second, Appended: time.Second,
}

// DefaultPollInterval is the find-card period.
const DefaultPollInterval = 150 * time.Millisecond

// Options configure a Reader.
type Options struct {
	// PollInterval is the find-card period (DefaultPollInterval if 0).
	PollInterval time.Duration
	Timeouts     Timeouts
	// Open reopens the port after it disappeared (an unplugged USB adapter).
	// Without it, Run returns when the port fails with anything but a read
	// timeout; a module that merely stops answering is waited for.
	Open func() (serialport.Port, error)
	// ReconnectInterval spaces reopen and start-up attempts (1 s if 0).
	ReconnectInterval time.Duration
	// FailuresBeforeDown is how many commands in a row may go unanswered
	// before a ReaderError (3 if 0).
	FailuresBeforeDown int
	// Logger gets one line per problem; never a full ID number. Discarded if nil.
	Logger *slog.Logger
	// Now is the clock (time.Now if nil).
	Now func() time.Time
}

// State of the reader, for the maintenance panel.
type State string

// States.
const (
	StateStarting State = "starting"
	StateReady    State = "ready"
	StateCard     State = "card"
	StateDown     State = "down"
)

// FrameRecord is one frame on the line, for the maintenance panel. Answers
// that carry personal data are kept only up to their status bytes.
type FrameRecord struct {
	Out  bool // host to module
	At   time.Time
	Hex  string
	Note string
}

// Status is a snapshot of the reader.
type Status struct {
	State     State
	Port      string
	SAMID     string // the 16 raw bytes in hex
	SAMIDText string // a readable form of the SAM ID
	LastError string
	LastErrAt time.Time
	Reads     int
	Frames    []FrameRecord // oldest first, at most 50
}

const frameRing = 50

// Reader drives a SAM module on a serial port. Run owns the port; the other
// methods may be called from any goroutine.
type Reader struct {
	opts   Options
	log    *slog.Logger
	events chan Event

	port serialport.Port // owned by Run

	mu     sync.Mutex
	status Status
	ring   []FrameRecord
	ringAt int

	rbuf, wbuf []byte
	tmp        []byte
	dirty      bool
	// quiet, when set, is how long the line must stay silent before the
	// next command: after an answer that did not fit its command, the
	// answer that did may still be on its way.
	quiet    time.Duration
	up       bool // ReaderBack sent and no ReaderError since
	downSent bool
}

// NewReader returns a reader for port. port may be nil if opts.Open is set.
func NewReader(port serialport.Port, opts Options) *Reader {
	if opts.PollInterval <= 0 {
		opts.PollInterval = DefaultPollInterval
	}
	d := DefaultTimeouts
	for _, p := range []struct{ v, def *time.Duration }{
		{&opts.Timeouts.SAM, &d.SAM}, {&opts.Timeouts.Find, &d.Find}, {&opts.Timeouts.Select, &d.Select},
		{&opts.Timeouts.Read, &d.Read}, {&opts.Timeouts.Appended, &d.Appended},
	} {
		if *p.v <= 0 {
			*p.v = *p.def
		}
	}
	if opts.ReconnectInterval <= 0 {
		opts.ReconnectInterval = time.Second
	}
	if opts.FailuresBeforeDown <= 0 {
		opts.FailuresBeforeDown = 3
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	r := &Reader{opts: opts, log: log, events: make(chan Event, 16), port: port,
		rbuf: make([]byte, 0, MaxFrameLen*2), tmp: make([]byte, 4096), ring: make([]FrameRecord, 0, frameRing)}
	r.status.State = StateStarting
	if port != nil {
		r.status.Port = port.Name()
		// Drop whatever an earlier user of the port left on the line.
		r.dirty = true
	}
	return r
}

// Events delivers what happens at the reader. It is closed when Run returns.
func (r *Reader) Events() <-chan Event { return r.events }

// Status returns a snapshot for the maintenance panel.
func (r *Reader) Status() Status {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.status
	s.Frames = make([]FrameRecord, 0, len(r.ring))
	if len(r.ring) == frameRing {
		s.Frames = append(s.Frames, r.ring[r.ringAt:]...)
		s.Frames = append(s.Frames, r.ring[:r.ringAt]...)
	} else {
		s.Frames = append(s.Frames, r.ring...)
	}
	return s
}

func (r *Reader) setState(st State) {
	r.mu.Lock()
	r.status.State = st
	r.mu.Unlock()
}

func (r *Reader) record(out bool, frame []byte, personal bool) {
	rec := FrameRecord{Out: out, At: r.opts.Now()}
	if personal && len(frame) > 10 {
		rec.Hex = hex.EncodeToString(frame[:10])
		rec.Note = fmt.Sprintf("%d bytes, card data not kept", len(frame))
	} else {
		rec.Hex = hex.EncodeToString(frame)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.ring) < frameRing {
		r.ring = append(r.ring, rec)
		return
	}
	r.ring[r.ringAt] = rec
	r.ringAt = (r.ringAt + 1) % frameRing
}

func (r *Reader) emit(ctx context.Context, e Event) error {
	if e.At.IsZero() {
		e.At = r.opts.Now()
	}
	select {
	case r.events <- e:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Run owns the port: it starts the module, polls for cards and emits events
// until ctx is done (then it returns ctx.Err() and closes the port and the
// events channel). When the port fails it is closed and, if Options.Open is
// set, reopened every ReconnectInterval; without Open, Run returns the error.
func (r *Reader) Run(ctx context.Context) error {
	defer close(r.events)
	defer func() {
		if r.port != nil {
			r.port.Close()
		}
	}()
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		if r.port == nil {
			if r.opts.Open == nil {
				return fmt.Errorf("%w: no port and no Open function", ErrPortGone)
			}
			p, err := r.opts.Open()
			if err != nil {
				if err := r.readerDown(ctx, fmt.Errorf("%w: %v", ErrPortGone, err)); err != nil {
					return err
				}
				if err := clock.Sleep(ctx, r.opts.ReconnectInterval); err != nil {
					return err
				}
				continue
			}
			r.port = p
			r.dirty = true
			r.mu.Lock()
			r.status.Port = p.Name()
			r.mu.Unlock()
		}
		err := r.startup(ctx)
		if err == nil {
			err = r.poll(ctx)
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if derr := r.readerDown(ctx, err); derr != nil {
			return derr
		}
		if errors.Is(err, ErrPortGone) {
			r.port.Close()
			r.port = nil
			if r.opts.Open == nil {
				return err
			}
		}
		if err := clock.Sleep(ctx, r.opts.ReconnectInterval); err != nil {
			return err
		}
	}
}

// readerDown reports a reader failure once per outage.
func (r *Reader) readerDown(ctx context.Context, err error) error {
	r.mu.Lock()
	r.status.State = StateDown
	r.status.LastError = err.Error()
	r.status.LastErrAt = r.opts.Now()
	r.mu.Unlock()
	r.up = false
	if r.downSent {
		return nil
	}
	r.downSent = true
	r.log.Warn("idcard: reader down", "err", err)
	return r.emit(ctx, Event{Kind: ReaderError, Err: err})
}

// startup checks the SAM and reads its ID.
func (r *Reader) startup(ctx context.Context) error {
	if _, err := r.command(ctx, CmdSAMStatus, r.opts.Timeouts.SAM, StatusOK); err != nil {
		return samErr(err)
	}
	resp, err := r.command(ctx, CmdSAMID, r.opts.Timeouts.SAM, StatusOK)
	if err != nil {
		return samErr(err)
	}
	if len(resp.Data) >= 16 {
		r.mu.Lock()
		r.status.SAMID = hex.EncodeToString(resp.Data[:16])
		r.status.SAMIDText = FormatSAMID(resp.Data[:16])
		r.mu.Unlock()
	}
	r.setState(StateReady)
	r.downSent = false
	if !r.up {
		r.up = true
		r.log.Info("idcard: reader ready", "port", r.status.Port, "sam", r.Status().SAMIDText)
		return r.emit(ctx, Event{Kind: ReaderBack})
	}
	return nil
}

func samErr(err error) error {
	var se *StatusError
	if errors.As(err, &se) {
		return fmt.Errorf("%w: %w", ErrNoSAM, err)
	}
	return err
}

// FormatSAMID renders the 16-byte SAM management information as
// "b0.b2-n1-n2-n3" with little-endian 32-bit numbers (the HslCommunication
// layout); other SDKs pad differently, so keep the raw hex too.
func FormatSAMID(b []byte) string {
	if len(b) < 16 {
		return hex.EncodeToString(b)
	}
	return fmt.Sprintf("%02d.%02d-%d-%010d-%010d", b[0], b[2],
		binary.LittleEndian.Uint32(b[4:]), binary.LittleEndian.Uint32(b[8:]), binary.LittleEndian.Uint32(b[12:]))
}

// poll finds cards and watches for their removal until the reader fails.
func (r *Reader) poll(ctx context.Context) (err error) {
	present := false // a card was read and is (as far as we know) still there
	cardErr := ""    // the error reported for the card in the field, if any
	failures := 0    // finds in a row without an answer
	misses := 0      // presence checks in a row without an answer
	defer func() {
		// The reader failed with a card on it: nobody can vouch for the
		// card any more, so it counts as removed.
		if present && ctx.Err() == nil {
			r.emit(ctx, Event{Kind: CardRemoved, Lost: true})
		}
	}()
	next := r.opts.Now()
	for {
		if err := clock.Sleep(ctx, next.Sub(r.opts.Now())); err != nil {
			return err
		}
		next = r.opts.Now().Add(r.opts.PollInterval)
		t0 := time.Now()
		resp, err := r.command(ctx, CmdFindCard, r.opts.Timeouts.Find, StatusFound, StatusFindFailed)
		if err != nil {
			if errors.Is(err, ErrNoAnswer) {
				if failures++; failures < r.opts.FailuresBeforeDown {
					continue
				}
			}
			return err
		}
		failures = 0
		findTime := time.Since(t0)
		if resp.SW3 == StatusFindFailed {
			if !present && cardErr == "" {
				continue
			}
			// A card that was read does not answer find again while it
			// stays: ask it something cheap instead.
			still, err := r.stillThere(ctx)
			if err != nil {
				if errors.Is(err, ErrNoAnswer) {
					if misses++; misses < r.opts.FailuresBeforeDown {
						continue
					}
				}
				return err
			}
			misses = 0
			if still {
				continue
			}
			if present {
				present = false
				r.setState(StateReady)
				if err := r.emit(ctx, Event{Kind: CardRemoved}); err != nil {
					return err
				}
			}
			cardErr = ""
			continue
		}
		// Found: a new card, or the card was lifted and put back.
		if present {
			present = false
			r.setState(StateReady)
			if err := r.emit(ctx, Event{Kind: CardRemoved}); err != nil {
				return err
			}
		}
		id, tm, err := r.readCard(ctx)
		tm.Find = findTime
		tm.Total = time.Since(t0)
		switch {
		case err == nil:
			present, cardErr = true, ""
			r.mu.Lock()
			r.status.State = StateCard
			r.status.Reads++
			r.mu.Unlock()
			r.log.Info("idcard: card read", "type", id.CardType, "id", id.MaskedID(), "ms", tm.Total.Milliseconds())
			if err := r.emit(ctx, Event{Kind: CardPresent, Identity: &id, Timings: tm}); err != nil {
				return err
			}
		case errors.Is(err, ErrNoAnswer) || errors.Is(err, ErrPortGone):
			return err
		default:
			if err.Error() == cardErr {
				continue
			}
			cardErr = err.Error()
			r.mu.Lock()
			r.status.LastError, r.status.LastErrAt = cardErr, r.opts.Now()
			r.mu.Unlock()
			r.log.Warn("idcard: card not read", "err", err)
			if err := r.emit(ctx, Event{Kind: CardError, Err: err, Timings: tm}); err != nil {
				return err
			}
		}
	}
}

// stillThere asks the card for its appended address, which a card in the
// field answers (90 or 91) even after it was read.
func (r *Reader) stillThere(ctx context.Context) (bool, error) {
	_, err := r.command(ctx, CmdReadAppended, r.opts.Timeouts.Appended, StatusOK, StatusNoContent)
	var se *StatusError
	switch {
	case err == nil:
		return true, nil
	case errors.As(err, &se):
		return false, nil
	}
	return false, err
}

// readCard selects and reads the card that answered find.
func (r *Reader) readCard(ctx context.Context) (Identity, Timings, error) {
	var tm Timings
	t := time.Now()
	if _, err := r.command(ctx, CmdSelectCard, r.opts.Timeouts.Select, StatusOK); err != nil {
		return Identity{}, tm, err
	}
	tm.Select = time.Since(t)
	t = time.Now()
	resp, err := r.command(ctx, CmdReadBase, r.opts.Timeouts.Read, StatusOK)
	if err != nil {
		return Identity{}, tm, err
	}
	tm.Read = time.Since(t)
	id, err := ParseReadBase(resp.Data, false)
	if err != nil {
		return Identity{}, tm, err
	}
	t = time.Now()
	resp, err = r.command(ctx, CmdReadAppended, r.opts.Timeouts.Appended, StatusOK, StatusNoContent)
	if err != nil {
		return Identity{}, tm, err
	}
	tm.Appended = time.Since(t)
	if resp.SW3 == StatusOK {
		if id.AppendedAddresses, err = ParseAppended(resp.Data); err != nil {
			return Identity{}, tm, err
		}
	}
	if len(id.PrivateUse) > 0 {
		r.log.Info("idcard: card holds private-use characters; staff should confirm", "fields", id.PrivateUse)
	}
	return id, tm, nil
}

// command sends c and waits for an answer whose SW3 is one of ok (with
// SW1=SW2=0). A corrupted answer, or the module saying our frame was
// corrupted, is retried twice.
func (r *Reader) command(ctx context.Context, c Command, timeout time.Duration, ok ...byte) (Response, error) {
	var resp Response
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		resp, err = r.exchange(ctx, c, timeout)
		retry := errors.Is(err, ErrChecksum) || errors.Is(err, ErrLength) || errors.Is(err, ErrResponse) ||
			err == nil && (resp.SW3 == StatusBadChecksum || resp.SW3 == StatusBadLength)
		if !retry {
			break
		}
		r.log.Debug("idcard: retrying", "cmd", c.Name(), "err", err)
	}
	if err != nil {
		return Response{}, err
	}
	for _, s := range ok {
		if resp.SW1 == 0 && resp.SW2 == 0 && resp.SW3 == s {
			return resp, nil
		}
	}
	// An answer that only another command gives is that command's: a
	// late one, or one a process that died mid-conversation asked for.
	// Left alone, every later command would read its predecessor's
	// answer. Before the next command, wait until the line has been quiet
	// for as long as this one's answer could take, and drop what comes.
	// A failure this command can give (a card lifted away answers the
	// presence check with 41) is its own answer: the line is in step, and
	// waiting would hold up the next card by a whole timeout. A failure
	// only another command gives (41 to a find card) is not.
	if othersAnswer(c, resp) {
		r.dirty, r.quiet = true, timeout
	}
	return resp, &StatusError{Command: c, SW1: resp.SW1, SW2: resp.SW2, SW3: resp.SW3}
}

// othersAnswer reports whether resp is an answer this command never
// gives, so another command's (the protocol's status table: 9F and 80
// answer find card alone, 81 select alone, 91 read appended alone, the
// card's authentication and read failures come from select and the
// reads, the SAM's self-test failures from the SAM commands), or carries
// a status other than 00 00 in SW1 and SW2, which no module sends. The
// module's complaints about a frame or a command (10, 11, 21, 23, 24) may
// answer any command. A command this package does not know may get
// anything.
func othersAnswer(c Command, resp Response) bool {
	if resp.SW1 != 0 || resp.SW2 != 0 {
		return true
	}
	own, known := ownAnswers(c)
	if !known {
		return false
	}
	switch resp.SW3 {
	case StatusBadChecksum, StatusBadLength, StatusBadCommand, StatusNotPermitted, StatusUnrecognised:
		return false
	}
	return !slices.Contains(own, resp.SW3)
}

// The card's authentication and read failures, which selecting or reading
// a card may answer.
var cardFailures = []byte{StatusCardAuthSAM, StatusSAMAuthCard, StatusVerifyFailed, StatusUnknownCard, StatusReadFailed, StatusRandomFailed}

// ownAnswers are the statuses command c itself answers with.
func ownAnswers(c Command) ([]byte, bool) {
	switch [2]byte{c.Cmd, c.Para} {
	case [2]byte{CmdFindCard.Cmd, CmdFindCard.Para}:
		return []byte{StatusFound, StatusFindFailed}, true
	case [2]byte{CmdSelectCard.Cmd, CmdSelectCard.Para}:
		return append([]byte{StatusOK, StatusSelectFailed}, cardFailures...), true
	case [2]byte{CmdReadBase.Cmd, CmdReadBase.Para}, [2]byte{CmdReadBaseFP.Cmd, CmdReadBaseFP.Para}:
		return append([]byte{StatusOK}, cardFailures...), true
	case [2]byte{CmdReadAppended.Cmd, CmdReadAppended.Para}:
		return append([]byte{StatusOK, StatusNoContent}, cardFailures...), true
	case [2]byte{CmdResetSAM.Cmd, CmdResetSAM.Para}, [2]byte{CmdSAMStatus.Cmd, CmdSAMStatus.Para}, [2]byte{CmdSAMID.Cmd, CmdSAMID.Para}:
		return []byte{StatusOK, StatusSAMSelfTest, StatusSAMNoAuth}, true
	}
	return nil, false
}

// exchange writes one command frame and reads one answer frame. Data of the
// answer aliases an internal buffer valid until the next exchange.
func (r *Reader) exchange(ctx context.Context, c Command, timeout time.Duration) (Response, error) {
	p := r.port
	if r.dirty {
		r.drain()
	}
	r.wbuf = AppendCommand(r.wbuf[:0], c)
	r.record(true, r.wbuf, false)
	if _, err := p.Write(r.wbuf); err != nil {
		return Response{}, fmt.Errorf("%w: %s: %v", ErrPortGone, c.Name(), err)
	}
	personal := c.Cmd == 0x30
	deadline := time.Now().Add(timeout)
	r.rbuf = r.rbuf[:0]
	for {
		if err := ctx.Err(); err != nil {
			r.dirty = true
			return Response{}, err
		}
		body, n, err := Scan(r.rbuf)
		switch {
		case err == nil:
			r.record(false, r.rbuf[n-len(body)-HeaderLen-1:n], personal)
			if n < len(r.rbuf) {
				r.dirty = true // trailing bytes: noise or a late frame
			}
			resp, err := ParseResponse(body)
			return resp, err
		case !errors.Is(err, ErrIncomplete):
			r.record(false, r.rbuf[:min(len(r.rbuf), n+HeaderLen)], personal)
			r.dirty = true
			return Response{}, fmt.Errorf("%s: %w", c.Name(), err)
		}
		if n > 0 {
			r.rbuf = append(r.rbuf[:0], r.rbuf[n:]...)
		}
		if !time.Now().Before(deadline) {
			r.dirty = true
			if len(r.rbuf) > 0 {
				return Response{}, fmt.Errorf("%w: %s: incomplete answer after %v (%d bytes)", ErrNoAnswer, c.Name(), timeout, len(r.rbuf))
			}
			return Response{}, fmt.Errorf("%w: %s: no answer within %v", ErrNoAnswer, c.Name(), timeout)
		}
		m, err := p.Read(r.tmp)
		if m > 0 {
			r.rbuf = append(r.rbuf, r.tmp[:m]...)
		}
		if err != nil && !errors.Is(err, serialport.ErrTimeout) {
			return Response{}, fmt.Errorf("%w: %s: %v", ErrPortGone, c.Name(), err)
		}
	}
}

// drain discards bytes left on the line by an earlier, late or broken
// answer: until a read finds nothing or, when r.quiet is set, until the
// line has been silent that long (at most 64 reads and 5 s either way).
func (r *Reader) drain() {
	quiet := r.quiet
	r.dirty, r.quiet = false, 0
	start := time.Now()
	last := start
	for i := 0; i < 64 && time.Since(start) < 5*time.Second; i++ {
		n, err := r.port.Read(r.tmp)
		if err != nil && !errors.Is(err, serialport.ErrTimeout) {
			return
		}
		if n > 0 {
			last = time.Now()
			continue
		}
		if time.Since(last) >= quiet {
			return
		}
	}
}
