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
	r      *handwriting.Recognizer
	log    *slog.Logger
	once   sync.Once
	health *kiosk.Health // nil: not tracked
}

// WithHealth tracks the recogniser in health as the device "handwriting",
// required by no service: ok while its model file is there, degraded
// (not configured) when it is missing, and degraded (fault) once a
// recognition found the model missing or damaged. It returns h.
func (h *Handwriting) WithHealth(health *kiosk.Health) *Handwriting {
	h.health = health
	if health == nil {
		return h
	}
	d := kiosk.DeviceHealth{Device: kiosk.DeviceHandwriting, State: kiosk.StateOK, Detail: "model " + h.r.Path()}
	if !h.Available() {
		d.State, d.Reason, d.Detail = kiosk.StateDegraded, kiosk.ReasonNotConfigured, "no handwriting model at "+h.r.Path()+": the pinyin keyboard serves"
	}
	health.AddDevice(d)
	return h
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
		h.once.Do(func() {
			h.log.Error("handwriting: the pad is not offered", "err", err)
			if h.health != nil {
				if _, herr := h.health.Report(kiosk.DeviceHandwriting, kiosk.StateDegraded, kiosk.ReasonFault, err.Error()); herr != nil {
					h.log.Warn("handwriting: health", "err", herr)
				}
			}
		})
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
