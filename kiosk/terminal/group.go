package terminal

import (
	"context"
	"fmt"
	"sync"
)

// group runs named parts of the terminal: the first that fails ends the
// others (its context is cancelled), and Wait returns when all have
// stopped, with the first failure. A part that returns when its context
// ended has not failed. (An errgroup from the standard library alone.)
type group struct {
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	once   sync.Once
	err    error
}

func newGroup(parent context.Context) *group {
	ctx, cancel := context.WithCancel(parent)
	return &group{ctx: ctx, cancel: cancel}
}

// Go runs f in its own goroutine.
func (g *group) Go(name string, f func(context.Context) error) {
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		err := f(g.ctx)
		if err != nil && g.ctx.Err() == nil {
			g.once.Do(func() {
				g.err = fmt.Errorf("terminal: %s stopped: %w", name, err)
				g.cancel()
			})
		}
	}()
}

// Wait waits for every part and returns the first failure.
func (g *group) Wait() error {
	g.wg.Wait()
	g.cancel()
	return g.err
}
