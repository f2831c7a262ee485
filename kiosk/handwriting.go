package kiosk

import (
	"context"
	"errors"
)

// HandwritingBox is the side of the square handwriting is drawn in: the
// points of a Stroke run from 0 to HandwritingBox-1 on both axes.
const HandwritingBox = 300

// Stroke is one stroke of handwriting, its points (x, y) in the order the
// finger drew them, in a HandwritingBox square.
type Stroke [][2]int

// HandwritingCandidate is one character a handwriting recogniser offers,
// with its score (higher is better; comparable within one answer only).
type HandwritingCandidate struct {
	Char  string
	Score float64
}

// DeviceHandwriting is the handwriting recogniser's name in the devices'
// health: degraded when its model is missing or damaged (the pad is then
// not offered and the pinyin keyboard serves), never a resident's banner.
const DeviceHandwriting = "handwriting"

// ErrHandwritingUnavailable is the error of a recogniser that cannot work
// (its model is missing or damaged): the screens offer the pinyin keyboard
// instead.
var ErrHandwritingUnavailable = errors.New("handwriting recognition unavailable")

// Handwriting recognises a handwritten Chinese character, so a resident who
// cannot spell pinyin can write it with a finger.
type Handwriting interface {
	// Available reports, without loading anything, whether recognition can
	// be tried (the model is installed).
	Available() bool
	// Recognize returns up to n candidates for the strokes, best first.
	// An error wrapping ErrHandwritingUnavailable says no recognition will
	// work; others are about this input.
	Recognize(ctx context.Context, strokes []Stroke, n int) ([]HandwritingCandidate, error)
}
