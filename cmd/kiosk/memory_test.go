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
		{name: "releases fonts then the heap", wantRun: true, wantLog: []string{"memory settled after start", "font_pages_released_mib=3"}},
		{name: "a font error is logged and the heap still returned", fontErr: errFonts, wantRun: true,
			wantLog: []string{"font pages kept resident", "ui: release font pages: test", "memory settled after start"}},
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
			ran := settleMemoryAfter(ctx, log, after, fonts, free)
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
	if !settleMemoryAfter(context.Background(), log, 0, func() (int64, error) { return 0, nil }, debug.FreeOSMemory) {
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
