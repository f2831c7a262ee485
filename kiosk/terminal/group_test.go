package terminal

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
)

// The first part that fails ends the others; Wait returns its error only
// when every part has returned. Parts that stop because the context ended
// have not failed.
func TestGroup(t *testing.T) {
	t.Parallel()
	boom := errors.New("boom")
	g := newGroup(context.Background())
	var stopped atomic.Int32
	for range 3 {
		g.Go("waiter", func(ctx context.Context) error {
			<-ctx.Done()
			stopped.Add(1)
			return ctx.Err()
		})
	}
	g.Go("failing", func(context.Context) error { return boom })
	if err := g.Wait(); !errors.Is(err, boom) {
		t.Errorf("Wait = %v, want the failure", err)
	}
	if n := stopped.Load(); n != 3 {
		t.Errorf("Wait returned with %d of 3 parts stopped", n)
	}

	ctx, cancel := context.WithCancel(context.Background())
	g = newGroup(ctx)
	g.Go("waiter", func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() })
	cancel()
	if err := g.Wait(); err != nil {
		t.Errorf("Wait after the context ended = %v, want nil", err)
	}
}
