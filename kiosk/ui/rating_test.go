package ui

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"github.com/pudong-community/kiosk/kiosk"
	"github.com/pudong-community/kiosk/kiosk/kiosktest"
	"github.com/pudong-community/kiosk/kiosk/visit"
)

// rating gives the rig a rating service.
func (r *rig) rating() *kiosktest.Ratings {
	rs := kiosktest.NewRatings()
	r.a.opts.Ratings = rs
	return rs
}

// pastGuard lets the rating screen's guard against a stray second tap pass.
func (r *rig) pastGuard() { r.clk.Advance(time.Second) }

// submitJLK applies for 敬老卡申领 (no fields) up to the outcome.
func (r *rig) submitJLK() {
	r.t.Helper()
	r.toNotice(kiosktest.Resident, "MZ-JLK")
	r.tap("apply.start")
	r.want("review")
	r.tap("review.confirm")
	r.want("outcome")
}

// noPersonal fails when a rating carries the resident's ID number or name.
func noPersonal(t *testing.T, got []kiosk.Rating) {
	t.Helper()
	s := fmt.Sprintf("%#v", got)
	for _, v := range []string{kiosktest.Resident.IDNumber, kiosktest.Resident.Name} {
		if strings.Contains(s, v) {
			t.Errorf("a rating carries %q: %s", v, s)
		}
	}
}

// countPrompt is how many times id was said.
func countPrompt(ids []kiosk.PromptID, id kiosk.PromptID) int {
	n := 0
	for _, x := range ids {
		if x == id {
			n++
		}
	}
	return n
}

func TestRatingAfterASubmission(t *testing.T) {
	r := newRig(t, portrait)
	rs := r.rating()
	h := listening(r)
	r.submitJLK()
	r.tap("outcome.done")
	r.want("rating")
	r.wantText("请对本次服务进行评价", "事项申办：敬老卡申领", "办件编号：PD2026112700001",
		"★★★★★  非常满意", "★★★★☆  满意", "★★★☆☆  基本满意", "★★☆☆☆  不满意", "★☆☆☆☆  非常不满意", "跳过")
	// The resident's part of the visit is over: nothing of theirs is held
	// or shown, and there is no way back into it.
	r.wantNoText(kiosktest.Resident.IDNumber, kiosktest.Resident.Name, kiosk.MaskID(kiosktest.Resident.IDNumber))
	if s := r.a.visit.snap; s.State != visit.StateRating || s.Resident != nil || s.Outcome.CaseNo != "" {
		t.Errorf("rating snapshot: state %s, resident %v, outcome %+v", s.State, s.Resident != nil, s.Outcome)
	}
	if left := personalLeft(r, kiosktest.Resident.IDNumber, kiosktest.Resident.Name); len(left) > 0 {
		t.Errorf("during the rating the terminal still holds %v", left)
	}
	for _, b := range []string{"nav.back", "nav.home", "nav.finish"} {
		if r.find(b) != nil {
			t.Errorf("%s offered on the rating screen", b)
		}
	}
	if ids := h.ids(); len(ids) == 0 || ids[len(ids)-1] != kiosk.PromptRating {
		t.Errorf("said %v, want the rating question last", ids)
	}
	checkTargets(t, r)
	r.pastGuard()
	at := r.clk.Now()
	r.tap("rating:5")
	// The card still lies on the reader: it is asked for (with the
	// receipt), and said, after the rating, not before it.
	r.want("takecard")
	r.wantText("请取走您的身份证", "回执也请一并取走")
	ids := h.ids()
	if len(ids) == 0 || ids[len(ids)-1] != kiosk.PromptTakeCard {
		t.Errorf("said %v, want take the card last", ids)
	}
	if n := countPrompt(ids, kiosk.PromptTakeCard); n != 1 {
		t.Errorf("said %v: take the card %d times, want once", ids, n)
	}
	r.takeCard()
	r.wantText("您的申请已受理，办件编号：PD2026112700001", "请取走回执")
	r.wantNoText("请取走您的身份证")
	if ids := h.ids(); countPrompt(ids, kiosk.PromptTakeCard) != 0 {
		t.Errorf("said %v: take the card again on the goodbye", ids)
	}
	got := rs.Got()
	if len(got) != 1 {
		t.Fatalf("ratings %+v, want one", got)
	}
	g := got[0]
	if g.Service != kiosk.RateSubmission || g.CaseNo != "PD2026112700001" || g.ItemCode != "MZ-JLK" || g.Level != 5 ||
		len(g.Reasons) != 0 || g.ID == "" || !g.At.Equal(at) {
		t.Errorf("rating %+v", g)
	}
	noPersonal(t, got)
	checkNoMissingKeys(t)
}

// A submission saved while offline is rated without a case number.
func TestRatingAQueuedSubmission(t *testing.T) {
	r := newRig(t, portrait)
	rs := r.rating()
	r.sub.SetOnline(false)
	r.submitJLK()
	r.tap("outcome.done")
	r.want("rating")
	r.pastGuard()
	r.tap("rating:4")
	r.takeCard()
	r.wantText("您的申请已安全保存在本机", "请取走回执")
	if got := rs.Got(); len(got) != 1 || got[0].CaseNo != "" || got[0].ItemCode != "MZ-JLK" || got[0].Level != 4 {
		t.Errorf("ratings %+v", got)
	}
}

// A poor rating of a case look-up asks for one or more reasons from the
// fixed list; submit waits for one.
func TestRatingACaseLookUpPoorlyWithReasons(t *testing.T) {
	r := newRig(t, portrait)
	rs := r.rating()
	r.tap("cases")
	r.card(kiosktest.Resident)
	r.want("cases")
	r.tap("nav.finish")
	r.want("rating")
	r.wantText("办件查询")
	r.pastGuard()
	r.tap("rating:2")
	r.want("rating.reasons")
	r.wantText("您的评价：★★☆☆☆ 不满意", "请选择不满意的原因（可多选）", "服务效率", "服务水平", "服务态度", "办事指南精确度", "办事便捷度", "操作界面")
	checkTargets(t, r)
	if b := r.find("rating.submit").(*button); !b.disabled {
		t.Error("submit is offered before any reason is chosen")
	}
	test.Tap(r.find("rating.submit"))
	r.settle()
	r.want("rating.reasons")
	r.tap("reason:usability")
	r.tap("reason:attitude")
	r.tap("reason:efficiency")
	r.tap("reason:efficiency") // changed their mind
	r.wantText("✓ 操作界面", "✓ 服务态度")
	r.wantNoText("✓ 服务效率")
	// Back goes to the levels, and the level is chosen anew.
	r.tap("nav.back")
	r.want("rating")
	r.tap("rating:1")
	r.want("rating.reasons")
	r.tap("reason:usability")
	r.tap("reason:attitude")
	r.tap("rating.submit")
	r.takeCard()
	got := rs.Got()
	if len(got) != 1 || got[0].Service != kiosk.RateCaseQuery || got[0].Level != 1 ||
		!reflect.DeepEqual(got[0].Reasons, []string{"attitude", "usability"}) || got[0].CaseNo != "" || got[0].ItemCode != "" {
		t.Errorf("ratings %+v", got)
	}
	for _, g := range got {
		if err := g.Validate(); err != nil {
			t.Errorf("rating %+v: %v", g, err)
		}
	}
	noPersonal(t, got)
}

// Tickets and appointments (noted by their screens) are asked about too,
// newest first, each once, with their numbers.
func TestRatingSeveralServicesNewestFirst(t *testing.T) {
	r := newRig(t, portrait)
	rs := r.rating()
	r.tap("cases")
	r.card(kiosktest.Resident)
	r.want("cases")
	r.a.noteService(kiosk.Rating{Service: kiosk.RateTicket, TicketNo: "A012", ItemCode: "MZ-JLK"})
	r.a.noteService(kiosk.Rating{Service: kiosk.RateTicket, TicketNo: "A012", ItemCode: "MZ-JLK"}) // the same ticket
	r.a.noteService(kiosk.Rating{Service: kiosk.RateAppointment, AppointmentNo: "YY20261201001"})
	r.tap("nav.finish")
	r.want("rating")
	r.wantText("预约：YY20261201001", "第1项 / 共3项")
	r.pastGuard()
	r.tap("rating:5")
	r.want("rating")
	r.wantText("取号：A012", "第2项 / 共3项")
	r.wantNoText("预约：")
	r.pastGuard()
	r.tap("rating:3")
	r.want("rating")
	r.wantText("办件查询", "第3项 / 共3项")
	r.pastGuard()
	r.tap("rating:4")
	r.takeCard()
	got := rs.Got()
	var seen []string
	for _, g := range got {
		seen = append(seen, fmt.Sprintf("%s%s%s:%d", g.Service, g.TicketNo, g.AppointmentNo, g.Level))
	}
	if want := []string{"appointmentYY20261201001:5", "ticketA012:3", "case_query:4"}; !reflect.DeepEqual(seen, want) {
		t.Errorf("rated %v, want %v", seen, want)
	}
	for _, g := range got {
		if err := g.Validate(); err != nil || g.ID == "" {
			t.Errorf("rating %+v: %v", g, err)
		}
	}
	noPersonal(t, got)
}

// 跳过 is one tap to the goodbye.
func TestRatingSkipped(t *testing.T) {
	r := newRig(t, portrait)
	rs := r.rating()
	r.tap("cases")
	r.card(kiosktest.Resident)
	r.tap("nav.finish")
	r.want("rating")
	r.tap("rating.skip")
	r.takeCard()
	r.wantNoText(kiosktest.Resident.Name)
	if n := rs.Calls(); n != 0 {
		t.Errorf("%d ratings after skipping", n)
	}
}

// Taking the card away ends the resident's part of the visit as 结束办理
// does: the rating, then the goodbye for the card taken, at once: no card
// lies on the reader. A card placed during the rating identifies nobody;
// left there, it is asked for after the rating before the goodbye.
func TestRatingAfterTheCardIsTaken(t *testing.T) {
	for _, laid := range []bool{false, true} {
		t.Run(map[bool]string{false: "no card", true: "a card laid during the rating"}[laid], func(t *testing.T) {
			r := newRig(t, portrait)
			rs := r.rating()
			h := listening(r)
			r.submitJLK()
			r.a.CardRemoved()
			r.settle()
			r.want("rating")
			if left := personalLeft(r, kiosktest.Resident.IDNumber, kiosktest.Resident.Name); len(left) > 0 {
				t.Errorf("the card is gone, the terminal still holds %v", left)
			}
			if r.a.visit.snap.CardOn {
				t.Error("the card is gone, the visit thinks it lies on the reader")
			}
			if laid {
				r.card(kiosktest.Elder)
				r.want("rating")
				if r.a.visit.snap.Resident != nil {
					t.Fatal("a card identified someone during the rating")
				}
			}
			h.ids()
			r.pastGuard()
			r.tap("rating:3")
			if laid {
				r.want("takecard")
				if ids := h.ids(); countPrompt(ids, kiosk.PromptTakeCard) != 1 {
					t.Errorf("said %v, want take the card once", ids)
				}
				r.takeCard()
			}
			r.want("ended")
			r.wantText("请取走回执")
			r.wantNoText("请取走您的身份证")
			if s := r.a.visit.snap; s.EndReason != visit.EndCardRemoved || s.CardOn {
				t.Errorf("end reason %s, card on %v", s.EndReason, s.CardOn)
			}
			if ids := h.ids(); countPrompt(ids, kiosk.PromptTakeCard) != 0 {
				t.Errorf("said %v on the goodbye with no card on the reader", ids)
			}
			if got := rs.Got(); len(got) != 1 || got[0].Level != 3 {
				t.Errorf("ratings %+v", got)
			}
		})
	}
}

// An agent's visit does not end with the card: no rating then, until 结束办理.
func TestNoRatingWhenAnAgentsCardLeaves(t *testing.T) {
	r := newRig(t, portrait)
	r.rating()
	r.a.noteService(kiosk.Rating{Service: kiosk.RateTicket, TicketNo: "A012"})
	r.tap("apply")
	r.tap("apply.agent")
	r.card(kiosktest.AgentPerson)
	r.a.CardRemoved()
	r.settle()
	if s := r.a.visit.snap.State; s == visit.StateRating || s == visit.StateEnded {
		t.Errorf("state %s after the agent's card left", s)
	}
}

// The idle timeout runs on the rating screen: the warning, then the visit
// ends as any visit does, unrated. 继续 returns to the question.
func TestRatingIdle(t *testing.T) {
	r := newRig(t, portrait)
	rs := r.rating()
	r.tap("cases")
	r.card(kiosktest.Resident)
	r.tap("nav.finish")
	r.want("rating")
	r.clk.Advance(visit.DefaultIdle)
	if s := r.a.visit.snap.State; s != visit.StateIdleWarning {
		t.Fatalf("state %s after the idle time on the rating screen", s)
	}
	r.tap("idle.continue")
	r.want("rating")
	r.clk.Advance(visit.DefaultIdle)
	r.clk.Advance(visit.DefaultWarning)
	r.settle()
	r.want("takecard")
	if s := r.a.visit.snap; s.EndReason != visit.EndTimeout || s.Resident != nil {
		t.Errorf("take card: end %s, resident kept %v", s.EndReason, s.Resident != nil)
	}
	r.takeCard()
	if s := r.a.visit.snap; s.EndReason != visit.EndTimeout || s.Resident != nil {
		t.Errorf("end %s, resident kept %v", s.EndReason, s.Resident != nil)
	}
	r.wantText("因长时间无操作")
	if n := rs.Calls(); n != 0 {
		t.Errorf("%d ratings after the timeout", n)
	}
}

// Ten taps on one star rate once; a tap that lands on the next service's
// question straight after is not taken for its rating.
func TestRatingTenTapsOnOneStar(t *testing.T) {
	r := newRig(t, portrait)
	rs := r.rating()
	r.tap("cases")
	r.card(kiosktest.Resident)
	r.a.noteService(kiosk.Rating{Service: kiosk.RateTicket, TicketNo: "A012"})
	r.tap("nav.finish")
	r.want("rating")
	test.Tap(r.find("rating:5")) // the finger that tapped 结束办理
	r.settle()
	if n := rs.Calls(); n != 0 {
		t.Fatalf("a tap as the question showed rated (%d)", n)
	}
	r.pastGuard()
	star := r.find("rating:5")
	for i := 0; i < 10; i++ {
		test.Tap(star)
		if i == 0 {
			r.want("rating") // the next service's question
			test.Tap(r.find("rating:5"))
		}
	}
	r.settle()
	if got := rs.Got(); len(got) != 1 || got[0].TicketNo != "A012" {
		t.Fatalf("ratings %+v, want the ticket's alone", got)
	}
	r.want("rating")
	r.pastGuard()
	star = r.find("rating:4")
	for i := 0; i < 10; i++ {
		test.Tap(star)
	}
	r.settle()
	if got := rs.Got(); len(got) != 2 || got[1].Service != kiosk.RateCaseQuery || got[1].Level != 4 {
		t.Errorf("ratings %+v", got)
	}
}

// Without a rating service the end comes at once, as before: the card
// asked for, then the goodbye.
func TestNoRatingWithoutTheService(t *testing.T) {
	r := newRig(t, portrait)
	r.tap("cases")
	r.card(kiosktest.Resident)
	r.tap("nav.finish")
	r.takeCard()
}
