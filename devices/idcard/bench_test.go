package idcard_test

import (
	"context"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/pudong-community/kiosk/devices/idcard"
	"github.com/pudong-community/kiosk/devices/serialport"
	"github.com/pudong-community/kiosk/devices/sim/sammodule"
)

const benchBaud = 115200

// wireTime is the line time of the frames of one card read at baud (8N1):
// find, select, read and appended address, commands and answers.
func wireTime(b *testing.B, key string, baud int) time.Duration {
	c, _ := sammodule.Sample(key)
	id, err := c.Identity()
	if err != nil {
		b.Fatal(err)
	}
	text, _ := idcard.EncodeText(id)
	app, _ := idcard.EncodeAppended(id.AppendedAddresses)
	n := 0
	for _, cmd := range []idcard.Command{idcard.CmdFindCard, idcard.CmdSelectCard, idcard.CmdReadBase, idcard.CmdReadAppended} {
		n += len(idcard.AppendCommand(nil, cmd))
	}
	n += len(idcard.AppendResponse(nil, 0, 0, 0x9F, make([]byte, 4)))
	n += len(idcard.AppendResponse(nil, 0, 0, 0x90, make([]byte, 8)))
	n += len(idcard.AppendResponse(nil, 0, 0, 0x90, idcard.EncodeReadBase(text, id.Photo)))
	n += len(idcard.AppendResponse(nil, 0, 0, 0x90, app))
	return time.Duration(n) * 10 * time.Second / time.Duration(baud)
}

func benchReader(b *testing.B, opts sammodule.Options, poll time.Duration) (*sammodule.Module, *idcard.Reader) {
	ctx, cancel := context.WithCancel(context.Background())
	b.Cleanup(cancel)
	m := sammodule.New(opts)
	srv, err := m.ServePTY(ctx, "")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { srv.Close() })
	p, err := serialport.Open(srv.SlavePath(), benchBaud, 100*time.Millisecond)
	if err != nil {
		b.Fatal(err)
	}
	r := idcard.NewReader(p, idcard.Options{PollInterval: poll})
	go r.Run(ctx)
	waitKind(b, r, idcard.ReaderBack)
	return m, r
}

func waitKind(b *testing.B, r *idcard.Reader, k idcard.EventKind) idcard.Event {
	for {
		select {
		case e := <-r.Events():
			if e.Kind == k {
				return e
			}
			b.Fatalf("event %v (%v) while waiting for %v", e.Kind, e.Err, k)
		case <-time.After(10 * time.Second):
			b.Fatalf("no %v", k)
		}
	}
}

// phases is how many points of the poll cycle one round of
// BenchmarkCardToIdentity places a card at.
const phases = 8

// BenchmarkCardToIdentity: emulator paced at 115200 baud, no module time,
// over a pseudo-terminal, default poll interval; from placing the card to
// the CardPresent event. Reports the median next to the wire-time floor and
// the goal (wire + half the poll interval + 15 ms).
//
// A resident places a card at any moment of the poll cycle, so each round
// (one b.N) places it once at each of phases points spread evenly over the
// cycle, at the middle of each slice: the reader's cycle restarts at the
// poll that saw the card go, so a placement s after that waits about
// poll − s for the next poll, and the waits spread evenly from 0 to poll.
// (Placing at 0, 1/7 … 6/7 of the cycle, as this did before, waited a
// whole poll once per cycle and never less than 1/7 of one, and a run of
// 4 cards took only the longest waits: the median came out a quarter poll
// too slow.)
func BenchmarkCardToIdentity(b *testing.B) {
	const key = "resident"
	m, r := benchReader(b, sammodule.Options{Baud: benchBaud}, idcard.DefaultPollInterval)
	var lat, steps []time.Duration
	b.ResetTimer()
	for i := 0; i < b.N*phases; i++ {
		time.Sleep((2*time.Duration(i%phases) + 1) * idcard.DefaultPollInterval / (2 * phases))
		t0 := time.Now()
		if err := m.Place(key); err != nil {
			b.Fatal(err)
		}
		e := waitKind(b, r, idcard.CardPresent)
		lat = append(lat, time.Since(t0))
		steps = append(steps, e.Timings.Total)
		m.Remove()
		waitKind(b, r, idcard.CardRemoved)
	}
	b.StopTimer()
	slices.Sort(lat)
	slices.Sort(steps)
	b.ReportMetric(float64(steps[len(steps)/2])/float64(time.Millisecond), "read-ms")
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	wire := wireTime(b, key, benchBaud)
	b.ReportMetric(ms(lat[len(lat)/2]), "ms/card")
	b.ReportMetric(ms(wire), "wire-ms")
	b.ReportMetric(ms(wire+idcard.DefaultPollInterval/2+15*time.Millisecond), "goal-ms")
	b.ReportMetric(0, "ns/op")
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkReadCPU: CPU time of the whole process (driver and emulator) per
// card read, without pacing.
func BenchmarkReadCPU(b *testing.B) {
	m, r := benchReader(b, sammodule.Options{}, time.Millisecond)
	b.ReportAllocs()
	c0 := cpuTime()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m.Place("resident")
		waitKind(b, r, idcard.CardPresent)
		m.Remove()
		waitKind(b, r, idcard.CardRemoved)
	}
	b.StopTimer()
	b.ReportMetric(float64(cpuTime()-c0)/float64(time.Millisecond)/float64(b.N), "cpu-ms/read")
}

// BenchmarkParseReadBase: decoding alone.
func BenchmarkParseReadBase(b *testing.B) {
	c, _ := sammodule.Sample("resident")
	id, _ := c.Identity()
	text, _ := idcard.EncodeText(id)
	data := idcard.EncodeReadBase(text, id.Photo)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := idcard.ParseReadBase(data, false); err != nil {
			b.Fatal(err)
		}
	}
}
