package ui

import (
	"os"
	"runtime"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"github.com/pudong-community/kiosk/kiosk/kiosktest"
	"github.com/pudong-community/kiosk/kiosk/visit"
)

// BenchmarkTapToScreen measures a tap on the guide tile of the home screen
// until the guide screen is built (goal: under 16 ms).
func BenchmarkTapToScreen(b *testing.B) {
	r := newRig(b, portrait)
	b.StopTimer()
	for i := 0; i < b.N; i++ {
		tl := r.find("guide")
		b.StartTimer()
		test.Tap(tl)
		b.StopTimer()
		if r.a.Current().Name() != "guide" {
			b.Fatalf("tap reached %s", r.a.Current().Name())
		}
		r.a.Home()
	}
}

// BenchmarkVisitMemory runs 1,000 scripted visits (my cases with a card, a
// case opened, the card taken away) and reports the heap in use after a GC
// at 100 and at 1,000 visits (goal: no growth beyond 5%).
func BenchmarkVisitMemory(b *testing.B) {
	var at100, at1000 float64
	for i := 0; i < b.N; i++ {
		r := newRig(b, portrait)
		for v := 1; v <= 1000; v++ {
			test.Tap(r.find("cases"))
			r.card(kiosktest.Resident)
			r.tap("case:PD2026111900007")
			r.a.CardRemoved()
			r.settle()
			r.clk.Advance(visit.DefaultLinger)
			if r.a.Current().Name() != "home" {
				b.Fatalf("visit %d ended on %s", v, r.a.Current().Name())
			}
			if v == 100 || v == 1000 {
				settleFyneCache(r)
				runtime.GC()
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				mb := float64(ms.HeapInuse) / 1e6
				if v == 100 {
					at100 = mb
				} else {
					at1000 = mb
				}
			}
		}
	}
	b.ReportMetric(at100, "heap100-MB")
	b.ReportMetric(at1000, "heap1000-MB")
}

// settleFyneCache lets Fyne drop the renderers of screens no longer shown.
// Fyne keeps a renderer for FYNE_CACHE (one minute by default) after its
// last use and cleans at most every 10 s, on a paint. Run the benchmark
// with FYNE_CACHE=1s to measure what the terminal itself keeps: it then
// waits out the throttle and paints once. Without it the numbers include
// the renderers of the last minute's screens.
func settleFyneCache(r *rig) {
	d, err := time.ParseDuration(os.Getenv("FYNE_CACHE"))
	if err != nil || d > 5*time.Second {
		return
	}
	time.Sleep(10*time.Second + 2*d)
	r.w.Canvas().Capture()
}
