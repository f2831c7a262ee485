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
