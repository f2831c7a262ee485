package ui

import (
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"github.com/pudong-community/kiosk/kiosk"
	"github.com/pudong-community/kiosk/kiosk/kiosktest"
	"github.com/pudong-community/kiosk/kiosk/visit"
)

// withRules gives the rig's catalogue the v1.1 eligibility rules: 敬老卡
// from 60 with the catalogue's own words, the allowance from 65 with
// none (the screens say it from the age).
func withRules(r *rig) {
	r.t.Helper()
	c := kiosktest.SampleCatalog()
	for i := range c.Items {
		switch c.Items[i].Code {
		case "MZ-JLK":
			c.Items[i].Eligibility = &kiosk.Eligibility{MinAge: 60, Note: "年满60周岁的本市户籍老人", NoteEn: "Shanghai residents aged 60 and over"}
		case "MZ-LNJT":
			c.Items[i].Eligibility = &kiosk.Eligibility{MinAge: 65}
		}
	}
	r.cat = kiosktest.NewCatalog(c, kiosktest.SampleInitials)
	r.a.opts.Catalog = r.cat
	r.a.visit.loadCatalog(true)
	r.settle()
}

// toItems identifies p for a self-service application: the list of items.
func (r *rig) toItems(p kiosk.Person) {
	r.t.Helper()
	r.tap("apply")
	r.tap("apply.self")
	r.card(p)
	r.want("apply.items")
}

// toItemsAsAgent: the agent's card, then the principal's, then the
// authorisation: the list of items for the principal.
func (r *rig) toItemsAsAgent(principal kiosk.Person) {
	r.t.Helper()
	r.tap("apply")
	r.tap("apply.agent")
	r.card(kiosktest.AgentPerson)
	r.card(principal)
	r.keys("WT1")
	r.tap("rel:relation.child")
	r.tap("auth.done")
	r.want("apply.items")
}

// wantIneligibleHandoff: the hand-off screen for 敬老卡申领, which the
// person may not apply for: the reason, the item, its counter and call
// staff.
func (r *rig) wantIneligibleHandoff(english bool) {
	r.t.Helper()
	r.want("handoff")
	if english {
		r.wantText("By the rules you cannot apply for this item here", "Item: Senior citizen card", "Counter: General counters", "Call staff")
	} else {
		r.wantText("按规定您不能在终端申请这个事项", "事项：敬老卡申领", "办理窗口：综合窗口", "呼叫工作人员")
	}
}

// tapPaged taps name on a paged list, turning pages forward until it shows.
func (r *rig) tapPaged(name string) {
	r.t.Helper()
	turn := func(name string) bool {
		b, ok := r.find(name).(*button)
		if !ok || b.disabled {
			return false
		}
		r.tap(name)
		return true
	}
	for i := 0; i < 10 && r.find(name) == nil && turn("page.prev"); i++ {
	}
	for i := 0; i < 10 && r.find(name) == nil && turn("page.next"); i++ {
	}
	r.tap(name)
}

// rowOf is the list row of item code on the page shown, nil if none.
func (r *rig) rowOf(code string) *button {
	for _, b := range r.a.Current().(*applyListScreen).rows {
		if b.name == "item:"+code {
			return b
		}
	}
	return nil
}

// An identified person sees the items they may apply for first; the
// others are greyed with the rule in words, and a tap says why and offers
// a counter rather than the form. For an agent, the principal decides.
func TestIneligibleItemsGreyedWithTheirRule(t *testing.T) {
	for _, english := range []bool{false, true} {
		for _, elder := range []bool{false, true} {
			r := newRig(t, portrait)
			withRules(r)
			if english {
				r.tap("bar.language")
			}
			if elder {
				r.tap("elder")
			}
			r.toItems(kiosktest.Resident) // 38 years old
			var greyed []string
			for {
				for _, b := range r.a.Current().(*applyListScreen).rows {
					if b.greyed {
						greyed = append(greyed, b.name)
					} else if len(greyed) > 0 {
						t.Errorf("%s listed after a greyed item", b.name)
					}
				}
				if next := r.find("page.next"); next == nil || next.(*button).disabled {
					break
				}
				r.tap("page.next")
			}
			if len(greyed) != 2 {
				t.Fatalf("greyed %q, want the two items for the old", greyed)
			}
			jlk, lnjt := r.rowOf("MZ-JLK"), r.rowOf("MZ-LNJT")
			if jlk == nil || lnjt == nil || !jlk.greyed || !lnjt.greyed {
				t.Fatal("the items for the old are not greyed on the last page")
			}
			if english {
				r.wantText("Who may apply: Shanghai residents aged 60 and over", "Who may apply: residents aged 65 and over")
			} else {
				r.wantText("申请条件：年满60周岁的本市户籍老人", "申请条件：年满65周岁可申请")
			}
			checkTargets(t, r)
			r.tap("item:MZ-JLK")
			r.want("apply.items") // no form
			if r.a.visit.snap.Item != nil {
				t.Fatal("an ineligible item was started")
			}
			if english {
				r.wantText("You do not meet the conditions for “Senior citizen card”")
			} else {
				r.wantText("您暂不符合“敬老卡申领”的申请条件（年满60周岁的本市户籍老")
			}
			if r.find("apply.handoff") == nil {
				t.Error("no counter offered")
			}
			r.tap("apply.handoff")
			r.wantIneligibleHandoff(english)
			r.a.Show(&applyListScreen{})
			r.tap("apply.why.close")
			r.wantNoText("您暂不符合", "You do not meet")
		}
	}

	// 78 years old: nothing greyed, the card goes straight to its notice.
	r := newRig(t, portrait)
	withRules(r)
	r.toItems(kiosktest.Elder)
	r.tap("item:MZ-JLK")
	r.want("apply.notice")

	// An agent for the old resident: the principal's age decides.
	r = newRig(t, portrait)
	withRules(r)
	r.toItemsAsAgent(kiosktest.Elder)
	r.tap("item:MZ-JLK")
	r.want("apply.notice")
	// ... and for a young one, greyed.
	r = newRig(t, portrait)
	withRules(r)
	r.toItemsAsAgent(kiosktest.RareName)
	if b := r.find("item:MZ-JLK"); b == nil {
		r.tap("page.next")
	}
	if b := r.rowOf("MZ-JLK"); b == nil || !b.greyed {
		t.Fatal("an agent for a 36-year-old is offered 敬老卡")
	}
	checkNoMissingKeys(t)
}

// The central system's 422 not_eligible ends on a screen that says why
// and offers a counter, not back on a confirm that would only be refused
// again.
func TestNotEligibleHandsOnToACounter(t *testing.T) {
	for _, english := range []bool{false, true} {
		r := newRig(t, portrait)
		if english {
			r.tap("bar.language")
		}
		r.sub.SetReject(&kiosk.RejectedError{Code: "not_eligible", Message: "已持有敬老卡"})
		r.toNotice(kiosktest.Elder, "MZ-JLK")
		r.tap("apply.start")
		r.tap("review.confirm")
		r.want("refused")
		if english {
			r.wantText("Not accepted", "You do not meet the conditions for “Senior citizen card”.", "Reason: 已持有敬老卡")
		} else {
			r.wantText("未能受理", "您不符合“敬老卡申领”的申请条件。", "原因：已持有敬老卡", "请到窗口咨询")
		}
		r.wantNoText("已受理", "Accepted")
		if r.find("review.confirm") != nil || r.find("refused.handoff") == nil {
			t.Fatal("the refusal offers a confirm again, or no counter")
		}
		checkTargets(t, r)
		r.tap("refused.handoff")
		r.wantIneligibleHandoff(english)
		r.a.Show(&refusedScreen{})
		r.tap("refused.other")
		r.want("apply.items") // back to the list the item came from
		if s := r.a.visit.snap; s.State != visit.StateIdentified || s.Item != nil {
			t.Fatalf("after the refusal: %s with item %v", s.State, s.Item)
		}
	}
	checkNoMissingKeys(t)
}

// 409 duplicate_application names the open case and offers 我的办件.
func TestDuplicateApplicationNamesTheOpenCase(t *testing.T) {
	r := newRig(t, portrait)
	r.sub.SetReject(&kiosk.RejectedError{Code: "duplicate_application", CaseNo: "PD2026111900007"})
	r.toNotice(kiosktest.Resident, "RS-SBZM")
	r.tap("apply.start")
	r.tap("review.confirm")
	r.want("refused")
	r.wantText("无需重复申请", "您已有一件“社保缴费证明打印”正在办理中，办件编号：PD20261119000")
	checkTargets(t, r)
	r.tap("refused.cases")
	r.want("cases")
	r.wantText("PD2026111900007")
	r.tap("nav.back")
	r.want("menu")
	checkNoMissingKeys(t)
}

// Before the form: an application of the same item this terminal still
// holds unsent, or an open case looked up in this visit, is named, and a
// second application is made only when asked for.
func TestEarlierApplicationAsksFirst(t *testing.T) {
	r := newRig(t, portrait)
	r.cases.PutUnsent(kiosktest.Resident.IDNumber, kiosk.SubmissionSummary{LocalNo: "T01-20261127-0001", ItemCode: "RS-SBZM",
		ItemName: "社保缴费证明打印", CreatedAt: visitStart.Add(-time.Hour), State: "pending"})
	r.toItems(kiosktest.Resident)
	r.tap("item:RS-SBZM")
	r.want("apply.items")
	r.wantText("本机还保存着您一份尚未上传的“社保缴费证明打印”申请（本机编号T01-20261127-0001", "，2026-11-27 08:30提交），联网后会自动上传。", "再申请一次可能会重复办理。确定要再申请吗？")
	checkTargets(t, r)
	r.tap("apply.notagain")
	r.want("apply.items")
	r.wantNoText("本机还保存着")
	if r.a.visit.snap.Item != nil {
		t.Fatal("started without being asked")
	}
	r.tap("item:RS-SBZM")
	r.tap("apply.again")
	r.want("apply.notice")
	r.tap("nav.home")
	// Another item goes straight on.
	r.want("apply.items")
	r.tap("item:JS-SYDJ")
	r.want("apply.notice")

	// An open case of the item among the cases looked up: named too.
	r.tap("nav.home")
	r.tap("nav.back")
	r.want("menu")
	r.tap("menu.cases")
	r.tap("nav.back")
	r.tap("menu.apply")
	r.tap("item:MZ-LNJT")
	r.want("apply.items")
	r.wantText("您已有一件“老年综合津贴申请”正在办理中，办件编号PD2026111900007")
	checkNoMissingKeys(t)
}

// A resident identified to apply has their cases looked up at once: an
// open case of the item they tap is named before its form, though they
// never opened 我的办件; another item goes straight on.
func TestOpenCaseNamedBeforeTheForm(t *testing.T) {
	r := newRig(t, portrait)
	r.tap("apply")
	r.tap("apply.self")
	r.card(kiosktest.Resident)
	r.want("apply.items")
	if n := r.cases.Asked(); n != 1 {
		t.Fatalf("cases looked up %d times on identification, want 1", n)
	}
	r.tap("item:MZ-LNJT")
	r.want("apply.items")
	r.wantText("您已有一件“老年综合津贴申请”正在办理中，办件编号PD2026111900007", "确定要再申请吗？")
	checkTargets(t, r)
	r.tap("apply.notagain")
	r.tap("item:RS-SBZM")
	r.want("apply.notice")
	// The look-up is not repeated in the visit: 我的办件 shows what came.
	r.tap("nav.home")
	r.tap("nav.back")
	r.tap("menu.cases")
	r.want("cases")
	r.wantText("PD2026111900007")
	if n := r.cases.Asked(); n != 1 {
		t.Errorf("cases looked up %d times in the visit, want 1", n)
	}
}

// An item whose materials are checked at a counter after the application
// (户口簿 for the allowance) ends with that step said plainly, naming the
// item's counter as the centre calls it (a plain "counter" while the
// centre is not known), and the way to a counter offered: the hand-off
// screen with a ticket for that counter. An item that needs nothing
// beyond the card read ends without it.
func TestOutcomeSaysTheCounterStep(t *testing.T) {
	for _, english := range []bool{false, true} {
		for _, centre := range []bool{false, true} {
			var r *rig
			if centre {
				r = newCentreRig(t, portrait, nil).rig // the allowance at 民政窗口
			} else {
				r = newRig(t, portrait)
			}
			if english {
				r.tap("bar.language")
			}
			r.toNotice(kiosktest.Resident, "MZ-LNJT")
			r.tap("apply.start")
			r.keys("13912345678")
			r.tap("form.next")
			r.tap("choice:社保卡")
			r.tap("form.next")
			r.want("review")
			r.tap("review.confirm")
			r.want("outcome")
			switch {
			case english && centre:
				r.wantText("Next: go to 民政窗口 to have your documents checked", "Bring: 户口簿", "Take your card and receipt, then go to a counter")
			case english:
				r.wantText("Next: have your documents checked at a counter", "Bring: 户口簿", "Take your card and receipt, then go to a counter")
			case centre:
				r.wantText("下一步：请到民政窗口核验材料", "请携带：户口簿", "请取走身份证和回执，再到窗口")
				r.wantNoText("居民身份证", "下一步：请到窗口核验材料")
				// Nothing to check, the notice sends the resident there.
				if got := r.a.counterStepTitle(kiosk.Item{CounterCategory: "social"}, false); got != "下一步：还需到社保窗口办理" {
					t.Errorf("a notice's counter step says %q", got)
				}
			default:
				r.wantText("下一步：请到窗口核验材料", "请携带：户口簿", "请取走身份证和回执，再到窗口")
				r.wantNoText("居民身份证") // read by the terminal: nothing to show for it
			}
			if r.find("outcome.handoff") == nil {
				t.Fatal("no way to a counter offered")
			}
			checkTargets(t, r)
			r.tap("outcome.handoff")
			r.want("handoff")
			switch {
			case english && centre:
				r.wantText("Staff must check the documents for this item in person.", "Counter: 民政窗口", "Take a ticket now (民政窗口)")
			case english:
				r.wantText("Staff must check the documents for this item in person.", "Call staff")
			case centre:
				r.wantText("这个事项的材料要由工作人员当面核对。", "老年综合津贴申请", "办理窗口：民政窗口", "现在取号（民政窗口）")
			default:
				r.wantText("这个事项的材料要由工作人员当面核对。", "老年综合津贴申请", "呼叫工作人员")
			}
			if centre {
				r.tap("handoff.ticket")
				r.want("ticket")
			}
		}
	}
	r := newRig(t, portrait)
	r.toNotice(kiosktest.Resident, "MZ-JLK")
	r.tap("apply.start")
	r.tap("review.confirm")
	r.want("outcome")
	r.wantNoText("下一步：请到窗口核验材料")
	r.wantText("请取走身份证和回执")
	if r.find("outcome.handoff") != nil {
		t.Error("a counter offered for an item with nothing to check")
	}
	checkNoMissingKeys(t)
}

// An item chosen in the guide before the card is read: once identified,
// an ineligible person gets the list with the rule explained, not the form.
func TestGuideItemIneligibleOnceIdentified(t *testing.T) {
	r := newRig(t, portrait)
	withRules(r)
	r.tap("guide")
	g := r.a.Current().(*guideScreen)
	test.Tap(g.rows[0]) // 民政
	r.settle()
	r.tap("item:MZ-JLK")
	r.tap("item.apply")
	r.want("identify")
	r.card(kiosktest.Resident)
	r.want("apply.items")
	if r.a.visit.snap.Item != nil {
		t.Fatal("the form of an ineligible item opened")
	}
	r.wantText("您暂不符合“敬老卡申领”的申请条件")
	// The old resident goes straight to its notice.
	r = newRig(t, portrait)
	withRules(r)
	r.tap("guide")
	test.Tap(r.a.Current().(*guideScreen).rows[0])
	r.settle()
	r.tap("item:MZ-JLK")
	r.tap("item.apply")
	r.card(kiosktest.Elder)
	r.want("apply.notice")
}
