package ui

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
)

var fixedNow = func() time.Time { return time.Date(2026, 11, 27, 9, 30, 0, 0, time.FixedZone("CST", 8*3600)) }

func newTestApp(t *testing.T, size fyne.Size) (*App, fyne.Window) {
	t.Helper()
	fa := test.NewTempApp(t)
	w := test.NewTempWindow(t, nil)
	a := New(fa, w, Options{CenterName: "浦东新区花木街道社区事务受理服务中心", CenterNameEN: "Huamu Community Affairs Service Center", TerminalID: "PD-T001", Now: fixedNow})
	w.Resize(size)
	return a, w
}

var portrait = fyne.NewSize(1080, 1920)
var landscape = fyne.NewSize(1920, 1080)

// layouts are the four screen layouts: portrait and landscape, each at the
// standard size and in elder mode.
var layouts = []struct {
	name  string
	size  fyne.Size
	elder bool
}{{"portrait", portrait, false}, {"portrait elder", portrait, true}, {"landscape", landscape, false}, {"landscape elder", landscape, true}}

func homeTiles(t *testing.T, a *App) map[string]*tile {
	t.Helper()
	h, ok := a.Current().(*homeScreen)
	if !ok {
		t.Fatalf("current screen is %s, want home", a.Current().Name())
	}
	m := map[string]*tile{}
	for _, tl := range h.tiles {
		m[tl.name] = tl
	}
	return m
}

// texts lists every piece of text drawn in the window.
func texts(w fyne.Window) []string {
	var out []string
	walkObjects(w.Content(), func(o fyne.CanvasObject) {
		if t, ok := o.(*canvas.Text); ok {
			out = append(out, t.Text)
		}
	})
	return out
}

// walkObjects calls f for o and every object inside it: a container's
// objects, a widget's rendered objects.
func walkObjects(o fyne.CanvasObject, f func(fyne.CanvasObject)) {
	if o == nil {
		return
	}
	f(o)
	switch v := o.(type) {
	case *fyne.Container:
		for _, c := range v.Objects {
			walkObjects(c, f)
		}
	case fyne.Widget:
		for _, c := range test.WidgetRenderer(v).Objects() {
			walkObjects(c, f)
		}
	}
}

func hasText(w fyne.Window, s string) bool {
	for _, x := range texts(w) {
		if strings.Contains(x, s) {
			return true
		}
	}
	return false
}

func TestHomeTilesReachTheirScreens(t *testing.T) {
	a, w := newTestApp(t, portrait)
	want := map[string]string{"guide": "guide", "cases": "cases", "apply": "apply", "callstaff": "callstaff"}
	for tileName, screen := range want {
		t.Run(tileName, func(t *testing.T) {
			a.Home()
			tl := homeTiles(t, a)[tileName]
			if tl == nil {
				t.Fatalf("no %s tile", tileName)
			}
			test.Tap(tl)
			a.jobs.wait() // the call for staff runs off the UI goroutine
			if got := a.Current().Name(); got != screen {
				t.Fatalf("tapping %s reached %s, want %s", tileName, got, screen)
			}
			if !hasText(w, "返回") || !hasText(w, "首页") {
				t.Errorf("screen %s has no back/home bar", screen)
			}
			a.Back()
			if a.Current().Name() != "home" {
				t.Errorf("back from %s reached %s", screen, a.Current().Name())
			}
		})
	}
}

func TestHomeShowsCenterClockAndTilesInChinese(t *testing.T) {
	_, w := newTestApp(t, portrait)
	for _, s := range []string{"浦东新区花木街道社区事务受理服务中心", "11月27日 星期五 09:30", "办事指南", "我的办件", "自助申办", "长辈模式", "English", "呼叫工作人员"} {
		if !hasText(w, s) {
			t.Errorf("home screen lacks %q; has %q", s, texts(w))
		}
	}
}

func TestLanguageSwitchesAtRunTimeAndBack(t *testing.T) {
	a, w := newTestApp(t, portrait)
	test.Tap(homeTiles(t, a)["language"])
	if a.Lang() != English {
		t.Fatal("language tile did not switch to English")
	}
	for _, s := range []string{"Service guide", "My cases", "Apply here", "Elder mode", "中文", "Call staff", "Huamu Community Affairs Service Center", "Fri 27 Nov 09:30"} {
		if !hasText(w, s) {
			t.Errorf("English home lacks %q", s)
		}
	}
	if hasText(w, "办事指南") {
		t.Error("Chinese tile text leaks into the English screen")
	}
	// Switch on another screen: it is rebuilt in place.
	test.Tap(homeTiles(t, a)["guide"])
	a.SetLanguage(Chinese)
	if a.Current().Name() != "guide" || !hasText(w, "办事指南") || hasText(w, "Service guide") {
		t.Errorf("switching language on the guide screen: screen %s, texts %q", a.Current().Name(), texts(w))
	}
}

func TestNoEnglishLeaksIntoChineseHome(t *testing.T) {
	_, w := newTestApp(t, portrait)
	latin := regexp.MustCompile(`[A-Za-z]{3,}`)
	for _, s := range texts(w) {
		if s == "English" || strings.HasPrefix(s, "Switch to English") {
			continue // the way to English is written in English on purpose
		}
		if latin.MatchString(s) {
			t.Errorf("English text %q on the Chinese home screen", s)
		}
	}
}

func TestElderModeEnlargesTextAndTargets(t *testing.T) {
	a, _ := newTestApp(t, portrait)
	normal := a.Theme()
	test.Tap(homeTiles(t, a)["elder"])
	if !a.Elder() {
		t.Fatal("elder tile did not switch elder mode on")
	}
	elder := a.Theme()
	if elder.Size(theme.SizeNameText) <= normal.Size(theme.SizeNameText) {
		t.Error("elder body text is not larger")
	}
	if got := fyne.CurrentApp().Settings().Theme().Size(theme.SizeNameText); got != elder.Size(theme.SizeNameText) {
		t.Errorf("app theme text size %v, want the elder one %v", got, elder.Size(theme.SizeNameText))
	}
	for name, tl := range homeTiles(t, a) {
		if s := tl.MinSize(); s.Width < MinTargetElder || s.Height < MinTargetElder {
			t.Errorf("elder tile %s min size %v below %d dp", name, s, MinTargetElder)
		}
	}
	test.Tap(homeTiles(t, a)["elder"])
	if a.Elder() {
		t.Error("the tile did not switch elder mode back off")
	}
}

func TestTouchTargetsInBothModes(t *testing.T) {
	a, w := newTestApp(t, portrait)
	for _, elder := range []bool{false, true} {
		a.SetElder(elder)
		min := float32(MinTarget)
		if elder {
			min = MinTargetElder
		}
		test.Tap(homeTiles(t, a)["guide"])
		var check func(o fyne.CanvasObject)
		n := 0
		check = func(o fyne.CanvasObject) {
			switch v := o.(type) {
			case fyne.Tappable:
				n++
				if s := o.Size(); s.Width < min || s.Height < min {
					t.Errorf("elder=%v: tappable %T is %v, below %v dp", elder, v, s, min)
				}
			case *fyne.Container:
				for _, c := range v.Objects {
					check(c)
				}
			}
		}
		check(w.Content())
		if n < 4 {
			t.Errorf("elder=%v: found only %d tappables on the guide screen", elder, n)
		}
		a.Home()
	}
}

func TestHomeLaysOutInBothOrientations(t *testing.T) {
	for _, tc := range []struct {
		name  string
		size  fyne.Size
		cols  int
		elder bool
		lang  Lang
	}{{"portrait", portrait, 2, false, Chinese}, {"landscape", landscape, 3, false, Chinese},
		{"portrait elder english", portrait, 2, true, English}, {"landscape elder", landscape, 3, true, Chinese}} {
		t.Run(tc.name, func(t *testing.T) {
			a, w := newTestApp(t, tc.size)
			a.SetElder(tc.elder)
			a.SetLanguage(tc.lang)
			w.Resize(tc.size)
			tiles := homeTiles(t, a)
			xs := map[float32]bool{}
			for name, tl := range tiles {
				pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(tl)
				s := tl.Size()
				if pos.X < 0 || pos.Y < 0 || pos.X+s.Width > tc.size.Width+1 || pos.Y+s.Height > tc.size.Height+1 {
					t.Errorf("tile %s at %v size %v falls outside the %v screen", name, pos, s, tc.size)
				}
				if s.Height < a.Theme().TileHeight() {
					t.Errorf("tile %s height %v below %v", name, s.Height, a.Theme().TileHeight())
				}
				xs[pos.X] = true
			}
			if len(xs) != tc.cols {
				t.Errorf("%d columns of tiles, want %d", len(xs), tc.cols)
			}
			if cs := w.Canvas().Size(); cs.Width > tc.size.Width || cs.Height > tc.size.Height {
				t.Errorf("content needs %v, more than the %v screen", cs, tc.size)
			}
		})
	}
}

func TestOfflineAndDeviceBanners(t *testing.T) {
	a, w := newTestApp(t, portrait)
	a.SetOnline(false)
	if !hasText(w, "网络中断，可继续申办，恢复后自动上传") {
		t.Error("no offline banner")
	}
	a.SetDeviceProblems([]DeviceProblem{{DeviceKey: "home.callstaff", Reason: "缺纸"}})
	if !hasText(w, "缺纸") {
		t.Error("no device banner")
	}
	a.SetOnline(true)
	a.SetDeviceProblems(nil)
	if hasText(w, "网络中断") || hasText(w, "缺纸") {
		t.Error("banners stay after recovery")
	}
}

func TestCallStaffRingsTheHook(t *testing.T) {
	fa := test.NewTempApp(t)
	w := test.NewTempWindow(t, nil)
	rang := make(chan struct{}, 1)
	a := New(fa, w, Options{CenterName: "中心", Now: fixedNow, CallStaff: func(ctx context.Context) error { rang <- struct{}{}; return nil }})
	w.Resize(portrait)
	test.Tap(homeTiles(t, a)["callstaff"])
	select {
	case <-rang:
	case <-time.After(5 * time.Second):
		t.Fatal("call staff did not ring the hook")
	}
	a.jobs.wait()
	deadline := time.Now().Add(5 * time.Second)
	for !hasText(w, "已通知工作人员") && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond) // the answer comes back through post
	}
	if a.Current().Name() != "callstaff" || !hasText(w, "已通知工作人员") {
		t.Errorf("no on-screen message that staff were notified; texts %q", texts(w))
	}
}

func TestEveryStringKeyUsedExists(t *testing.T) {
	files, _ := filepath.Glob("*.go")
	key := regexp.MustCompile(`"((?:home|nav|bar|banner|callstaff|screen|identify|app)\.[a-z0-9.]+)"`)
	cat := DefaultCatalog()
	n := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range key.FindAllStringSubmatch(string(b), -1) {
			n++
			if !cat.Has(m[1]) {
				t.Errorf("%s uses string key %q that assets/i18n/strings.json lacks", f, m[1])
			}
		}
	}
	if n < 10 {
		t.Fatalf("found only %d keys; is the pattern right?", n)
	}
}

func TestHomeMarkupGolden(t *testing.T) {
	for _, lang := range []Lang{Chinese, English} {
		for _, elder := range []bool{false, true} {
			name := fmt.Sprintf("home_%s_%s.xml", lang, map[bool]string{false: "standard", true: "elder"}[elder])
			t.Run(name, func(t *testing.T) {
				a, w := newTestApp(t, portrait)
				a.SetLanguage(lang)
				a.SetElder(elder)
				test.AssertRendersToMarkup(t, name, w.Canvas())
			})
		}
	}
}
