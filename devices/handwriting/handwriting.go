// Package handwriting recognises a handwritten Chinese character from its
// strokes with Zinnia (libzinnia, through cgo) and the Debian model of the
// package tegaki-zinnia-simplified-chinese. It is the only cgo to libzinnia.
//
// Strokes are drawn in a Box×Box square (300×300), each a list of points in
// the order they were drawn. The model is loaded on the first recognition,
// not when the Recognizer is made; a missing or damaged model is an error of
// Recognize (and of Load), never a crash.
package handwriting

/*
#cgo LDFLAGS: -lzinnia
#include <stdlib.h>
#include <zinnia.h>
*/
import "C"

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"unsafe"
)

// Box is the side of the square strokes are drawn in.
const Box = 300

// MaxStrokes is the most strokes Recognize accepts: the most complex common
// characters have about 30; more is scribbling, and a classification of
// many strokes only costs time.
const MaxStrokes = 40

// MaxPoints is the most points of one stroke passed on; longer strokes are
// thinned evenly (Zinnia looks at the stroke's shape, not its samples).
const MaxPoints = 200

// DefaultModel is where Debian's tegaki-zinnia-simplified-chinese puts its
// model.
const DefaultModel = "/usr/share/tegaki/models/zinnia/handwriting-zh_CN.model"

// Point is a point of a stroke, JSON [x, y].
type Point [2]int

// Stroke is one stroke, its points in the order drawn.
type Stroke []Point

// Candidate is one recognised character with the model's score (higher is
// better; scores are comparable only within one result).
type Candidate struct {
	Char  string  `json:"char"`
	Score float64 `json:"score"`
}

// Errors of Recognize and Load.
var (
	// ErrNoModel: the model file is absent.
	ErrNoModel = errors.New("handwriting: model not installed")
	// ErrBadModel: the model file is there but cannot be used (truncated,
	// not a Zinnia model).
	ErrBadModel = errors.New("handwriting: model damaged")
	// ErrTooManyStrokes: more than MaxStrokes strokes.
	ErrTooManyStrokes = errors.New("handwriting: too many strokes")
)

// Recognizer recognises characters with one model file. It is safe for
// concurrent use; recognitions run one at a time.
type Recognizer struct {
	path string

	mu     sync.Mutex
	loaded bool
	err    error // of the one load
	rec    *C.zinnia_recognizer_t
	size   int // characters the model knows
}

// New returns a recognizer of the model at path ("" is DefaultModel). It
// does not touch the file: the model is loaded on first use.
func New(path string) *Recognizer {
	if path == "" {
		path = DefaultModel
	}
	return &Recognizer{path: path}
}

// Path is the model file.
func (r *Recognizer) Path() string { return r.path }

// Load loads the model now unless it is loaded; it returns the error of the
// one load (a missing model is ErrNoModel, a damaged one ErrBadModel, both
// wrapped with the path). A failed load is not retried.
func (r *Recognizer) Load() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.loadLocked()
}

// Size is the number of characters the model knows, 0 before a load.
func (r *Recognizer) Size() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.size
}

func (r *Recognizer) loadLocked() error {
	if r.loaded {
		return r.err
	}
	r.loaded = true
	if err := checkModel(r.path); err != nil {
		r.err = err
		return err
	}
	rec := C.zinnia_recognizer_new()
	if rec == nil {
		r.err = fmt.Errorf("%w: %s: zinnia_recognizer_new failed", ErrBadModel, r.path)
		return r.err
	}
	cpath := C.CString(r.path)
	defer C.free(unsafe.Pointer(cpath))
	if C.zinnia_recognizer_open(rec, cpath) == 0 {
		msg := C.GoString(C.zinnia_recognizer_strerror(rec))
		C.zinnia_recognizer_destroy(rec)
		r.err = fmt.Errorf("%w: %s: %s", ErrBadModel, r.path, msg)
		return r.err
	}
	r.rec = rec
	r.size = int(C.zinnia_recognizer_size(rec))
	return nil
}

// The binary model as Zinnia reads it (recognizer.cpp): a uint32 magic that
// is modelMagic XOR the file's size, a uint32 version, a uint32 number of
// characters; then per character its 16-byte name, a float32 bias and its
// features, (int32 index, float32 value) pairs ending with index -1. All
// little-endian.
const (
	modelMagic   = 0xef71821
	modelVersion = 1
)

// checkModel checks the model file before Zinnia maps it: Zinnia trusts the
// counts in the file and scans each character's features up to the end
// marker, so a damaged model could make it read past the end of its mapping.
// The file must hold exactly the records its header announces.
func checkModel(path string) error {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("%w: %s", ErrNoModel, path)
	}
	if err != nil {
		return fmt.Errorf("%w: %v", ErrBadModel, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("%w: %v", ErrBadModel, err)
	}
	size := st.Size()
	bad := func(why string, args ...any) error {
		return fmt.Errorf("%w: %s (%d bytes): %s", ErrBadModel, path, size, fmt.Sprintf(why, args...))
	}
	if !st.Mode().IsRegular() {
		return bad("not a regular file")
	}
	r := bufio.NewReaderSize(f, 1<<16)
	var b [20]byte
	u32 := func() (uint32, error) {
		if _, err := io.ReadFull(r, b[:4]); err != nil {
			return 0, err
		}
		return binary.LittleEndian.Uint32(b[:4]), nil
	}
	magic, err := u32()
	if err != nil {
		return bad("header: %v", err)
	}
	if int64(magic^modelMagic) != size {
		return bad("truncated or not a Zinnia model (its header announces %d bytes)", magic^modelMagic)
	}
	version, err := u32()
	if err != nil {
		return bad("header: %v", err)
	}
	if version != modelVersion {
		return bad("model version %d, want %d", version, modelVersion)
	}
	count, err := u32()
	if err != nil {
		return bad("header: %v", err)
	}
	read := int64(12)
	for i := uint32(0); i < count; i++ {
		if _, err := io.ReadFull(r, b[:16+4]); err != nil {
			return bad("character %d of %d: %v", i+1, count, err)
		}
		read += 20
		for {
			if _, err := io.ReadFull(r, b[:8]); err != nil {
				return bad("character %d of %d: features: %v", i+1, count, err)
			}
			read += 8
			if int32(binary.LittleEndian.Uint32(b[:4])) == -1 {
				break
			}
		}
	}
	if read != size {
		return bad("%d bytes after the last character", size-read)
	}
	return nil
}

// Recognize returns up to n candidates for the strokes, best first. No
// strokes (or only empty ones) give no candidates and no error. Points
// outside the box are moved to its edge; a stroke of one point is a dot.
func (r *Recognizer) Recognize(strokes []Stroke, n int) ([]Candidate, error) {
	if n <= 0 {
		n = 10
	}
	clean := Normalize(strokes)
	if len(clean) > MaxStrokes {
		return nil, fmt.Errorf("%w: %d, at most %d", ErrTooManyStrokes, len(clean), MaxStrokes)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.loadLocked(); err != nil {
		return nil, err
	}
	if len(clean) == 0 {
		return nil, nil
	}
	ch := C.zinnia_character_new()
	if ch == nil {
		return nil, errors.New("handwriting: zinnia_character_new failed")
	}
	defer C.zinnia_character_destroy(ch)
	C.zinnia_character_set_width(ch, Box)
	C.zinnia_character_set_height(ch, Box)
	for i, s := range clean {
		for _, p := range s {
			if C.zinnia_character_add(ch, C.size_t(i), C.int(p[0]), C.int(p[1])) == 0 {
				return nil, fmt.Errorf("handwriting: stroke %d: %s", i+1, C.GoString(C.zinnia_character_strerror(ch)))
			}
		}
	}
	res := C.zinnia_recognizer_classify(r.rec, ch, C.size_t(n))
	if res == nil {
		return nil, fmt.Errorf("handwriting: classify: %s", C.GoString(C.zinnia_recognizer_strerror(r.rec)))
	}
	defer C.zinnia_result_destroy(res)
	m := int(C.zinnia_result_size(res))
	out := make([]Candidate, 0, m)
	for i := 0; i < m; i++ {
		out = append(out, Candidate{
			Char:  C.GoString(C.zinnia_result_value(res, C.size_t(i))),
			Score: float64(C.zinnia_result_score(res, C.size_t(i))),
		})
	}
	return out, nil
}

// Close releases the model. Recognize after Close loads it again.
func (r *Recognizer) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.rec != nil {
		C.zinnia_recognizer_destroy(r.rec)
		r.rec = nil
	}
	r.loaded, r.err, r.size = false, nil, 0
	return nil
}

// Normalize is what Recognize passes on: empty strokes dropped, points
// clamped into the box, a one-point stroke made a short dot, consecutive
// repeated points dropped and long strokes thinned to MaxPoints.
func Normalize(strokes []Stroke) []Stroke {
	var out []Stroke
	for _, s := range strokes {
		if len(s) == 0 {
			continue
		}
		c := make(Stroke, 0, len(s))
		for _, p := range s {
			q := Point{clamp(p[0]), clamp(p[1])}
			if len(c) > 0 && c[len(c)-1] == q {
				continue
			}
			c = append(c, q)
		}
		if len(c) == 1 {
			// A dot: Zinnia needs a direction; a short stroke down-right.
			p := c[0]
			c = append(c, Point{clamp(p[0] + 2), clamp(p[1] + 2)})
			if c[1] == p {
				c[1] = Point{clamp(p[0] - 2), clamp(p[1] - 2)}
			}
		}
		if len(c) > MaxPoints {
			t := make(Stroke, 0, MaxPoints)
			for i := 0; i < MaxPoints; i++ {
				t = append(t, c[i*(len(c)-1)/(MaxPoints-1)])
			}
			c = t
		}
		out = append(out, c)
	}
	return out
}

func clamp(v int) int {
	return max(0, min(Box-1, v))
}
