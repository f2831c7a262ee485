package store

import (
	"context"
	"slices"
	"testing"
	"time"
)

// BenchmarkEnqueue measures durable enqueue (one immediate transaction,
// synchronous=FULL, sealing) and reports its latency percentiles.
func BenchmarkEnqueue(b *testing.B) {
	ctx := context.Background()
	f := newFixture(b, OutboxOptions{MinFreeBytes: -1})
	subs := make([]int, 0, b.N)
	lat := make([]time.Duration, 0, b.N)
	for i := 0; i < b.N; i++ {
		subs = append(subs, i)
	}
	b.ResetTimer()
	for _, i := range subs {
		s := submission(i)
		t0 := time.Now()
		if _, err := f.ob.Enqueue(ctx, s); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t0))
	}
	b.StopTimer()
	slices.Sort(lat)
	pct := func(p float64) float64 {
		return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000
	}
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
}
