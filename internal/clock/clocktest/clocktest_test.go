package clocktest

import (
	"context"
	"testing"
	"time"

	"github.com/pudong-community/kiosk/internal/clock"
)

var t0 = time.Date(2026, 1, 1, 8, 0, 0, 0, time.UTC)

func TestAddFiresInOrder(t *testing.T) {
	t.Parallel()
	c := New(t0)
	var got []time.Duration
	c.AfterFunc(2*time.Second, func() { got = append(got, c.Now().Sub(t0)) })
	c.AfterFunc(time.Second, func() {
		got = append(got, c.Now().Sub(t0))
		c.AfterFunc(500*time.Millisecond, func() { got = append(got, c.Now().Sub(t0)) })
	})
	stopped := c.AfterFunc(time.Second, func() { t.Error("a stopped timer ran") })
	if !stopped.Stop() || stopped.Stop() {
		t.Error("Stop reports wrongly")
	}
	c.Add(3 * time.Second)
	want := []time.Duration{time.Second, 1500 * time.Millisecond, 2 * time.Second}
	if len(got) != len(want) {
		t.Fatalf("ran at %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("ran at %v, want %v", got, want)
		}
	}
	if c.Now() != t0.Add(3*time.Second) || c.Pending() != 0 {
		t.Errorf("now %v, pending %d", c.Now(), c.Pending())
	}
}

func TestSleepOnWakesWithTheClock(t *testing.T) {
	t.Parallel()
	c := New(t0)
	done := make(chan error, 1)
	go func() { done <- clock.SleepOn(context.Background(), c, time.Minute) }()
	if !c.WaitPending(1, 10*time.Second) {
		t.Fatal("the sleeper never set its timer")
	}
	c.Add(59 * time.Second)
	select {
	case <-done:
		t.Fatal("woke before its minute")
	default:
	}
	c.Add(time.Second)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestSetJumpsWithoutTimePassing(t *testing.T) {
	t.Parallel()
	c := New(t0)
	fired := 0
	c.AfterFunc(time.Minute, func() { fired++ })
	c.Set(t0.AddDate(1, 0, 0))
	c.Set(t0.AddDate(-1, 0, 0))
	if fired != 0 || c.Mono() != 0 {
		t.Fatalf("a jump fired %d timers, passed %v", fired, c.Mono())
	}
	c.Add(59 * time.Second)
	if fired != 0 {
		t.Fatal("fired early after the clock jumped")
	}
	c.Add(time.Second)
	if fired != 1 || c.Mono() != time.Minute || !c.Now().Equal(t0.AddDate(-1, 0, 0).Add(time.Minute)) {
		t.Fatalf("fired %d, mono %v, now %v", fired, c.Mono(), c.Now())
	}
}

func TestSleepEndsWithContext(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := clock.Sleep(ctx, time.Hour); err != context.Canceled {
		t.Fatalf("Sleep = %v", err)
	}
	if err := clock.Sleep(ctx, 0); err != context.Canceled {
		t.Fatalf("Sleep(0) = %v", err)
	}
	wake := make(chan struct{}, 1)
	wake <- struct{}{}
	if err := clock.SleepOn(context.Background(), clock.System, time.Hour, wake); err != nil {
		t.Fatal(err)
	}
}
