package ui

import (
	"fmt"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/pudong-community/kiosk/kiosk"
	"github.com/pudong-community/kiosk/kiosk/kiosktest"
	"github.com/pudong-community/kiosk/kiosk/visit"
)

// The date picker never moves a date into another month by itself: a
// month on from 31 January is the end of February (28 or 29 days by the
// year), a year on from 29 February is 28 February, and the day asked for
// comes back where the month has it.
func TestDatePickerNeverRollsIntoAnotherMonth(t *testing.T) {
	now := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	steps := []struct {
		name  string
		start string
		do    func(p *datePicker)
		want  string
	}{
		{"31 Jan + 1 month", "2026-01-31", func(p *datePicker) { p.addMonths(1) }, "2026-02-28"},
		{"31 Jan + 1 month, leap year", "2028-01-31", func(p *datePicker) { p.addMonths(1) }, "2028-02-29"},
		{"31 Jan + 2 months", "2026-01-31", func(p *datePicker) { p.addMonths(1); p.addMonths(1) }, "2026-03-31"},
		{"31 Mar - 1 month", "2026-03-31", func(p *datePicker) { p.addMonths(-1) }, "2026-02-28"},
		{"31 May + 1 month", "2026-05-31", func(p *datePicker) { p.addMonths(1) }, "2026-06-30"},
		{"29 Feb + 1 year", "2028-02-29", func(p *datePicker) { p.addMonths(12) }, "2029-02-28"},
		{"29 Feb + 4 years", "2028-02-29", func(p *datePicker) { p.setYear(2032) }, "2032-02-29"},
		{"29 Feb + 1 year - 1 year", "2028-02-29", func(p *datePicker) { p.addMonths(12); p.addMonths(-12) }, "2028-02-29"},
		{"29 Feb to 1900 (not a leap year)", "2028-02-29", func(p *datePicker) { p.setYear(1900) }, "1900-02-28"},
		{"29 Feb to 2000 (a leap year)", "2028-02-29", func(p *datePicker) { p.setYear(2000) }, "2000-02-29"},
		{"15 Dec + 1 month: next year", "2026-12-15", func(p *datePicker) { p.addMonths(1) }, "2027-01-15"},
		{"15 Jan - 1 month: last year", "2026-01-15", func(p *datePicker) { p.addMonths(-1) }, "2025-12-15"},
		{"day 31 in a month of 30", "2026-04-30", func(p *datePicker) { p.setDay(31) }, "2026-04-30"},
		{"not before 1900", "1900-01-10", func(p *datePicker) { p.addMonths(-1) }, "1900-01-10"},
		{"not after 2100", "2100-12-10", func(p *datePicker) { p.addMonths(1); p.setYear(2101) }, "2100-12-10"},
		{"no value: today", "", func(p *datePicker) {}, "2026-11-27"},
		{"a bad value: today", "2026-02-30", func(p *datePicker) {}, "2026-11-27"},
	}
	for _, tc := range steps {
		t.Run(tc.name, func(t *testing.T) {
			p := newDatePicker(tc.start, now, kiosk.DateAround)
			tc.do(p)
			if got := p.value(); got != tc.want {
				t.Errorf("%s from %s: %s, want %s", tc.name, tc.start, got, tc.want)
			}
		})
	}
}

// A field not filled in opens where its dates usually are: a month back
// for a date that has happened (入职日期), the first of this month for a
// month, today for the others; a value already chosen is kept whatever
// the field.
func TestDatePickerStartsWhereTheFieldsDatesAre(t *testing.T) {
	now := time.Date(2026, 3, 31, 9, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		lean  kiosk.DateLean
		value string
		want  string
	}{
		{kiosk.DatePast, "", "2026-02-28"}, // a month back, the day kept where February has it
		{kiosk.DateMonth, "", "2026-03-01"},
		{kiosk.DateAround, "", "2026-03-31"},
		{kiosk.DatePast, "2019-07-04", "2019-07-04"},
		{kiosk.DateMonth, "2025-05-01", "2025-05-01"},
	} {
		p := newDatePicker(tc.value, now, tc.lean)
		if got := p.value(); got != tc.want {
			t.Errorf("lean %d, value %q: opens at %s, want %s", tc.lean, tc.value, got, tc.want)
		}
		p.addMonths(1)
		p.addMonths(-1)
		if got := p.value(); got != tc.want {
			t.Errorf("lean %d: a month on and back: %s, want %s", tc.lean, got, tc.want)
		}
	}
	// January's past field opens in December of the year before.
	if got := newDatePicker("", time.Date(2027, 1, 15, 9, 0, 0, 0, time.UTC), kiosk.DatePast).value(); got != "2026-12-15" {
		t.Errorf("a past field on 15 January 2027 opens at %s, want 2026-12-15", got)
	}
}

// A month's field (起始月份（首日）) has 本月 where the others have 今天,
// and it chooses the first of this month.
func TestDatePickerMonthFieldThisMonthKey(t *testing.T) {
	r := newRig(t, portrait)
	now := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		lean  kiosk.DateLean
		title string
		want  string
	}{{kiosk.DateMonth, "本月", "2026-11-01"}, {kiosk.DatePast, "今天", "2026-11-27"}} {
		p := newDatePicker("", now, tc.lean)
		p.addMonths(-5)
		p.build(r.a, nil, nil, nil)
		b := p.keys["today"]
		if b == nil || b.title != tc.title {
			t.Fatalf("lean %d: the key back is %+v, want %s", tc.lean, b, tc.title)
		}
		b.onTapped()
		if got := p.value(); got != tc.want {
			t.Errorf("lean %d: %s chose %s, want %s", tc.lean, tc.title, got, tc.want)
		}
	}
}

// toDateField opens 灵活就业登记 for the resident, whose first step is a
// date (就业开始日期).
func toDateField(t *testing.T, r *rig) {
	t.Helper()
	r.toNotice(kiosktest.Resident, "RS-LHJY")
	r.tap("apply.start")
	r.want("apply.form")
	r.wantText("就业开始日期", "已选：2026年10月27日 星期二") // a date that has happened: a month back
}

// A past date is a few taps away on the calendar: the year through its
// decade, the month, the day; the value goes to the review page.
func TestDatePickerPastDateInFewTaps(t *testing.T) {
	r := newRig(t, portrait)
	toDateField(t, r)
	checkTargets(t, r)
	taps := []string{"date:years", "date:decade:2010", "date:year:2019", "date:months", "date:month:3", "date:day:15"}
	for _, name := range taps {
		r.tap(name)
	}
	r.wantText("已选：2019年3月15日 星期五")
	if b, ok := r.find("date:day:15").(*button); !ok || b.st != styleSelected {
		t.Error("the chosen day is not marked")
	}
	checkTargets(t, r)
	r.tap("form.next")
	r.tap("form.next") // 预计月数 is optional
	r.want("review")
	r.wantText("2019-03-15")
}

// On the calendar a month on from the 31st shows the month's last day,
// named as chosen, and never the next month's first days.
func TestDatePickerMonthStepsKeepTheMonth(t *testing.T) {
	for _, tc := range []struct {
		lang  Lang
		elder bool
		size  fyne.Size
	}{{Chinese, false, portrait}, {English, true, portrait}, {Chinese, true, landscape}} {
		t.Run(fmt.Sprintf("%s elder=%v %v", tc.lang, tc.elder, tc.size), func(t *testing.T) {
			r := newRig(t, tc.size)
			r.a.SetLanguage(tc.lang)
			r.a.SetElder(tc.elder)
			r.toNotice(kiosktest.Resident, "RS-LHJY")
			r.tap("apply.start")
			r.tap("date:months")
			r.tap("date:month:1")
			r.tap("date:day:31")
			r.tap("date:next-month")
			want := map[Lang]string{Chinese: "已选：2026年2月28日", English: "Chosen: Sat 28 February 2026"}[tc.lang]
			r.wantText(want)
			if r.find("date:day:29") != nil || r.find("date:day:31") != nil {
				t.Error("February 2026 shows a 29th or 31st")
			}
			r.tap("date:next-month")
			r.wantText(map[Lang]string{Chinese: "已选：2026年3月31日", English: "Chosen: Tue 31 March 2026"}[tc.lang])
			r.tap("date:years")
			r.tap("date:decade:2020")
			r.tap("date:year:2028")
			r.tap("date:prev-month")
			r.wantText(map[Lang]string{Chinese: "已选：2028年2月29日", English: "Chosen: Tue 29 February 2028"}[tc.lang])
			r.tap("date:next-year")
			r.wantText(map[Lang]string{Chinese: "已选：2029年2月28日", English: "Chosen: Wed 28 February 2029"}[tc.lang])
			checkTargets(t, r)
			// 返回 closes a chooser before it leaves the field.
			r.tap("date:months")
			r.tap("nav.back")
			r.want("apply.form")
			if r.find("date:day:28") == nil {
				t.Error("返回 did not close the month chooser")
			}
		})
	}
}

// A free-text field the terminal does not ask for (终端无需填写) is no
// step: 灵活就业登记's three fields are two steps, the second the last.
func TestFormStepsSkipTextFields(t *testing.T) {
	r := newRig(t, portrait)
	r.toNotice(kiosktest.Resident, "RS-LHJY")
	r.wantText("共2项需填写")
	r.tap("apply.start")
	r.wantText("第1项 / 共2项")
	r.tap("form.next")
	r.wantText("第2项 / 共2项", "预计月数", "填好了，核对信息")
	r.wantNoText("备注")
	r.tap("nav.back")
	r.wantText("第1项 / 共2项")
	r.tap("form.next")
	r.keys("6")
	r.tap("form.next")
	r.want("review")
	// Back from the review page lands on the last step, not on the text.
	r.tap("review.edit")
	r.want("apply.form")
	r.wantText("第2项 / 共2项", "预计月数")
}

// padKeys are where a keypad's keys are, by name.
func padKeys(t *testing.T, find func(string) fyne.Tappable, prefix string, names ...string) map[string]fyne.Position {
	t.Helper()
	at := map[string]fyne.Position{}
	for _, n := range names {
		o, ok := find(prefix + n).(fyne.CanvasObject)
		if !ok {
			t.Fatalf("no key %q", prefix+n)
		}
		at[n] = fyne.CurrentApp().Driver().AbsolutePositionForObject(o)
	}
	return at
}

// checkPadLayout checks the one layout of the number pads: 1–9 in rows of
// three, then clear, 0, delete in the row under 7, 8, 9; the confirm key,
// when there is one, below the pad, never among its keys.
func checkPadLayout(t *testing.T, pad string, at map[string]fyne.Position, confirm fyne.Position) {
	t.Helper()
	rows := [][3]string{{"1", "2", "3"}, {"4", "5", "6"}, {"7", "8", "9"}, {"clear", "0", "delete"}}
	for i, row := range rows {
		for j, k := range row {
			if at[k].Y != at[row[0]].Y {
				t.Errorf("%s: %s is not in the row of %s", pad, k, row[0])
			}
			if at[k].X != at[rows[0][j]].X {
				t.Errorf("%s: %s is not under %s", pad, k, rows[0][j])
			}
			if i > 0 && at[k].Y <= at[rows[i-1][j]].Y {
				t.Errorf("%s: %s is not below %s", pad, k, rows[i-1][j])
			}
		}
	}
	if confirm.Y <= at["0"].Y {
		t.Errorf("%s: the confirm key (y %v) is not below the pad (0 at y %v)", pad, confirm.Y, at["0"].Y)
	}
}

// checkConfirm checks a pad's confirm key against the one place every
// confirm key has: green (styleSuccess), below the pad (whose lowest key
// ends at padBottom), at the bottom of the screen's content area and as
// wide as it. It returns the key's size, for comparing across screens.
func checkConfirm(t *testing.T, pad string, w fyne.Window, o fyne.Tappable, padBottom float32) fyne.Size {
	t.Helper()
	b, ok := o.(*button)
	if !ok {
		t.Fatalf("%s: no confirm key", pad)
	}
	if b.st != styleSuccess {
		t.Errorf("%s: the confirm key %s has style %v, not the confirm keys' styleSuccess", pad, b.name, b.st)
	}
	abs := fyne.CurrentApp().Driver().AbsolutePositionForObject
	pos, size := abs(b), b.Size()
	if pos.Y < padBottom {
		t.Errorf("%s: the confirm key %s (y %v) is not below the pad (its keys end at y %v)", pad, b.name, pos.Y, padBottom)
	}
	// The content area: the window's border layout holds it first, padded
	// (App.render).
	area := w.Content().(*fyne.Container).Objects[0].(*fyne.Container).Objects[0]
	ap, as := abs(area), area.Size()
	near := func(x, y float32) bool { return x-y < 1 && y-x < 1 }
	if !near(pos.Y+size.Height, ap.Y+as.Height) {
		t.Errorf("%s: the confirm key %s ends at y %v, not at the bottom of the content at y %v", pad, b.name, pos.Y+size.Height, ap.Y+as.Height)
	}
	if !near(pos.X, ap.X) || !near(size.Width, as.Width) {
		t.Errorf("%s: the confirm key %s is at x %v, %v wide; the content at x %v, %v wide", pad, b.name, pos.X, size.Width, ap.X, as.Width)
	}
	return size
}

// keysBottom is where the lowest of the keys named ends.
func keysBottom(t *testing.T, find func(string) fyne.Tappable, names ...string) float32 {
	t.Helper()
	var bottom float32
	for _, n := range names {
		o, ok := find(n).(fyne.CanvasObject)
		if !ok {
			t.Fatalf("no key %q", n)
		}
		bottom = max(bottom, fyne.CurrentApp().Driver().AbsolutePositionForObject(o).Y+o.Size().Height)
	}
	return bottom
}

// The phone, ID number (the form's and the agent's keyed one) and PIN pads
// have the same keys in the same places, and the ID number's X has its own
// place under the 0; the authorisation reference pad ends in the same
// clear, 0, delete row. Every pad's confirm key is the same green key in
// the same place: at the bottom of the screen, full width.
func TestOneKeypadLayout(t *testing.T) {
	keys := []string{"1", "2", "3", "4", "5", "6", "7", "8", "9", "clear", "0", "delete"}
	pos := func(o fyne.Tappable) fyne.Position {
		return fyne.CurrentApp().Driver().AbsolutePositionForObject(o.(fyne.CanvasObject))
	}
	prefixed := func(prefix string, names ...string) []string {
		var out []string
		for _, n := range names {
			out = append(out, prefix+n)
		}
		return out
	}
	sameSize := func(pad string, got, want fyne.Size) {
		t.Helper()
		if got != want {
			t.Errorf("%s: the confirm key is %v, the form's 下一步 %v", pad, got, want)
		}
	}

	r := newRig(t, portrait)
	r.toNotice(kiosktest.Resident, "JS-SYDJ")
	r.tap("apply.start")
	r.wantText("配偶身份证号")
	id := padKeys(t, r.find, "key:", append(keys, "X")...)
	checkPadLayout(t, "ID number", id, pos(r.find("form.next")))
	if id["X"].X != id["0"].X || id["X"].Y <= id["0"].Y {
		t.Errorf("X at %v is not under the 0 at %v", id["X"], id["0"])
	}
	next := checkConfirm(t, "ID number", r.w, r.find("form.next"), keysBottom(t, r.find, prefixed("key:", append(keys, "X")...)...))
	// On to the phone: the pad is the ID number's but for the X.
	r.keys(kiosktest.ID("31011519890101202"))
	r.tap("form.next")
	r.tap("form.next")
	r.tap("choice:第一孩")
	r.tap("form.next")
	r.wantText("请输入11位手机号码")
	phone := padKeys(t, r.find, "key:", keys...)
	checkPadLayout(t, "phone", phone, pos(r.find("form.next")))
	if r.find("key:X") != nil {
		t.Error("the phone pad has an X")
	}
	for _, k := range keys {
		if phone[k] != id[k] {
			t.Errorf("key %s is at %v on the phone pad, %v on the ID pad", k, phone[k], id[k])
		}
	}
	sameSize("phone", checkConfirm(t, "phone", r.w, r.find("form.next"), keysBottom(t, r.find, prefixed("key:", keys...)...)), next)

	// The agent keys the resident's ID number on the form's ID pad.
	ag := newRig(t, portrait)
	ag.tap("apply")
	ag.tap("apply.agent")
	ag.card(kiosktest.AgentPerson)
	ag.tap("identify.keyed")
	keyed := padKeys(t, ag.find, "key:", append(keys, "X")...)
	checkPadLayout(t, "keyed ID number", keyed, pos(ag.find("keyed.next")))
	if keyed["X"].X != keyed["0"].X || keyed["X"].Y <= keyed["0"].Y {
		t.Errorf("keyed ID number: X at %v is not under the 0 at %v", keyed["X"], keyed["0"])
	}
	for _, k := range append(keys, "X") {
		if keyed[k].X != id[k].X {
			t.Errorf("key %s is at x %v on the agent's ID pad, %v on the form's", k, keyed[k].X, id[k].X)
		}
	}
	sameSize("keyed ID number", checkConfirm(t, "keyed ID number", ag.w, ag.find("keyed.next"), keysBottom(t, ag.find, prefixed("key:", append(keys, "X")...)...)), next)

	// The authorisation reference: letters and '-' above, then clear, 0,
	// delete in a row of their own, the number pads' bottom row.
	ag.keys(kiosktest.Elder.IDNumber)
	ag.tap("keyed.next")
	for _, c := range "wang" {
		ag.tap("key:" + string(c))
	}
	ag.tap("cand:王")
	ag.tap("keyed.done")
	if ag.a.visit.snap.Step != visit.StepAuthorisation {
		t.Fatalf("step %s after keying the resident", ag.a.visit.snap.Step)
	}
	var grid []string
	for _, c := range "123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-" {
		grid = append(grid, string(c))
	}
	code := padKeys(t, ag.find, "key:", append(grid, "clear", "0", "delete")...)
	if code["clear"].Y != code["0"].Y || code["delete"].Y != code["0"].Y {
		t.Errorf("authorisation: clear %v, 0 %v and delete %v are not in one row", code["clear"], code["0"], code["delete"])
	}
	var low []string
	for _, k := range grid {
		if code[k].Y >= code["0"].Y {
			low = append(low, k)
		}
	}
	if len(low) > 0 {
		t.Errorf("authorisation: keys %q are not above the clear, 0, delete row at y %v", low, code["0"].Y)
	}
	// The row spans the pad in that order: clear at its left edge, the 0
	// in the middle, delete at its right edge.
	size := func(n string) fyne.Size { return ag.find("key:" + n).(fyne.CanvasObject).Size() }
	left, right := code["1"].X, code["1"].X
	for _, k := range grid {
		right = max(right, code[k].X+size(k).Width)
	}
	near := func(x, y float32) bool { return x-y < 1 && y-x < 1 }
	if !near(code["clear"].X, left) || !near(code["delete"].X+size("delete").Width, right) ||
		!near(code["0"].X+size("0").Width/2, (left+right)/2) {
		t.Errorf("authorisation: clear at x %v, 0 centred at x %v, delete ending at x %v; the pad spans x %v to %v",
			code["clear"].X, code["0"].X+size("0").Width/2, code["delete"].X+size("delete").Width, left, right)
	}
	sameSize("authorisation", checkConfirm(t, "authorisation", ag.w, ag.find("auth.done"), keysBottom(t, ag.find, prefixed("key:", append(grid, "clear", "0", "delete")...)...)), next)

	m := newMaintRig(t)
	if m.w.Canvas().Size() != r.w.Canvas().Size() {
		t.Fatalf("the maintenance rig's window is %v, the resident's %v", m.w.Canvas().Size(), r.w.Canvas().Size())
	}
	m.openEntry()
	pin := padKeys(t, m.find, "maint.key:", keys...)
	checkPadLayout(t, "PIN", pin, pos(m.find("maint.key:ok")))
	sameSize("PIN", checkConfirm(t, "PIN", m.w, m.find("maint.key:ok"), keysBottom(t, m.find, prefixed("maint.key:", keys...)...)), next)
	// Delete takes back the last digit only.
	for _, k := range []string{"1", "2", "3", "delete", "4"} {
		m.tap("maint.key:" + k)
	}
	if e := m.a.Current().(*maintEntryScreen); e.pin != "124" {
		t.Errorf("PIN after 1 2 3 delete 4 is %q", e.pin)
	}
}

// The outcome has no 返回 (the submission is made, there is no step back
// that does anything); the take-your-card screen has no way past it; the
// goodbye, once the card is taken, has one way home, its own button, and
// it goes home.
func TestOutcomeAndGoodbyeNavigation(t *testing.T) {
	r := newRig(t, portrait)
	r.toNotice(kiosktest.Resident, "RS-SBZM") // no fields
	r.tap("apply.start")
	r.tap("review.confirm")
	// homeNoBack: the screen offers 首页 and 结束办理 but no 返回.
	homeNoBack := func(screen string) {
		t.Helper()
		if r.find("nav.back") != nil {
			t.Errorf("the %s shows 返回", screen)
		}
		if r.find("nav.home") == nil || r.find("nav.finish") == nil {
			t.Errorf("the %s lacks 首页 or 结束办理", screen)
		}
	}
	r.want("outcome")
	homeNoBack("outcome")
	r.tap("outcome.done")
	r.want("takecard")
	for _, name := range []string{"nav.back", "nav.home", "nav.finish"} {
		if r.find(name) != nil {
			t.Errorf("the take-your-card screen shows %s", name)
		}
	}
	r.takeCard()
	for _, name := range []string{"nav.back", "nav.home", "nav.finish"} {
		if r.find(name) != nil {
			t.Errorf("the goodbye shows %s beside its own button", name)
		}
	}
	r.tap("ended.home")
	r.want("home")
	if s := r.a.visit.snap.State; s != visit.StateHome {
		t.Errorf("state %s after 返回首页", s)
	}

	// The central system's refusal, like the outcome: no 返回 that would
	// do what 首页 does.
	r.sub.SetReject(&kiosk.RejectedError{Code: "duplicate_application", CaseNo: "PD2026111900007"})
	r.toNotice(kiosktest.Resident, "RS-SBZM")
	r.tap("apply.start")
	r.tap("review.confirm")
	r.want("refused")
	homeNoBack("refusal")
}

// 结束办理 has one colour wherever it shows: the menu's tile, the idle
// warning's key and the bottom bar's button.
func TestFinishHasOneColour(t *testing.T) {
	r := newRig(t, portrait)
	r.tap("cases")
	r.card(kiosktest.Resident)
	r.tap("nav.home")
	r.want("menu")
	tile, ok := r.find("menu.finish").(*button)
	if !ok {
		t.Fatal("no 结束办理 on the menu")
	}
	bar, ok := r.find("nav.finish").(*barButton)
	if !ok {
		t.Fatal("no 结束办理 in the bar")
	}
	bg, _, _, _ := tile.colors()
	if bg != bar.bg {
		t.Errorf("the menu's 结束办理 is %v, the bar's %v", bg, bar.bg)
	}
	r.clk.Advance(r.a.visit.m.Snapshot().Deadline.Sub(r.clk.Now()))
	end, ok := r.find("idle.end").(*button)
	if !ok {
		t.Fatal("no 结束办理 on the idle warning")
	}
	if bg, _, _, _ := end.colors(); bg != bar.bg {
		t.Errorf("the idle warning's 结束办理 is %v, the bar's %v", bg, bar.bg)
	}
}

// targetsAt are the places of the tappable targets named with prefix.
func targetsAt(w fyne.Window, prefix string) map[string]fyne.Position {
	at := map[string]fyne.Position{}
	for _, tg := range Inspect(w) {
		if tg.Tappable && len(tg.Name) > len(prefix) && tg.Name[:len(prefix)] == prefix {
			at[tg.Name] = tg.Pos
		}
	}
	return at
}

// A banner that appears in the middle of a flow moves nothing: the list's
// items are where they were, and a tap aimed at one before the banner came
// lands on it after.
func TestBannerDoesNotMoveTargets(t *testing.T) {
	for _, tc := range []struct {
		elder bool
		size  fyne.Size
	}{{false, portrait}, {true, portrait}, {false, landscape}, {true, landscape}} {
		t.Run(fmt.Sprintf("elder=%v %v", tc.elder, tc.size), func(t *testing.T) {
			r := newRig(t, tc.size)
			r.a.SetElder(tc.elder)
			r.tap("apply")
			r.tap("apply.self")
			r.card(kiosktest.Resident)
			r.want("apply.items")
			if r.find("elder.no") != nil {
				r.tap("elder.no")
			}
			before := targetsAt(r.w, "item:")
			if len(before) < 2 {
				t.Fatalf("%d items on the list", len(before))
			}
			r.a.SetOnline(false)
			r.a.SetDeviceProblems([]DeviceProblem{{DeviceKey: DevicePrinter, Reason: "reason.paper_out"}})
			r.settle()
			r.wantText(r.a.T("banner.offline"))
			after := targetsAt(r.w, "item:")
			for name, p := range before {
				if after[name] != p {
					t.Errorf("%s moved from %v to %v when the banners came", name, p, after[name])
				}
			}
			// The tap aimed before the banners lands on its item.
			var aim string
			for name := range before {
				if aim == "" || name < aim {
					aim = name
				}
			}
			o := r.find(aim).(fyne.CanvasObject)
			test.TapCanvas(r.w.Canvas(), before[aim].Add(fyne.NewPos(o.Size().Width/2, o.Size().Height/2)))
			r.settle()
			r.want("apply.notice")
			if it := r.a.visit.snap.Item; it == nil || "item:"+it.Code != aim {
				t.Errorf("the tap aimed at %s opened %+v", aim, it)
			}
		})
	}
}

// tappables is where each named tappable target of w is and how big.
func tappables(w fyne.Window) map[string]Target {
	at := map[string]Target{}
	for _, tg := range Inspect(w) {
		if tg.Tappable && tg.Name != "" {
			at[tg.Name] = tg
		}
	}
	return at
}

// tapAt taps the middle of where target tg was.
func (r *rig) tapAt(tg Target) {
	test.TapCanvas(r.w.Canvas(), tg.Pos.Add(fyne.NewPos(tg.Size.Width/2, tg.Size.Height/2)))
	r.settle()
}

// overlaps reports whether two targets' rectangles overlap.
func overlaps(a, b Target) bool {
	return a.Pos.X < b.Pos.X+b.Size.Width && b.Pos.X < a.Pos.X+a.Size.Width &&
		a.Pos.Y < b.Pos.Y+b.Size.Height && b.Pos.Y < a.Pos.Y+a.Size.Height
}

// richText finds the rich text saying s in o.
func richText(o fyne.CanvasObject, s string) *widget.RichText {
	switch v := o.(type) {
	case *widget.RichText:
		if v.String() == s {
			return v
		}
	case *fyne.Container:
		for _, c := range v.Objects {
			if rt := richText(c, s); rt != nil {
				return rt
			}
		}
	case *container.Scroll:
		return richText(v.Content, s)
	case *secretTap:
		return richText(v.content, s)
	}
	return nil
}

// wantNotice checks that the notice of a refused card saying msg shows,
// or not.
func (r *rig) wantNotice(msg string, shown bool) {
	r.t.Helper()
	_, tappable := tappables(r.w)["card.refused"]
	if got := richText(r.w.Canvas().Content(), msg) != nil; got != shown || tappable != shown {
		r.t.Errorf("on %s the notice %q shows: %v (tappable %v), want %v", r.a.Current().Name(), msg, got, tappable, shown)
	}
}

// layExpired lays an expired card on the reader.
func (r *rig) layExpired() {
	r.a.CardReading()
	r.a.CardPresent(kiosktest.Expired, true, 0)
	r.settle()
}

// An expired card laid on the home screen between two taps: its notice
// shows, readable, over the top of the window; no target moves, none of
// the tiles is covered, and the tap aimed at a tile before the card came
// lands on that tile (and is the touch that takes the notice away).
func TestRefusedCardDoesNotMoveTargets(t *testing.T) {
	for _, size := range []fyne.Size{portrait, landscape} {
		for _, elder := range []bool{false, true} {
			for _, lang := range []Lang{Chinese, English} {
				t.Run(fmt.Sprintf("%v elder=%v %s", size, elder, lang), func(t *testing.T) {
					r := newRig(t, size)
					r.a.SetElder(elder)
					r.a.SetLanguage(lang)
					r.settle()
					r.want("home")
					before := tappables(r.w)
					if len(before) < 6 {
						t.Fatalf("%d targets on the home screen", len(before))
					}
					r.layExpired()
					msg := r.a.T("identify.expired")
					r.wantNotice(msg, true)
					after := tappables(r.w)
					n, ok := after["card.refused"]
					for name, tg := range before {
						if after[name].Pos != tg.Pos || after[name].Size != tg.Size {
							t.Errorf("%s moved from %v %v to %v %v when the card was refused", name, tg.Pos, tg.Size, after[name].Pos, after[name].Size)
						}
						if ok && overlaps(n, tg) {
							t.Errorf("the notice %v %v covers %s at %v %v", n.Pos, n.Size, name, tg.Pos, tg.Size)
						}
					}
					// Readable: at the screen's text size at least, and whole.
					rt := richText(r.w.Canvas().Content(), msg)
					if rt == nil {
						t.Fatal("no notice of the refused card")
					}
					if sz := rt.Segments[0].(*widget.TextSegment).Style.SizeName; sz != theme.SizeNameText && sz != theme.SizeNameSubHeadingText {
						t.Errorf("the notice's text is at %s", sz)
					}
					if rt.MinSize().Height > rt.Size().Height+1 {
						t.Errorf("the notice's text needs %v, has %v", rt.MinSize(), rt.Size())
					}
					r.tapAt(before["guide"])
					r.want("guide")
					r.wantNotice(msg, false)
				})
			}
		}
	}
}

// Where the notice of a refused card cannot fit above the screen's first
// target (the guide's search button is right under the bar), it covers
// the top of the screen rather than push it down: a tap on it takes it
// away and opens nothing beneath; the targets are where they were. Taking
// the card away takes it away too.
func TestRefusedCardNoticeTapDismisses(t *testing.T) {
	for _, elder := range []bool{false, true} {
		r := newRig(t, portrait)
		r.a.SetElder(elder)
		r.a.SetLanguage(English)
		r.tap("guide")
		r.want("guide")
		before := tappables(r.w)
		r.layExpired()
		msg := r.a.T("identify.expired")
		r.wantNotice(msg, true)
		after := tappables(r.w)
		for name, tg := range before {
			if after[name].Pos != tg.Pos {
				t.Errorf("elder=%v: %s moved from %v to %v when the card was refused", elder, name, tg.Pos, after[name].Pos)
			}
		}
		r.tapAt(after["card.refused"])
		r.want("guide")
		r.wantNotice(msg, false)
		if r.a.visit.snap.Item != nil || r.a.Current().Name() != "guide" {
			t.Errorf("elder=%v: the tap on the notice went through to %s", elder, r.a.Current().Name())
		}
		r.a.CardRemoved()
		r.settle()
		r.layExpired()
		r.wantNotice(msg, true)
		r.a.CardRemoved()
		r.settle()
		r.wantNotice(msg, false)
	}
}

// The elder-mode offer answered 不用了 leaves its place to a short answer
// of the same height: the list under it does not move up under the
// resident's next tap, which lands on the item aimed at before.
func TestElderOfferAnswerDoesNotMoveTargets(t *testing.T) {
	for _, size := range []fyne.Size{portrait, landscape} {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			r := newRig(t, size)
			r.tap("apply")
			r.tap("apply.self")
			r.card(kiosktest.Elder)
			r.want("apply.items")
			r.wantText("您已年满60周岁")
			before := targetsAt(r.w, "item:")
			if len(before) < 2 {
				t.Fatalf("%d items on the list", len(before))
			}
			aim := ""
			for name := range before {
				if aim == "" || name < aim {
					aim = name
				}
			}
			o := r.find(aim).(fyne.CanvasObject)
			sz := o.Size()
			r.tap("elder.no")
			r.want("apply.items")
			r.wantNoText("您已年满60周岁")
			r.wantText(r.a.T("elder.offer.kept"))
			if r.a.visit.snap.ElderOffered || r.a.Elder() {
				t.Fatalf("after 不用了: offered %v, elder %v", r.a.visit.snap.ElderOffered, r.a.Elder())
			}
			after := targetsAt(r.w, "item:")
			for name, p := range before {
				if after[name] != p {
					t.Errorf("%s moved from %v to %v when the offer was answered", name, p, after[name])
				}
			}
			test.TapCanvas(r.w.Canvas(), before[aim].Add(fyne.NewPos(sz.Width/2, sz.Height/2)))
			r.settle()
			r.want("apply.notice")
			if it := r.a.visit.snap.Item; it == nil || "item:"+it.Code != aim {
				t.Errorf("the tap aimed at %s opened %+v", aim, it)
			}
			// The answer is for that screen only.
			r.tap("nav.back")
			r.want("apply.items")
			r.wantNoText(r.a.T("elder.offer.kept"), "您已年满60周岁")
		})
	}
}

// The elder-mode offer shows once a visit, above the screen it first shows
// on: gone on to another screen, it does not come back.
func TestElderOfferOncePerVisit(t *testing.T) {
	r := newRig(t, portrait)
	r.tap("apply")
	r.tap("apply.self")
	r.card(kiosktest.Elder)
	r.want("apply.items")
	r.wantText("您已年满60周岁")
	items := targetsAt(r.w, "item:")
	var first string
	for name := range items {
		if first == "" || name < first {
			first = name
		}
	}
	r.tap(first)
	r.want("apply.notice")
	r.wantNoText("您已年满60周岁")
	r.tap("nav.back")
	r.want("apply.items")
	r.wantNoText("您已年满60周岁")
	if r.a.visit.snap.ElderOffered {
		t.Error("the visit still offers elder mode")
	}
}

// In the agent flow the offer is the agent's, for the agent's own age,
// and the greeting is the agent's, naming the resident acted for.
func TestAgentFlowGreetsTheAgent(t *testing.T) {
	r := newRig(t, portrait)
	r.tap("apply")
	r.tap("apply.agent")
	r.card(kiosktest.Elder) // the agent is 78
	r.wantText("您已年满60周岁")
	r.tap("elder.no")
	r.card(kiosktest.AgentPerson) // the resident is 34
	r.wantText("您好，王秀英（代办人，", "为委托人办理：李志强（")
	r.wantNoText("您好，李志强")
	r.keys("WT-1")
	r.tap("rel:relation.child")
	r.tap("auth.done")
	r.want("apply.items")
	r.wantNoText("您已年满60周岁")
}

// The banners lie over the centre's name, and staff still open the PIN
// screen with five taps there: the taps go through to the name beneath.
func TestBannersLeaveTheLogoTappable(t *testing.T) {
	r := newMaintRig(t)
	r.a.SetOnline(false)
	r.a.SetDeviceProblems([]DeviceProblem{{DeviceKey: DevicePrinter, Reason: "reason.paper_out"}})
	r.settle()
	r.wantText(r.a.T("banner.offline"))
	o := r.find("logo").(fyne.CanvasObject)
	at := fyne.CurrentApp().Driver().AbsolutePositionForObject(o).Add(fyne.NewPos(o.Size().Width/2, o.Size().Height/2))
	for range 5 {
		test.TapCanvas(r.w.Canvas(), at)
		r.settle()
		r.clk.Add(300 * time.Millisecond)
	}
	r.want("maint.entry")
}
