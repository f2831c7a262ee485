package terminal

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/pudong-community/kiosk/devices/handwriting"
	"github.com/pudong-community/kiosk/kiosk"
)

func TestHandwritingMissingModel(t *testing.T) {
	h := NewHandwriting(filepath.Join(t.TempDir(), "none.model"), nil)
	if h.Available() {
		t.Error("Available with no model file")
	}
	_, err := h.Recognize(context.Background(), []kiosk.Stroke{{{1, 1}, {100, 100}}}, 10)
	if !errors.Is(err, kiosk.ErrHandwritingUnavailable) {
		t.Fatalf("%v, want ErrHandwritingUnavailable", err)
	}
}

func TestHandwritingDamagedModel(t *testing.T) {
	p := filepath.Join(t.TempDir(), "short.model")
	os.WriteFile(p, []byte("a model cut short"), 0o644)
	h := NewHandwriting(p, nil)
	if !h.Available() {
		t.Error("a damaged model is not known before it is loaded")
	}
	_, err := h.Recognize(context.Background(), []kiosk.Stroke{{{1, 1}, {100, 100}}}, 10)
	if !errors.Is(err, kiosk.ErrHandwritingUnavailable) {
		t.Fatalf("%v, want ErrHandwritingUnavailable", err)
	}
}

func TestHandwritingRecognizes(t *testing.T) {
	if _, err := os.Stat(handwriting.DefaultModel); errors.Is(err, os.ErrNotExist) {
		t.Skipf("handwriting model %s is not installed (apt-get install tegaki-zinnia-simplified-chinese; make deps does)", handwriting.DefaultModel)
	}
	h := NewHandwriting("", nil)
	if !h.Available() {
		t.Fatal("not Available with the model installed")
	}
	cross := []kiosk.Stroke{{{40, 140}, {150, 140}, {260, 140}}, {{150, 30}, {150, 150}, {150, 280}}}
	got, err := h.Recognize(context.Background(), cross, 5)
	if err != nil || len(got) != 5 || got[0].Char != "十" {
		t.Fatalf("十: %v, %v", got, err)
	}
	// Too many strokes is about this input, not the recogniser.
	many := make([]kiosk.Stroke, 100)
	for i := range many {
		many[i] = kiosk.Stroke{{i, 0}, {i, 200}}
	}
	if _, err := h.Recognize(context.Background(), many, 5); err == nil || errors.Is(err, kiosk.ErrHandwritingUnavailable) {
		t.Errorf("100 strokes: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := h.Recognize(ctx, cross, 5); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

// The recogniser has a health entry: degraded when its model is missing
// (the pad is not offered), degraded for a fault once a damaged model is
// met, ok when the model is there; none of it is a resident's banner.
func TestHandwritingHealth(t *testing.T) {
	device := func(h *kiosk.Health) (kiosk.DeviceHealth, bool) {
		for _, d := range h.Snapshot().Devices {
			if d.Device == kiosk.DeviceHandwriting {
				return d, true
			}
		}
		return kiosk.DeviceHealth{}, false
	}
	missing := kiosk.NewHealth(kiosk.DefaultPolicy(true, false), nil)
	NewHandwriting(filepath.Join(t.TempDir(), "none.model"), nil).WithHealth(missing)
	if d, ok := device(missing); !ok || d.State != kiosk.StateDegraded || d.Reason != kiosk.ReasonNotConfigured || d.Required {
		t.Errorf("missing model: %+v (tracked %v)", d, ok)
	}

	p := filepath.Join(t.TempDir(), "short.model")
	if err := os.WriteFile(p, []byte("a model cut short"), 0o644); err != nil {
		t.Fatal(err)
	}
	damaged := kiosk.NewHealth(kiosk.DefaultPolicy(true, false), nil)
	h := NewHandwriting(p, nil).WithHealth(damaged)
	if d, _ := device(damaged); d.State != kiosk.StateOK {
		t.Errorf("a model file that is there: %+v", d)
	}
	h.Recognize(context.Background(), []kiosk.Stroke{{{1, 1}, {100, 100}}}, 10)
	if d, _ := device(damaged); d.State != kiosk.StateDegraded || d.Reason != kiosk.ReasonFault {
		t.Errorf("after the damaged model was met: %+v", d)
	}
	for _, d := range damaged.Snapshot().Failed() {
		if d.Device == kiosk.DeviceHandwriting && d.Required {
			t.Error("the pad is required by a service")
		}
	}
}
