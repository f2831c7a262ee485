package ui

import (
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"fyne.io/fyne/v2"

	"github.com/pudong-community/kiosk/kiosk"
	"github.com/pudong-community/kiosk/kiosk/kiosktest"
)

// TestCentreScreenshots writes PNGs of the hand-off, ticket and booking
// screens to the folder named by KIOSK_UI_SHOTS, both orientations, both
// modes, both languages; every screen must fit and keep its targets.
func TestCentreScreenshots(t *testing.T) {
	dir := os.Getenv("KIOSK_UI_SHOTS")
	if dir == "" {
		t.Skip("set KIOSK_UI_SHOTS to a folder to write screenshots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, size := range []struct {
		name string
		s    fyne.Size
	}{{"portrait", portrait}, {"landscape", landscape}} {
		for _, elder := range []bool{false, true} {
			for _, lang := range []Lang{Chinese, English} {
				tag := fmt.Sprintf("%s-%s-%s", size.name, map[bool]string{false: "std", true: "elder"}[elder], lang)
				r := newCentreRig(t, size.s, nil)
				r.a.SetLanguage(lang)
				r.a.SetElder(elder)
				shot := func(name string) {
					t.Helper()
					r.w.Resize(size.s)
					if ms := r.w.Content().MinSize(); ms.Width > size.s.Width || ms.Height > size.s.Height {
						t.Errorf("%s %s: content needs %v, more than the %v screen", tag, name, ms, size.s)
					}
					checkTargets(t, r.rig)
					f, err := os.Create(filepath.Join(dir, tag+"-"+name+".png"))
					if err != nil {
						t.Fatal(err)
					}
					defer f.Close()
					if err := png.Encode(f, r.w.Canvas().Capture()); err != nil {
						t.Fatal(err)
					}
				}
				shot("home")
				r.toItem("MZ-DB")
				r.tap("item.handoff")
				shot("handoff")
				r.tap("handoff.ticket")
				shot("ticket")
				r.tap("ticket.done")
				r.tap("home.book")
				r.tap("book.self")
				r.card(kiosktest.Resident)
				shot("book-items")
				r.tap("item:MZ-DB")
				shot("calendar")
				r.tap("day:2026-12-01")
				shot("slots")
				r.tap("slot:S202612011830")
				r.keys("13800138000")
				shot("phone")
				r.tap("book.confirm")
				shot("booked")
				r.rec.SetError(kiosk.ErrPrinterUnavailable)
				r.a.SetDeviceProblems([]DeviceProblem{{DeviceKey: DevicePrinter, Reason: "reason.offline"}})
				r.settle()
				shot("booked-noprinter")
				r.tap("book.finish")
				r.tap("menu.cases")
				shot("cases-appointments")
			}
		}
	}
}
