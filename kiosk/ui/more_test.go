package ui

import (
	"regexp"
	"strings"
	"testing"

	"github.com/pudong-community/kiosk/kiosk/kiosktest"
	"github.com/pudong-community/kiosk/kiosk/visit"
)

// latinWord finds English words; codes, numbers and single letters pass.
var latinWord = regexp.MustCompile(`\b[A-Za-z][a-z]{2,}\b`)

func TestNoEnglishLeaksIntoChineseScreens(t *testing.T) {
	r := newRig(t, portrait)
	check := func() {
		t.Helper()
		for _, s := range texts(r.w) {
			if s == "English" || strings.HasPrefix(s, "Switch to English") {
				continue
			}
			if w := latinWord.FindString(s); w != "" {
				t.Errorf("screen %s: English %q in %q", r.a.Current().Name(), w, s)
			}
		}
	}
	r.tap("guide")
	check()
	r.tap("guide.category")
	check()
	r.tap("item:MZ-LNJT")
	check()
	r.tap("nav.home")
	r.toNotice(kiosktest.Resident, "MZ-LNJT")
	check()
	r.tap("apply.start")
	check()
	r.keys("13912345678")
	r.tap("form.next")
	check()
	r.tap("choice:银行卡")
	r.tap("form.next")
	check()
	r.tap("review.confirm")
	check()
	r.tap("outcome.done")
	check()
}

func TestElderModeOfferedToSeniors(t *testing.T) {
	r := newRig(t, portrait)
	r.tap("cases")
	r.card(kiosktest.Elder)
	r.wantText("您已年满60周岁")
	small := r.a.Theme().TargetSize()
	r.tap("elder.yes")
	if !r.a.Elder() || r.a.Theme().TargetSize() <= small {
		t.Fatal("elder mode did not come on")
	}
	r.wantNoText("您已年满60周岁")
	r.want("cases")
	checkTargets(t, r)
	// The next visit starts in standard mode again.
	r.a.CardRemoved()
	r.clk.Advance(visit.DefaultLinger)
	if r.a.Elder() {
		t.Error("elder mode outlived the visit")
	}
	// A younger resident is not asked.
	r.tap("cases")
	r.card(kiosktest.Resident)
	r.wantNoText("您已年满60周岁")
}

func TestCatalogueUnavailableThenBack(t *testing.T) {
	r := newRig(t, portrait)
	r.a.visit.catalog.val = nil
	r.cat.SetError(kiosktest.ErrInjected)
	r.tap("guide")
	r.settle()
	r.wantText("办事指南暂时无法显示")
	r.cat.SetError(nil)
	r.tap("guide.retry")
	r.wantText("民政", "人社")
	r.wantNoText("暂时无法显示")
}

func TestSearchShowsErrorsPlainly(t *testing.T) {
	r := newRig(t, portrait)
	r.tap("guide")
	r.tap("guide.search")
	r.cat.SetError(kiosktest.ErrInjected)
	r.keys("L")
	r.wantText("暂时无法搜索")
	r.cat.SetError(nil)
	r.keys("N")
	r.wantText("老年综合津贴申请")
}
