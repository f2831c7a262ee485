package voice

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
)

// Sink plays clips. Play returns when the clip has played, when ctx ends
// (the clip is cut; it returns ctx's error) or when the device fails.
type Sink interface {
	Play(ctx context.Context, c Clip, volume int) error
}

// ErrNoDevice: there is no sound device, or it is busy.
var ErrNoDevice = errors.New("voice: no sound device")

// CommandSink plays through a command that reads raw PCM (signed 16-bit
// little-endian mono at the clip's rate) on its standard input.
type CommandSink struct {
	Path string
	Args []string
	// Stdout, when set, receives the command's standard output (tests).
	Stdout io.Writer
}

// APlay is aplay from alsa-utils on the ALSA device ("default" when
// empty). aplay is the simplest honest player: it is ALSA's own tool, it
// needs no cgo, and a prompt cut short is a process killed. -N opens the
// device without blocking, so a busy device fails at once instead of
// holding the prompt.
func APlay(device string) CommandSink {
	if device == "" {
		device = "default"
	}
	return CommandSink{Path: "aplay", Args: []string{"-q", "-N", "-D", device, "-t", "raw", "-f", "S16_LE", "-c", "1", "-r", "{rate}", "-"}}
}

// Available reports whether the command can be found.
func (s CommandSink) Available() error {
	if _, err := exec.LookPath(s.Path); err != nil {
		return fmt.Errorf("%w: %v", ErrNoDevice, err)
	}
	return nil
}

// Play runs the command with the clip on its standard input; cancelling
// ctx kills it.
func (s CommandSink) Play(ctx context.Context, c Clip, volume int) error {
	args := make([]string, len(s.Args))
	for i, a := range s.Args {
		args[i] = strings.ReplaceAll(a, "{rate}", strconv.Itoa(c.Rate))
	}
	cmd := exec.CommandContext(ctx, s.Path, args...)
	cmd.Stdin = bytes.NewReader(pcm(c, volume))
	var errb bytes.Buffer
	cmd.Stderr = &errb
	cmd.Stdout = s.Stdout
	err := cmd.Run()
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if err != nil {
		msg := strings.TrimSpace(errb.String())
		if i := strings.IndexByte(msg, '\n'); i >= 0 {
			msg = msg[:i]
		}
		return fmt.Errorf("%w: %s: %v %s", ErrNoDevice, s.Path, err, msg)
	}
	return nil
}

// Played is one clip a WAVSink took.
type Played struct {
	Clip   Clip
	Volume int
	Cut    bool // ctx ended before it was taken whole
}

// WAVSink keeps what it is asked to play instead of playing it: for tests
// and `kiosk diag voice --out`. Each clip "plays" at once.
type WAVSink struct {
	mu     sync.Mutex
	played []Played
	// Hold, when set, makes Play wait for it to close or ctx to end, as a
	// clip that takes time to play would.
	Hold chan struct{}
	// Started, when set, hears of each Play as it begins.
	Started chan<- Clip
}

// Play records c.
func (w *WAVSink) Play(ctx context.Context, c Clip, volume int) error {
	if w.Started != nil {
		w.Started <- c
	}
	cut := false
	if w.Hold != nil {
		select {
		case <-w.Hold:
		case <-ctx.Done():
			cut = true
		}
	}
	w.mu.Lock()
	w.played = append(w.played, Played{Clip: c, Volume: volume, Cut: cut})
	w.mu.Unlock()
	if cut {
		return ctx.Err()
	}
	return nil
}

// Played is what was played, in order.
func (w *WAVSink) Played() []Played {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]Played(nil), w.played...)
}

// WAV is the clips played whole, one after another, as a WAV file.
func (w *WAVSink) WAV() []byte {
	var all Clip
	all.Rate = Rate
	for _, p := range w.Played() {
		if !p.Cut {
			all.Samples = append(all.Samples, pcmSamples(p.Clip, p.Volume)...)
		}
	}
	return EncodeWAV(all)
}

func pcmSamples(c Clip, volume int) []int16 {
	out := make([]int16, len(c.Samples))
	for i, s := range c.Samples {
		out[i] = int16(int(s) * volume / 100)
	}
	return out
}

// SoundCards reports whether the machine shows ALSA a playback device
// (/dev/snd/pcmC*D*p); without one, every prompt would fail.
func SoundCards() bool {
	m, _ := filepath.Glob("/dev/snd/pcmC*D*p")
	return len(m) > 0
}
