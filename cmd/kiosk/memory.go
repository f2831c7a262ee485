package main

import (
	"context"
	"log/slog"
	"runtime"
	"runtime/debug"
	"time"

	"github.com/pudong-community/kiosk/kiosk/ui"
)

// settleSchedule says when the terminal gives back the memory its work
// used and freed.
type settleSchedule struct {
	// First is how long after the window starts to show the first settle
	// comes. The home screen's first frame comes well within it (about 1 s
	// with software OpenGL on a 2-core box).
	First time.Duration
	// Every is how often it settles again regardless: a switch to or from
	// elder mode makes Fyne parse the fonts again (it drops its parsed faces
	// on every theme change), which reads their pages back in. The idle
	// terminal, where it spends most of the year, so comes back to its
	// after-start figure.
	Every time.Duration
	// Quiet is how long after the outbox finished sending (a kick) it
	// settles: the backlog resumed at start, or a resident's submission.
	Quiet time.Duration
	// Gap is the least time between two settles, whatever the kicks: each
	// forces a full garbage collection.
	Gap time.Duration
}

var defaultSettle = settleSchedule{First: 2 * time.Second, Every: 5 * time.Minute, Quiet: time.Second, Gap: 10 * time.Second}

// settleMemory gives back what start-up and later work needed and freed, so
// the terminal idles on the home screen with the resident set it needs
// rather than the peak of its last burst of work:
//   - the pages of the font files compiled into the program, which Fyne has
//     copied into its parsed faces by the first frame (see
//     ui.ReleaseFontPages);
//   - the Go heap that the work used and freed (parsing the fonts, scanning
//     the system fonts, rasterising the icons, sending the queued
//     submissions: ~10-35 MB), which the runtime would otherwise keep until
//     its background scavenger returns it bit by bit;
//   - the C heap's free memory (SQLite, the renderer), which glibc keeps
//     in its arenas unless asked to trim them.
//
// It settles s.First after it starts, s.Quiet after each kick (the outbox
// has sent what was due), and every s.Every, never twice within s.Gap. The
// first settle, and those after a kick, are logged at info level (the
// heap's figures over the year tell staff whether it grows); the periodic
// ones at debug level.
//
// runWithConfig starts it just before the window runs:
//
//	go settleMemory(ctx, log, defaultSettle, quiet)
func settleMemory(ctx context.Context, log *slog.Logger, s settleSchedule, kick <-chan struct{}) {
	settleMemoryEvery(ctx, log, s, kick, ui.ReleaseFontPages, freeMemory)
}

// freeMemory returns the Go heap's free memory and trims the C heap.
func freeMemory() bool {
	debug.FreeOSMemory()
	return trimCHeap()
}

// settleMemoryEvery runs the schedule until ctx ends.
func settleMemoryEvery(ctx context.Context, log *slog.Logger, s settleSchedule, kick <-chan struct{}, releaseFonts func() (int64, error), free func() bool) {
	start := time.Now()
	due, reason := start.Add(s.First), "start"
	var last time.Time
	t := time.NewTimer(s.First)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-kick:
			// Work that ends before the first settle is settled by it.
			if reason == "start" {
				continue
			}
			at := time.Now().Add(s.Quiet)
			if gap := last.Add(s.Gap); gap.After(at) {
				at = gap
			}
			if at.Before(due) {
				due, reason = at, "sent"
				t.Reset(time.Until(due))
			}
			continue
		case <-t.C:
		}
		if time.Now().Before(due) { // a stale expiry of a timer since moved
			t.Reset(time.Until(due))
			continue
		}
		level := slog.LevelInfo
		if reason == "periodic" {
			level = slog.LevelDebug
		}
		settleOnce(ctx, log, level, reason, releaseFonts, free)
		last = time.Now()
		due, reason = last.Add(s.Every), "periodic"
		t.Reset(s.Every)
	}
}

// settleOnce releases the font pages, returns the free heap to the system
// and logs the heap's figures.
func settleOnce(ctx context.Context, log *slog.Logger, level slog.Level, reason string, releaseFonts func() (int64, error), free func() bool) {
	fonts, err := releaseFonts()
	if err != nil {
		log.Warn("memory: font pages kept resident", "err", err)
	}
	trimmed := free()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	log.Log(ctx, level, "memory settled",
		"reason", reason,
		"font_pages_released_mib", mib(uint64(max(fonts, 0))),
		"heap_live_mib", mib(m.HeapAlloc),
		"heap_returned_mib", mib(m.HeapReleased),
		"go_sys_mib", mib(m.Sys),
		"c_heap_trimmed", trimmed)
}

// mib is a byte count in MiB with one decimal, for the log.
func mib(b uint64) float64 { return float64(b*10>>20) / 10 }
