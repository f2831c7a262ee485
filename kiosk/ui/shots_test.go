package ui

import (
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"fyne.io/fyne/v2"

	"github.com/pudong-community/kiosk/kiosk"
	"github.com/pudong-community/kiosk/kiosk/kiosktest"
	"github.com/pudong-community/kiosk/kiosk/visit"
)

// TestScreenshots walks the flows and writes a PNG of every screen to the
// folder named by KIOSK_UI_SHOTS, for people to look at. Each picture must
// have enough distinct colours to hold text.
func TestScreenshots(t *testing.T) {
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
				r := newRig(t, size.s)
				r.rating()
				shot := func(name string) {
					t.Helper()
					if ms := r.w.Content().MinSize(); ms.Width > size.s.Width || ms.Height > size.s.Height {
						t.Errorf("%s %s: content needs %v, more than the %v screen", tag, name, ms, size.s)
					}
					checkTargets(t, r) // target sizes and whole words on every button
					img := r.w.Canvas().Capture()
					if n := colours(img); n < 8 {
						t.Errorf("%s %s: only %d colours", tag, name, n)
					}
					f, err := os.Create(filepath.Join(dir, tag+"-"+name+".png"))
					if err != nil {
						t.Fatal(err)
					}
					defer f.Close()
					if err := png.Encode(f, img); err != nil {
						t.Fatal(err)
					}
				}
				setMode := func() {
					if elder && !r.a.Elder() {
						r.a.SetElder(true)
					}
					if r.a.Lang() != lang {
						r.a.SetLanguage(lang)
					}
				}
				setMode()
				shot("home")
				r.tap("guide")
				setMode()
				shot("guide")
				r.tap("guide.category")
				shot("category")
				r.tap("item:MZ-LNJT")
				shot("item")
				r.tap("nav.back")
				r.tap("nav.back")
				r.tap("guide.search")
				r.keys("LN")
				shot("search")
				r.tap("nav.home")
				setMode()
				r.tap("apply")
				shot("apply")
				r.tap("apply.self")
				setMode()
				shot("identify")
				r.card(kiosktest.Resident)
				setMode()
				shot("items")
				r.a.SetOnline(false)
				r.a.SetDeviceProblems([]DeviceProblem{{DeviceKey: DevicePrinter, Reason: "reason.paper_out"}})
				r.settle()
				shot("items-banners")
				r.a.SetOnline(true)
				r.a.SetDeviceProblems(nil)
				r.settle()
				r.tap("item:JS-SYDJ")
				shot("notice")
				r.tap("apply.start")
				r.keys("31011519890101")
				shot("form-id")
				r.a.Current().(*formScreen).idx = 1
				r.a.render()
				shot("form-date")
				r.tap("date:years")
				shot("form-date-decades")
				r.tap("date:decade:1980")
				shot("form-date-years")
				r.tap("date:year:1985")
				r.tap("date:months")
				shot("form-date-months")
				r.tap("date:month:2")
				shot("form-date-feb")
				r.a.Current().(*formScreen).idx = 2
				r.a.render()
				shot("form-choice")
				r.tap("nav.home")
				r.tap("item:MZ-JLK")
				r.tap("apply.start")
				shot("review")
				r.tap("review.confirm")
				shot("outcome")
				r.tap("nav.home")
				r.a.Show(&casesScreen{})
				r.settle()
				shot("cases")
				r.tap("case:PD2026111900007")
				shot("case")
				r.tap("nav.back")
				r.tap("case:PD2026111400012")
				shot("case-needsmore")
				r.a.Show(&menuScreen{})
				r.settle()
				shot("menu")
				r.a.opts.Center = centreInfo{hotline: "021-5821 0000"}
				r.a.opts.Assist = kiosktest.NewAssist(kiosk.AssistanceResult{Centre: "no_staff_available"})
				r.tap("bar.callstaff")
				shot("callstaff-nostaff")
				r.a.opts.Assist = kiosktest.NewAssist(kiosk.AssistanceResult{Notified: true, Centre: "notified"})
				r.tap("callstaff.retry")
				shot("callstaff-notified")
				r.tap("callstaff.ok")
				r.clk.Advance(r.a.visit.m.Snapshot().Deadline.Sub(r.clk.Now()))
				shot("idle")
				r.tap("idle.continue")
				r.tap("nav.finish")
				shot("rating")
				r.pastGuard()
				r.tap("rating:2")
				r.tap("reason:attitude")
				shot("rating-reasons")
				r.tap("rating.skip")
				shot("takecard")
				r.a.CardRemoved()
				r.settle()
				shot("ended")
				r.clk.Advance(visit.DefaultLinger)
				setMode()
				r.tap("apply")
				r.tap("apply.agent")
				setMode()
				r.card(kiosktest.AgentPerson)
				shot("agent-resident")
				r.tap("identify.keyed")
				r.keys(kiosktest.Elder.IDNumber)
				r.tap("keyed.next")
				for _, c := range "wang" {
					r.tap("key:" + string(c))
				}
				shot("agent-name")
				r.tap("cand:王")
				r.tap("keyed.done")
				r.keys("WT-1")
				r.tap("rel:relation.child")
				shot("agent-auth")

				// Version 1.1: an item the resident may not apply for, the
				// counter step, the central system's refusals, a saved
				// application with the printer out of paper.
				r = newRig(t, size.s)
				withRules(r)
				setMode()
				r.toItems(kiosktest.Resident)
				setMode()
				r.tapPaged("item:MZ-JLK")
				shot("items-ineligible")
				r.tap("apply.why.close")
				r.tapPaged("item:RS-SBZM")
				r.tap("apply.start")
				r.tap("review.confirm")
				shot("outcome-counter")
				r.tap("nav.home")
				r.sub.SetReject(&kiosk.RejectedError{Code: "not_eligible", Message: "已持有敬老卡"})
				r.tapPaged("item:YB-CB")
				r.tap("apply.start")
				r.tap("choice:60周岁以上")
				r.tap("form.next")
				r.keys("13912345678")
				r.tap("form.next")
				r.tap("review.confirm")
				shot("refused-ineligible")
				r.tap("refused.other")
				r.sub.SetReject(&kiosk.RejectedError{Code: "duplicate_application", CaseNo: "PD2026111900007"})
				r.tapPaged("item:RS-SBZM")
				r.tap("apply.start")
				r.tap("review.confirm")
				shot("refused-duplicate")
				r.tap("refused.other")
				r.sub.SetReject(nil)
				r.sub.SetOnline(false)
				r.rec.SetError(fmt.Errorf("printer: %w", kiosk.ErrPaperOut))
				r.tapPaged("item:RS-SBZM")
				r.tap("apply.start")
				r.tap("review.confirm")
				shot("outcome-queued-paperout")
				r.tap("outcome.done")
				shot("takecard")
				r.a.CardRemoved()
				r.settle()
				shot("ended-queued")
			}
		}
	}
}

func colours(img image.Image) int {
	seen := map[[3]uint32]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 3 {
		for x := b.Min.X; x < b.Max.X; x += 3 {
			r, g, bl, _ := img.At(x, y).RGBA()
			seen[[3]uint32{r >> 8, g >> 8, bl >> 8}] = true
			if len(seen) > 64 {
				return len(seen)
			}
		}
	}
	return len(seen)
}
