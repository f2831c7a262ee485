package printer

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/pudong-community/kiosk/devices/devicetest"
	"github.com/pudong-community/kiosk/devices/escpos"
)

var testProfile = Profile{Name: "test", WidthDots: 576, Charset: escpos.GB18030, NativeQR: true,
	Cut: escpos.CutFeedPartial, Baud: 115200, BufferBytes: 4096, SpeedMM: 200, InSequenceStatus: true}

func eot(n byte) []byte { return []byte{0x10, 0x04, n} }

// statusSteps scripts one DLE EOT 1..4 round with the given replies (DLE
// EOT 3 answers "no error").
func statusSteps(r1, r2, r4 byte) []devicetest.Step {
	return []devicetest.Step{{Expect: eot(1), Reply: []byte{r1}}, {Expect: eot(2), Reply: []byte{r2}},
		{Expect: eot(3), Reply: []byte{0x12}}, {Expect: eot(4), Reply: []byte{r4}}}
}

func start(t *testing.T, prof Profile, steps ...devicetest.Step) (*Driver, context.CancelFunc) {
	t.Helper()
	pb := devicetest.NewPlayback(t, 5*time.Millisecond, steps...)
	d, err := New(pb, prof, Options{PollInterval: time.Hour, ReplyTimeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil && !errors.Is(err, ErrPortGone) {
			t.Errorf("Run: %v", err)
		}
	})
	return d, cancel
}

func TestQueryStates(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		r1, r2, r4 byte
		noise      []byte
		want       State
	}{
		{"ready", 0x12, 0x12, 0x12, nil, StateReady},
		{"near end", 0x12, 0x12, 0x1E, nil, StateNearEnd},
		{"paper out", 0x1A, 0x32, 0x7E, nil, StatePaperOut},
		{"cover open", 0x1A, 0x16, 0x12, nil, StateCoverOpen},
		{"XON/XOFF ignored", 0x12, 0x12, 0x12, []byte{0x11, 0x13}, StateReady},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			steps := statusSteps(0x12, 0x12, 0x12) // the initial poll
			s := statusSteps(tc.r1, tc.r2, tc.r4)
			s[1].Reply = append(append([]byte{}, tc.noise...), s[1].Reply...)
			steps = append(steps, s...)
			if !tc.want.CanPrint() { // confirmed on a quiet line
				steps = append(steps, statusSteps(tc.r1, tc.r2, tc.r4)...)
			}
			d, _ := start(t, testProfile, steps...)
			st, err := d.Query(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if got := StateOf(st); got != tc.want {
				t.Errorf("state %s, want %s (%v)", got, tc.want, st)
			}
			if got, _ := d.State(); got != tc.want {
				t.Errorf("State() %s", got)
			}
		})
	}
}

func TestCutterError(t *testing.T) {
	t.Parallel()
	cut := statusSteps(0x1A, 0x52, 0x12)
	cut[2].Reply = []byte{0x1A}
	steps := append(statusSteps(0x12, 0x12, 0x12), cut...)
	steps = append(steps, cut...) // confirmed on a quiet line
	d, _ := start(t, testProfile, steps...)
	st, err := d.Query(context.Background())
	if err != nil || StateOf(st) != StateCutterError {
		t.Fatalf("%v %v", StateOf(st), err)
	}
}

// A status byte nobody foresaw (not from job data the driver sent) is
// taken for the answer once and shifts the round; the round says "offline",
// so the driver asks again on a quiet line and is right again, and stays
// right.
func TestUnforeseenStrayCostsOneRound(t *testing.T) {
	t.Parallel()
	shifted := statusSteps(0x12, 0x12, 0x12)
	shifted[0].Reply = []byte{0x1E}      // a stray, alone: read as "offline"
	shifted[0].Chunks = [][]byte{{0x12}} // the real answer, read next
	steps := append(statusSteps(0x12, 0x12, 0x12), shifted...)
	steps = append(steps, statusSteps(0x12, 0x12, 0x12)...) // asked again
	steps = append(steps, statusSteps(0x12, 0x12, 0x1E)...) // later query: near end
	d, _ := start(t, testProfile, steps...)
	waitState(t, d, StateReady)
	st, err := d.Query(context.Background())
	if err != nil || StateOf(st) != StateReady {
		t.Fatalf("after a stray: %s (%s), %v; want ready", StateOf(st), st, err)
	}
	st, err = d.Query(context.Background())
	if err != nil || StateOf(st) != StateNearEnd {
		t.Fatalf("next query: %s (%s), %v; want paper near end", StateOf(st), st, err)
	}
}

func TestNoAnswerAndGarbage(t *testing.T) {
	t.Parallel()
	for name, reply := range map[string][]byte{"silent": nil, "garbage": {0xFF, 0x00 | 0x80}} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			d, _ := start(t, testProfile, devicetest.Step{Expect: eot(1), Reply: reply},
				devicetest.Step{Expect: eot(1)})
			waitState(t, d, StateNoAnswer)
			_, err := d.Query(context.Background())
			if !errors.Is(err, ErrNoAnswer) {
				t.Errorf("err %v", err)
			}
		})
	}
}

func TestPrintRefusedWhenNotReady(t *testing.T) {
	t.Parallel()
	steps := append(statusSteps(0x12, 0x12, 0x12), statusSteps(0x1A, 0x32, 0x72)...)
	steps = append(steps, statusSteps(0x1A, 0x32, 0x72)...) // confirmed on a quiet line
	d, _ := start(t, testProfile, steps...)
	err := d.Print(context.Background(), []byte("\x1b@hello\n"))
	var je *JobError
	if !errors.As(err, &je) || !errors.Is(err, ErrPaperOut) || je.Sent != 0 || je.State != StatePaperOut {
		t.Fatalf("err %v", err)
	}
}

func TestPrintConfirmedByGSr(t *testing.T) {
	t.Parallel()
	job := []byte("\x1b@hello\n")
	steps := statusSteps(0x12, 0x12, 0x12)
	steps = append(steps, statusSteps(0x12, 0x12, 0x12)...)
	steps = append(steps, devicetest.Step{Expect: job}, devicetest.Step{Expect: []byte{0x1D, 0x72, 0x01}})
	last := statusSteps(0x12, 0x12, 0x12)
	last[0].Reply = []byte{0x00, 0x12} // the GS r 1 reply (paper ok) arrives first
	steps = append(steps, last...)
	d, _ := start(t, testProfile, steps...)
	if err := d.Print(context.Background(), job); err != nil {
		t.Fatal(err)
	}
}

// A job stopped by a cutter error is recovered with DLE ENQ 2, which clears
// the printer's buffers: nothing of it is left to print later.
func TestCutterErrorClearsJob(t *testing.T) {
	t.Parallel()
	job := []byte("\x1b@hello\n")
	prof := testProfile
	prof.ClearOnError = true
	cut := statusSteps(0x1A, 0x52, 0x12)
	cut[2].Reply = []byte{0x1A}
	steps := append(statusSteps(0x12, 0x12, 0x12), statusSteps(0x12, 0x12, 0x12)...)
	steps = append(steps, devicetest.Step{Expect: job}, devicetest.Step{Expect: []byte{0x1D, 0x72, 0x01}})
	steps = append(steps, cut...)
	steps = append(steps, cut...) // confirmed on a quiet line
	steps = append(steps, devicetest.Step{Expect: []byte{0x10, 0x05, 0x02}})
	d, _ := start(t, prof, steps...)
	err := d.Print(context.Background(), job)
	var je *JobError
	if !errors.As(err, &je) || !errors.Is(err, ErrCutter) || je.Leftover {
		t.Fatalf("err %v, want a cutter error without leftover", err)
	}
}

func TestPortVanishesMidJob(t *testing.T) {
	t.Parallel()
	job := []byte("\x1b@hello\n")
	steps := append(statusSteps(0x12, 0x12, 0x12), statusSteps(0x12, 0x12, 0x12)...)
	steps = append(steps, devicetest.Step{Unplug: true})
	d, _ := start(t, testProfile, steps...)
	err := d.Print(context.Background(), job)
	var je *JobError
	if !errors.As(err, &je) || !errors.Is(err, ErrPortGone) {
		t.Fatalf("err %v", err)
	}
}

func TestProfileValidate(t *testing.T) {
	t.Parallel()
	bad := []Profile{
		{WidthDots: 500, Charset: escpos.GBK, Baud: 9600},
		{WidthDots: 384, Baud: 9600},
		{WidthDots: 384, Charset: escpos.GBK},
		{WidthDots: 384, Charset: escpos.GBK, Baud: 9600, Cut: 7},
		{WidthDots: 384, Charset: escpos.GBK, Baud: 9600, BufferBytes: 10},
	}
	for _, p := range bad {
		if _, err := p.Validate(); !errors.Is(err, ErrProfile) {
			t.Errorf("%+v: %v", p, err)
		}
	}
	p, err := Profile58.Validate()
	if err != nil || p.DrainBytesPerSec != 32*50*8/30 {
		t.Errorf("defaults %+v %v", p, err)
	}
	if _, err := New(nil, Profile{}, Options{}); !errors.Is(err, ErrProfile) {
		t.Errorf("New with bad profile: %v", err)
	}
}

// TestPacing runs the leaky-bucket pacing on a fake clock: with a
// 256-byte buffer draining 2000 bytes/s, the estimated fill never exceeds
// 3/4 of the buffer, and sending 960 bytes in 64-byte chunks waits exactly
// (960-192)/2000 s in total.
func TestPacing(t *testing.T) {
	t.Parallel()
	prof := testProfile
	prof.BufferBytes, prof.DrainBytesPerSec = 256, 2000
	d, err := New(nil, prof, Options{})
	if err != nil {
		t.Fatal(err)
	}
	clock := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var slept time.Duration
	d.now = func() time.Time { return clock }
	d.sleep = func(ctx context.Context, w time.Duration) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		slept += w
		clock = clock.Add(w)
		return nil
	}
	for i := 0; i < 15; i++ {
		if err := d.pace(context.Background(), 64); err != nil {
			t.Fatal(err)
		}
		if d.fill > 192+1e-6 {
			t.Fatalf("chunk %d: estimated fill %.1f over 3/4 of the buffer", i, d.fill)
		}
	}
	want := time.Duration(float64(960-192) / 2000 * float64(time.Second))
	if diff := slept - want; diff < -time.Millisecond || diff > time.Millisecond {
		t.Errorf("paced %v, want %v", slept, want)
	}
	if got := d.drainTime(); got != 96*time.Millisecond {
		t.Errorf("drainTime %v, want 96ms (192 bytes at 2000/s)", got)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := d.pace(ctx, 64); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled pace: %v", err)
	}
}

func waitState(t *testing.T, d *Driver, want State) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		if s, _ := d.State(); s == want {
			return
		}
		if time.Now().After(deadline) {
			s, _ := d.State()
			t.Fatalf("state %s, want %s", s, want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
