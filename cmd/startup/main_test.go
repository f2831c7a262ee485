package main

import (
	"context"
	"errors"
	"image"
	"image/color"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pudong-community/kiosk/cmd/internal/xscreen"
)

func TestBarDrawn(t *testing.T) {
	t.Parallel()
	fill := func(c color.Color, textPixels int) image.Image {
		img := image.NewRGBA(image.Rect(0, 0, screenW, barHeight))
		for y := 0; y < barHeight; y++ {
			for x := 0; x < screenW; x++ {
				img.Set(x, y, c)
			}
		}
		for i := 0; i < textPixels; i++ {
			img.Set(i%screenW, 20+i/screenW, color.White)
		}
		return img
	}
	for _, tc := range []struct {
		name string
		img  image.Image
		want bool
	}{
		{"bar with title", fill(xscreen.PrimaryBlue, 2000), true},
		{"bar without text yet", fill(xscreen.PrimaryBlue, 0), false},
		{"black window", fill(color.Black, 0), false},
		{"white window", fill(color.White, 0), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := countBar(tc.img); got != tc.want {
				t.Errorf("countBar = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestVmRSS(t *testing.T) {
	t.Parallel()
	own, err := vmRSS(os.Getpid())
	if err != nil || own.RSS <= 0 || own.RSS > 1<<20 || own.Anon <= 0 || own.Anon+own.File+own.Shmem > own.RSS+1 {
		t.Errorf("own memory %+v, %v", own, err)
	}
	for _, tc := range []struct {
		name, text string
		want       Memory
		err        error
	}{
		{"present", "Name:\tkiosk\nVmPeak:\t 1 kB\nVmRSS:\t  153600 kB\nRssAnon:\t 102400 kB\nRssFile:\t 43008 kB\nRssShmem:\t 8192 kB\n", Memory{RSS: 150, Anon: 100, File: 42, Shmem: 8}, nil},
		{"only VmRSS", "VmRSS:\t 1024 kB\n", Memory{RSS: 1}, nil},
		{"missing", "Name:\tkiosk\nRssAnon:\t 1 kB\n", Memory{}, ErrNoVmRSS},
		{"garbled", "VmRSS:\tlots kB\n", Memory{}, ErrNoVmRSS},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "status")
			if err := os.WriteFile(p, []byte(tc.text), 0o644); err != nil {
				t.Fatal(err)
			}
			f, err := os.Open(p)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			got, err := parseVmRSS(f)
			if got != tc.want || !errors.Is(err, tc.err) {
				t.Errorf("parseVmRSS = %+v, %v; want %+v, %v", got, err, tc.want, tc.err)
			}
		})
	}
	if _, err := vmRSS(-1); err == nil {
		t.Error("no error for a process that does not exist")
	}
}

// A terminal that dies before its first frame is reported, not waited for
// forever (the stop at the end used to wait for an exit already taken).
func TestOnceReportsATerminalThatExits(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	fake := filepath.Join(dir, "kiosk")
	if err := os.WriteFile(fake, []byte("#!/bin/sh\necho 'kiosk: database locked' >&2\nexit 3\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	o := Options{Kiosk: fake, Mode: "demo", Runs: 1, Settle: time.Millisecond, Timeout: time.Minute}
	done := make(chan error, 1)
	go func() {
		_, err := once(context.Background(), o, nil, ":9999", filepath.Join(dir, "run"))
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, ErrExited) || !strings.Contains(err.Error(), "database locked") {
			t.Fatalf("err = %v, want ErrExited with the log's last words", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("once hung on a terminal that had exited")
	}
}

func TestMeasureRefusesAnUnknownMode(t *testing.T) {
	t.Parallel()
	if _, err := measure(context.Background(), Options{Mode: "prod"}); !errors.Is(err, ErrMode) {
		t.Fatalf("err = %v, want ErrMode", err)
	}
}

// The figures go to cmd/benchreport as a benchmark line it can read: the
// warm median, leaving out the first run.
func TestBenchLine(t *testing.T) {
	t.Parallel()
	res := []Run{
		{FirstFrame: 3 * time.Second, RSSMiB: 300, Mem: Memory{Anon: 200, File: 90, Renderer: 80}, Drained: 9 * time.Second},
		{FirstFrame: 1100 * time.Millisecond, RSSMiB: 190, Mem: Memory{Anon: 88, File: 94, Renderer: 70}, Drained: 2500 * time.Millisecond},
		{FirstFrame: 1200 * time.Millisecond, RSSMiB: 195, Mem: Memory{Anon: 91, File: 96, Renderer: 71}, Drained: 2400 * time.Millisecond},
		{FirstFrame: 1000 * time.Millisecond, RSSMiB: 200, Mem: Memory{Anon: 99, File: 93, Renderer: 72}, Drained: 2600 * time.Millisecond},
	}
	got := benchLine(Options{Mode: "run", Delivered: 100000, Queued: 1000}, res)
	want := "BenchmarkStartup/run-100000-delivered-1000-queued\t4\t1100 ms/first-frame\t195.000 MiB-rss\t91.0 MiB-anon\t96.0 MiB-file\t71.0 MiB-renderer\t2500 ms/backlog"
	if got != want {
		t.Errorf("benchLine = %q, want %q", got, want)
	}
	path := filepath.Join(t.TempDir(), "bench.txt")
	for range 2 {
		if err := appendBench(path, Options{Mode: "demo"}, res[1:2]); err != nil {
			t.Fatal(err)
		}
	}
	b, _ := os.ReadFile(path)
	if strings.Count(string(b), "BenchmarkStartup/demo-empty\t1\t1100 ms/first-frame\t190.000 MiB-rss\t88.0 MiB-anon\t94.0 MiB-file\t70.0 MiB-renderer\n") != 2 {
		t.Errorf("file = %q", b)
	}
}

// The resident set is read after the terminal's settle that follows its
// backlog: a settle logged before the backlog was sent does not count, nor
// does another message.
func TestSettledSince(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "kiosk.log")
	log := `{"time":"2026-11-28T04:52:09.5+08:00","level":"INFO","msg":"terminal started"}
not json: a line of Fyne's
{"time":"2026-11-28T04:52:09.644+08:00","level":"INFO","msg":"memory settled","reason":"start"}
{"time":"2026-11-28T04:52:20.1+08:00","level":"INFO","msg":"outbox: delivered"}
`
	if err := os.WriteFile(path, []byte(log), 0o600); err != nil {
		t.Fatal(err)
	}
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	if !settledSince(path, at("2026-11-27T20:52:09.6Z")) {
		t.Error("the settle at 20:52:09.644Z was not seen as after 20:52:09.6Z")
	}
	if settledSince(path, at("2026-11-27T20:52:10Z")) {
		t.Error("a settle before the backlog was sent counted")
	}
	if settledSince(filepath.Join(t.TempDir(), "none.log"), time.Time{}) {
		t.Error("a missing log counted as settled")
	}
}
