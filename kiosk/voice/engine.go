package voice

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
)

// Engine synthesises speech offline.
type Engine interface {
	// Synthesize returns a WAV file of text spoken in lang (LangZH or
	// LangEN) at rate words per minute.
	Synthesize(ctx context.Context, text, lang string, rate int) ([]byte, error)
}

// Espeak is espeak-ng through its command: the Debian package espeak-ng
// carries the Mandarin voice "cmn". It runs in a few tens of milliseconds
// per prompt on the kiosk PC and needs no network.
type Espeak struct {
	// Command is the program; "espeak-ng" (found on PATH) when empty.
	Command string
}

// ErrNoEngine: the synthesiser is not installed.
var ErrNoEngine = errors.New("voice: espeak-ng is not installed")

func (e Espeak) command() string {
	if e.Command != "" {
		return e.Command
	}
	return "espeak-ng"
}

// Available reports whether the command can be found.
func (e Espeak) Available() error {
	if _, err := exec.LookPath(e.command()); err != nil {
		return fmt.Errorf("%w: %v", ErrNoEngine, err)
	}
	return nil
}

// Synthesize runs espeak-ng and reads the WAV from its standard output.
func (e Espeak) Synthesize(ctx context.Context, text, lang string, rate int) ([]byte, error) {
	if err := e.Available(); err != nil {
		return nil, err
	}
	v := "cmn"
	if lang == LangEN {
		v = "en"
	}
	var out, errb bytes.Buffer
	cmd := exec.CommandContext(ctx, e.command(), "-v", v, "-s", strconv.Itoa(rate), "--stdout", "--", text)
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("voice: espeak-ng: %v: %s", err, strings.TrimSpace(errb.String()))
	}
	return out.Bytes(), nil
}
