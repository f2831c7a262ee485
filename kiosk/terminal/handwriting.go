package terminal

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"

	"github.com/pudong-community/kiosk/devices/handwriting"
	"github.com/pudong-community/kiosk/kiosk"
)

// Handwriting is the handwriting recogniser over devices/handwriting, for
// ui.Options.Handwriting. The model is loaded on the first recognition; a
// missing or damaged one is logged once and reported as
// kiosk.ErrHandwritingUnavailable, and the screens fall back to the pinyin
// keyboard.
type Handwriting struct {
	r    *handwriting.Recognizer
	log  *slog.Logger
	once sync.Once
}

// NewHandwriting is a recogniser of the model at path ("" is the Debian
// model's place). It does not read the model.
func NewHandwriting(path string, log *slog.Logger) *Handwriting {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Handwriting{r: handwriting.New(path), log: log}
}

// Available implements kiosk.Handwriting: the model file is there.
func (h *Handwriting) Available() bool {
	st, err := os.Stat(h.r.Path())
	return err == nil && st.Mode().IsRegular() && st.Size() > 0
}

// Recognize implements kiosk.Handwriting. The recogniser itself is not
// interruptible; a recognition takes milliseconds.
func (h *Handwriting) Recognize(ctx context.Context, strokes []kiosk.Stroke, n int) ([]kiosk.HandwritingCandidate, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	in := make([]handwriting.Stroke, len(strokes))
	for i, s := range strokes {
		in[i] = make(handwriting.Stroke, len(s))
		for j, p := range s {
			in[i][j] = handwriting.Point(p)
		}
	}
	got, err := h.r.Recognize(in, n)
	if errors.Is(err, handwriting.ErrNoModel) || errors.Is(err, handwriting.ErrBadModel) {
		h.once.Do(func() { h.log.Error("handwriting: the pad is not offered", "err", err) })
		return nil, fmt.Errorf("%w: %v", kiosk.ErrHandwritingUnavailable, err)
	}
	if err != nil {
		return nil, err
	}
	out := make([]kiosk.HandwritingCandidate, len(got))
	for i, c := range got {
		out[i] = kiosk.HandwritingCandidate{Char: c.Char, Score: c.Score}
	}
	return out, nil
}

var _ kiosk.Handwriting = (*Handwriting)(nil)
