package ui

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/pudong-community/kiosk/devices/handwriting"
	"github.com/pudong-community/kiosk/kiosk"
	"github.com/pudong-community/kiosk/kiosk/kiosktest"
	"github.com/pudong-community/kiosk/kiosk/visit"
)

// fakeHand is a recogniser that answers by the number of strokes.
type fakeHand struct {
	mu      sync.Mutex
	missing bool               // Available false
	err     error              // of every Recognize
	answers map[int][]string   // by the number of strokes
	seen    [][]kiosk.Stroke   // what each call was given
	fn      func(int) []string // when answers has no entry
}

func (f *fakeHand) Available() bool { return !f.missing }

func (f *fakeHand) Recognize(_ context.Context, s []kiosk.Stroke, n int) ([]kiosk.HandwritingCandidate, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.seen = append(f.seen, s)
	if f.err != nil {
		return nil, f.err
	}
	chars, ok := f.answers[len(s)]
	if !ok && f.fn != nil {
		chars = f.fn(len(s))
	}
	var out []kiosk.HandwritingCandidate
	for i, c := range chars {
		if i == n {
			break
		}
		out = append(out, kiosk.HandwritingCandidate{Char: c, Score: -float64(i)})
	}
	return out, nil
}

// modelHand is the real recogniser (devices/handwriting) behind the
// screens, as kiosk/terminal wires it.
type modelHand struct{ r *handwriting.Recognizer }

func (m modelHand) Available() bool { return true }

func (m modelHand) Recognize(_ context.Context, s []kiosk.Stroke, n int) ([]kiosk.HandwritingCandidate, error) {
	in := make([]handwriting.Stroke, len(s))
	for i, st := range s {
		for _, p := range st {
			in[i] = append(in[i], handwriting.Point(p))
		}
	}
	got, err := m.r.Recognize(in, n)
	if errors.Is(err, handwriting.ErrNoModel) || errors.Is(err, handwriting.ErrBadModel) {
		return nil, fmt.Errorf("%w: %v", kiosk.ErrHandwritingUnavailable, err)
	}
	var out []kiosk.HandwritingCandidate
	for _, c := range got {
		out = append(out, kiosk.HandwritingCandidate{Char: c.Char, Score: c.Score})
	}
	return out, err
}

// inkPadOnScreen is the pad's square on the screen, nil without.
func (r *rig) inkPadOnScreen() *inkPad {
	var found *inkPad
	walkObjects(r.w.Content(), func(o fyne.CanvasObject) {
		if p, ok := o.(*inkPad); ok && found == nil {
			found = p
		}
	})
	return found
}

// stroke draws one stroke on the pad (points in the recogniser's box) as
// a finger's drag events, without waiting for the recognition it starts.
func (r *rig) stroke(s kiosk.Stroke) {
	r.t.Helper()
	p := r.inkPadOnScreen()
	if p == nil {
		r.t.Fatalf("no handwriting pad on screen %s; texts: %q", r.a.Current().Name(), texts(r.w))
	}
	size := p.Size()
	at := func(q [2]int) fyne.Position {
		return fyne.NewPos(float32(q[0])*size.Width/kiosk.HandwritingBox, float32(q[1])*size.Height/kiosk.HandwritingBox)
	}
	if len(s) == 1 {
		p.Tapped(&fyne.PointEvent{Position: at(s[0])})
		return
	}
	for i := 1; i < len(s); i++ {
		from, to := at(s[i-1]), at(s[i])
		p.Dragged(&fyne.DragEvent{PointEvent: fyne.PointEvent{Position: to}, Dragged: fyne.NewDelta(to.X-from.X, to.Y-from.Y)})
	}
	p.DragEnd()
}

// write draws the strokes and waits for each recognition.
func (r *rig) write(strokes []kiosk.Stroke) {
	r.t.Helper()
	for _, s := range strokes {
		r.stroke(s)
		r.settle()
	}
}

// candidates are the pad's candidate buttons, in order.
func (r *rig) candidates() []string {
	var out []string
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		switch v := o.(type) {
		case *button:
			if c, ok := strings.CutPrefix(v.name, "hand:"); ok && c != "undo" && c != "clear" {
				out = append(out, c)
			}
		case *fyne.Container:
			for _, c := range v.Objects {
				walk(c)
			}
		case fyne.Widget:
			for _, c := range test.WidgetRenderer(v).Objects() {
				walk(c)
			}
		}
	}
	walk(r.w.Content())
	return out
}

var twoStrokes = []kiosk.Stroke{{{40, 140}, {150, 140}, {260, 140}}, {{150, 30}, {150, 150}, {150, 280}}}

func toSearch(r *rig) {
	r.tap("guide")
	r.tap("guide.search")
	r.want("search")
}

// The search pad: candidates after each stroke, the catalogue's
// characters first; a tap on one searches.
func TestHandSearchFindsItem(t *testing.T) {
	r := newRig(t, portrait)
	fake := &fakeHand{answers: map[int][]string{
		1: {"一", "二", "三", "十", "七", "土", "干", "士", "王"},
		// The model ranks 低 third; 侨 and 位 are in no item's name.
		2: {"侨", "位", "低", "佼", "妣", "保", "住", "代", "什", "化"},
	}}
	r.a.opts.Handwriting = fake
	toSearch(r)
	if r.inkPadOnScreen() != nil {
		t.Fatal("the standard search screen opens on the pad")
	}
	r.tap("key:hand")
	r.wantText("请在下方方框内写字")
	if r.find("hand:undo").(*button).disabled == false {
		t.Error("undo is offered on an empty pad")
	}
	r.write(twoStrokes[:1])
	if got := r.candidates(); len(got) != handShown || got[0] != "一" {
		t.Errorf("after one stroke: %q", got)
	}
	r.write(twoStrokes[1:])
	got := r.candidates()
	if len(got) != handShown {
		t.Fatalf("%d candidates, want %d: %q", len(got), handShown, got)
	}
	// 低, 保 and 住 occur in item names (最低生活保障申请, 保险, 居住证).
	if !slices.Equal(got[:3], []string{"低", "保", "住"}) || got[3] != "侨" {
		t.Errorf("candidates %q: want the catalogue's characters 低 保 住 first, then the model's order", got)
	}
	if n := len(fake.seen); n != 2 || len(fake.seen[1]) != 2 {
		t.Errorf("recognitions: %d", n)
	}
	// The strokes reached the recogniser in its box, as drawn.
	s0 := fake.seen[1][0]
	if len(s0) < 2 || s0[0][1] < 130 || s0[0][1] > 150 || s0[len(s0)-1][0] < 250 {
		t.Errorf("first stroke as recognised: %v", s0)
	}
	checkTargets(t, r)
	r.tap("hand:低")
	r.wantText("最低生活保障申请")
	if r.candidates() != nil {
		t.Errorf("the pad kept its candidates after a pick: %q", r.candidates())
	}
	// Delete and back to the letters, and to the pad again.
	r.tap("key:delete")
	r.wantNoText("最低生活保障申请")
	r.tap("key:pinyin")
	if r.inkPadOnScreen() != nil || r.find("key:A") == nil {
		t.Fatal("key:pinyin did not bring the letters back")
	}
	r.tap("key:hand")
	if r.inkPadOnScreen() == nil {
		t.Fatal("no pad after key:hand")
	}
}

// Undo takes the last stroke back and recognises again; clear empties.
func TestHandUndoClear(t *testing.T) {
	r := newRig(t, portrait)
	fake := &fakeHand{answers: map[int][]string{1: {"一"}, 2: {"十"}}}
	r.a.opts.Handwriting = fake
	toSearch(r)
	r.tap("key:hand")
	r.write(twoStrokes)
	if got := r.candidates(); !slices.Equal(got, []string{"十"}) {
		t.Fatalf("candidates %q", got)
	}
	r.tap("hand:undo")
	if got := r.candidates(); !slices.Equal(got, []string{"一"}) {
		t.Errorf("after undo: %q", got)
	}
	r.tap("hand:clear")
	if got := r.candidates(); got != nil || len(r.a.Current().(*searchScreen).hand.strokes) != 0 {
		t.Errorf("after clear: %q", got)
	}
	r.wantText("请用手指在方框内写一个字")
}

// A tap on a candidate while the next stroke's recognition runs: the
// pick counts, the late answer is dropped.
func TestHandPickWhileRecognising(t *testing.T) {
	r := newRig(t, portrait)
	r.a.opts.Handwriting = &fakeHand{answers: map[int][]string{1: {"老"}, 2: {"医"}}}
	toSearch(r)
	r.tap("key:hand")
	r.write(twoStrokes[:1])
	b := r.find("hand:老")
	r.stroke(twoStrokes[1]) // its recognition is in flight
	// The old candidates stay meanwhile.
	if s := r.a.Current().(*searchScreen); !s.hand.busy || len(r.candidates()) != 1 {
		t.Error("while recognising: not busy, or the old candidates went")
	}
	test.Tap(b)
	r.settle()
	s := r.a.Current().(*searchScreen)
	if s.query != "老" {
		t.Errorf("query %q, want 老", s.query)
	}
	if got := r.candidates(); got != nil || len(s.hand.strokes) != 0 {
		t.Errorf("the late answer showed: %q, %d strokes", got, len(s.hand.strokes))
	}
	r.wantText("老年综合津贴申请")
}

// Elder mode offers the pad first; no recogniser, or none installed,
// offers no pad at all.
func TestHandOffered(t *testing.T) {
	t.Run("elder", func(t *testing.T) {
		r := newRig(t, portrait)
		r.a.opts.Handwriting = &fakeHand{}
		r.a.SetElder(true)
		toSearch(r)
		if r.inkPadOnScreen() == nil || r.find("key:pinyin") == nil {
			t.Fatal("elder mode: the search screen does not open on the pad")
		}
		checkTargets(t, r)
	})
	for name, hw := range map[string]kiosk.Handwriting{"nil": nil, "not installed": &fakeHand{missing: true}} {
		t.Run(name, func(t *testing.T) {
			r := newRig(t, portrait)
			r.a.opts.Handwriting = hw
			r.a.SetElder(true)
			toSearch(r)
			if r.inkPadOnScreen() != nil || r.find("key:hand") != nil {
				t.Error("a pad is offered")
			}
			if r.find("key:A") == nil {
				t.Error("no letters")
			}
		})
	}
}

// A model that fails on the first stroke: back to the letters, and the
// pad is not offered again.
func TestHandUnavailableDegrades(t *testing.T) {
	r := newRig(t, portrait)
	r.a.opts.Handwriting = &fakeHand{err: fmt.Errorf("%w: model damaged", kiosk.ErrHandwritingUnavailable)}
	r.a.SetElder(true)
	toSearch(r)
	r.write(twoStrokes[:1])
	if r.inkPadOnScreen() != nil || r.find("key:hand") != nil {
		t.Fatal("the pad stays after the recogniser failed for good")
	}
	if r.find("key:A") == nil {
		t.Fatal("no letters")
	}
	r.wantText("手写暂时不能使用")
	// Another error is about this input: the pad stays and says so.
	r2 := newRig(t, portrait)
	r2.a.opts.Handwriting = &fakeHand{err: errors.New("too many strokes")}
	toSearch(r2)
	r2.tap("key:hand")
	r2.write(twoStrokes[:1])
	if r2.inkPadOnScreen() == nil {
		t.Fatal("the pad went away on an input error")
	}
	r2.wantText("没有认出这个字，请重写")
}

// Bad input: a dot, more strokes than a character has, strokes outside
// the square.
func TestHandBadInput(t *testing.T) {
	r := newRig(t, portrait)
	fake := &fakeHand{fn: func(n int) []string { return []string{"丶"} }}
	r.a.opts.Handwriting = fake
	toSearch(r)
	r.tap("key:hand")
	r.write([]kiosk.Stroke{{{150, 150}}})
	if got := r.candidates(); !slices.Equal(got, []string{"丶"}) {
		t.Errorf("a dot: %q", got)
	}
	if s := fake.seen[0]; len(s) != 1 || len(s[0]) != 1 {
		t.Errorf("a dot reached the recogniser as %v", s)
	}
	for i := 1; i < 100; i++ {
		r.stroke(kiosk.Stroke{{i, 10}, {i + 50, 200}})
	}
	r.settle()
	if n := len(r.a.Current().(*searchScreen).hand.strokes); n != maxHandStrokes {
		t.Errorf("%d strokes kept, want %d", n, maxHandStrokes)
	}
	r.wantText("笔画太多")
	r.tap("hand:clear")
	// Outside the square: the drag goes on past its edge.
	p := r.inkPadOnScreen()
	p.Dragged(&fyne.DragEvent{PointEvent: fyne.PointEvent{Position: fyne.NewPos(-50, -50)}, Dragged: fyne.NewDelta(10, 10)})
	p.Dragged(&fyne.DragEvent{PointEvent: fyne.PointEvent{Position: fyne.NewPos(p.Size().Width+400, 9e6)}, Dragged: fyne.NewDelta(10, 10)})
	p.DragEnd()
	r.settle()
	last := fake.seen[len(fake.seen)-1]
	for _, pt := range last[0] {
		if pt[0] < 0 || pt[1] < 0 || pt[0] >= kiosk.HandwritingBox || pt[1] >= kiosk.HandwritingBox {
			t.Errorf("point %v outside the box", pt)
		}
	}
}

// The agent's name keyboard: a two-character name by handwriting.
func TestHandNameKeyboard(t *testing.T) {
	r := newRig(t, portrait)
	fake := &fakeHand{answers: map[int][]string{1: {"王", "玉", "主"}, 2: {"明", "朋", "阴"}}}
	r.a.opts.Handwriting = fake
	r.tap("apply")
	r.tap("apply.agent")
	r.card(kiosktest.AgentPerson)
	r.tap("identify.keyed")
	r.keys(kiosktest.Elder.IDNumber)
	r.tap("keyed.next")
	r.tap("key:hand")
	r.write(twoStrokes[:1])
	r.tap("hand:王")
	r.write(twoStrokes)
	checkTargets(t, r)
	r.tap("hand:明")
	r.wantText("王明")
	// Back to pinyin for a rare character, then the name is done.
	r.tap("key:pinyin")
	if r.find("key:a") == nil {
		t.Fatal("no letters after key:pinyin")
	}
	r.tap("keyed.done")
	if r.a.visit.snap.Step != visit.StepAuthorisation {
		t.Fatalf("step %s after keying the resident", r.a.visit.snap.Step)
	}
	r.wantText("王明")
}

// The real model behind the search pad: writing 低 finds 最低生活保障申请.
func TestHandSearchWithModel(t *testing.T) {
	if _, err := os.Stat(handwriting.DefaultModel); errors.Is(err, os.ErrNotExist) {
		t.Skipf("handwriting model %s is not installed (apt-get install tegaki-zinnia-simplified-chinese; make deps does)", handwriting.DefaultModel)
	}
	b, err := os.ReadFile(filepath.Join("..", "..", "devices", "handwriting", "testdata", "strokes", "U+4F4E.json")) // 低
	if err != nil {
		t.Fatal(err)
	}
	var strokes []kiosk.Stroke
	if err := json.Unmarshal(b, &strokes); err != nil {
		t.Fatal(err)
	}
	rec := handwriting.New("")
	t.Cleanup(func() { rec.Close() })
	r := newRig(t, portrait)
	r.a.opts.Handwriting = modelHand{rec}
	r.a.SetElder(true)
	toSearch(r)
	r.write(strokes)
	if got := r.candidates(); len(got) < handShown || got[0] != "低" {
		t.Fatalf("candidates %q, want 低 first", got)
	}
	r.tap("hand:低")
	r.wantText("最低生活保障申请")
}

// Goldens of the search pad with strokes and candidates, both languages
// and both modes.
func TestHandPadGoldens(t *testing.T) {
	for _, lang := range []Lang{Chinese, English} {
		for _, elder := range []bool{false, true} {
			name := fmt.Sprintf("handpad_%s_%s.xml", lang, map[bool]string{false: "standard", true: "elder"}[elder])
			t.Run(name, func(t *testing.T) {
				r := newRig(t, portrait)
				r.a.opts.Handwriting = &fakeHand{answers: map[int][]string{2: {"十", "七", "土", "干", "士", "王", "斗", "千", "午"}}}
				r.a.SetLanguage(lang)
				r.a.SetElder(elder)
				toSearch(r)
				if !elder {
					r.tap("key:hand")
				}
				r.write(twoStrokes)
				r.w.Resize(portrait)
				test.AssertRendersToMarkup(t, name, r.w.Canvas())
			})
		}
	}
}

// Candidates the bundled faces cannot draw, or that are not one
// character, are not offered.
func TestHandDrawable(t *testing.T) {
	in := []kiosk.HandwritingCandidate{{Char: "王"}, {Char: "\U000F0000"}, {Char: "䶮"}, {Char: "王明"}, {Char: ""}, {Char: "\n"}}
	var got []string
	for _, c := range drawable(in) {
		got = append(got, c.Char)
	}
	if !slices.Equal(got, []string{"王", "䶮"}) {
		t.Errorf("drawable: %q", got)
	}
}

// An answer that comes after the resident left the pad's screen changes
// nothing on the screen now shown.
func TestHandAnswerAfterLeaving(t *testing.T) {
	r := newRig(t, portrait)
	r.a.opts.Handwriting = &fakeHand{answers: map[int][]string{1: {"一"}}}
	toSearch(r)
	r.tap("key:hand")
	s := r.a.Current().(*searchScreen)
	r.stroke(twoStrokes[0])
	renders := 0
	r.a.OnScreenChange(func(Screen) { renders++ })
	test.Tap(r.find("nav.home").(fyne.Tappable))
	n := renders
	r.settle()
	r.want("home")
	if renders != n {
		t.Errorf("the late answer redrew the home screen (%d renders, want %d)", renders, n)
	}
	if !slices.Equal(s.hand.cands, []string{"一"}) {
		t.Errorf("the pad's own state: %q", s.hand.cands)
	}
}

// The name keyboard's pad with a model that fails: back to pinyin, said.
func TestHandNameKeyboardUnavailable(t *testing.T) {
	r := newRig(t, portrait)
	r.a.opts.Handwriting = &fakeHand{err: fmt.Errorf("%w: model not installed", kiosk.ErrHandwritingUnavailable)}
	r.tap("apply")
	r.tap("apply.agent")
	r.card(kiosktest.AgentPerson)
	r.tap("identify.keyed")
	r.keys(kiosktest.Elder.IDNumber)
	r.tap("keyed.next")
	r.tap("key:hand")
	r.write(twoStrokes[:1])
	if r.inkPadOnScreen() != nil || r.find("key:hand") != nil || r.find("key:w") == nil {
		t.Fatal("the name keyboard did not fall back to pinyin")
	}
	r.wantText("手写暂时不能使用")
	for _, c := range "wang" {
		r.tap("key:" + string(c))
	}
	r.tap("cand:王")
	r.wantText("王")
}
