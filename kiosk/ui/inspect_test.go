package ui

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

func findTarget(ts []Target, name string) *Target {
	for i := range ts {
		if ts[i].Name == name {
			return &ts[i]
		}
	}
	return nil
}

// The smoke walk taps what Inspect says is where: the home tiles by name,
// with their words, inside the window, in their grid order.
func TestInspectFindsTheHomeTiles(t *testing.T) {
	r := newRig(t, portrait)
	ts := Inspect(r.w)
	guide, cases, apply := findTarget(ts, "guide"), findTarget(ts, "cases"), findTarget(ts, "apply")
	if guide == nil || cases == nil || apply == nil {
		t.Fatalf("home tiles not all found: %+v", ts)
	}
	if !guide.Tappable || !strings.Contains(guide.Text, "办事指南") {
		t.Errorf("guide tile: %+v", guide)
	}
	if !(guide.Pos.X < cases.Pos.X && guide.Pos.Y == cases.Pos.Y && apply.Pos.Y > guide.Pos.Y) {
		t.Errorf("tiles out of their grid: guide %v, cases %v, apply %v", guide.Pos, cases.Pos, apply.Pos)
	}
	for _, tile := range []*Target{guide, cases, apply} {
		if tile.Size.Width <= 0 || tile.Pos.X+tile.Size.Width > portrait.Width || tile.Pos.Y+tile.Size.Height > portrait.Height {
			t.Errorf("%s is not inside the window: %v %v", tile.Name, tile.Pos, tile.Size)
		}
	}
	if missing := missingOf(ts); missing != "" {
		t.Errorf("home shows boxes for %q", missing)
	}
	// A tap where Inspect says the tile is opens its screen.
	test.TapCanvas(r.w.Canvas(), fyne.NewPos(guide.Pos.X+guide.Size.Width/2, guide.Pos.Y+guide.Size.Height/2))
	r.settle()
	r.want("guide")
}

// With maintenance enabled, the centre's name (five taps) is a target, and
// five taps where Inspect says it is open the PIN pad.
func TestInspectFindsTheHiddenMaintenanceEntry(t *testing.T) {
	m := newMaintRig(t)
	l := findTarget(Inspect(m.w), "logo")
	if l == nil || !l.Tappable {
		t.Fatal("the centre's name is not a target")
	}
	for i := 0; i < 5; i++ {
		test.TapCanvas(m.w.Canvas(), fyne.NewPos(l.Pos.X+l.Size.Width/2, l.Pos.Y+l.Size.Height/2))
	}
	if got := m.a.Current().Name(); got != "maint.entry" {
		t.Errorf("five taps on the logo's place show %s", got)
	}
}

func missingOf(ts []Target) string {
	var b strings.Builder
	for _, t := range ts {
		b.WriteString(t.Missing)
	}
	return b.String()
}

// Text drawn in a face that lacks one of its characters is reported, so the
// smoke walk fails on boxes; the same text in the face that has it is not.
func TestInspectReportsCharactersItsFaceLacks(t *testing.T) {
	test.NewTempApp(t)
	w := test.NewTempWindow(t, nil)
	common := canvas.NewText("刘䶮", nil) // the common faces lack 䶮
	full := canvas.NewText("刘䶮", nil)
	full.TextStyle = fullStyle
	label := widget.NewLabel("王䶮")
	styled := widget.NewLabelWithStyle("李䶮", fyne.TextAlignLeading, plainStyle("李䶮"))
	none := canvas.NewText("\U0010FFFD", nil) // no bundled face draws it
	none.TextStyle = fullStyle
	w.SetContent(container.NewVBox(common, full, label, styled, none))
	w.Canvas().Overlays().Add(container.NewCenter(widget.NewButton("继续", nil)))
	ts := Inspect(w)
	got := map[string]string{}
	tappable := false
	for _, x := range ts {
		got[x.Text] += x.Missing + "|"
		if x.Text == "继续" && x.Tappable {
			tappable = true
		}
	}
	want := map[string]string{"刘䶮": "䶮||", "王䶮": "䶮|", "李䶮": "|", "\U0010FFFD": "\U0010FFFD|", "继续": "|"}
	for text, w := range want {
		if got[text] != w {
			t.Errorf("%q: missing %q, want %q (all: %q)", text, got[text], w, got)
		}
	}
	if !tappable {
		t.Error("a button on an overlay (the idle warning's 继续) is not a target")
	}
}
