package audit_test

import (
	"context"
	"testing"

	"github.com/pudong-community/kiosk/kiosk/audit"
)

// BenchmarkRecord measures appending one event (hashing included) to
// in-memory storage.
func BenchmarkRecord(b *testing.B) {
	tr, _ := newTrail(b, 0)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tr.Record(ctx, audit.DeviceState, "printer", "ok -> degraded paper near end"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerify measures verifying a trail of 10,000 events and reports
// events per second.
func BenchmarkVerify(b *testing.B) {
	const n = 10000
	tr, _ := newTrail(b, n)
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		if got, err := tr.Verify(ctx); err != nil || got != n {
			b.Fatalf("verify = %d, %v", got, err)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
}
