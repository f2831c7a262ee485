package devicetest

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/pudong-community/kiosk/devices/serialport"
)

// Errors returned by a Playback to the driver under test.
var (
	ErrUnexpectedWrite = errors.New("devicetest: unexpected write")
	ErrUnplugged       = errors.New("devicetest: device unplugged")
)

// Step is one exchange of a scripted conversation: the host must write
// exactly Expect (in one or several Writes); the device then answers Reply.
// A step with no Expect answers right after the previous step, which scripts
// unsolicited bytes (noise, a late answer). Reply may be given in Chunks,
// each delivered by its own Read, to exercise split frames. A step with
// Unplug makes the port fail every later Read and Write, as a pulled cable.
type Step struct {
	Expect []byte
	Reply  []byte
	Chunks [][]byte
	Unplug bool
}

// Playback is a serialport.Port that plays a scripted conversation. It fails
// the test on any write that is not the next expected one, and (at cleanup)
// if the script was not played to its end.
type Playback struct {
	t           testing.TB
	name        string
	readTimeout time.Duration

	mu       sync.Mutex
	cond     *sync.Cond
	steps    []Step
	next     int
	written  []byte   // bytes of the current step's Expect received so far
	pending  [][]byte // reply chunks waiting to be read
	unplug   bool
	closed   bool
	failures int
}

var _ serialport.Port = (*Playback)(nil)

// NewPlayback returns a Port that plays steps. Reads with nothing to deliver
// return serialport.ErrTimeout after readTimeout (10 ms if 0).
func NewPlayback(t testing.TB, readTimeout time.Duration, steps ...Step) *Playback {
	t.Helper()
	if readTimeout <= 0 {
		readTimeout = 10 * time.Millisecond
	}
	p := &Playback{t: t, name: "playback", readTimeout: readTimeout, steps: steps}
	p.cond = sync.NewCond(&p.mu)
	p.mu.Lock()
	p.advanceLocked()
	p.mu.Unlock()
	t.Cleanup(func() {
		p.mu.Lock()
		defer p.mu.Unlock()
		if p.next < len(p.steps) && p.failures == 0 {
			t.Errorf("devicetest: playback stopped at step %d of %d (waiting for host to write % X)",
				p.next, len(p.steps), p.steps[p.next].Expect)
		}
	})
	return p
}

// advanceLocked releases the replies of steps that need no host write.
func (p *Playback) advanceLocked() {
	for p.next < len(p.steps) && len(p.steps[p.next].Expect) == 0 {
		p.releaseLocked()
	}
}

func (p *Playback) releaseLocked() {
	s := p.steps[p.next]
	p.next++
	p.written = p.written[:0]
	if len(s.Reply) > 0 {
		p.pending = append(p.pending, bytes.Clone(s.Reply))
	}
	for _, c := range s.Chunks {
		if len(c) > 0 {
			p.pending = append(p.pending, bytes.Clone(c))
		}
	}
	if s.Unplug {
		p.unplug = true
	}
	p.cond.Broadcast()
}

// Name implements serialport.Port.
func (p *Playback) Name() string { return p.name }

// Write checks b against the script.
func (p *Playback) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case p.closed:
		return 0, serialport.ErrClosed
	case p.unplug:
		return 0, ErrUnplugged
	}
	for i, c := range b {
		if p.next >= len(p.steps) {
			p.failLocked("write % X after the end of the script", b[i:])
			return i, ErrUnexpectedWrite
		}
		want := p.steps[p.next].Expect
		if want[len(p.written)] != c {
			p.failLocked("step %d: host wrote % X, script expects % X",
				p.next, append(bytes.Clone(p.written), b[i:]...), want)
			return i, ErrUnexpectedWrite
		}
		p.written = append(p.written, c)
		if len(p.written) == len(want) {
			p.releaseLocked()
			p.advanceLocked()
		}
	}
	return len(b), nil
}

func (p *Playback) failLocked(format string, args ...any) {
	p.failures++
	p.t.Errorf("devicetest: "+format, args...)
}

// Read delivers the next reply chunk (or as much of it as fits).
func (p *Playback) Read(b []byte) (int, error) {
	deadline := time.Now().Add(p.readTimeout)
	timer := time.AfterFunc(p.readTimeout, func() {
		p.mu.Lock()
		p.cond.Broadcast()
		p.mu.Unlock()
	})
	defer timer.Stop()
	p.mu.Lock()
	defer p.mu.Unlock()
	for {
		switch {
		case p.closed:
			return 0, serialport.ErrClosed
		case len(p.pending) > 0:
			n := copy(b, p.pending[0])
			if n == len(p.pending[0]) {
				p.pending = p.pending[1:]
			} else {
				p.pending[0] = p.pending[0][n:]
			}
			return n, nil
		case p.unplug:
			return 0, ErrUnplugged
		case !time.Now().Before(deadline):
			return 0, serialport.ErrTimeout
		}
		p.cond.Wait()
	}
}

// Close implements serialport.Port.
func (p *Playback) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return serialport.ErrClosed
	}
	p.closed = true
	p.cond.Broadcast()
	return nil
}

// Done reports whether every step has been played.
func (p *Playback) Done() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.next >= len(p.steps) && len(p.pending) == 0
}

// MustHex parses a hex string with optional spaces ("AA AA AA 96 69 ..."), for
// writing scripts and test vectors readably. It panics on bad input, which
// is a bug in the test itself.
func MustHex(s string) []byte {
	b, err := hex.DecodeString(string(bytes.ReplaceAll([]byte(s), []byte(" "), nil)))
	if err != nil {
		panic(fmt.Sprintf("devicetest: bad hex %q: %v", s, err))
	}
	return b
}
