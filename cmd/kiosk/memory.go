package main

import (
	"context"
	"log/slog"
	"runtime"
	"runtime/debug"
	"time"

	"github.com/pudong-community/kiosk/kiosk/ui"
)

const (
	// startupSettle is how long after the window starts to show the
	// terminal waits before it gives back the memory that only start-up
	// needed. The home screen's first frame comes well within it (about 1 s
	// with software OpenGL on a 2-core box).
	startupSettle = 2 * time.Second
	// settleEvery is how often it does so again afterwards: a visit leaves
	// freed heap behind, and a switch to or from elder mode makes Fyne parse
	// the fonts again (it drops its parsed faces on every theme change),
	// which reads their pages back in. The idle terminal, where it spends
	// most of the year, so comes back to its after-start figure.
	settleEvery = 5 * time.Minute
)

// settleMemory gives back what start-up alone needed, so the terminal idles
// on the home screen with the resident set it needs rather than the peak of
// its start, and does so again every settleEvery until ctx ends:
//   - the pages of the font files compiled into the program, which Fyne has
//     copied into its parsed faces by the first frame (~26 MB, see
//     ui.ReleaseFontPages);
//   - the Go heap that start-up used and freed (parsing the fonts, scanning
//     the system fonts, rasterising the icons: ~35 MB), which the runtime
//     would otherwise keep until its background scavenger returns it bit by
//     bit.
//
// runWithConfig starts it just before the window runs:
//
//	go settleMemory(ctx, log)
func settleMemory(ctx context.Context, log *slog.Logger) {
	settleMemoryEvery(ctx, log, startupSettle, settleEvery, ui.ReleaseFontPages, debug.FreeOSMemory)
}

// settleMemoryEvery settles after first, then every every, until ctx ends.
// The first settle is logged at info level, the later ones at debug level.
func settleMemoryEvery(ctx context.Context, log *slog.Logger, first, every time.Duration, releaseFonts func() (int64, error), freeOS func()) {
	level, wait := slog.LevelInfo, first
	for settleMemoryAfter(ctx, log, level, wait, releaseFonts, freeOS) {
		level, wait = slog.LevelDebug, every
	}
}

// settleMemoryAfter waits for after (or ctx), then releases the font pages
// and returns the free heap to the system. It reports whether it ran.
func settleMemoryAfter(ctx context.Context, log *slog.Logger, level slog.Level, after time.Duration, releaseFonts func() (int64, error), freeOS func()) bool {
	t := time.NewTimer(after)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
	}
	fonts, err := releaseFonts()
	if err != nil {
		log.Warn("memory: font pages kept resident", "err", err)
	}
	freeOS()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	log.Log(ctx, level, "memory settled",
		"font_pages_released_mib", mib(uint64(max(fonts, 0))),
		"heap_live_mib", mib(m.HeapAlloc),
		"heap_returned_mib", mib(m.HeapReleased),
		"go_sys_mib", mib(m.Sys))
	return true
}

// mib is a byte count in MiB with one decimal, for the log.
func mib(b uint64) float64 { return float64(b*10>>20) / 10 }
