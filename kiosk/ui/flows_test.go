package ui

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/pudong-community/kiosk/assets"
	"github.com/pudong-community/kiosk/kiosk"
	"github.com/pudong-community/kiosk/kiosk/kiosktest"
	"github.com/pudong-community/kiosk/kiosk/visit"
)

// checkTargets fails for any tappable on screen smaller than the mode's
// minimum touch target.
func checkTargets(t *testing.T, r *rig) {
	t.Helper()
	checkDrawable(t, r) // every screen checked for targets is checked for boxes too
	min := float32(MinTarget)
	if r.a.Elder() {
		min = MinTargetElder
	}
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		if o == nil || !o.Visible() {
			return
		}
		switch v := o.(type) {
		case *button, *tile, *barButton:
			if s := o.Size(); s.Width < min || s.Height < min {
				t.Errorf("screen %s: %T %q is %v, below %v dp", r.a.Current().Name(), v, nameOf(o), s, min)
			}
			if b, ok := o.(*button); ok {
				for _, w := range brokenWords(b) {
					t.Errorf("screen %s: button %q breaks the word %q across lines", r.a.Current().Name(), b.name, w)
				}
			}
			return
		case *fyne.Container:
			for _, c := range v.Objects {
				walk(c)
			}
		case fyne.Widget:
			for _, c := range test.WidgetRenderer(v).Objects() {
				walk(c)
			}
		}
	}
	walk(r.w.Content())
}

// brokenWords are the Latin words of b's title that no line of its title
// shows whole: broken across lines ("Dele" / "te").
func brokenWords(b *button) []string {
	var title *widget.RichText
	var find func(o fyne.CanvasObject)
	find = func(o fyne.CanvasObject) {
		if title != nil || o == nil {
			return
		}
		switch v := o.(type) {
		case *widget.RichText:
			title = v
		case *fyne.Container:
			for _, c := range v.Objects {
				find(c)
			}
		case fyne.Widget:
			for _, c := range test.WidgetRenderer(v).Objects() {
				find(c)
			}
		}
	}
	for _, c := range test.WidgetRenderer(b).Objects() {
		find(c)
	}
	if title == nil {
		return nil
	}
	whole := map[string]bool{}
	for _, c := range test.WidgetRenderer(title).Objects() {
		if tx, ok := c.(*canvas.Text); ok {
			for _, w := range strings.Fields(tx.Text) {
				whole[w] = true
			}
		}
	}
	var out []string
	for _, w := range latinWords(b.title) {
		if !whole[w] {
			out = append(out, w)
		}
	}
	return out
}

func nameOf(o fyne.CanvasObject) string {
	switch v := o.(type) {
	case *button:
		return v.name
	case *tile:
		return v.name
	case *barButton:
		return v.name
	}
	return ""
}

func checkNoMissingKeys(t *testing.T) {
	t.Helper()
	if m := DefaultCatalog().Missing(); len(m) > 0 {
		t.Errorf("screens asked for string keys the catalogue lacks: %v", m)
	}
}

func hasImage(w fyne.Window) bool {
	found := false
	walkObjects(w.Content(), func(o fyne.CanvasObject) {
		if img, ok := o.(*canvas.Image); ok && img.Image != nil {
			found = true
		}
	})
	return found
}

func TestGuideAndSearch(t *testing.T) {
	for _, elder := range []bool{false, true} {
		t.Run(fmt.Sprintf("elder=%v", elder), func(t *testing.T) {
			r := newRig(t, portrait)
			if elder {
				r.tap("elder")
			}
			r.tap("guide")
			r.want("guide")
			if r.a.visit.snap.State != visit.StateBrowsing {
				t.Fatalf("visit state %s, want browsing", r.a.visit.snap.State)
			}
			r.wantText("民政", "人社", "搜索事项")
			checkTargets(t, r)
			g := r.a.Current().(*guideScreen)
			if len(g.rows) == 0 || len(g.rows) > r.a.categoryShape().per() {
				t.Fatalf("%d category rows on a page of %d", len(g.rows), r.a.categoryShape().per())
			}
			test.Tap(g.rows[0]) // 民政
			r.want("guide.category")
			r.wantText("老年综合津贴申请", "敬老卡申领")
			r.tap("item:MZ-LNJT")
			r.want("guide.item")
			r.wantText("民政科", "即办件", "全区通办", "5个工作日", "不收费", "居民身份证（必需）", "银行卡（社保卡）（可选）", "办事须知", "上海市老年综合津贴制度实施办法")
			if !hasImage(r.w) {
				t.Error("the item page has no QR code picture")
			}
			checkTargets(t, r)
			r.tap("bar.language")
			r.wantText("Senior citizens' allowance", "Instant", "Department")
			r.wantNoText("办事须知")
			r.tap("bar.language")

			r.tap("nav.back")
			r.want("guide.category")
			r.tap("nav.back")
			r.want("guide")
			r.tap("guide.search")
			r.want("search")
			checkTargets(t, r)
			r.keys("LN")
			r.wantText("老年综合津贴申请")
			r.wantNoText("敬老卡申领")
			r.tap("key:clear")
			r.tap("key:医")
			r.wantText("医疗救助", "城乡居民基本医疗保险参保登记")
			r.tap("key:delete")
			r.keys("ZZZ")
			r.wantText("没有找到")
			if got := r.cat.Searches(); len(got) < 4 || got[len(got)-1] != "zzz" {
				t.Errorf("searches %q: results are not as you type", got)
			}
			r.tap("key:clear")
			r.tap("key:老")
			r.tap("item:MZ-LNJT")
			r.want("guide.item")
			r.tap("nav.home")
			r.want("home")
			if s := r.a.visit.snap; s.State != visit.StateHome {
				t.Errorf("home button left the visit in %s", s.State)
			}
			checkNoMissingKeys(t)
		})
	}
}

func TestIdentifyAndMyCases(t *testing.T) {
	r := newRig(t, portrait)
	r.tap("cases")
	r.want("cases")
	r.wantText("请将身份证放在读卡区", "读卡时请勿移动身份证")
	checkTargets(t, r)

	r.a.CardReading()
	r.wantText("正在读卡")
	r.a.CardError("bad frame")
	r.wantText("未能读取身份证")
	r.card(kiosktest.Expired)
	r.wantText("已过有效期")
	r.wantNoText(kiosktest.Expired.Name)
	if r.a.visit.snap.Resident != nil {
		t.Fatal("an expired card identified the resident")
	}
	r.a.CardError("timeout")
	r.wantText("请呼叫工作人员")
	if r.find("callstaff:identify") == nil {
		t.Error("after three failed reads no call-staff button on the identify screen")
	}

	r.card(kiosktest.Resident)
	r.want("cases")
	masked := kiosk.MaskID(kiosktest.Resident.IDNumber)
	r.wantText(kiosktest.Resident.Name, masked, "老年综合津贴申请", "办理中", "社保缴费证明打印", "已办结")
	r.wantNoText(kiosktest.Resident.IDNumber)
	checkTargets(t, r)
	r.tap("case:PD2026111900007")
	r.want("case")
	r.wantText("审核中", "已受理", "已接收", "承诺办结", "民政科")
	if !hasImage(r.w) {
		t.Error("no QR code of the case's track URL")
	}
	r.tap("case.print")
	if p := r.rec.Printed(); len(p) != 1 || p[0].CaseNo != "PD2026111900007" || p[0].QRPayload == "" || p[0].CaseStatus == "" || p[0].StatusAsOf.IsZero() {
		t.Errorf("case print: %v", p)
	}
	r.want("case")
	r.tap("bar.language")
	r.wantText("In progress", "Progress")
	r.wantNoText("办理过程")
	r.tap("bar.language")

	// Offline: say so, and show what the terminal holds unsent.
	r.tap("nav.finish")
	r.want("takecard")
	r.wantText("请取走您的身份证", "回执也请一并取走") // the case slip printed above
	r.takeCard()
	r.wantText("请取走回执")
	r.wantNoText("请取走您的身份证")
	r.clk.Advance(visit.DefaultLinger)
	r.want("home")
	r.cases.SetOnline(false)
	// Kept in UTC (as a terminal on a UTC system stored it), shown in China
	// time.
	r.cases.PutUnsent(kiosktest.Resident.IDNumber, kiosk.SubmissionSummary{LocalNo: "T01-20261126-0003", ItemName: "敬老卡申领", CreatedAt: time.Date(2026, 11, 25, 17, 30, 0, 0, time.UTC), State: "pending"})
	r.tap("cases")
	r.card(kiosktest.Resident)
	r.wantText("网络中断，暂时无法查询最新进度", "敬老卡申领", "T01-20261126-0003", "2026-11-26 01:30")
	// Nothing printed in this visit: the card alone is asked for.
	r.tap("nav.finish")
	r.want("takecard")
	r.wantText("请取走您的身份证")
	r.wantNoText("回执")
	r.takeCard()
	r.wantNoText("回执", "请取走")
	checkNoMissingKeys(t)
}

// toForm identifies the resident and opens the item's form.
func (r *rig) toNotice(p kiosk.Person, code string) {
	r.t.Helper()
	r.tap("apply")
	r.want("apply")
	r.tap("apply.self")
	r.want("identify")
	r.card(p)
	r.want("apply.items")
	r.tap("item:" + code)
	// The sample resident has an open case of 老年综合津贴申请, looked up
	// on identification: asked first (TestOpenCaseNamedBeforeTheForm),
	// these walks apply again.
	if r.find("apply.again") != nil {
		r.tap("apply.again")
	}
	r.want("apply.notice")
}

func TestSelfServiceApplicationWithReceipt(t *testing.T) {
	r := newRig(t, portrait)
	r.toNotice(kiosktest.Resident, "JS-SYDJ")
	r.wantText("生育登记", "夫妻双方居民身份证（必需）", "结婚证（可选）")
	checkTargets(t, r)
	r.tap("apply.start")
	r.want("apply.form")
	r.wantText("第1项 / 共4项", "配偶身份证号")
	checkTargets(t, r)

	spouse := kiosktest.ID("31011519890101202")
	wrong := spouse[:17] + map[bool]string{true: "1", false: "2"}[spouse[17] != '1']
	r.keys(wrong[:17])
	r.wantText("请输入最后一位")
	r.keys(wrong[17:])
	r.wantText("校验不通过")
	r.tap("form.next")
	r.want("apply.form")
	r.wantText("第1项 / 共4项")
	r.tap("key:delete")
	r.keys(spouse[17:])
	r.wantText("格式正确")
	r.tap("form.next")

	r.wantText("第2项 / 共4项", "预产期", "2026", "11", "27")
	r.tap("date:next-month")
	r.tap("date:day:28")
	r.wantText("已选：2026年12月28日 星期一")
	r.tap("form.next")

	r.wantText("第3项 / 共4项", "第一孩", "第二孩")
	r.tap("form.next")
	r.wantText("此项必须填写")
	r.tap("choice:第二孩")
	r.tap("form.next")

	r.wantText("第4项 / 共4项", "请输入11位手机号码")
	r.keys("12")
	r.wantText("应以13–19开头")
	r.tap("key:clear")
	r.keys("1391234567")
	r.wantText("请继续输入")
	r.keys("8")
	r.wantText("139 1234 5678", "格式正确")
	r.tap("form.next")

	r.want("review")
	r.wantText("生育登记", kiosktest.Resident.Name, kiosk.MaskID(kiosktest.Resident.IDNumber), kiosk.MaskID(spouse), "2026-12-28", "第二孩", "联系电话：139 1234 5678")
	r.wantNoText(spouse, kiosktest.Resident.IDNumber)
	checkTargets(t, r)
	// Back from review goes to the form through the machine, and forward again.
	r.tap("review.edit")
	r.want("apply.form")
	r.tap("form.next")
	r.want("review")

	confirm := r.find("review.confirm")
	r.tap("review.confirm")
	test.Tap(confirm) // a double tap on the old button
	r.settle()
	r.want("outcome")
	if n := r.sub.Calls(); n != 1 {
		t.Errorf("%d submissions for one confirm and a double tap", n)
	}
	st := r.sub.Stored()
	if len(st) != 1 || st[0].ItemCode != "JS-SYDJ" || st[0].Fields["spouse_id"] != spouse || st[0].Fields["due"] != "2026-12-28" ||
		st[0].TerminalID != "PD-T001" || st[0].CatalogVersion != "2026.11.1" || st[0].Applicant.IDNumber != kiosktest.Resident.IDNumber {
		t.Errorf("stored submission %+v", st)
	}
	r.wantText("已受理", "办件编号：PD2026112700001", "回执已打印")
	if !hasImage(r.w) {
		t.Error("the receipt is not shown on screen")
	}
	p := r.rec.Printed()
	if len(p) != 1 || p[0].CaseNo != "PD2026112700001" || p[0].Queued || p[0].DueDate == "" || p[0].LocalNo == "" || p[0].QRPayload == "" {
		t.Fatalf("printed %+v", p)
	}
	if strings.Contains(fmt.Sprint(p[0]), kiosktest.Resident.IDNumber) || strings.Contains(fmt.Sprintf("%#v", p[0]), kiosktest.Resident.IDNumber) {
		t.Error("receipt data prints the full ID number")
	}
	checkTargets(t, r)
	r.tap("outcome.print")
	if n := len(r.rec.Printed()); n != 2 {
		t.Errorf("reprint: %d receipts", n)
	}
	r.tap("outcome.done")
	r.wantNoText(kiosktest.Resident.Name)
	r.takeCard()
	r.wantNoText(kiosktest.Resident.Name)
	checkNoMissingKeys(t)
}

func TestConfirmWhileSubmittingNeverSubmitsTwice(t *testing.T) {
	r := newRig(t, portrait)
	r.toNotice(kiosktest.Resident, "MZ-JLK") // no fields: straight to review
	r.tap("apply.start")
	r.want("review")
	r.wantText("此事项无需填写内容")
	release := r.sub.Hold()
	confirm := r.find("review.confirm")
	test.Tap(confirm)
	if r.a.visit.snap.State != visit.StateSubmitting {
		t.Fatalf("state %s after confirm, want submitting", r.a.visit.snap.State)
	}
	r.wantText("正在提交")
	test.Tap(confirm)
	test.Tap(r.find("review.confirm"))
	if r.find("nav.home") != nil || r.find("nav.back") != nil {
		t.Error("back/home offered while submitting")
	}
	r.clk.Advance(10 * time.Minute) // no idle timeout while in flight
	if s := r.a.visit.snap.State; s != visit.StateSubmitting {
		t.Errorf("state %s while the submission is in flight", s)
	}
	release()
	r.settle()
	r.want("outcome")
	if n := r.sub.Calls(); n != 1 {
		t.Errorf("%d Submit calls, want 1", n)
	}
}

func TestAgentApplication(t *testing.T) {
	r := newRig(t, portrait)
	r.tap("apply")
	r.tap("apply.agent")
	r.want("identify")
	r.wantText("请代办人将本人身份证放在读卡区")
	r.card(kiosktest.AgentPerson)
	r.wantText("请将委托人（居民）的身份证放在读卡区", kiosktest.AgentPerson.Name, kiosk.MaskID(kiosktest.AgentPerson.IDNumber))
	// The same person again is refused.
	r.card(kiosktest.AgentPerson)
	r.wantText("不能是同一人")

	r.tap("identify.keyed")
	elder := kiosktest.Elder
	r.keys(elder.IDNumber)
	r.wantText("格式正确")
	r.tap("keyed.next")
	for _, syl := range []struct{ py, ch string }{{"WANG", "王"}, {"XIU", "秀"}, {"YING", "英"}} {
		for _, c := range strings.ToLower(syl.py) {
			r.tap("key:" + string(c))
		}
		r.tap("cand:" + syl.ch)
	}
	r.wantText("王秀英")
	checkTargets(t, r)
	r.tap("keyed.done")
	if r.a.visit.snap.Step != visit.StepAuthorisation {
		t.Fatalf("step %s after keying the resident", r.a.visit.snap.Step)
	}
	// The authorisation screen names both people, and its keypad (letters
	// too) does not ask for digit keys.
	r.wantText("王秀英", kiosk.MaskID(elder.IDNumber), kiosktest.AgentPerson.Name, "请点击按键输入")
	r.wantNoText("请点击数字键输入")
	r.keys("WT-2026-815")
	r.tap("rel:relation.child")
	checkTargets(t, r)
	r.tap("auth.done")
	r.want("apply.items")
	if n := r.cases.Asked(); n != 0 {
		t.Errorf("the principal's cases were looked up %d times in the agent flow", n)
	}
	if r.find("item:JS-SYDJ") != nil {
		t.Error("an item without agents allowed is offered to an agent")
	}
	// The resident (78) is absent; the agent (34) is not offered elder mode.
	r.wantNoText("您已年满60周岁")
	r.tap("item:MZ-JLK")
	r.tap("apply.start")
	r.want("review")
	r.wantText("代办人", kiosktest.AgentPerson.Name, "子女", "WT-2026-815", "王秀英", kiosk.MaskID(elder.IDNumber))
	r.tap("review.confirm")
	r.want("outcome")
	st := r.sub.Stored()
	if len(st) != 1 || st[0].Agent == nil || st[0].Agent.IDNumber != kiosktest.AgentPerson.IDNumber || st[0].Agent.AuthorizationRef != "WT-2026-815" ||
		st[0].Agent.Relation != "子女" || st[0].Applicant.IDNumber != elder.IDNumber || st[0].Applicant.Name != "王秀英" {
		t.Fatalf("stored %+v", st)
	}
	p := r.rec.Printed()
	if len(p) != 1 || p[0].Agent != kiosktest.AgentPerson.Name || p[0].AuthRef != "WT-2026-815" || p[0].ApplicantID != elder.IDNumber {
		t.Fatalf("printed %+v", p)
	}
	// In the agent flow cards are swapped on purpose: removal does not end it.
	r.a.CardRemoved()
	r.want("outcome")
	r.tap("outcome.done")
	r.want("ended")
	checkNoMissingKeys(t)
}

// personalLeft lists personal values still anywhere on screen or in the
// visit's state.
func personalLeft(r *rig, values ...string) []string {
	var left []string
	all := strings.Join(texts(r.w), "\n")
	s := r.a.visit.snap
	state := fmt.Sprintf("%+v %+v %+v %+v %v", s.Resident, s.Agent, s.Form, s.Cases, s.Item)
	ms := r.a.visit.m.Snapshot()
	state += fmt.Sprintf("%+v %+v %+v %+v", ms.Resident, ms.Agent, ms.Form, ms.Cases)
	ui := fmt.Sprintf("%+v", *r.a.visit.v)
	for _, v := range values {
		if strings.Contains(all, v) || strings.Contains(state, v) || strings.Contains(ui, v) {
			left = append(left, v)
		}
	}
	for _, sc := range r.a.nav.stack {
		if fmt.Sprintf("%T", sc) == "*ui.formScreen" {
			left = append(left, "a form screen")
		}
	}
	return left
}

func TestCardPulledMidFormWipesEverything(t *testing.T) {
	r := newRig(t, portrait)
	r.toNotice(kiosktest.Resident, "MZ-LNJT")
	r.tap("apply.start")
	r.keys("1391234")
	r.wantText("139 1234")
	r.a.CardRemoved()
	r.settle()
	r.want("ended")
	r.wantText("身份证已取走")
	if left := personalLeft(r, kiosktest.Resident.Name, kiosktest.Resident.IDNumber, kiosk.MaskID(kiosktest.Resident.IDNumber), "1391234", "139 1234", "老年综合津贴申请"); len(left) > 0 {
		t.Errorf("after the card was pulled these remain: %q", left)
	}
	if s := r.a.visit.m.Snapshot(); s.Resident != nil || s.Item != nil || s.Form != nil || s.Cases != nil || s.SubmissionID != "" {
		t.Errorf("visit state after the wipe: %+v", s)
	}
	r.clk.Advance(visit.DefaultLinger)
	r.want("home")
	if r.sub.Calls() != 0 {
		t.Error("something was submitted")
	}
}

func TestIdleTimeout(t *testing.T) {
	for _, tc := range []struct {
		name  string
		elder bool
		idle  time.Duration
	}{{"standard", false, visit.DefaultIdle}, {"elder", true, visit.DefaultElderIdle}} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, portrait)
			if tc.elder {
				r.tap("elder")
			}
			r.tap("cases")
			r.card(kiosktest.Resident)
			r.want("cases")
			r.clk.Advance(tc.idle - time.Second)
			if r.a.visit.snap.State == visit.StateIdleWarning {
				t.Fatal("warning before the idle time")
			}
			r.clk.Advance(time.Second)
			if r.a.visit.snap.State != visit.StateIdleWarning {
				t.Fatalf("state %s after %v idle", r.a.visit.snap.State, tc.idle)
			}
			r.wantText("您还在吗", "30 秒", "继续")
			r.wantNoText(kiosktest.Resident.Name)
			checkTargets(t, r)
			r.clk.Advance(10 * time.Second)
			r.a.tick()
			r.wantText("20 秒")
			r.tap("idle.continue")
			r.want("cases")
			r.wantText(kiosktest.Resident.Name)

			r.clk.Advance(tc.idle)
			r.want("cases") // the screen under the warning stays
			if r.a.visit.snap.State != visit.StateIdleWarning {
				t.Fatal("no second warning")
			}
			r.clk.Advance(visit.DefaultWarning)
			r.want("takecard")
			if left := personalLeft(r, kiosktest.Resident.Name, kiosktest.Resident.IDNumber, "PD2026111900007"); len(left) > 0 {
				t.Errorf("on the take-your-card screen these remain: %q", left)
			}
			if r.a.Elder() != tc.elder {
				t.Errorf("take-your-card in elder mode %v, want the visit's (%v)", r.a.Elder(), tc.elder)
			}
			r.takeCard()
			r.wantText("因长时间无操作")
			if left := personalLeft(r, kiosktest.Resident.Name, kiosktest.Resident.IDNumber, "PD2026111900007"); len(left) > 0 {
				t.Errorf("after the timeout these remain: %q", left)
			}
			if r.a.Elder() != tc.elder {
				t.Errorf("goodbye in elder mode %v, want the visit's (%v)", r.a.Elder(), tc.elder)
			}
			r.clk.Advance(visit.DefaultLinger)
			r.want("home")
			if r.a.Elder() {
				t.Error("elder mode stays on for the next visit")
			}
		})
	}
}

func TestNetworkDownAtConfirmQueues(t *testing.T) {
	r := newRig(t, portrait)
	r.sub.SetOnline(false)
	r.a.SetOnline(false)
	r.wantText("网络中断，可继续申办")
	r.toNotice(kiosktest.Resident, "RS-SBZM")
	r.tap("apply.start")
	r.tap("review.confirm")
	r.want("outcome")
	// Saved, not sent: no promised date made up from the calendar (the
	// item is done on the spot: it read 承诺办结 today), the case number comes
	// later.
	r.wantText("已保存，网络恢复后自动上传", "本机编号：T01-20261127-0001", "联网上传后才生成办件编号和承诺办结日期")
	r.wantNoText("承诺办结日期：", "当场办结")
	p := r.rec.Printed()
	if len(p) != 1 || !p[0].Queued || p[0].CaseNo != "" || p[0].LocalNo != "T01-20261127-0001" || p[0].DueDate != "" {
		t.Fatalf("printed %+v", p)
	}
	if len(r.sub.Stored()) != 1 {
		t.Error("the queued submission is not stored")
	}
	// The goodbye says what was kept where, without a contradiction.
	r.tap("outcome.done")
	r.takeCard()
	r.wantText("您的申请已安全保存在本机，联网后自动上传", "屏幕上的个人信息已清除；您的申请加密保存在本机")
	r.wantNoText("您的信息已从本机清除")
}

func TestPaperOutAtPrint(t *testing.T) {
	r := newRig(t, portrait)
	r.rec.SetError(fmt.Errorf("printer: %w", kiosk.ErrPaperOut))
	r.toNotice(kiosktest.Resident, "RS-SBZM")
	r.tap("apply.start")
	r.tap("review.confirm")
	r.want("outcome")
	r.wantText("打印机缺纸", "重新打印", "请取走身份证")
	r.wantNoText("请取走身份证和回执") // nothing printed to take
	// Nobody is told but through the call-staff button: the notice must
	// not say staff were told.
	r.wantNoText("已通知", "半张回执")
	if r.rec.Attempts() != 1 || len(r.rec.Printed()) != 0 {
		t.Fatalf("attempts %d printed %d", r.rec.Attempts(), len(r.rec.Printed()))
	}
	if !hasImage(r.w) {
		t.Error("no receipt picture on screen while the printer is out of paper")
	}
	r.rec.SetError(nil)
	r.tap("outcome.print")
	if len(r.rec.Printed()) != 1 {
		t.Error("reprint did not print")
	}
	r.wantText("回执已打印", "请取走身份证和回执")
	r.wantNoText("打印机缺纸")
}

func TestOutOfService(t *testing.T) {
	r := newRig(t, portrait)
	r.a.SetDeviceProblems([]DeviceProblem{{DeviceKey: DeviceCardReader, Reason: "无响应"}})
	r.wantText("读卡器暂时无法使用：无响应", "读卡器故障，暂停服务")
	r.tap("cases")
	r.want("home")
	r.tap("apply")
	r.want("home")
	r.tap("guide")
	r.want("guide")
	r.tap("nav.home")

	// Without the printer a submission still works; the receipt is a QR.
	r.a.SetDeviceProblems([]DeviceProblem{{DeviceKey: DevicePrinter, Reason: "缺纸"}})
	r.toNotice(kiosktest.Resident, "RS-SBZM")
	r.tap("apply.start")
	r.tap("review.confirm")
	r.want("outcome")
	r.wantText("已受理", "打印机暂停使用，回执以二维码显示在屏幕上", "请用手机扫码保存回执")
	if r.rec.Attempts() != 0 || r.find("outcome.print") != nil {
		t.Error("printing offered without a printer")
	}
	if !hasImage(r.w) {
		t.Error("no QR code on screen")
	}
}

// A terminal configured to require its printer (printer.required) takes
// no application while the printer is out of order: the apply tile, the
// item page's apply button and the apply chooser say why; the guide and
// "my cases" still work.
func TestRequiredPrinterDownPausesApplications(t *testing.T) {
	r := newRig(t, portrait)
	r.a.SetDeviceProblems([]DeviceProblem{{DeviceKey: DevicePrinter, Reason: "缺纸", Required: true}})
	r.wantText("打印机故障，暂停申办")
	r.tap("apply")
	r.want("home")
	r.tap("guide")
	r.want("guide")
	for _, it := range kiosktest.SampleCatalog().Items {
		if it.Code == "RS-SBZM" {
			r.a.Show(&itemScreen{item: it})
		}
	}
	r.settle()
	if b, ok := r.find("item.apply").(*button); !ok || !b.disabled {
		t.Error("the item page offers to apply without the required printer")
	}
	r.wantText("打印机暂停使用，暂不能自助申办；办事指南和我的办件照常。")
	r.tap("nav.home")
	r.tap("cases")
	r.card(kiosktest.Resident)
	r.want("cases")
	r.tap("nav.home")
	r.want("menu") // the identified resident's menu
	if b, ok := r.find("menu.apply").(*button); !ok || !b.disabled {
		t.Error("the resident's menu offers to apply without the required printer")
	}
	r.a.Show(&applyListScreen{})
	r.settle()
	if r.find("item:RS-SBZM") != nil {
		t.Error("the list of items to apply for shows without the required printer")
	}
	r.tap("nav.finish")
	r.a.CardRemoved()
	r.settle()
	if r.a.Current().Name() != "home" {
		r.tap("ended.home")
	}
	// Printer back: applications again.
	r.a.SetDeviceProblems(nil)
	r.settle()
	r.wantNoText("打印机故障，暂停申办")
	r.tap("apply")
	r.want("apply")
}

// An application chosen on an item page while the required printer worked
// does not open if the printer goes out of order before the card is read:
// the screen says applications are paused.
func TestRequiredPrinterDownWhileTheCardIsAwaited(t *testing.T) {
	r := newRig(t, portrait)
	r.tap("guide")
	for _, it := range kiosktest.SampleCatalog().Items {
		if it.Code == "RS-SBZM" {
			r.a.Show(&itemScreen{item: it})
		}
	}
	r.settle()
	r.tap("item.apply")
	r.want("identify")
	r.a.SetDeviceProblems([]DeviceProblem{{DeviceKey: DevicePrinter, Reason: "缺纸", Required: true}})
	r.settle()
	r.card(kiosktest.Resident)
	if got := r.a.Current().Name(); got == "apply.notice" || got == "apply.form" {
		t.Fatalf("the application opened on %s with the required printer out of order", got)
	}
	r.want("apply.items") // which says applications are paused, and lists none
	if r.find("item:RS-SBZM") != nil {
		t.Error("the items to apply for are listed without the required printer")
	}
	r.wantText("打印机暂停使用，暂不能自助申办；办事指南和我的办件照常。")
}

// funcSubmitter answers with a function, for bad answers.
type funcSubmitter func(ctx context.Context, s kiosk.Submission) (kiosk.Outcome, error)

func (f funcSubmitter) Submit(ctx context.Context, s kiosk.Submission) (kiosk.Outcome, error) {
	return f(ctx, s)
}

func TestBadSubmitAnswers(t *testing.T) {
	for _, tc := range []struct {
		name string
		f    funcSubmitter
		want string
	}{
		{"storage full", func(context.Context, kiosk.Submission) (kiosk.Outcome, error) {
			return kiosk.Outcome{}, fmt.Errorf("store: %w", kiosk.ErrStorageFull)
		}, "本机存储已满"},
		{"422 with a field", func(context.Context, kiosk.Submission) (kiosk.Outcome, error) {
			return kiosk.Outcome{LocalNo: "X"}, &kiosk.RejectedError{Code: "validation_failed", Fields: []kiosk.FieldProblem{{Field: "phone", Reason: "号码不存在"}}}
		}, "联系电话：号码不存在"},
		{"answer missing fields", func(context.Context, kiosk.Submission) (kiosk.Outcome, error) {
			return kiosk.Outcome{}, nil
		}, "提交失败"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, portrait)
			var calls atomic.Int32
			r.a.opts.Submit = funcSubmitter(func(ctx context.Context, s kiosk.Submission) (kiosk.Outcome, error) {
				calls.Add(1)
				return tc.f(ctx, s)
			})
			r.toNotice(kiosktest.Resident, "MZ-LNJT")
			r.tap("apply.start")
			r.keys("13912345678")
			r.tap("form.next")
			r.tap("choice:社保卡")
			r.tap("form.next")
			r.tap("review.confirm")
			r.want("review")
			r.wantText(tc.want)
			// The screen stays usable: confirm again makes a new attempt.
			r.tap("review.confirm")
			if n := calls.Load(); n != 2 {
				t.Errorf("%d calls after two confirms on a failing submitter", n)
			}
		})
	}
}

func TestBadCatalogItems(t *testing.T) {
	long := strings.Repeat("社区事务受理服务中心老年综合津贴", 20)
	var many []kiosk.Field
	for i := 0; i < 200; i++ {
		many = append(many, kiosk.Field{Key: fmt.Sprintf("f%03d", i), Label: fmt.Sprintf("字段%d", i), Type: kiosk.FieldDigits, MaxLen: 4})
	}
	many[199].Required = true
	c := kiosktest.SampleCatalog()
	c.Items = append(c.Items,
		kiosk.Item{Code: "X-LONG", Name: long, Department: "民政科", Category: "民政", Kind: kiosk.KindInstant, SelfService: true, AgentAllowed: true,
			Notice: strings.Repeat("请如实填写。", 2000), Materials: []kiosk.Material{{Name: long, Required: true}}},
		kiosk.Item{Code: "X-MANY", Name: "二百项", Department: "民政科", Category: "民政", Kind: kiosk.KindInstant, SelfService: true, Fields: many},
		kiosk.Item{Code: "X-TEXT", Name: "需文字", Department: "民政科", Category: "民政", Kind: kiosk.KindInstant, SelfService: true,
			Fields: []kiosk.Field{{Key: "why", Label: "理由", Type: kiosk.FieldText, Required: true}}},
	)
	r := newRig(t, portrait)
	r.a.opts.Catalog = kiosktest.NewCatalog(c, nil)
	r.a.visit.loadCatalog(true)
	r.settle()

	r.tap("guide")
	r.a.Show(&itemScreen{item: c.Items[len(c.Items)-3]})
	r.wantText("请如实填写", "请扫描二维码查看全文")
	checkTargets(t, r)
	r.tap("nav.home")

	r.tap("apply")
	r.tap("apply.self")
	r.card(kiosktest.Resident)
	r.a.Show(&categoryScreen{category: "民政"}) // the list pages through them
	r.tap("nav.back")
	r.want("apply.items")
	for r.find("item:X-MANY") == nil {
		r.tap("page.next")
	}
	r.tap("item:X-MANY")
	r.wantText("共200项需填写")
	r.tap("apply.start")
	for i := 0; i < 3; i++ {
		r.tap("form.next")
	}
	r.wantText("第4项 / 共200项")
	// Skip ahead (each page is the same digits keypad) to the last two.
	r.a.Current().(*formScreen).idx = 197
	r.a.render()
	r.tap("form.next")
	r.tap("form.next")
	r.wantText("第200项 / 共200项")
	r.tap("form.next")
	r.wantText("此项必须填写")
	r.keys("42")
	r.tap("form.next")
	r.want("review")
	r.wantText("字段199：42")
	r.tap("nav.home")
	r.want("apply.items")

	for r.find("item:X-TEXT") == nil {
		r.tap("page.next")
	}
	r.tap("item:X-TEXT")
	r.wantText("终端无法输入")
	if r.find("apply.start") != nil {
		t.Error("an item needing free text can be started")
	}
}

func TestTapsDuringTransitionsAreHarmless(t *testing.T) {
	r := newRig(t, portrait)
	r.tap("apply")
	self := r.find("apply.self")
	agent := r.find("apply.agent")
	test.Tap(self)
	test.Tap(agent) // the chooser is gone: its button must do nothing
	test.Tap(self)
	r.settle()
	r.want("identify")
	if r.a.visit.snap.Agent != nil || r.a.visit.snap.Step != visit.StepResident {
		t.Errorf("a stale tap changed the flow: %+v", r.a.visit.snap.Step)
	}
	r.card(kiosktest.Resident)
	// A second card read of the same card changes nothing.
	r.card(kiosktest.Resident)
	r.want("apply.items")
}

// The number pad's keys stay where they are while an ID number goes in,
// whatever its message under the number says, in both languages and both
// themes (the maintenance PIN pad's keys moved when a message appeared).
func TestNumberPadKeysStayPut(t *testing.T) {
	for _, tc := range []struct {
		name           string
		elder, english bool
	}{{"zh", false, false}, {"zh-elder", true, false}, {"en", false, true}, {"en-elder", true, true}} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, portrait)
			if tc.english {
				r.tap("language")
			}
			if tc.elder {
				r.tap("elder")
			}
			r.toNotice(kiosktest.Resident, "JS-SYDJ")
			r.tap("apply.start")
			r.want("apply.form")
			where := func() fyne.Position {
				t.Helper()
				o, ok := r.find("key:1").(fyne.CanvasObject)
				if !ok {
					t.Fatal("no key 1")
				}
				return fyne.CurrentApp().Driver().AbsolutePositionForObject(o)
			}
			at := where()
			spouse := kiosktest.ID("31011519890101202")
			wrong := spouse[:17] + map[bool]string{true: "1", false: "2"}[spouse[17] != '1']
			for i, c := range wrong {
				r.keys(string(c))
				if got := where(); got != at {
					t.Fatalf("after %d characters key 1 is at %v, was at %v; texts %q", i+1, got, at, texts(r.w))
				}
			}
			r.tap("key:delete")
			r.keys(spouse[17:])
			if got := where(); got != at {
				t.Errorf("with a valid number key 1 is at %v, was at %v", got, at)
			}
		})
	}
}

// An item whose fields are all free text (终端无需填写) has nothing to fill
// here: 开始办理 goes straight to the review page, which has nothing to
// edit, in both languages.
func TestTextOnlyItemHasNoSteps(t *testing.T) {
	c := kiosktest.SampleCatalog()
	c.Items = append(c.Items, kiosk.Item{Code: "X-NOTES", Name: "两项备注", Department: "民政科", Category: "民政",
		Kind: kiosk.KindInstant, SelfService: true, AgentAllowed: true,
		Fields: []kiosk.Field{
			{Key: "a", Label: "备注一", LabelEn: "Note one", Type: kiosk.FieldText, MaxLen: 50},
			{Key: "b", Label: "备注二", LabelEn: "Note two", Type: kiosk.FieldText, MaxLen: 50},
		}})
	for _, english := range []bool{false, true} {
		r := newRig(t, portrait)
		r.a.opts.Catalog = kiosktest.NewCatalog(c, nil)
		r.a.visit.loadCatalog(true)
		r.settle()
		if english {
			r.tap("bar.language")
		}
		r.tap("apply")
		r.tap("apply.self")
		r.card(kiosktest.Resident)
		for r.find("item:X-NOTES") == nil {
			r.tap("page.next")
		}
		r.tap("item:X-NOTES")
		r.wantNoText(r.a.T("apply.fields", 2), r.a.T("apply.fields", 0))
		r.tap("apply.start")
		r.want("review")
		r.wantNoText("备注一", "Note one")
		if b, ok := r.find("review.edit").(*button); !ok || !b.disabled {
			t.Errorf("english=%v: the review page offers to edit nothing", english)
		}
	}
}

// The authorisation form's button stays on screen in every layout: in
// elder mode the form (both people, the reference keypad, the relations)
// is taller than a portrait screen, and the button used to be scrolled out
// of view below it. In English the reference pad keeps its word keys whole
// ("Dele/te" on its narrow keys in portrait).
func TestAuthorisationButtonInView(t *testing.T) {
	for _, tc := range layouts {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, tc.size)
			r.a.SetElder(tc.elder)
			r.tap("bar.language")
			r.tap("apply")
			r.tap("apply.agent")
			r.card(kiosktest.AgentPerson)
			r.card(kiosktest.Elder)
			if r.a.visit.snap.Step != visit.StepAuthorisation {
				t.Fatalf("step %s after both cards", r.a.visit.snap.Step)
			}
			checkTargets(t, r)
			b, ok := r.find("auth.done").(*button)
			if !ok {
				t.Fatal("no authorisation button")
			}
			pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(b)
			s := b.Size()
			if pos.Y < 0 || pos.Y+s.Height > tc.size.Height+1 || s.Height < r.a.Theme().TargetSize() {
				t.Errorf("button at %v size %v: not wholly on the %v screen or below the target size", pos, s, tc.size)
			}
			// On a wide screen at the standard size the whole pad and the
			// relations are in view above the button, unscrolled: the
			// pad's last row (clear, 0, delete) was hidden under it.
			if tc.size.Width > tc.size.Height && !tc.elder {
				names := []string{"key:clear", "key:0", "key:delete", "key:-", "rel:relation.child"}
				for _, n := range names {
					o, ok := r.find(n).(fyne.CanvasObject)
					if !ok {
						t.Fatalf("no %s", n)
					}
					at := fyne.CurrentApp().Driver().AbsolutePositionForObject(o)
					if at.Y+o.Size().Height > pos.Y+1 || at.X+o.Size().Width > tc.size.Width+1 {
						t.Errorf("%s at %v size %v is out of view (the button at %v)", n, at, o.Size(), pos)
					}
				}
			}
		})
	}
}

// The keyed resident's "next" (ID number) and "确定" (name) stay wholly on
// screen in every layout, with the keyboard's candidates showing: in
// landscape 确定 sat under the bottom bar, below the fold.
func TestKeyedResidentButtonsInView(t *testing.T) {
	inView := func(t *testing.T, r *rig, name string, size fyne.Size) {
		t.Helper()
		b, ok := r.find(name).(*button)
		if !ok {
			t.Fatalf("no %s button", name)
		}
		pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(b)
		s := b.Size()
		if pos.Y < 0 || pos.Y+s.Height > size.Height+1 || s.Height < r.a.Theme().TargetSize() {
			t.Errorf("%s at %v size %v: not wholly on the %v screen or below the target size", name, pos, s, size)
		}
	}
	for _, tc := range layouts {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, tc.size)
			r.a.SetElder(tc.elder)
			r.tap("apply")
			r.tap("apply.agent")
			r.card(kiosktest.AgentPerson)
			r.tap("identify.keyed")
			r.keys(kiosktest.Elder.IDNumber)
			inView(t, r, "keyed.next", tc.size)
			r.tap("keyed.next")
			for _, c := range "wang" {
				r.tap("key:" + string(c))
			}
			r.tap("cand:王")
			for _, c := range "xiu" {
				r.tap("key:" + string(c))
			}
			inView(t, r, "keyed.done", tc.size)
			// Every letter is on screen too, with the candidates showing
			// (in landscape elder mode the keys are too large for that:
			// the keyboard scrolls above the 确定 that stays in view).
			if !(tc.elder && tc.size.Width > tc.size.Height) {
				for _, c := range "abcdefghijklmnopqrstuvwxyz" {
					inView(t, r, "key:"+string(c), tc.size)
				}
			}
			checkTargets(t, r)
		})
	}
}

// The goodbye speaks the language of the visit that ended, at its text
// size; the next visit starts in Chinese at the standard size. It used to
// fall back to Chinese and the standard size as the visit ended, so an
// English-speaking resident read the goodbye in Chinese.
func TestGoodbyeKeepsTheVisitsLanguageAndMode(t *testing.T) {
	r := newRig(t, portrait)
	r.a.SetElder(true)
	r.tap("bar.language")
	r.tap("cases")
	r.card(kiosktest.Resident)
	r.want("cases")
	r.tap("nav.finish")
	r.want("takecard")
	r.wantText("Please take your ID card")
	r.wantNoText("请取走")
	if !r.a.Elder() || r.a.Lang() != English {
		t.Errorf("take-your-card in elder mode %v, language %v; want elder mode in English", r.a.Elder(), r.a.Lang())
	}
	r.takeCard()
	r.wantText("This visit has ended")
	r.wantNoText("本次服务已结束", "Please take your card.")
	if !r.a.Elder() || r.a.Lang() != English {
		t.Errorf("goodbye in elder mode %v, language %v; want elder mode in English", r.a.Elder(), r.a.Lang())
	}
	r.clk.Advance(visit.DefaultLinger)
	r.want("home")
	if r.a.Elder() || r.a.Lang() != Chinese {
		t.Errorf("next visit's home in elder mode %v, language %v; want the standard size in Chinese", r.a.Elder(), r.a.Lang())
	}
	r.wantNoText("This visit has ended")
	checkNoMissingKeys(t)
}

// The keyboards' word keys ("Delete", "Clear") keep their words whole in
// English in every layout: on the search screen in landscape elder mode
// they read "Dele/te" and "Clea/r". checkTargets checks every button it
// walks for broken words.
func TestKeyboardWordsStayWhole(t *testing.T) {
	for _, tc := range layouts {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, tc.size)
			r.a.SetElder(tc.elder)
			r.tap("bar.language")
			r.tap("guide")
			r.tap("guide.search")
			r.want("search")
			r.tap("key:L")
			checkTargets(t, r)
			r.tap("nav.home")
			r.tap("apply")
			r.tap("apply.agent")
			r.card(kiosktest.AgentPerson)
			r.tap("identify.keyed") // the name keyboard comes after the ID number
			r.keys(kiosktest.Elder.IDNumber)
			checkTargets(t, r)
			r.tap("keyed.next")
			checkTargets(t, r)
		})
	}
}

// A card taken away (or 结束办理 tapped) while the submission is being sent
// ends the visit only after the resident has the outcome: the receipt
// prints, and the goodbye names the submission and asks for the receipt.
// Before, the end came as the answer did: nothing printed, and the goodbye
// said only that the card was taken away.
func TestCardTakenWhileSubmitting(t *testing.T) {
	for _, tc := range []struct {
		name     string
		paperOut bool
		offline  bool
		want     []string
	}{
		{"accepted, printed", false, false, []string{"您的申请已受理，办件编号：", "请取走回执。"}},
		{"saved, printed", false, true, []string{"您的申请已安全保存在本机，联网后自动上传", "本机编号", "请取走回执。", "屏幕上的个人信息已清除；您的申请加密保存在本机"}},
		{"accepted, out of paper", true, false, []string{"您的申请已受理，办件编号：", "回执未能打印"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, portrait)
			if tc.paperOut {
				r.rec.SetError(fmt.Errorf("printer: %w", kiosk.ErrPaperOut))
			}
			if tc.offline {
				r.sub.SetOnline(false)
			}
			r.toNotice(kiosktest.Resident, "RS-SBZM")
			r.tap("apply.start")
			release := r.sub.Hold()
			test.Tap(r.find("review.confirm"))
			r.a.CardRemoved()
			if s := r.a.visit.snap.State; s != visit.StateSubmitting {
				t.Fatalf("state %s after the card was taken, want submitting", s)
			}
			release()
			r.settle()
			r.want("ended")
			if r.rec.Attempts() != 1 {
				t.Errorf("%d print attempts, want 1", r.rec.Attempts())
			}
			if want := 1; tc.paperOut {
				if len(r.rec.Printed()) != 0 {
					t.Error("printed without paper")
				}
			} else if len(r.rec.Printed()) != want {
				t.Errorf("%d receipts printed, want %d", len(r.rec.Printed()), want)
			}
			r.wantText(tc.want...)
			r.wantNoText(kiosktest.Resident.Name, "身份证已取走，已自动退出")
			if r.a.visit.snap.Resident != nil {
				t.Error("the resident is still held after the end")
			}
		})
	}
}

// Screens shown outside any visit (the 自助申办 chooser, the call-staff
// screen, the maintenance PIN screen) return home after the idle period
// without a touch; a touch starts the period again. Before, no idle timeout
// ran there and the next resident found the last one's screen.
func TestStrayScreensReturnHome(t *testing.T) {
	for _, tc := range []struct {
		name   string
		open   func(r *rig)
		screen string
		touch  string // a button that keeps the screen
	}{
		{"apply chooser", func(r *rig) { r.tap("apply") }, "apply", "bar.language"},
		{"call staff", func(r *rig) { r.tap("callstaff") }, "callstaff", "bar.language"},
		{"maintenance PIN", func(r *rig) { r.a.Show(&maintEntryScreen{}) }, "maint.entry", "maint.key:1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, portrait)
			tc.open(r)
			r.want(tc.screen)
			r.clk.Advance(visit.DefaultIdle - time.Second)
			r.settle()
			r.want(tc.screen)
			r.tap(tc.touch)
			if tc.touch == "bar.language" {
				r.tap(tc.touch) // and back to Chinese
			}
			r.clk.Advance(visit.DefaultIdle - time.Second)
			r.settle()
			r.want(tc.screen)
			r.clk.Advance(2 * time.Second)
			r.settle()
			r.want("home")
		})
	}
}

// A card refused where no screen asked for one (an expired or unreadable
// card on the home screen or in the guide) says why, until the card is
// taken away or the screen touched. Before, nothing happened at all.
func TestRefusedCardOutsideIdentifySaysWhy(t *testing.T) {
	expired := "您的身份证已过有效期"
	unreadable := "未能读取身份证"
	r := newRig(t, portrait)
	r.a.CardReading()
	r.a.CardPresent(kiosktest.Resident, true, 0)
	r.settle()
	r.want("home")
	r.wantText(expired)
	r.a.CardRemoved()
	r.settle()
	r.want("home")
	r.wantNoText(expired)

	r.a.CardReading()
	r.a.CardError("checksum")
	r.settle()
	r.wantText(unreadable)
	r.tap("guide")
	r.want("guide")
	r.wantNoText(unreadable)

	r.a.CardReading()
	r.a.CardPresent(kiosktest.Resident, true, 0)
	r.settle()
	r.want("guide")
	r.wantText(expired)
}

// With the terminal's own table an agent keys a resident's name whose
// character is far down its syllable (䶮 among a hundred yan), page by
// page, and the candidates shown are the common ones first.
func TestKeyedNameWithTheTerminalsTable(t *testing.T) {
	for _, l := range layouts {
		t.Run(l.name, func(t *testing.T) {
			tab, err := kiosk.NewCharacterTable(assets.PinyinTable())
			if err != nil {
				t.Fatal(err)
			}
			r := newRig(t, l.size)
			r.a.opts.Characters = tab
			if l.elder {
				r.a.SetElder(true)
			}
			r.tap("apply")
			r.tap("apply.agent")
			r.card(kiosktest.AgentPerson)
			r.tap("identify.keyed")
			r.keys(kiosktest.Elder.IDNumber)
			r.tap("keyed.next")
			for _, c := range "liu" {
				r.tap("key:" + string(c))
			}
			r.tap("cand:刘") // a common surname: on the first page
			// The letter keys stay put as candidates come and go, and an
			// unfinished syllable is not called wrong.
			at := func() fyne.Position {
				return fyne.CurrentApp().Driver().AbsolutePositionForObject(r.find("key:y").(fyne.CanvasObject))
			}
			y := at()
			r.tap("key:y")
			r.wantText("请继续输入拼音")
			r.wantNoText("没有这个读音的字")
			if p := at(); p != y {
				t.Errorf("key Y moved from %v to %v", y, p)
			}
			for _, c := range "an" {
				r.tap("key:" + string(c))
			}
			if p := at(); p != y {
				t.Errorf("key Y moved from %v to %v with the candidates shown", y, p)
			}
			if r.find("cand:prev") == nil || r.find("cand:next") == nil {
				t.Fatal("no page keys for yan")
			}
			pages := 0
			for r.find("cand:䶮") == nil {
				if pages++; pages > 40 {
					t.Fatal("䶮 not found in 40 pages")
				}
				r.tap("cand:next")
			}
			checkTargets(t, r)
			checkDrawable(t, r) // the key 䶮
			r.tap("cand:䶮")
			r.wantText("刘䶮")
			checkDrawable(t, r) // the name keyed so far
			if r.find("cand:next") != nil {
				t.Error("page keys left after the character was chosen")
			}
		})
	}
}

// A receipt stopped part-way, whose printed part comes out once the paper
// is loaded, says so: the resident takes the part and the full reprint.
func TestPaperOutPartPrintsLater(t *testing.T) {
	r := newRig(t, portrait)
	r.rec.SetError(fmt.Errorf("printer: %w (%w)", kiosk.ErrPaperOut, kiosk.ErrPartPrintsLater))
	r.toNotice(kiosktest.Resident, "RS-SBZM")
	r.tap("apply.start")
	r.tap("review.confirm")
	r.want("outcome")
	r.wantText("打印机缺纸", "半张回执")
}

// Call staff is one tap from the idle warning too; the visit goes on.
func TestCallStaffFromTheIdleWarning(t *testing.T) {
	r := newRig(t, portrait)
	r.tap("cases")
	r.card(kiosktest.Resident)
	r.clk.Advance(visit.DefaultIdle)
	if r.a.visit.snap.State != visit.StateIdleWarning {
		t.Fatalf("state %s, want the idle warning", r.a.visit.snap.State)
	}
	checkTargets(t, r)
	r.tap("idle.callstaff")
	r.want("callstaff")
	if r.a.visit.snap.State == visit.StateIdleWarning || r.a.visit.snap.Resident == nil {
		t.Errorf("after calling staff: state %s, resident kept %v", r.a.visit.snap.State, r.a.visit.snap.Resident != nil)
	}
}

// Scrolling a long screen counts as a touch: a resident reading a notice
// by scrolling is not warned away.
func TestScrollingIsATouch(t *testing.T) {
	r := newRig(t, fyne.NewSize(1080, 800)) // short, so the notice scrolls
	r.toNotice(kiosktest.Resident, "RS-SBZM")
	var sc *container.Scroll
	var find func(o fyne.CanvasObject)
	find = func(o fyne.CanvasObject) {
		switch v := o.(type) {
		case *container.Scroll:
			if sc == nil {
				sc = v
			}
		case *fyne.Container:
			for _, c := range v.Objects {
				find(c)
			}
		}
	}
	find(r.w.Content())
	if sc == nil {
		t.Fatal("no scrolling on a short screen")
	}
	r.clk.Advance(visit.DefaultIdle - 10*time.Second)
	sc.Scrolled(&fyne.ScrollEvent{Scrolled: fyne.Delta{DY: -80}})
	r.clk.Advance(20 * time.Second)
	if s := r.a.visit.snap.State; s == visit.StateIdleWarning {
		t.Fatal("warned 20 s after a scroll")
	}
}
