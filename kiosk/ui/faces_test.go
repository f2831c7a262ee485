package ui

import (
	"unsafe"

	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"golang.org/x/image/font/sfnt"

	"github.com/pudong-community/kiosk/assets"
	"github.com/pudong-community/kiosk/kiosk/kiosktest"
	"github.com/pudong-community/kiosk/kiosk/visit"
)

// Text is drawn in the common faces (GB 2312 and the terminal's own text)
// where they draw all of it, bold where asked; a rare character of a name
// sends the whole text to the full face, which draws everything, rather
// than to a box.
func TestTextStyleFollowsTheCommonFaces(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		s      string
		common bool
	}{
		{"自助申办", true},
		{"Apply 123", true},
		{markDone + " 已提交", true},
		{"第一行\n第二行", true},
		{"", true},
		{"刘䶮", false},       // U+4DAE, Extension A
		{"张㛃", false},       // U+36C3, Extension A
		{"王小䶮明", false},     // one rare character is enough
		{"李喆", false},       // U+5586: not in GB 2312
		{"张𠮷", false},       // U+20BB7, Extension B
		{"Lǚ Dé ễ €", true}, // pinyin, accents, Vietnamese, euro: in the common faces
	} {
		if got := commonCovers(tc.s); got != tc.common {
			t.Errorf("commonCovers(%q) = %v, want %v", tc.s, got, tc.common)
		}
		want := map[bool]fyne.TextStyle{true: {Bold: true}, false: fullStyle}[tc.common]
		if got := boldStyle(tc.s); got != want {
			t.Errorf("boldStyle(%q) = %+v, want %+v", tc.s, got, want)
		}
		want = map[bool]fyne.TextStyle{true: {}, false: fullStyle}[tc.common]
		if got := plainStyle(tc.s); got != want {
			t.Errorf("plainStyle(%q) = %+v, want %+v", tc.s, got, want)
		}
		if seg := heading(tc.s).Segments[0].(*widget.TextSegment); seg.Style.TextStyle.Bold != tc.common || seg.Style.TextStyle.Italic == tc.common {
			t.Errorf("heading(%q) style = %+v", tc.s, seg.Style.TextStyle)
		}
		if seg := body(tc.s).Segments[0].(*widget.TextSegment); seg.Style.TextStyle.Bold || seg.Style.TextStyle.Italic == tc.common {
			t.Errorf("body(%q) style = %+v", tc.s, seg.Style.TextStyle)
		}
	}
}

// A character no bundled face has (Ukrainian є) sends the text to the
// regular style, behind whose face Fyne keeps its own Noto Sans, which draws
// it: not to the full face, which would draw it no better, nor to bold,
// which has no such fallback.
func TestTextStyleForWhatNoBundledFaceHas(t *testing.T) {
	t.Parallel()
	s := "Олександр Євген"
	if commonCovers(s) || faceDraws(assets.FontFull(), s) {
		t.Fatalf("a bundled face claims to draw %q", s)
	}
	if got := boldStyle(s); got != (fyne.TextStyle{}) {
		t.Errorf("boldStyle(%q) = %+v, want regular", s, got)
	}
	if !faceDraws(theme.DefaultTextFont().Content(), "Є") {
		t.Error("Fyne's regular face, behind the terminal's, does not draw Є")
	}
	if got := boldStyle(s + "䶮"); got != fullStyle {
		t.Errorf("boldStyle(%q) = %+v, want the full face", s+"䶮", got)
	}
}

// The theme answers each style with the face made for it, and remembers
// that Fyne asked for the full one.
func TestThemeFaces(t *testing.T) {
	t.Parallel()
	th := NewTheme(false)
	for _, tc := range []struct {
		style fyne.TextStyle
		want  string
	}{
		{fyne.TextStyle{}, assets.FontRegularName},
		{fyne.TextStyle{Bold: true}, assets.FontBoldName},
		{fyne.TextStyle{Monospace: true}, assets.FontRegularName},
		{fullStyle, assets.FontFullName},
	} {
		if th.fullAsked.Load() {
			t.Fatalf("full face asked before style %+v", tc.style)
		}
		if got := th.Font(tc.style).Name(); got != tc.want {
			t.Errorf("Font(%+v) = %s, want %s", tc.style, got, tc.want)
		}
	}
	if !th.fullAsked.Load() {
		t.Error("the theme did not record that the full face was asked for")
	}
}

// facesFor are the face files Fyne draws style with under the theme: the
// theme's face, and for the regular style Fyne's own face behind it.
func facesFor(style fyne.TextStyle) [][]byte {
	switch {
	case style.Italic:
		return [][]byte{assets.FontFull()}
	case style.Bold:
		return [][]byte{assets.FontBold()}
	}
	return [][]byte{assets.FontRegular(), theme.DefaultTextFont().Content()}
}

// faceDraws reports whether the faces, between them, have a glyph for
// every character of s.
func faceDraws(face []byte, s string, more ...[]byte) bool {
	var fonts []*sfnt.Font
	for _, b := range append([][]byte{face}, more...) {
		f, err := sfnt.Parse(b)
		if err != nil {
			return false
		}
		fonts = append(fonts, f)
	}
	var buf sfnt.Buffer
next:
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			continue
		}
		for _, f := range fonts {
			if gi, err := f.GlyphIndex(&buf, r); err == nil && gi != 0 {
				continue next
			}
		}
		return false
	}
	return true
}

// undrawable lists the texts on the window that the face of their style
// cannot draw: each would show boxes for the characters it lacks.
func undrawable(w fyne.Window) []string {
	var out []string
	check := func(o fyne.CanvasObject) {
		if t, ok := o.(*canvas.Text); ok {
			faces := facesFor(t.TextStyle)
			if faceDraws(faces[0], t.Text, faces[1:]...) {
				return
			}
			out = append(out, t.Text)
		}
	}
	walkObjects(w.Content(), check)
	for _, o := range w.Canvas().Overlays().List() {
		walkObjects(o, check)
	}
	return out
}

// checkDrawable fails the test for text its face cannot draw.
func checkDrawable(t testing.TB, r *rig) {
	t.Helper()
	if bad := undrawable(r.w); len(bad) > 0 {
		t.Errorf("screen %s draws %q in a face that lacks some of its characters", r.a.Current().Name(), bad)
	}
}

// A resident whose name has a rare character sees it drawn in the full
// face; once the visit is over and the terminal is back at home, the theme
// is set anew, which makes Fyne drop the full face it parsed.
func TestRareNameUsesTheFullFaceUntilHome(t *testing.T) {
	r := newRig(t, portrait)
	first := r.a.theme
	r.tap("cases")
	r.card(kiosktest.RareName)
	r.wantText("刘䶮")
	checkDrawable(t, r)
	if !r.a.theme.fullAsked.Load() {
		t.Fatal("the full face was not asked for while the name was on screen")
	}
	if r.a.theme != first {
		t.Fatal("the theme changed during the visit")
	}
	r.a.CardRemoved()
	r.settle()
	for i := 0; i < 5 && r.a.visit.snap.State != visit.StateHome; i++ {
		r.clk.Advance(visit.DefaultIdle)
		r.settle()
	}
	if r.a.visit.snap.State != visit.StateHome {
		t.Fatalf("state %s, want home", r.a.visit.snap.State)
	}
	if r.a.theme == first {
		t.Fatal("back at home, the theme was not set anew: the full face stays parsed")
	}
	if got := r.a.fyneApp.Settings().Theme(); got != fyne.Theme(r.a.theme) {
		t.Fatalf("app theme %p, want the new one %p", got, r.a.theme)
	}
	if r.a.theme.fullAsked.Load() {
		t.Error("the home screen asked for the full face")
	}
	checkDrawable(t, r)

	// A visit without rare characters keeps the theme.
	second := r.a.theme
	r.tap("cases")
	r.card(kiosktest.Resident)
	r.a.CardRemoved()
	r.settle()
	for i := 0; i < 5 && r.a.visit.snap.State != visit.StateHome; i++ {
		r.clk.Advance(visit.DefaultIdle)
		r.settle()
	}
	if r.a.theme != second {
		t.Error("a visit without rare characters set the theme anew")
	}
}

// rareScreen is a screen shown over home without a visit, as the guide
// and the staff screens are, with a rare character in its text.
type rareScreen struct{}

func (rareScreen) Name() string                   { return "rare" }
func (rareScreen) Title() string                  { return "" }
func (rareScreen) Build(a *App) fyne.CanvasObject { return heading("刘䶮") }

// The full face is dropped whenever home is shown alone again, not only
// when a visit ends: here after a screen shown while the visit machine
// stays at home.
func TestFullFaceReleasedWhenHomeIsShownAgain(t *testing.T) {
	r := newRig(t, portrait)
	first := r.a.theme
	r.a.Show(rareScreen{})
	r.settle()
	checkDrawable(t, r)
	if !r.a.theme.fullAsked.Load() {
		t.Fatal("the full face was not asked for")
	}
	r.a.Back()
	r.settle()
	if r.a.Current().Name() != "home" {
		t.Fatalf("screen %s, want home", r.a.Current().Name())
	}
	if r.a.theme == first || r.a.theme.fullAsked.Load() {
		t.Error("back at home, the full face was not released")
	}
}

// A home screen that itself needs the full face (a rare character in the
// centre's name) keeps it rather than drop and parse it on every redraw.
func TestFullFaceKeptWhenHomeNeedsIt(t *testing.T) {
	r := newRig(t, portrait)
	r.a.opts.CenterName = "浦东新区䶮街道社区事务受理服务中心"
	themes := map[*Theme]bool{}
	for i := 0; i < 5; i++ {
		r.a.SetOnline(i%2 == 0) // each change redraws home
		r.settle()
		r.a.render()
		themes[r.a.theme] = true
		checkDrawable(t, r)
	}
	if len(themes) > 2 {
		t.Errorf("home was drawn with %d themes: the full face was dropped and parsed again", len(themes))
	}
	if !r.a.theme.fullAsked.Load() {
		t.Error("the centre's name was not drawn in the full face")
	}
	// In English the name has no rare character: the face is dropped.
	r.a.SetLanguage(English)
	r.settle()
	if r.a.theme.fullAsked.Load() {
		t.Error("in English, with no rare character on home, the full face stays parsed")
	}
}

// Fyne's default bold and italic faces, which it parses as fallbacks
// behind the theme's, are the terminal's own: each of those faces is parsed
// once (theme.go adoptDefault). The regular one stays Fyne's Noto Sans, for
// the letters no bundled face has.
func TestFyneDefaultFacesAreTheTerminals(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		def, ours fyne.Resource
		face      []byte
	}{
		{theme.DefaultTextBoldFont(), fontBold, assets.FontBold()},
		{theme.DefaultTextItalicFont(), fontFull, assets.FontFull()},
	} {
		if tc.def != tc.ours {
			t.Errorf("Fyne's default %s is not the theme's resource %s: Fyne parses both", tc.def.Name(), tc.ours.Name())
		}
		if c := tc.def.Content(); len(c) != len(tc.face) || unsafe.SliceData(c) != unsafe.SliceData(tc.face) {
			t.Errorf("Fyne's default %s holds %d bytes, not the bundled face", tc.def.Name(), len(c))
		}
	}
	if theme.DefaultTextFont() == fontRegular || unsafe.SliceData(theme.DefaultTextFont().Content()) == unsafe.SliceData(assets.FontRegular()) {
		t.Error("Fyne's default regular face was replaced: nothing draws the letters no bundled face has")
	}
	th := NewTheme(false)
	if th.Font(fyne.TextStyle{Bold: true}) != theme.DefaultTextBoldFont() || th.Font(fullStyle) != theme.DefaultTextItalicFont() {
		t.Error("the theme's bold and full faces are not Fyne's defaults for their styles")
	}
}

// commonCovers reports whether the common faces draw every character of s.
func commonCovers(s string) bool {
	for _, r := range s {
		if !drawsNothing(r) && !commonCmap.has(r) {
			return false
		}
	}
	return true
}
