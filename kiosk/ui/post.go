package ui

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"
)

// post hands f to the UI goroutine. It is the package's one door there:
// card events, device and network status, the visit machine's changes, the
// clock's tick, the staff session's idle watch and the results of service
// calls all come through it. No other goroutine touches a widget.
func post(f func()) { fyne.Do(f) }

// jobs runs service calls off the UI goroutine and hands each result back
// through post.
type jobs struct {
	ctx     context.Context
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	timeout time.Duration
	// post is the package's post; tests queue the results instead and run
	// them on the test goroutine, as the real driver runs them on its one
	// UI goroutine.
	post   func(func())
	closed atomic.Bool
}

func newJobs(timeout time.Duration) *jobs {
	j := &jobs{timeout: timeout, post: post}
	j.ctx, j.cancel = context.WithCancel(context.Background())
	return j
}

// run calls f off the UI goroutine with a bounded context and hands its
// result (when not nil) to the UI goroutine.
func (j *jobs) run(f func(ctx context.Context) func()) {
	j.wg.Add(1)
	go func() {
		defer j.wg.Done()
		ctx, cancel := context.WithTimeout(j.ctx, j.timeout)
		done := f(ctx)
		cancel()
		if done != nil {
			j.post(done)
		}
	}()
}

// wait waits for the calls in flight.
func (j *jobs) wait() { j.wg.Wait() }

// close cancels the calls in flight and waits for them.
func (j *jobs) close() {
	j.closed.Store(true)
	j.cancel()
	j.wg.Wait()
}
