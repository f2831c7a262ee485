package voice

import (
	"bytes"
	"context"
	"io"
	"math"
	"os/exec"
	"testing"
	"time"

	"github.com/pudong-community/kiosk/kiosk"
)

// needEspeak skips when espeak-ng is truly absent (make deps installs it;
// CI runs these).
func needEspeak(t testing.TB) Espeak {
	t.Helper()
	e := Espeak{}
	if err := e.Available(); err != nil {
		t.Skipf("espeak-ng is not installed (Debian package espeak-ng, in the Makefile's APT_PACKAGES): %v", err)
	}
	return e
}

// rms is the clip's loudness.
func rms(c Clip) float64 {
	var sum float64
	for _, s := range c.Samples {
		sum += float64(s) * float64(s)
	}
	return math.Sqrt(sum / float64(max(1, len(c.Samples))))
}

// Every prompt, in both languages and at both rates, is speech: not
// silent and of a plausible length, judged on the samples themselves.
func TestEveryPromptSpeaks(t *testing.T) {
	e := needEspeak(t)
	lib, err := NewLibrary(e, "")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, id := range kiosk.Prompts {
		for _, lang := range []string{LangZH, LangEN} {
			text, _ := lib.Text(id, lang)
			normal, _, err := lib.Clip(ctx, id, lang, 150)
			if err != nil {
				t.Fatalf("%s.%s: %v", id, lang, err)
			}
			elder, _, err := lib.Clip(ctx, id, lang, 110)
			if err != nil {
				t.Fatalf("%s.%s elder: %v", id, lang, err)
			}
			// Speech: a second to a few seconds; at least ~4 syllables a
			// second is not a plausible lower bound for espeak, so the
			// bounds come from the text's length.
			n := len([]rune(text))
			lo, hi := 300*time.Millisecond, time.Duration(n)*600*time.Millisecond+time.Second
			if lang == LangEN {
				hi = time.Duration(n)*150*time.Millisecond + time.Second
			}
			if d := normal.Duration(); d < lo || d > hi {
				t.Errorf("%s.%s %q lasts %s, want %s..%s", id, lang, text, d, lo, hi)
			}
			if p, r := normal.Peak(), rms(normal); p < 3000 || r < 500 {
				t.Errorf("%s.%s is nearly silent: peak %d, rms %.0f", id, lang, p, r)
			}
			if elder.Duration() <= normal.Duration() {
				t.Errorf("%s.%s elder %s is not slower than %s", id, lang, elder.Duration(), normal.Duration())
			}
		}
	}
}

// BenchmarkEventToFirstSound is the time from Say (the screen's event) to
// the first samples reaching the sink, with the prompt cached (goal: under
// 150 ms). "memory" is the speaker's own path with the prompt in memory;
// "disk" with it in the cache directory, as the terminal keeps it;
// "process" also plays through a command the way aplay is run (cat stands
// in for it: no sound card in CI), to the first byte out of it.
func BenchmarkEventToFirstSound(b *testing.B) {
	e := needEspeak(b)
	lib, err := NewLibrary(e, "")
	if err != nil {
		b.Fatal(err)
	}
	if err := lib.Warm(context.Background(), on.Rate); err != nil {
		b.Fatal(err)
	}
	disk, err := NewLibrary(e, "")
	if err != nil {
		b.Fatal(err)
	}
	if err := disk.CacheIn(b.TempDir()); err != nil {
		b.Fatal(err)
	}
	if _, _, err := disk.Clip(context.Background(), kiosk.PromptPlaceCard, LangZH, on.Rate); err != nil {
		b.Fatal(err)
	}
	b.Run("memory", func(b *testing.B) { firstSound(b, lib) })
	// As the terminal keeps them: a WAV file in the cache directory, read
	// and decoded at each prompt.
	b.Run("disk", func(b *testing.B) { firstSound(b, disk) })
	b.Run("process", func(b *testing.B) {
		if _, err := exec.LookPath("cat"); err != nil {
			b.Skip("no cat")
		}
		first := &firstByte{at: make(chan time.Time, 1)}
		sp := NewSpeaker(disk, CommandSink{Path: "cat", Stdout: first}, on)
		plays := make(chan error, 1)
		sp.OnPlay(func(_ kiosk.Prompt, _ Source, err error) { plays <- err })
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		go func() { _ = sp.Run(ctx) }()
		var total time.Duration
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			first.arm()
			t0 := time.Now()
			sp.Say(kiosk.Prompt{ID: kiosk.PromptPlaceCard})
			total += (<-first.at).Sub(t0)
			if err := <-plays; err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(total.Microseconds())/1000/float64(b.N), "ms-to-first-sound")
	})
}

// firstSound measures Say to the sink's first samples with lib's
// prompts.
func firstSound(b *testing.B, lib *Library) {
	started := make(chan Clip, 1)
	sp := NewSpeaker(lib, &WAVSink{Started: started}, on)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { _ = sp.Run(ctx) }()
	var total time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		sp.Say(kiosk.Prompt{ID: kiosk.PromptPlaceCard})
		<-started
		total += time.Since(t0)
	}
	b.ReportMetric(float64(total.Microseconds())/1000/float64(b.N), "ms-to-first-sound")
}

// firstByte notes when the first byte of a play arrives.
type firstByte struct {
	armed bool
	at    chan time.Time
}

func (f *firstByte) arm() { f.armed = true }

func (f *firstByte) Write(p []byte) (int, error) {
	if f.armed && len(p) > 0 {
		f.armed = false
		f.at <- time.Now()
	}
	return len(p), nil
}

var _ io.Writer = (*firstByte)(nil)

// The synthesiser's own WAV is what the library decodes.
func TestEspeakWritesWAV(t *testing.T) {
	e := needEspeak(t)
	b, err := e.Synthesize(context.Background(), "读卡成功", LangZH, 150)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, []byte("RIFF")) {
		t.Fatalf("not a WAV: % x", b[:min(16, len(b))])
	}
	if _, err := DecodeWAV(b); err != nil {
		t.Fatal(err)
	}
}
