package ui

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/widget"
)

// Text meant to be bold is bold only where the bundled bold face draws all
// of it (GB 2312 and the terminal's own text); a rare character of a name
// sends the whole text to the regular face, which draws everything, rather
// than to a box.
func TestBoldOnlyWhereTheBoldFaceDraws(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		s    string
		bold bool
	}{
		{"自助申办", true},
		{"Apply 123", true},
		{markDone + " 已提交", true},
		{"第一行\n第二行", true},
		{"", true},
		{"刘䶮", false},   // U+4DAE, Extension A
		{"张㛃", false},   // U+36C3, Extension A
		{"王小䶮明", false}, // one rare character is enough
	} {
		if got := boldCovers(tc.s); got != tc.bold {
			t.Errorf("boldCovers(%q) = %v, want %v", tc.s, got, tc.bold)
		}
		if got := boldStyle(tc.s).Bold; got != tc.bold {
			t.Errorf("boldStyle(%q).Bold = %v, want %v", tc.s, got, tc.bold)
		}
		seg := heading(tc.s).Segments[0].(*widget.TextSegment)
		if got := seg.Style.TextStyle.Bold; got != tc.bold {
			t.Errorf("heading(%q) bold = %v, want %v", tc.s, got, tc.bold)
		}
		if seg := body(tc.s).Segments[0].(*widget.TextSegment); seg.Style.TextStyle.Bold {
			t.Errorf("body(%q) is bold", tc.s)
		}
	}
}

// boldUndrawable lists the bold texts on the window that the bold face
// cannot draw: each would show boxes for the characters it lacks.
func boldUndrawable(w fyne.Window) []string {
	var out []string
	check := func(o fyne.CanvasObject) {
		if t, ok := o.(*canvas.Text); ok && t.TextStyle.Bold && !boldCovers(t.Text) {
			out = append(out, t.Text)
		}
	}
	walkObjects(w.Content(), check)
	for _, o := range w.Canvas().Overlays().List() {
		walkObjects(o, check)
	}
	return out
}

// checkBoldDrawable fails the test for bold text the bold face cannot draw.
func checkBoldDrawable(t testing.TB, r *rig) {
	t.Helper()
	if bad := boldUndrawable(r.w); len(bad) > 0 {
		t.Errorf("screen %s draws %q in bold, which the bold face cannot draw", r.a.Current().Name(), bad)
	}
}
