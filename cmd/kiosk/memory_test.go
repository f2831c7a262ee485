package main

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
	"time"
)

func TestSettleMemoryAfter(t *testing.T) {
	t.Parallel()
	errFonts := errors.New("ui: release font pages: test")
	tests := []struct {
		name      string
		cancelled bool
		fontErr   error
		wantRun   bool
		wantLog   []string
	}{
		{name: "releases fonts then the heap", wantRun: true, wantLog: []string{"level=INFO", "memory settled", "font_pages_released_mib=3"}},
		{name: "a font error is logged and the heap still returned", fontErr: errFonts, wantRun: true,
			wantLog: []string{"font pages kept resident", "ui: release font pages: test", "memory settled"}},
		{name: "stopped before it was time", cancelled: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var logBuf bytes.Buffer
			log := slog.New(slog.NewTextHandler(&logBuf, nil))
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			after := time.Millisecond
			if tc.cancelled {
				cancel()
				after = time.Hour // only ctx can end the wait
			}
			var calls []string
			fonts := func() (int64, error) {
				calls = append(calls, "fonts")
				if tc.fontErr != nil {
					return 0, tc.fontErr
				}
				return 3 << 20, nil
			}
			free := func() { calls = append(calls, "free") }
			ran := settleMemoryAfter(ctx, log, slog.LevelInfo, after, fonts, free)
			if ran != tc.wantRun {
				t.Fatalf("settleMemoryAfter ran = %v, want %v", ran, tc.wantRun)
			}
			wantCalls := "fonts,free"
			if !tc.wantRun {
				wantCalls = ""
			}
			if got := strings.Join(calls, ","); got != wantCalls {
				t.Errorf("calls = %q, want %q", got, wantCalls)
			}
			for _, w := range tc.wantLog {
				if !strings.Contains(logBuf.String(), w) {
					t.Errorf("log lacks %q:\n%s", w, logBuf.String())
				}
			}
			if !tc.wantRun && logBuf.Len() != 0 {
				t.Errorf("log of a cancelled settle: %s", logBuf.String())
			}
		})
	}
}

// TestSettleMemoryEvery: the first settle at info level, the later ones at
// debug level, until ctx ends.
func TestSettleMemoryEvery(t *testing.T) {
	t.Parallel()
	var logBuf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logBuf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var fonts, frees int
	release := func() (int64, error) { fonts++; return 0, nil }
	free := func() {
		frees++
		if frees == 3 {
			cancel()
		}
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		settleMemoryEvery(ctx, log, time.Millisecond, time.Millisecond, release, free)
	}()
	<-done
	if fonts != 3 || frees != 3 {
		t.Errorf("settled fonts %d and heap %d times, want 3 and 3 (then ctx ended)", fonts, frees)
	}
	lines := strings.Split(strings.TrimSpace(logBuf.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("log has %d lines, want 3:\n%s", len(lines), logBuf.String())
	}
	for i, want := range []string{"level=INFO", "level=DEBUG", "level=DEBUG"} {
		if !strings.Contains(lines[i], want) || !strings.Contains(lines[i], "memory settled") {
			t.Errorf("log line %d = %q, want %s memory settled", i+1, lines[i], want)
		}
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
	if !settleMemoryAfter(context.Background(), log, slog.LevelInfo, 0, func() (int64, error) { return 0, nil }, debug.FreeOSMemory) {
		t.Fatal("settleMemoryAfter did not run")
	}
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	// Heap memory the runtime holds from the system, returned or not.
	held := func(m runtime.MemStats) uint64 { return m.HeapSys - m.HeapReleased }
	if held(m)+40<<20 > held(before) {
		t.Errorf("heap held from the system went %d -> %d MiB, want 40 MiB of the 64 MiB garbage given back (idle %d, released %d MiB)",
			held(before)>>20, held(m)>>20, m.HeapIdle>>20, m.HeapReleased>>20)
	}
}
