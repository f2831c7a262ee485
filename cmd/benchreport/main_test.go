package main

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestParseSample(t *testing.T) {
	t.Parallel()
	f, err := os.Open(filepath.Join("testdata", "bench.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rs, env, err := Parse(f)
	if err != nil {
		t.Fatal(err)
	}
	if env["cpu"] != "Intel(R) Xeon(R) Processor @ 2.90GHz" {
		t.Errorf("cpu %q", env["cpu"])
	}
	byName := map[string]Result{}
	for _, r := range rs {
		byName[r.Name] = r
	}
	if len(rs) != 8 {
		t.Errorf("%d results, want 8: %v", len(rs), rs)
	}
	for _, tc := range []struct {
		name, pkg, unit string
		v               float64
	}{
		{"CardToIdentity", "github.com/pudong-community/kiosk/devices/idcard", "ms/card", 38.4},
		{"Encode/80mm-GB18030-rasterQR", "github.com/pudong-community/kiosk/kiosk/receipt", "bytes/receipt", 7010},
		{"Enqueue", "github.com/pudong-community/kiosk/kiosk/store", "p99-ms", 4.8},
		{"VisitMemory", "github.com/pudong-community/kiosk/kiosk/ui", "heap1000-MB", 50.3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, ok := byName[tc.name]
			if !ok {
				t.Fatalf("no %s", tc.name)
			}
			if r.Pkg != tc.pkg || r.Metrics[tc.unit] != tc.v {
				t.Errorf("%s: pkg %q, %s = %v; want %q, %v", tc.name, r.Pkg, tc.unit, r.Metrics[tc.unit], tc.pkg, tc.v)
			}
		})
	}
}

func TestGoals(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		m    map[string]float64
		met  bool
		ok   bool
	}{
		{"CardToIdentity", map[string]float64{"ms/card": 38, "goal-ms": 61}, true, true},
		{"CardToIdentity", map[string]float64{"ms/card": 70, "goal-ms": 61}, false, true},
		{"Encode/80mm-GB18030-nativeQR", map[string]float64{"bytes/receipt": 1530, "ns/op": 2e5}, true, true},
		{"Encode/80mm-GB18030-nativeQR", map[string]float64{"bytes/receipt": 2500, "ns/op": 2e5}, false, true},
		{"Encode/58mm-GB2312-rasterQR", map[string]float64{"bytes/receipt": 5000, "ns/op": 2e6}, false, true},
		{"Encode/58mm-GB2312-rasterQR", map[string]float64{"bytes/receipt": 6128, "ns/op": 7.5e5}, true, true},
		{"Encode/80mm-GB18030-rasterQR", map[string]float64{"bytes/receipt": 6128, "ns/op": 7.5e5}, false, true},
		{"Encode/80mm-GB18030-rasterQR", map[string]float64{"bytes/receipt": 5000, "ns/op": 2e5}, true, true},
		{"Enqueue", map[string]float64{"p99-ms": 12}, false, true},
		{"Drain", map[string]float64{"submissions/s": 1500}, true, true},
		{"Drain", map[string]float64{}, false, false},
		{"CatalogSearch", map[string]float64{"ms/query": 2}, false, true},
		{"TapToScreen", map[string]float64{"ns/op": 9e6}, true, true},
		{"EventToFirstSound/process", map[string]float64{"ms-to-first-sound": 5.2}, true, true},
		{"EventToFirstSound/memory", map[string]float64{"ms-to-first-sound": 151}, false, true},
		{"RecognizeEachStroke", map[string]float64{"ms/call": 3.8}, true, true},
		{"RecognizeEachStroke", map[string]float64{"ms/call": 20}, false, true},
		{"VisitMemory", map[string]float64{"heap100-MB": 50, "heap1000-MB": 53}, false, true},
		{"VisitMemory", map[string]float64{"heap100-MB": 50, "heap1000-MB": 50.3}, true, true},
		{"OpenLarge/open", map[string]float64{"ms/open": 730}, true, true},
		{"OpenLarge/open", map[string]float64{"ms/open": 1600}, false, true},
		{"Startup/run-100000-delivered-1000-queued", map[string]float64{"ms/first-frame": 1150, "MiB-rss": 140}, true, true},
		{"Startup/run-100000-delivered-1000-queued", map[string]float64{"ms/first-frame": 1150, "MiB-rss": 195}, false, true},
		{"Startup/run-100000-delivered-1000-queued", map[string]float64{"ms/first-frame": 1150, "MiB-rss": 145}, false, true}, // 152 MB
		{"Startup/run-100000-delivered-1000-queued", map[string]float64{"ms/first-frame": 1150, "MiB-rss": 143}, true, true},  // 149.9 MB
		{"Startup/demo-empty", map[string]float64{"ms/first-frame": 1600, "MiB-rss": 140}, false, true},
	} {
		g, found := goalFor(tc.name)
		if !found {
			t.Errorf("%s has no goal", tc.name)
			continue
		}
		met, _, ok := g.Check(tc.m)
		if met != tc.met || ok != tc.ok {
			t.Errorf("%s %v: met %v ok %v; want %v %v", tc.name, tc.m, met, ok, tc.met, tc.ok)
		}
	}
	for _, name := range []string{"ReadCPU", "Record", "EnqueueX", "OpenLarge/quick_check", "StartupX"} {
		if _, found := goalFor(name); found {
			t.Errorf("%s has a goal", name)
		}
	}
}

func TestRunWritesTable(t *testing.T) {
	t.Parallel()
	out := filepath.Join(t.TempDir(), "benchmarks.md")
	if err := run([]string{"-date", "2026-11-27", "-note", "Run with FYNE_CACHE=1s.", filepath.Join("testdata", "bench.txt"), out}, io.Discard); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	md := string(b)
	for _, want := range []string{
		"| CPU (go test) | Intel(R) Xeon(R) Processor @ 2.90GHz |", "| date | 2026-11-27 |",
		"| devices/idcard | CardToIdentity | 61.2 goal-ms, 38.4 ms/card, 30.1 read-ms, 21.0 wire-ms |",
		"| kiosk/receipt | Encode/80mm-GB18030-rasterQR |", "7010 bytes; 391234 ns | **no** |",
		"| kiosk/ui | VisitMemory |", "+0.4% | yes |",
		"| devices/idcard | ReadCPU |", "5 goals met, 1 missed.\n\nRun with FYNE_CACHE=1s.\n",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("report lacks %q:\n%s", want, md)
		}
	}
}

func TestBadInput(t *testing.T) {
	t.Parallel()
	if _, _, err := Parse(strings.NewReader("PASS\nok x 1s\nBenchmarkX-2 notanumber 1 ns/op\n")); !errors.Is(err, ErrNoBenchmarks) {
		t.Errorf("no benchmarks: %v", err)
	}
	if err := run([]string{"only-one"}, io.Discard); !errors.Is(err, ErrUsage) {
		t.Errorf("one argument: %v", err)
	}
	if err := run([]string{filepath.Join(t.TempDir(), "missing"), "x.md"}, io.Discard); err == nil || !strings.HasPrefix(err.Error(), "benchreport: ") {
		t.Errorf("missing input: %v", err)
	}
	d := Detect(time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC), map[string]string{})
	if d.Date != "2026-01-02" || d.CPU == "" || d.Cores == "" || d.Go == "" {
		t.Errorf("hardware %+v", d)
	}
}
