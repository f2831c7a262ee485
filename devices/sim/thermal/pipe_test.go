package thermal

import (
	"errors"
	"io"
	"sync"
	"time"
)

// pipeEnd is one end of an in-memory full-duplex byte pipe with
// SetReadDeadline, like the master of a pseudo-terminal.
type pipeEnd struct {
	in  *queue
	out *queue
}

type queue struct {
	mu       sync.Mutex
	cond     *sync.Cond
	data     []byte
	deadline time.Time
}

func newQueue() *queue { q := &queue{}; q.cond = sync.NewCond(&q.mu); return q }

func newPipe() (a, b *pipeEnd) {
	x, y := newQueue(), newQueue()
	return &pipeEnd{in: x, out: y}, &pipeEnd{in: y, out: x}
}

var errDeadline = errors.New("deadline")

func (e *pipeEnd) Write(p []byte) (int, error) {
	e.out.mu.Lock()
	e.out.data = append(e.out.data, p...)
	e.out.cond.Broadcast()
	e.out.mu.Unlock()
	return len(p), nil
}

func (e *pipeEnd) Read(p []byte) (int, error) {
	q := e.in
	q.mu.Lock()
	defer q.mu.Unlock()
	for len(q.data) == 0 {
		if !q.deadline.IsZero() && time.Now().After(q.deadline) {
			return 0, errDeadline
		}
		go func() { time.Sleep(5 * time.Millisecond); q.cond.Broadcast() }()
		q.cond.Wait()
	}
	n := copy(p, q.data)
	q.data = q.data[n:]
	return n, nil
}

func (e *pipeEnd) SetReadDeadline(t time.Time) error {
	e.in.mu.Lock()
	e.in.deadline = t
	e.in.cond.Broadcast()
	e.in.mu.Unlock()
	return nil
}

func (e *pipeEnd) readByte(timeout time.Duration) (byte, error) {
	e.SetReadDeadline(time.Now().Add(timeout))
	var b [1]byte
	_, err := io.ReadFull(e, b[:])
	return b[0], err
}
