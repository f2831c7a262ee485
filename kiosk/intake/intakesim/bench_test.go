package intakesim

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/pudong-community/kiosk/kiosk"
	"github.com/pudong-community/kiosk/kiosk/intake"
)

// BenchmarkSubmit measures the server's intake of new submissions over
// loopback through the real client, 8 in flight.
func BenchmarkSubmit(b *testing.B) {
	srv, err := New(Options{DataDir: b.TempDir(), Terminals: map[string]string{"PD-T01": "tok-1"}})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	api, _, err := srv.Start("127.0.0.1:0", "")
	if err != nil {
		b.Fatal(err)
	}
	c, err := intake.New(intake.Config{BaseURL: api, TerminalID: "PD-T01", Token: "tok-1", MaxConns: 8})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	subs := make([]kiosk.Submission, b.N)
	for i := range subs {
		subs[i] = sampleSub("MZ-0101")
		subs[i].CreatedAt = time.Now()
	}
	work := make(chan kiosk.Submission)
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for s := range work {
				if _, _, err := c.Submit(context.Background(), s); err != nil {
					b.Error(err)
				}
			}
		}()
	}
	for _, s := range subs {
		work <- s
	}
	close(work)
	wg.Wait()
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "submissions/s")
}
