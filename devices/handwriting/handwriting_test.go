package handwriting

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// model is the installed Debian model; tests that need it skip only when
// the file is truly absent (make deps installs it).
func model(t testing.TB) *Recognizer {
	t.Helper()
	if _, err := os.Stat(DefaultModel); errors.Is(err, os.ErrNotExist) {
		t.Skipf("handwriting model %s is not installed (apt-get install tegaki-zinnia-simplified-chinese; make deps does)", DefaultModel)
	}
	r := New("")
	t.Cleanup(func() { r.Close() })
	return r
}

var shared struct {
	once sync.Once
	r    *Recognizer
}

// sharedModel is one loaded model for the tests that only recognise.
func sharedModel(t testing.TB) *Recognizer {
	t.Helper()
	if _, err := os.Stat(DefaultModel); errors.Is(err, os.ErrNotExist) {
		t.Skipf("handwriting model %s is not installed (apt-get install tegaki-zinnia-simplified-chinese; make deps does)", DefaultModel)
	}
	shared.once.Do(func() { shared.r = New("") })
	return shared.r
}

// fixtures reads testdata/strokes/U+<code point>.json, by character: the
// files have ASCII names, which every tool and file system keeps as is.
func fixtures(t testing.TB) map[string][]Stroke {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "strokes", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]Stroke{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var s []Stroke
		if err := json.Unmarshal(b, &s); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		name := strings.TrimSuffix(filepath.Base(f), ".json")
		cp, err := strconv.ParseUint(strings.TrimPrefix(name, "U+"), 16, 32)
		if err != nil || !strings.HasPrefix(name, "U+") {
			t.Fatalf("%s: not named U+<code point>.json", f)
		}
		out[string(rune(cp))] = s
	}
	return out
}

func TestFixturesAreRecognised(t *testing.T) {
	r := sharedModel(t)
	fx := fixtures(t)
	if len(fx) < 20 {
		t.Fatalf("%d stroke fixtures, want at least 20", len(fx))
	}
	for ch, strokes := range fx {
		got, err := r.Recognize(strokes, 5)
		if err != nil {
			t.Fatalf("%s: %v", ch, err)
		}
		rank := -1
		for i, c := range got {
			if c.Char == ch {
				rank = i
				break
			}
		}
		if rank < 0 {
			t.Errorf("%s not in the top 5: %v", ch, got)
		} else {
			t.Logf("%s: rank %d of %v", ch, rank+1, got)
		}
	}
}

func TestRecognizeOrderAndCount(t *testing.T) {
	r := sharedModel(t)
	got, err := r.Recognize(fixtures(t)["十"], 12)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 12 {
		t.Fatalf("%d candidates, want 12", len(got))
	}
	for i := 1; i < len(got); i++ {
		if got[i].Score > got[i-1].Score {
			t.Errorf("candidate %d (%v) scores above %d (%v)", i, got[i], i-1, got[i-1])
		}
	}
	if r.Size() < 6000 {
		t.Errorf("model knows %d characters", r.Size())
	}
}

func TestNoStrokesNoCandidates(t *testing.T) {
	r := sharedModel(t)
	for _, in := range [][]Stroke{nil, {}, {{}, {}}} {
		got, err := r.Recognize(in, 10)
		if err != nil || len(got) != 0 {
			t.Errorf("Recognize(%v) = %v, %v; want nothing", in, got, err)
		}
	}
}

func TestBadInput(t *testing.T) {
	r := sharedModel(t)
	t.Run("one-point stroke", func(t *testing.T) {
		got, err := r.Recognize([]Stroke{{{150, 150}}}, 10)
		if err != nil || len(got) == 0 {
			t.Errorf("a dot: %v, %v", got, err)
		}
		// A dot after real strokes still leaves a candidate list.
		s := append([]Stroke{}, fixtures(t)["大"]...)
		s = append(s, Stroke{{200, 40}})
		if got, err := r.Recognize(s, 10); err != nil || len(got) == 0 {
			t.Errorf("大 and a dot: %v, %v", got, err)
		}
		// A dot at a corner (clamped both ways).
		if got, err := r.Recognize([]Stroke{{{Box + 5, Box + 5}}}, 10); err != nil || len(got) == 0 {
			t.Errorf("a dot at the corner: %v, %v", got, err)
		}
	})
	t.Run("100 strokes", func(t *testing.T) {
		var s []Stroke
		for i := 0; i < 100; i++ {
			s = append(s, Stroke{{i, 10}, {i + 100, 200}})
		}
		_, err := r.Recognize(s, 10)
		if !errors.Is(err, ErrTooManyStrokes) {
			t.Errorf("100 strokes: %v, want ErrTooManyStrokes", err)
		}
		got, err := r.Recognize(s[:MaxStrokes], 10)
		if err != nil || len(got) == 0 {
			t.Errorf("%d strokes: %v, %v", MaxStrokes, got, err)
		}
	})
	t.Run("outside the box", func(t *testing.T) {
		in := fixtures(t)["十"]
		// The same character drawn far outside: clamped into the box, it
		// is still a stroke across and one down.
		var out []Stroke
		for _, s := range in {
			var o Stroke
			for _, p := range s {
				o = append(o, Point{p[0]*10 - 1500, p[1]*10 - 1500})
			}
			out = append(out, o)
		}
		got, err := r.Recognize(out, 10)
		if err != nil || len(got) == 0 {
			t.Fatalf("outside the box: %v, %v", got, err)
		}
		got, err = r.Recognize([]Stroke{{{-1 << 40, -5}, {1 << 40, 1 << 50}}}, 10)
		if err != nil || len(got) == 0 {
			t.Errorf("huge coordinates: %v, %v", got, err)
		}
	})
	t.Run("long stroke", func(t *testing.T) {
		var s Stroke
		for i := 0; i < 5000; i++ {
			s = append(s, Point{i % 300, (i / 7) % 300})
		}
		if got, err := r.Recognize([]Stroke{s}, 10); err != nil || len(got) == 0 {
			t.Errorf("5000 points: %v, %v", got, err)
		}
	})
}

func TestNormalize(t *testing.T) {
	got := Normalize([]Stroke{{}, {{-4, 400}}, {{1, 1}, {1, 1}, {2, 2}}, {{299, 299}}})
	want := []Stroke{{{0, 299}, {2, 299}}, {{1, 1}, {2, 2}}, {{299, 299}, {297, 297}}}
	if len(got) != len(want) {
		t.Fatalf("Normalize = %v, want %v", got, want)
	}
	for i := range want {
		if len(got[i]) != len(want[i]) {
			t.Fatalf("Normalize = %v, want %v", got, want)
		}
		for j := range want[i] {
			if got[i][j] != want[i][j] {
				t.Fatalf("Normalize = %v, want %v", got, want)
			}
		}
	}
	var long Stroke
	for i := 0; i < 1000; i++ {
		long = append(long, Point{i % 300, i / 4})
	}
	n := Normalize([]Stroke{long})[0]
	if len(n) != MaxPoints || n[0] != long[0] || n[len(n)-1] != (Point{999 % 300, 249}) {
		t.Errorf("thinned to %d points from %v to %v", len(n), n[0], n[len(n)-1])
	}
}

func TestMissingModel(t *testing.T) {
	r := New(filepath.Join(t.TempDir(), "none.model"))
	_, err := r.Recognize([]Stroke{{{1, 1}, {100, 100}}}, 10)
	if !errors.Is(err, ErrNoModel) {
		t.Fatalf("missing model: %v, want ErrNoModel", err)
	}
	if !strings.Contains(err.Error(), "none.model") {
		t.Errorf("the error does not name the file: %v", err)
	}
	// The failure is remembered; the next call says the same.
	if err2 := r.Load(); !errors.Is(err2, ErrNoModel) {
		t.Errorf("second load: %v", err2)
	}
}

func TestNewDoesNotLoad(t *testing.T) {
	r := New(filepath.Join(t.TempDir(), "none.model"))
	if r.Size() != 0 || r.loaded {
		t.Fatal("New loaded the model")
	}
}

func TestDamagedModel(t *testing.T) {
	if _, err := os.Stat(DefaultModel); errors.Is(err, os.ErrNotExist) {
		t.Skipf("handwriting model %s is not installed", DefaultModel)
	}
	whole, err := os.ReadFile(DefaultModel)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	corrupt := func(b []byte) []byte {
		// A feature list whose end marker is gone: the model keeps its
		// size and magic, but its records no longer add up.
		c := append([]byte(nil), b...)
		for i := 12 + 20; i < len(c)-8; i += 8 {
			if c[i] == 0xff && c[i+1] == 0xff && c[i+2] == 0xff && c[i+3] == 0xff {
				c[i] = 0x7f
				return c
			}
		}
		t.Fatal("no end marker found")
		return nil
	}
	for name, b := range map[string][]byte{
		"empty":         nil,
		"three bytes":   whole[:3],
		"header only":   whole[:12],
		"half":          whole[:len(whole)/2],
		"one byte less": whole[:len(whole)-1],
		"one byte more": append(append([]byte(nil), whole...), 0),
		"not a model":   []byte(strings.Repeat("(character (value 一))\n", 100)),
		"no end marker": corrupt(whole),
	} {
		t.Run(name, func(t *testing.T) {
			p := filepath.Join(dir, strings.ReplaceAll(name, " ", "_")+".model")
			if err := os.WriteFile(p, b, 0o644); err != nil {
				t.Fatal(err)
			}
			r := New(p)
			_, err := r.Recognize([]Stroke{{{1, 1}, {100, 100}}}, 10)
			if !errors.Is(err, ErrBadModel) {
				t.Fatalf("%s: %v, want ErrBadModel", name, err)
			}
			t.Log(err)
		})
	}
	t.Run("a directory", func(t *testing.T) {
		_, err := New(dir).Recognize([]Stroke{{{1, 1}, {100, 100}}}, 10)
		if !errors.Is(err, ErrBadModel) {
			t.Fatalf("%v, want ErrBadModel", err)
		}
	})
}

func TestCloseThenRecognizeLoadsAgain(t *testing.T) {
	r := model(t)
	if err := r.Load(); err != nil {
		t.Fatal(err)
	}
	r.Close()
	got, err := r.Recognize(fixtures(t)["十"], 3)
	if err != nil || len(got) == 0 {
		t.Fatalf("after Close: %v, %v", got, err)
	}
}

func TestConcurrentRecognize(t *testing.T) {
	r := sharedModel(t)
	fx := fixtures(t)
	var wg sync.WaitGroup
	for _, ch := range []string{"十", "王", "口", "大"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 5; i++ {
				if _, err := r.Recognize(fx[ch], 5); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
}
