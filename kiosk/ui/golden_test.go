package ui

import (
	"fmt"
	"testing"

	"fyne.io/fyne/v2/test"

	"github.com/pudong-community/kiosk/kiosk/kiosktest"
)

// Markup goldens of stable screens in both languages and both modes. After
// a deliberate change, review testdata/failed/*.xml and move them over.
func TestScreenMarkupGoldens(t *testing.T) {
	screens := []struct {
		name string
		to   func(r *rig)
	}{
		{"guide", func(r *rig) { r.tap("guide") }},
		{"identify", func(r *rig) { r.tap("apply"); r.tap("apply.self") }},
		{"rating", func(r *rig) {
			r.rating()
			r.submitJLK()
			r.tap("outcome.done")
			r.want("rating")
		}},
		{"rating_reasons", func(r *rig) {
			r.rating()
			r.submitJLK()
			r.tap("outcome.done")
			r.pastGuard()
			r.tap("rating:2")
			r.tap("reason:attitude")
			r.want("rating.reasons")
		}},
		{"takecard", func(r *rig) {
			r.tap("cases")
			r.card(kiosktest.Resident)
			r.tap("nav.finish")
			r.want("takecard")
		}},
		{"applyitems_ineligible", func(r *rig) {
			withRules(r)
			r.toItems(kiosktest.Resident)
			r.tap("item:MZ-JLK") // the greyed row's explanation
		}},
		{"idle", func(r *rig) {
			r.tap("guide")
			r.clk.Advance(r.a.visit.m.Snapshot().Deadline.Sub(r.clk.Now()))
		}},
		{"date", func(r *rig) {
			r.toNotice(kiosktest.Resident, "RS-LHJY")
			r.tap("apply.start")
		}},
		{"goodbye", func(r *rig) {
			r.toNotice(kiosktest.Resident, "RS-SBZM")
			r.tap("apply.start")
			r.tap("review.confirm")
			r.tap("outcome.done")
			r.takeCard() // the card taken from the take-your-card screen
		}},
	}
	for _, sc := range screens {
		for _, lang := range []Lang{Chinese, English} {
			for _, elder := range []bool{false, true} {
				name := fmt.Sprintf("%s_%s_%s.xml", sc.name, lang, map[bool]string{false: "standard", true: "elder"}[elder])
				t.Run(name, func(t *testing.T) {
					r := newRig(t, portrait)
					r.a.SetLanguage(lang)
					r.a.SetElder(elder)
					sc.to(r)
					// The home screen's minimum may have grown the window
					// on the way here: these screens are about portrait.
					r.w.Resize(portrait)
					test.AssertRendersToMarkup(t, name, r.w.Canvas())
				})
			}
		}
	}
}
