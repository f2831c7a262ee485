package voice

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pudong-community/kiosk/kiosk"
)

// fakeEngine speaks every prompt as a tone whose length names it, and
// counts what it was asked.
type fakeEngine struct {
	mu    sync.Mutex
	calls []fakeCall
}

type fakeCall struct {
	text, lang string
	rate       int
}

func (e *fakeEngine) Synthesize(_ context.Context, text, lang string, rate int) ([]byte, error) {
	e.mu.Lock()
	e.calls = append(e.calls, fakeCall{text, lang, rate})
	e.mu.Unlock()
	return tone(Rate, 1, 16, lengthOf(text, lang)), nil
}

func (e *fakeEngine) count() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.calls)
}

// lengthOf gives each prompt and language its own length.
func lengthOf(text, lang string) time.Duration {
	texts, _ := Texts()
	for i, id := range kiosk.Prompts {
		for j, l := range []string{LangZH, LangEN} {
			if texts[id][l] == text && l == lang {
				return 200*time.Millisecond + time.Duration(2*i+j)*10*time.Millisecond
			}
		}
	}
	return time.Second
}

// idOf names the prompt a fake clip speaks.
func idOf(c Clip) kiosk.PromptID {
	texts, _ := Texts()
	for _, id := range kiosk.Prompts {
		for _, l := range []string{LangZH, LangEN} {
			if d := lengthOf(texts[id][l], l); d == c.Duration() {
				return id
			}
		}
	}
	return "?"
}

type played struct {
	p   kiosk.Prompt
	err error
}

// rig is a speaker over the fake engine and a WAV sink, running until the
// test ends; plays hears of every prompt played, cut or failed.
func rig(t *testing.T, sink Sink, set Settings) (*Speaker, *fakeEngine, chan played) {
	t.Helper()
	eng := &fakeEngine{}
	lib, err := NewLibrary(eng, "")
	if err != nil {
		t.Fatal(err)
	}
	sp := NewSpeaker(lib, sink, set)
	plays := make(chan played, 100)
	sp.OnPlay(func(p kiosk.Prompt, _ Source, err error) { plays <- played{p, err} })
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = sp.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return sp, eng, plays
}

var on = Settings{Enabled: true, Volume: 80, Rate: 150, ElderRate: 110}

func TestNewerPromptCutsThePlaying(t *testing.T) {
	started := make(chan Clip, 10)
	sink := &WAVSink{Hold: make(chan struct{}), Started: started}
	sp, _, plays := rig(t, sink, on)
	sp.Say(kiosk.Prompt{ID: kiosk.PromptPlaceCard})
	if got := idOf(<-started); got != kiosk.PromptPlaceCard {
		t.Fatalf("started %s", got)
	}
	sp.Say(kiosk.Prompt{ID: kiosk.PromptCardRead})
	if p := <-plays; p.p.ID != kiosk.PromptPlaceCard || !errors.Is(p.err, context.Canceled) {
		t.Fatalf("first prompt: %v %v, want it cut", p.p.ID, p.err)
	}
	if got := idOf(<-started); got != kiosk.PromptCardRead {
		t.Fatalf("then started %s", got)
	}
	close(sink.Hold)
	if p := <-plays; p.p.ID != kiosk.PromptCardRead || p.err != nil {
		t.Fatalf("second prompt: %v %v", p.p.ID, p.err)
	}
	got := sink.Played()
	if len(got) != 2 || !got[0].Cut || got[1].Cut || got[1].Volume != 80 {
		t.Errorf("played %+v", got)
	}
}

// A prompt that comes After waits for the one playing instead of cutting
// it: "accepted", then "printing".
func TestAfterWaitsForThePlaying(t *testing.T) {
	started := make(chan Clip, 10)
	sink := &WAVSink{Hold: make(chan struct{}), Started: started}
	sp, _, plays := rig(t, sink, on)
	sp.Say(kiosk.Prompt{ID: kiosk.PromptAccepted})
	<-started
	sp.Say(kiosk.Prompt{ID: kiosk.PromptPrinting, After: true})
	close(sink.Hold)
	for _, want := range []kiosk.PromptID{kiosk.PromptAccepted, kiosk.PromptPrinting} {
		if p := <-plays; p.p.ID != want || p.err != nil {
			t.Fatalf("played %s (%v), want %s whole", p.p.ID, p.err, want)
		}
	}
}

// Fifty prompts in a second (a card reader gone wild): Say never blocks,
// and of them only the latest plays to its end.
func TestBurstPlaysAtMostTheLatest(t *testing.T) {
	sink := &WAVSink{Hold: make(chan struct{})}
	sp, _, plays := rig(t, sink, on)
	var last kiosk.Prompt
	for i := 0; i < 50; i++ {
		last = kiosk.Prompt{ID: kiosk.Prompts[i%len(kiosk.Prompts)], English: i%2 == 1}
		sp.Say(last) // with a sink that never finishes: would hang if Say blocked
	}
	close(sink.Hold)
	for p := range plays {
		if p.err == nil {
			if p.p != last {
				t.Fatalf("%+v played whole; only the latest, %+v, may", p.p, last)
			}
			break
		}
	}
	whole := 0
	for _, p := range sink.Played() {
		if !p.Cut {
			whole++
		}
	}
	if whole != 1 {
		t.Errorf("%d prompts played whole, want 1 (the latest)", whole)
	}
}

// failingSink fails while down is set, as a missing or busy device does.
type failingSink struct {
	mu   sync.Mutex
	down bool
	WAVSink
}

func (f *failingSink) Play(ctx context.Context, c Clip, v int) error {
	f.mu.Lock()
	down := f.down
	f.mu.Unlock()
	if down {
		return ErrNoDevice
	}
	return f.WAVSink.Play(ctx, c, v)
}

func TestMissingDeviceDegradesToSilence(t *testing.T) {
	sink := &failingSink{down: true}
	sp, _, plays := rig(t, sink, on)
	healths := make(chan kiosk.DeviceHealth, 10)
	sp.OnHealth(func(h kiosk.DeviceHealth) { healths <- h })
	sp.Say(kiosk.Prompt{ID: kiosk.PromptPlaceCard})
	if p := <-plays; !errors.Is(p.err, ErrNoDevice) {
		t.Fatalf("err %v", p.err)
	}
	h := <-healths
	if h.Device != kiosk.DeviceSpeaker || h.State != kiosk.StateDegraded || h.Reason != kiosk.ReasonOffline {
		t.Errorf("health %+v, want speaker degraded offline", h)
	}
	if !h.State.Working() {
		t.Error("a silent speaker must not put the terminal out of order")
	}
	sink.mu.Lock()
	sink.down = false
	sink.mu.Unlock()
	sp.Say(kiosk.Prompt{ID: kiosk.PromptCardRead})
	if p := <-plays; p.err != nil {
		t.Fatal(p.err)
	}
	if h := <-healths; h.State != kiosk.StateOK {
		t.Errorf("after a prompt played: %+v", h)
	}
}

// The command sink reports a player that is not there as no device.
func TestCommandSinkWithoutPlayer(t *testing.T) {
	s := CommandSink{Path: filepath.Join(t.TempDir(), "no-aplay")}
	err := s.Play(context.Background(), Clip{Rate: Rate, Samples: make([]int16, 100)}, 50)
	if !errors.Is(err, ErrNoDevice) {
		t.Errorf("err %v", err)
	}
	if !errors.Is(s.Available(), ErrNoDevice) {
		t.Error("Available with no player")
	}
}

func TestDisabledQuietAndStaffTest(t *testing.T) {
	now := time.Date(2026, 12, 5, 23, 30, 0, 0, time.Local)
	set := on
	set.QuietFrom, set.QuietTo = 22*60, 7*60
	set.Now = func() time.Time { return now }
	sink := &WAVSink{}
	sp, _, plays := rig(t, sink, set)
	sp.Say(kiosk.Prompt{ID: kiosk.PromptPlaceCard}) // quiet hours: dropped at once
	sp.Test(kiosk.Prompt{ID: kiosk.PromptCardRead}) // staff test plays
	if p := <-plays; p.p.ID != kiosk.PromptCardRead {
		t.Fatalf("played %s in quiet hours", p.p.ID)
	}
	if n := len(sink.Played()); n != 1 {
		t.Errorf("%d played", n)
	}
	for _, tc := range []struct {
		h, m  int
		quiet bool
	}{{22, 0, true}, {6, 59, true}, {7, 0, false}, {12, 0, false}, {21, 59, false}} {
		at := time.Date(2026, 1, 1, tc.h, tc.m, 0, 0, time.Local)
		if got := set.Quiet(at); got != tc.quiet {
			t.Errorf("%02d:%02d quiet %v", tc.h, tc.m, got)
		}
	}
	off := on
	off.Enabled = false
	sp2, _, plays2 := rig(t, &WAVSink{}, off)
	sp2.Say(kiosk.Prompt{ID: kiosk.PromptPlaceCard})
	sp2.Test(kiosk.Prompt{ID: kiosk.PromptTakeCard})
	if p := <-plays2; p.p.ID != kiosk.PromptTakeCard {
		t.Errorf("disabled voice played %s", p.p.ID)
	}
}

// Elder mode speaks slower; each language and rate is rendered once.
func TestElderRateAndCache(t *testing.T) {
	sp, eng, plays := rig(t, &WAVSink{}, on)
	for i := 0; i < 3; i++ {
		sp.Say(kiosk.Prompt{ID: kiosk.PromptPlaceCard, Elder: true})
		<-plays
		sp.Say(kiosk.Prompt{ID: kiosk.PromptPlaceCard, English: true})
		<-plays
	}
	eng.mu.Lock()
	defer eng.mu.Unlock()
	if len(eng.calls) != 2 {
		t.Fatalf("rendered %d times, want once per language and rate: %+v", len(eng.calls), eng.calls)
	}
	if c := eng.calls[0]; c.rate != on.ElderRate || c.lang != LangZH {
		t.Errorf("elder prompt rendered %+v", c)
	}
	if c := eng.calls[1]; c.rate != on.Rate || c.lang != LangEN {
		t.Errorf("prompt rendered %+v", c)
	}
}

// Staff's recordings replace prompts one by one; a file that is no
// prompt is refused and named, and the synthesised prompt plays instead.
func TestRecordingsReplacePrompts(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, b []byte) {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("place_card.zh.wav", tone(48000, 2, 16, 1500*time.Millisecond)) // stereo 48 kHz: converted
	write("take_card.zh.wav", nil)                                        // empty
	write("card_read.zh.wav", []byte("ID3 an mp3 renamed"))               // not a WAV
	write("take_receipt.en.wav", tone(8000, 1, 8, 10*time.Minute))        // ten minutes
	write("hello.zh.wav", tone(Rate, 1, 16, time.Second))                 // no such prompt
	eng := &fakeEngine{}
	lib, err := NewLibrary(eng, dir)
	if err != nil {
		t.Fatal(err)
	}
	c, src, err := lib.Clip(context.Background(), kiosk.PromptPlaceCard, LangZH, 150)
	if err != nil || src != Recorded || c.Rate != Rate || c.Duration() != 1500*time.Millisecond {
		t.Errorf("recorded place_card: %s, %s at %d Hz, %v", src, c.Duration(), c.Rate, err)
	}
	if _, src, _ := lib.Clip(context.Background(), kiosk.PromptPlaceCard, LangEN, 150); src != Synthesised {
		t.Errorf("the English place_card came from %s; only the Chinese one is recorded", src)
	}
	for _, id := range []kiosk.PromptID{kiosk.PromptTakeCard, kiosk.PromptCardRead} {
		if _, src, err := lib.Clip(context.Background(), id, LangZH, 150); src != Synthesised || err != nil {
			t.Errorf("%s: %s, %v; want the synthesised prompt", id, src, err)
		}
	}
	if lib.Recorded(kiosk.PromptTakeReceipt, LangEN) {
		t.Error("a ten-minute recording was taken")
	}
	probs := lib.Problems()
	if len(probs) != 4 {
		t.Errorf("problems %q, want the empty, the non-WAV, the long one and the unknown name", probs)
	}
	// Staff see it: the speaker is degraded and names the files.
	h := NewSpeaker(lib, &WAVSink{}, on).Health()
	if h.State != kiosk.StateDegraded || !strings.Contains(h.Detail, "take_card.zh.wav") || !h.State.Working() {
		t.Errorf("health %+v, want a working speaker, degraded, naming the refused files", h)
	}
}

// With a cache directory each prompt is rendered once, across restarts;
// a damaged cache file is rendered anew.
func TestCacheDirRendersOnce(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cache")
	ctx := context.Background()
	open := func() (*Library, *fakeEngine) {
		eng := &fakeEngine{}
		lib, err := NewLibrary(eng, "")
		if err != nil {
			t.Fatal(err)
		}
		if err := lib.CacheIn(dir); err != nil {
			t.Fatal(err)
		}
		return lib, eng
	}
	lib, eng := open()
	first, _, err := lib.Clip(ctx, kiosk.PromptTakeCard, LangZH, 150)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := lib.Clip(ctx, kiosk.PromptTakeCard, LangZH, 150); err != nil || eng.count() != 1 {
		t.Fatalf("rendered %d times (%v)", eng.count(), err)
	}
	lib, eng = open() // a restart
	again, src, err := lib.Clip(ctx, kiosk.PromptTakeCard, LangZH, 150)
	if err != nil || src != Synthesised || eng.count() != 0 || again.Duration() != first.Duration() {
		t.Fatalf("after a restart: rendered %d times, %s vs %s, %v", eng.count(), again.Duration(), first.Duration(), err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.wav"))
	if len(files) != 1 {
		t.Fatalf("cache files %q", files)
	}
	if err := os.WriteFile(files[0], []byte("RIFF junk"), 0o644); err != nil {
		t.Fatal(err)
	}
	lib, eng = open()
	if _, _, err := lib.Clip(ctx, kiosk.PromptTakeCard, LangZH, 150); err != nil || eng.count() != 1 {
		t.Errorf("a damaged cache file: rendered %d times (%v)", eng.count(), err)
	}
	if _, _, err := lib.Clip(ctx, kiosk.PromptTakeCard, LangZH, 110); err != nil || eng.count() != 2 {
		t.Errorf("another rate: rendered %d times in all (%v)", eng.count(), err)
	}
}
