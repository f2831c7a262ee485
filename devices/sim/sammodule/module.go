package sammodule

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pudong-community/kiosk/devices/idcard"
	"github.com/pudong-community/kiosk/internal/clock"
)

// Errors of this package.
var (
	ErrUnknownCard  = errors.New("sammodule: unknown card")
	ErrUnknownFault = errors.New("sammodule: unknown fault mode")
)

// Fault is a misbehaviour the emulator can be told to show.
type Fault string

// Fault modes.
const (
	FaultNoSAM       Fault = "no-sam"       // SAM missing: status and card commands answer 60 (SAM self-test failed)
	FaultBadChecksum Fault = "bad-checksum" // every answer has a wrong checksum
	FaultNoise       Fault = "noise"        // random bytes before every answer
	FaultSplit       Fault = "split"        // answers written in random small chunks
	FaultSlow        Fault = "slow"         // answers delayed by Options.SlowDelay
	FaultUnplug      Fault = "unplug"       // the module swallows everything and never answers
)

// Faults lists every fault mode.
var Faults = []Fault{FaultNoSAM, FaultBadChecksum, FaultNoise, FaultSplit, FaultSlow, FaultUnplug}

// Options configure a Module.
type Options struct {
	// Baud paces the emulated line: every byte takes 10 bit times (8N1), in
	// both directions. 0 sends as fast as the stream takes it.
	Baud int
	// ProcessingTime is added to every answer, standing for the RF and SAM
	// work inside the module.
	ProcessingTime time.Duration
	// SlowDelay is the extra delay of FaultSlow (default 3 s).
	SlowDelay time.Duration
	// SAMID is the 16-byte SAM management information (a fixed sample if zero).
	SAMID [16]byte
	// Seed makes noise and split chunks reproducible.
	Seed uint64
}

type cardState int

const (
	stateAbsent   cardState = iota
	stateFresh              // in the field, not yet found
	stateFound              // answered find
	stateSelected           // selected
	stateRead               // read: no longer answers find until re-presented
)

type loadedCard struct {
	key      string
	text     []byte
	photo    []byte
	appended []byte
}

// Module is an emulated SAM_V module with a card slot. Its methods are safe
// for concurrent use; Serve runs the conversation.
type Module struct {
	opts Options

	mu     sync.Mutex
	card   *loadedCard
	state  cardState
	faults map[Fault]bool
	rng    *rand.Rand

	in, out atomic.Int64
}

// New returns a module with no card in the field.
func New(opts Options) *Module {
	if opts.SlowDelay <= 0 {
		opts.SlowDelay = 3 * time.Second
	}
	if opts.SAMID == ([16]byte{}) {
		opts.SAMID = [16]byte{0x05, 0x00, 0x01, 0x00, 0x15, 0xCD, 0x5B, 0x07, 0x9A, 0x02, 0x00, 0x00, 0x3F, 0x42, 0x0F, 0x00}
	}
	return &Module{opts: opts, faults: map[Fault]bool{}, rng: rand.New(rand.NewPCG(opts.Seed, 0x5A4D))}
}

// Place puts the sample card key on the reader (replacing any other).
func (m *Module) Place(key string) error {
	c, ok := Sample(key)
	if !ok {
		return fmt.Errorf("%w: %q", ErrUnknownCard, key)
	}
	id, err := c.Identity()
	if err != nil {
		return err
	}
	return m.PlaceIdentity(key, id)
}

// PlaceIdentity puts a card with the given content on the reader.
func (m *Module) PlaceIdentity(key string, id idcard.Identity) error {
	text, err := idcard.EncodeText(id)
	if err != nil {
		return fmt.Errorf("sammodule: card %s: %w", key, err)
	}
	app, err := idcard.EncodeAppended(id.AppendedAddresses)
	if err != nil {
		return fmt.Errorf("sammodule: card %s: %w", key, err)
	}
	m.PlaceRaw(key, text, id.Photo, app)
	return nil
}

// PlaceRaw puts a card with a raw text block (which may be malformed on
// purpose), photo and appended-address data on the reader.
func (m *Module) PlaceRaw(key string, text, photo, appended []byte) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.card = &loadedCard{key: key, text: text, photo: photo, appended: appended}
	m.state = stateFresh
}

// Remove takes the card off the reader.
func (m *Module) Remove() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.card = nil
	m.state = stateAbsent
}

// Present returns the key of the card on the reader.
func (m *Module) Present() (string, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.card == nil {
		return "", false
	}
	return m.card.key, true
}

// SetFault switches a fault mode on or off.
func (m *Module) SetFault(f Fault, on bool) error {
	known := false
	for _, k := range Faults {
		known = known || k == f
	}
	if !known {
		return fmt.Errorf("%w: %q", ErrUnknownFault, f)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if on {
		m.faults[f] = true
	} else {
		delete(m.faults, f)
	}
	return nil
}

// ActiveFaults lists the fault modes switched on, sorted.
func (m *Module) ActiveFaults() []Fault {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Fault
	for f := range m.faults {
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// Traffic returns the bytes received and sent so far.
func (m *Module) Traffic() (in, out int64) { return m.in.Load(), m.out.Load() }

// Serve answers frames read from rw until ctx is done or rw fails. A read
// blocked in rw is released only by closing rw, which is the caller's job.
func (m *Module) Serve(ctx context.Context, rw io.ReadWriter) error {
	chunks := make(chan []byte)
	readErr := make(chan error, 1)
	go func() {
		for {
			b := make([]byte, 4096)
			n, err := rw.Read(b)
			if n > 0 {
				select {
				case chunks <- b[:n]:
				case <-ctx.Done():
					return
				}
			}
			if err != nil {
				readErr <- err
				return
			}
		}
	}()
	var buf []byte
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case err := <-readErr:
			return fmt.Errorf("sammodule: read: %w", err)
		case b := <-chunks:
			m.in.Add(int64(len(b)))
			buf = append(buf, b...)
		}
		for {
			body, n, err := idcard.Scan(buf)
			buf = buf[n:]
			if errors.Is(err, idcard.ErrIncomplete) {
				break
			}
			var frame []byte
			var cmdLen int
			switch {
			case errors.Is(err, idcard.ErrChecksum):
				frame, cmdLen = idcard.AppendResponse(nil, 0, 0, idcard.StatusBadChecksum, nil), n
			case errors.Is(err, idcard.ErrLength):
				frame, cmdLen = idcard.AppendResponse(nil, 0, 0, idcard.StatusBadLength, nil), n
			default:
				c, _ := idcard.ParseCommand(body)
				frame, cmdLen = m.answer(c), n
			}
			if frame == nil {
				continue
			}
			if err := m.send(ctx, rw, frame, cmdLen); err != nil {
				return err
			}
		}
		if len(buf) == 0 {
			buf = nil // let a large buffer go
		}
	}
}

// answer runs one command against the module state; nil means no answer.
func (m *Module) answer(c idcard.Command) []byte {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.faults[FaultUnplug] {
		return nil
	}
	resp := func(sw3 byte, data []byte) []byte { return idcard.AppendResponse(nil, 0, 0, sw3, data) }
	noSAM := m.faults[FaultNoSAM]
	switch [2]byte{c.Cmd, c.Para} {
	case [2]byte{0x10, 0xFF}:
		if m.card != nil {
			m.state = stateFresh
		}
		return resp(idcard.StatusOK, nil)
	case [2]byte{0x11, 0xFF}:
		if noSAM {
			return resp(idcard.StatusSAMSelfTest, nil)
		}
		return resp(idcard.StatusOK, nil)
	case [2]byte{0x12, 0xFF}:
		if noSAM {
			return resp(idcard.StatusSAMSelfTest, nil)
		}
		return resp(idcard.StatusOK, m.opts.SAMID[:])
	}
	if c.Cmd == 0x60 && c.Para <= 4 || c.Cmd == 0x61 && c.Para == 0xFF && len(c.Data) == 1 {
		return resp(idcard.StatusOK, nil)
	}
	if noSAM && (c.Cmd == 0x20 || c.Cmd == 0x30) {
		return resp(idcard.StatusSAMSelfTest, nil)
	}
	switch [2]byte{c.Cmd, c.Para} {
	case [2]byte{0x20, 0x01}:
		switch m.state {
		case stateFresh, stateFound, stateSelected:
			m.state = stateFound
			return resp(idcard.StatusFound, make([]byte, 4))
		}
		return resp(idcard.StatusFindFailed, nil)
	case [2]byte{0x20, 0x02}:
		switch m.state {
		case stateFound, stateSelected:
			m.state = stateSelected
			return resp(idcard.StatusOK, make([]byte, 8))
		}
		return resp(idcard.StatusSelectFailed, nil)
	case [2]byte{0x30, 0x01}, [2]byte{0x30, 0x10}:
		if m.state != stateSelected && m.state != stateRead {
			return resp(idcard.StatusReadFailed, nil)
		}
		m.state = stateRead
		if c.Para == 0x10 {
			data := append([]byte{0x01, 0x00, byte(len(m.card.photo) >> 8), byte(len(m.card.photo)), 0, 0}, m.card.text...)
			return resp(idcard.StatusOK, append(data, m.card.photo...))
		}
		return resp(idcard.StatusOK, idcard.EncodeReadBase(m.card.text, m.card.photo))
	case [2]byte{0x30, 0x03}:
		if m.state != stateSelected && m.state != stateRead {
			return resp(idcard.StatusReadFailed, nil)
		}
		if len(m.card.appended) == 0 {
			return resp(idcard.StatusNoContent, nil)
		}
		return resp(idcard.StatusOK, m.card.appended)
	}
	return resp(idcard.StatusBadCommand, nil)
}

// send writes an answer with pacing and the active faults.
func (m *Module) send(ctx context.Context, w io.Writer, frame []byte, cmdLen int) error {
	m.mu.Lock()
	slow, bad, noise, split := m.faults[FaultSlow], m.faults[FaultBadChecksum], m.faults[FaultNoise], m.faults[FaultSplit]
	var pre []byte
	if noise {
		pre = make([]byte, 1+m.rng.IntN(8))
		for i := range pre {
			pre[i] = byte(m.rng.IntN(0x80)) // never 0xAA: noise must not look like a preamble
		}
	}
	var cuts []int
	if split {
		for at := 0; at < len(frame); {
			at += 1 + m.rng.IntN(7)
			cuts = append(cuts, min(at, len(frame)))
		}
	}
	m.mu.Unlock()

	// The answer starts once the command has crossed the line and the
	// module has done its work; one schedule, so timer slack does not add up.
	delay := m.wire(cmdLen) + m.opts.ProcessingTime
	if slow {
		delay += m.opts.SlowDelay
	}
	if bad {
		frame[len(frame)-1] ^= 0x5A
	}
	out := append(pre, frame...)
	if split {
		for i := range cuts {
			cuts[i] += len(pre)
		}
	} else {
		cuts = []int{len(out)}
	}
	if len(pre) > 0 && split {
		cuts = append([]int{len(pre)}, cuts...)
	}
	return m.paced(ctx, w, out, cuts, time.Now().Add(delay))
}

// paced writes b so that byte i is not on the line before i+1 byte times
// after start; cuts are extra write boundaries (split frames).
func (m *Module) paced(ctx context.Context, w io.Writer, b []byte, cuts []int, start time.Time) error {
	step := len(b)
	if m.opts.Baud > 0 {
		step = max(1, m.opts.Baud/10/250) // about 4 ms of line time per write
	}
	off := 0
	for off < len(b) {
		end := min(off+step, len(b))
		for _, c := range cuts {
			if c > off && c < end {
				end = c
				break
			}
		}
		if err := clock.Sleep(ctx, time.Until(start.Add(m.wire(end)))); err != nil {
			return err
		}
		m.out.Add(int64(end - off))
		if _, err := w.Write(b[off:end]); err != nil {
			return fmt.Errorf("sammodule: write: %w", err)
		}
		off = end
		if len(cuts) > 1 && m.opts.Baud == 0 {
			_ = clock.Sleep(ctx, 200*time.Microsecond) // let the chunks arrive apart
		}
	}
	return nil
}

// wire is the line time of n bytes at the configured baud (8N1).
func (m *Module) wire(n int) time.Duration {
	if m.opts.Baud <= 0 {
		return 0
	}
	return time.Duration(n) * 10 * time.Second / time.Duration(m.opts.Baud)
}
