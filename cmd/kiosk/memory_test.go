package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestSettleOnce(t *testing.T) {
	t.Parallel()
	errFonts := errors.New("ui: release font pages: test")
	tests := []struct {
		name    string
		fontErr error
		wantLog []string
	}{
		{name: "releases fonts then the heap", wantLog: []string{"level=INFO", "memory settled", "reason=start", "font_pages_released_mib=3", "c_heap_trimmed=true"}},
		{name: "a font error is logged and the heap still returned", fontErr: errFonts,
			wantLog: []string{"font pages kept resident", "ui: release font pages: test", "memory settled"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var logBuf bytes.Buffer
			log := slog.New(slog.NewTextHandler(&logBuf, nil))
			var calls []string
			fonts := func() (int64, error) {
				calls = append(calls, "fonts")
				if tc.fontErr != nil {
					return 0, tc.fontErr
				}
				return 3 << 20, nil
			}
			free := func() bool { calls = append(calls, "free"); return true }
			settleOnce(context.Background(), log, slog.LevelInfo, "start", fonts, free)
			if got := strings.Join(calls, ","); got != "fonts,free" {
				t.Errorf("calls = %q, want fonts,free", got)
			}
			for _, w := range tc.wantLog {
				if !strings.Contains(logBuf.String(), w) {
					t.Errorf("log lacks %q:\n%s", w, logBuf.String())
				}
			}
		})
	}
}

// settleRun runs settleMemoryEvery with s until stop returns true for the
// settles so far, and returns the settles' times since the start and the
// log.
func settleRun(t *testing.T, s settleSchedule, kicks func(start time.Time, kick chan<- struct{}), stop func(n int) bool) ([]time.Duration, string) {
	t.Helper()
	var logBuf syncBuffer
	log := slog.New(slog.NewTextHandler(&logBuf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	kick := make(chan struct{}, 1)
	var mu sync.Mutex
	var at []time.Duration
	start := time.Now()
	free := func() bool {
		mu.Lock()
		defer mu.Unlock()
		at = append(at, time.Since(start))
		if stop(len(at)) {
			cancel()
		}
		return false
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		settleMemoryEvery(ctx, log, s, kick, func() (int64, error) { return 0, nil }, free)
	}()
	if kicks != nil {
		kicks(start, kick)
	}
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("settleMemoryEvery did not end")
	}
	mu.Lock()
	defer mu.Unlock()
	return slices.Clone(at), logBuf.String()
}

// syncBuffer is a bytes.Buffer safe for the logger's goroutine and the
// test's.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// The first settle at info level after First, the periodic ones at debug
// level, until ctx ends.
func TestSettleMemoryEvery(t *testing.T) {
	t.Parallel()
	s := settleSchedule{First: 20 * time.Millisecond, Every: 5 * time.Millisecond, Quiet: time.Hour, Gap: time.Millisecond}
	at, log := settleRun(t, s, nil, func(n int) bool { return n == 3 })
	if len(at) != 3 {
		t.Fatalf("settled %d times, want 3 (then ctx ended)", len(at))
	}
	if at[0] < s.First {
		t.Errorf("first settle after %v, before First %v", at[0], s.First)
	}
	lines := strings.Split(strings.TrimSpace(log), "\n")
	if len(lines) != 3 {
		t.Fatalf("log has %d lines, want 3:\n%s", len(lines), log)
	}
	for i, want := range []string{"level=INFO", "level=DEBUG", "level=DEBUG"} {
		if !strings.Contains(lines[i], want) || !strings.Contains(lines[i], "memory settled") {
			t.Errorf("log line %d = %q, want %s memory settled", i+1, lines[i], want)
		}
	}
	for i, want := range []string{"reason=start", "reason=periodic", "reason=periodic"} {
		if !strings.Contains(lines[i], want) {
			t.Errorf("log line %d = %q, want %s", i+1, lines[i], want)
		}
	}
}

// A kick (the outbox sent what was due) brings a settle Quiet later, at
// info level, but never within Gap of the last one; a kick before the
// first settle adds none, as the first settle comes after that work.
func TestSettleMemoryAfterSending(t *testing.T) {
	t.Parallel()
	s := settleSchedule{First: 30 * time.Millisecond, Every: time.Hour, Quiet: 20 * time.Millisecond, Gap: 300 * time.Millisecond}
	var kickedAt time.Duration
	at, log := settleRun(t, s, func(start time.Time, kick chan<- struct{}) {
		kick <- struct{}{} // before the first settle: no settle of its own
		time.Sleep(100 * time.Millisecond)
		kickedAt = time.Since(start)
		kick <- struct{}{} // within Gap of the first settle
	}, func(n int) bool { return n == 2 })
	if len(at) != 2 {
		t.Fatalf("settled %d times, want 2", len(at))
	}
	if at[0] < s.First || at[0] >= kickedAt {
		t.Errorf("first settle after %v, want from %v and before the kick at %v", at[0], s.First, kickedAt)
	}
	if gap := at[1] - at[0]; gap < s.Gap {
		t.Errorf("the settle after the kick came %v after the first, want at least Gap %v", gap, s.Gap)
	}
	if at[1]-kickedAt < s.Quiet {
		t.Errorf("the settle after the kick came %v after it, want at least Quiet %v", at[1]-kickedAt, s.Quiet)
	}
	if at[1] > time.Hour/2 {
		t.Errorf("the kick brought no settle (next at %v)", at[1])
	}
	lines := strings.Split(strings.TrimSpace(log), "\n")
	if len(lines) != 2 || !strings.Contains(lines[1], "level=INFO") || !strings.Contains(lines[1], "reason=sent") {
		t.Errorf("log = %q, want a second line at info level with reason=sent", lines)
	}
}

// Once ctx ends nothing more is settled.
func TestSettleMemoryStops(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	done := make(chan struct{})
	go func() {
		defer close(done)
		settleMemoryEvery(ctx, slog.New(slog.NewTextHandler(io.Discard, nil)), settleSchedule{First: time.Hour, Every: time.Hour},
			nil, func() (int64, error) { t.Error("settled after ctx ended"); return 0, nil }, func() bool { return false })
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("settleMemoryEvery did not return after ctx ended")
	}
}

// heapSink holds the start-up garbage of TestSettleMemoryReturnsTheHeap.
var heapSink [][]byte

// TestSettleMemoryReturnsTheHeap runs the real release on freed garbage:
// afterwards the runtime holds no large idle heap it has not returned. Not
// parallel, so other tests' garbage does not blur the figure.
func TestSettleMemoryReturnsTheHeap(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(-1)) // no GC to return it for us
	for range 64 {
		b := make([]byte, 1<<20)
		for i := 0; i < len(b); i += 4096 {
			b[i] = 1 // touch every page, as real work would
		}
		heapSink = append(heapSink, b)
	}
	heapSink = nil
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	if inuse := before.HeapInuse; inuse < 48<<20 {
		t.Fatalf("the 64 MiB of garbage is not on the heap: HeapInuse %d", inuse)
	}
	log := slog.New(slog.NewTextHandler(&bytes.Buffer{}, nil))
	settleOnce(context.Background(), log, slog.LevelInfo, "start", func() (int64, error) { return 0, nil }, freeMemory)
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	// Heap memory the runtime holds from the system, returned or not.
	held := func(m runtime.MemStats) uint64 { return m.HeapSys - m.HeapReleased }
	if held(m)+40<<20 > held(before) {
		t.Errorf("heap held from the system went %d -> %d MiB, want 40 MiB of the 64 MiB garbage given back (idle %d, released %d MiB)",
			held(before)>>20, held(m)>>20, m.HeapIdle>>20, m.HeapReleased>>20)
	}
}
