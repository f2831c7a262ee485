package ui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/pudong-community/kiosk/kiosk"
	"github.com/pudong-community/kiosk/kiosk/kiosktest"
	"github.com/pudong-community/kiosk/kiosk/visit"
)

// centreRig is a rig with the v1.1 services: the sample centre (open on
// the test's Friday morning), its queue and 14 days of slots.
type centreRig struct {
	*rig
	centre *kiosktest.Center
	appts  *kiosktest.Appointments
}

// centreCatalog is the sample catalogue with counter categories: the
// civil-affairs items at 民政窗口.
func centreCatalog() *kiosktest.Catalog {
	c := kiosktest.SampleCatalog()
	for i := range c.Items {
		if strings.HasPrefix(c.Items[i].Code, "MZ-") {
			c.Items[i].CounterCategory = "civil"
		}
		if c.Items[i].Code == "RS-LHJY" {
			// A required free text: the terminal cannot take it.
			c.Items[i].CounterCategory = "social"
			c.Items[i].Fields = append([]kiosk.Field{{Key: "why", Label: "情况说明", LabelEn: "Explanation", Type: kiosk.FieldText, Required: true}}, c.Items[i].Fields...)
		}
	}
	return kiosktest.NewCatalog(c, kiosktest.SampleInitials)
}

func newCentreRig(t testing.TB, size fyne.Size, now func() time.Time) *centreRig {
	t.Helper()
	if now == nil {
		now = fixedNow
	}
	cr := &centreRig{}
	cr.centre = kiosktest.NewCenter(kiosktest.SampleCenter(), now)
	cr.appts = kiosktest.NewAppointments(kiosktest.SampleCenter(), now())
	cr.rig = newRigWith(t, size, func(o *Options) {
		o.Now = now
		o.Catalog = centreCatalog()
		o.Center = cr.centre
		o.Appointments = cr.appts
	})
	cr.a.loadCenter()
	cr.settle()
	return cr
}

// toItem walks the guide to an item of 民政.
func (r *centreRig) toItem(code string) {
	r.t.Helper()
	r.tap("guide")
	test.Tap(r.a.Current().(*guideScreen).rows[0]) // 民政
	r.settle()
	r.tap("item:" + code)
	r.want("guide.item")
}

func (r *centreRig) ticketNo() string {
	s, ok := r.a.Current().(*ticketScreen)
	if !ok || s.take.state != loadLoaded {
		return ""
	}
	return s.take.val.TicketNo
}

func TestHomeShowsTheCentre(t *testing.T) {
	r := newCentreRig(t, portrait, nil)
	r.wantText("中心正在办公，今天 17:00 下班", "今天办公时间：09:00–17:00", "咨询电话：021-58880000", "取号", "预约")
	checkTargets(t, r.rig)
	r.tap("bar.language")
	r.wantText("The centre is open until 17:00 today", "Hotline: 021-58880000", "Take a ticket", "Book a visit")
	checkNoMissingKeys(t)

	// In the evening: closed, and when it opens next.
	late := func() time.Time { return fixedNow().Add(11 * time.Hour) } // Friday 20:30
	r2 := newCentreRig(t, portrait, late)
	r2.wantText("中心现在不办公，下次开放：明天 09:00", "今天办公时间：09:00–17:00")
	// Offline: the centre stays (cached), tickets and bookings say at once
	// that they need the network.
	r2.centre.SetErrors(kiosk.ErrOffline, kiosk.ErrOffline, kiosk.ErrOffline)
	r2.a.SetOnline(false)
	r2.settle()
	r2.wantText("咨询电话：021-58880000", "需要网络，现在不能取号", "需要网络，现在不能预约")
}

// A 流转件 cannot be done at the terminal: the hand-off says why and takes
// a ticket for the item's counter in one tap; a second ticket for the same
// counters is asked about first.
func TestForwardedItemToTicket(t *testing.T) {
	r := newCentreRig(t, portrait, nil)
	r.toItem("MZ-DB")
	r.wantText("此事项请到窗口办理。")
	r.tap("item.handoff")
	r.want("handoff")
	r.wantText("这是流转件", "最低生活保障申请", "办理窗口：民政窗口", "现在取号（民政窗口）", "前面有 3 人，约等 18 分钟", "预约其他时间", "呼叫工作人员")
	checkTargets(t, r.rig)
	r.tap("handoff.ticket")
	r.want("ticket")
	if got := r.ticketNo(); got != "B021" {
		t.Fatalf("ticket %q, want B021; texts %q", got, texts(r.w))
	}
	r.wantText("B021", "请到：民政窗口", "前面有 3 人，约等 18 分钟", "号票已打印")
	checkTargets(t, r.rig)
	reqs := r.centre.Requests()
	if len(reqs) != 1 || reqs[0].Category != "civil" || reqs[0].ItemCode != "MZ-DB" || reqs[0].Reason != kiosk.TicketForwardedItem || reqs[0].Holder != nil {
		t.Fatalf("ticket requests %+v", reqs)
	}
	printed := r.rec.Printed()
	if len(printed) != 1 || printed[0].Ticket == nil || printed[0].Ticket.TicketNo != "B021" || printed[0].Ticket.CounterZH != "民政窗口" ||
		printed[0].QRPayload != "https://queue.example.gov.cn/t/B021" {
		t.Fatalf("slips printed %+v", printed)
	}
	if _, err := r.rec.Render(printed[0]); err != nil {
		t.Fatalf("the slip does not render: %v", err)
	}
	served := r.a.visit.v.served
	if len(served) != 1 || served[0].Service != kiosk.RateTicket || served[0].TicketNo != "B021" {
		t.Errorf("services noted %+v", served)
	}
	// Again, a moment later: asked first; "no" shows the ticket held.
	r.tap("nav.back")
	r.want("handoff")
	r.tap("handoff.ticket")
	r.wantText("您已取号 B021，还要再取一张吗？")
	r.tap("ticket.again.no")
	r.wantText("B021")
	if n := len(r.centre.Requests()); n != 1 {
		t.Fatalf("%d ticket requests after no", n)
	}
	r.tap("nav.back")
	r.tap("handoff.ticket")
	r.tap("ticket.again.yes")
	if got := r.ticketNo(); got != "B022" {
		t.Fatalf("second ticket %q", got)
	}
	r.tap("ticket.done")
	checkNoMissingKeys(t)
}

// An expired card: the identify screen offers the counter; the ticket
// needs no card (none is sent), and no booking is offered (it would need
// a valid card).
func TestExpiredCardToTicket(t *testing.T) {
	r := newCentreRig(t, portrait, nil)
	r.tap("apply")
	r.tap("apply.self")
	r.want("identify")
	r.card(kiosktest.Expired)
	r.wantText("您的身份证已过有效期")
	r.tap("identify.handoff")
	r.want("handoff")
	r.wantText("您的身份证已过有效期，终端无法使用。窗口可以为您办理。", "现在取号（综合窗口）")
	if r.find("handoff.book") != nil {
		t.Error("a booking is offered for an expired card")
	}
	r.tap("handoff.ticket")
	if got := r.ticketNo(); got != "A021" {
		t.Fatalf("ticket %q; texts %q", got, texts(r.w))
	}
	reqs := r.centre.Requests()
	if len(reqs) != 1 || reqs[0].Reason != kiosk.TicketCardProblem || reqs[0].Category != kiosk.CounterGeneral || reqs[0].Holder != nil {
		t.Fatalf("requests %+v", reqs)
	}
}

// The queue cannot be reached: no ticket is made up; the screen says so
// and offers call staff. Offline, it says so at once without asking.
func TestQueueUnreachableNoTicket(t *testing.T) {
	r := newCentreRig(t, portrait, nil)
	r.centre.SetErrors(nil, nil, fmt.Errorf("intake: 503: %w", kiosk.ErrOffline))
	r.tap("home.ticket")
	r.want("ticket")
	r.tap("ticket.cat:general")
	r.wantText("叫号系统没有回应，没有取到号")
	if r.find("ticket.callstaff") == nil {
		t.Fatal("no call staff offered")
	}
	if len(r.centre.Issued()) != 0 || r.ticketNo() != "" || len(r.rec.Printed()) != 0 {
		t.Fatal("a ticket was made up")
	}
	r.tap("ticket.callstaff")
	r.want("callstaff")

	r2 := newCentreRig(t, portrait, nil)
	r2.a.SetOnline(false)
	r2.settle()
	r2.tap("home.ticket")
	r2.wantText("网络不通，现在不能取号")
	if r2.find("ticket.callstaff") == nil {
		t.Fatal("offline: no call staff offered")
	}
	if n := len(r2.centre.Requests()); n != 0 {
		t.Fatalf("offline: %d requests sent", n)
	}
	r2.tap("nav.home")
	r2.tap("guide") // the rest keeps working
	r2.want("guide")
}

// The centre closed: when it opens next, and a booking offered.
func TestCentreClosedOffersBooking(t *testing.T) {
	r := newCentreRig(t, portrait, nil)
	next := time.Date(2026, 11, 28, 9, 0, 0, 0, kiosk.Zone())
	r.centre.SetErrors(nil, nil, &kiosk.CenterClosedError{Message: "closed", Next: next})
	r.tap("home.ticket")
	r.tap("ticket.cat:civil")
	r.wantText("中心现在不办公，不能取号。下次开放：明天 09:00")
	r.tap("ticket.book")
	r.want("identify")
	if s := r.a.visit.snap; s.Purpose != visit.PurposeBook {
		t.Fatalf("purpose %v", s.Purpose)
	}
	r.card(kiosktest.Resident)
	r.want("appointment")

	// Known closed from the hours (Sunday afternoon): the chooser says so
	// at once, without asking the queue for a ticket.
	sunday := func() time.Time { return time.Date(2026, 11, 29, 15, 0, 0, 0, kiosk.Zone()) }
	r2 := newCentreRig(t, portrait, sunday)
	r2.centre.SetQueue(kiosk.QueueState{AsOf: sunday(), Open: false})
	r2.tap("home.ticket")
	r2.wantText("下次开放：明天 09:00")
	if r2.find("ticket.book") == nil {
		t.Error("no booking offered")
	}
	if n := len(r2.centre.Requests()); n != 0 {
		t.Fatalf("%d requests while closed", n)
	}
}

// From the item's page to a booked appointment and its slip.
func TestItemToAppointmentSlip(t *testing.T) {
	for _, elder := range []bool{false, true} {
		t.Run(fmt.Sprintf("elder=%v", elder), func(t *testing.T) {
			r := newCentreRig(t, portrait, nil)
			if elder {
				r.tap("elder")
			}
			r.toItem("MZ-LNJT")
			r.tap("item.book")
			r.want("identify")
			r.card(kiosktest.Resident)
			r.want("appointment")
			r.wantText("老年综合津贴申请 · 民政窗口", "11月27日", "28日 周六", "12月1日", "晚至20:00", "余 18")
			checkTargets(t, r.rig)
			r.tap("day:2026-11-28")
			r.wantText("11月28日 星期六 可预约时段", "09:00–09:30", "余 3 位")
			checkTargets(t, r.rig)
			r.tap("slot:S202611280900")
			r.keys("13800138000")
			checkTargets(t, r.rig)
			r.tap("book.confirm")
			r.wantText("预约成功", "11月28日 星期六 09:00–09:30", "预约号：YY20261128001", "预约凭条已打印")
			reqs := r.appts.Requests()
			if len(reqs) != 1 || reqs[0].ID == "" || reqs[0].Phone != "13800138000" || reqs[0].ItemCode != "MZ-LNJT" ||
				reqs[0].Applicant.IDNumber != kiosktest.Resident.IDNumber || reqs[0].Agent != nil {
				t.Fatalf("requests %+v", reqs)
			}
			printed := r.rec.Printed()
			if len(printed) != 1 || printed[0].Appointment == nil || printed[0].Appointment.AppointmentNo != "YY20261128001" ||
				printed[0].ItemName != "老年综合津贴申请" || printed[0].Appointment.CounterZH != "民政窗口" {
				t.Fatalf("printed %+v", printed)
			}
			if _, err := r.rec.Render(printed[0]); err != nil {
				t.Fatalf("the slip does not render: %v", err)
			}
			if sv := r.a.visit.v.served; len(sv) != 1 || sv[0].Service != kiosk.RateAppointment || sv[0].AppointmentNo != "YY20261128001" {
				t.Errorf("served %+v", sv)
			}
			r.wantNoText(kiosktest.Resident.IDNumber)
			checkNoMissingKeys(t)
		})
	}
}

// The slot is taken while the resident keys the phone: the alternatives
// are offered and one of them booked; a lost answer is retried under the
// same request ID and books once.
func TestSlotTakenMeanwhileAlternative(t *testing.T) {
	r := newCentreRig(t, portrait, nil)
	r.tap("home.book")
	r.tap("book.self")
	r.card(kiosktest.Resident)
	r.want("appointment")
	r.tap("item:MZ-DB")
	r.tap("day:2026-11-30")
	r.tap("slot:S202611300900")
	r.keys("13800138000")
	r.appts.Take("S202611300900")
	r.tap("book.confirm")
	r.wantText("您选的时段刚刚约满了。", "可改约以下时段")
	alt := r.appts.Requests()
	if len(alt) != 1 {
		t.Fatalf("requests %d", len(alt))
	}
	// The alternatives are the fake's first three free slots (today's).
	r.tap("slot:S202611271000")
	r.appts.LoseAnswer = true
	r.tap("book.confirm")
	r.wantText("没有收到预约结果")
	r.tap("book.confirm")
	r.wantText("预约成功")
	reqs := r.appts.Requests()
	if len(reqs) != 3 || reqs[1].ID != reqs[2].ID || reqs[0].ID == reqs[1].ID {
		t.Fatalf("request IDs %q %q %q", reqs[0].ID, reqs[1].ID, reqs[2].ID)
	}
	if b := r.appts.Booked(); len(b) != 1 {
		t.Fatalf("booked %d times", len(b))
	}
	// Already booked that day for the item: said plainly.
	r.tap("book.finish")
	r.tap("menu.book")
	r.tap("item:MZ-DB")
	r.tap("day:2026-11-27")
	r.tap("slot:S202611271030")
	r.keys("13800138000")
	r.tap("book.confirm")
	r.wantText("您这天已经预约过这个事项")
}

// 我的办件 lists the appointments beside the cases, each with cancel,
// asked once more.
func TestCancelFromMyCases(t *testing.T) {
	r := newCentreRig(t, portrait, nil)
	ap, err := r.appts.Book(t.Context(), kiosk.AppointmentRequest{ID: "x1", SlotID: "S202612011830", ItemCode: "MZ-DB", Applicant: kiosktest.Resident, Phone: "13800138000"})
	if err != nil {
		t.Fatal(err)
	}
	r.tap("cases")
	r.card(kiosktest.Resident)
	r.want("cases")
	r.wantText("我的预约", "12月1日 星期二 18:30", "最低生活保障申请 · "+ap.No)
	checkTargets(t, r.rig)
	r.tap("appt.cancel:" + ap.No)
	r.wantText("确定要取消这个预约吗？")
	r.tap("appt.cancel.no:" + ap.No)
	if b := r.appts.Booked(); b[0].Status != "booked" {
		t.Fatal("cancelled without yes")
	}
	r.tap("appt.cancel:" + ap.No)
	r.tap("appt.cancel.yes:" + ap.No)
	if b := r.appts.Booked(); b[0].Status != "cancelled" {
		t.Fatalf("status %q", b[0].Status)
	}
	r.wantNoText("我的预约")
}

// An agent books for the principal, and sees the principal's bookings.
func TestAgentBooksForPrincipal(t *testing.T) {
	r := newCentreRig(t, portrait, nil)
	r.tap("home.book")
	r.tap("book.agent")
	r.card(kiosktest.AgentPerson)
	r.card(kiosktest.Elder)
	r.keys("WT1")
	r.tap("rel:relation.child")
	r.tap("auth.done")
	r.want("appointment")
	r.tap("item:MZ-JLK")
	r.tap("day:2026-11-28")
	r.tap("slot:S202611281100")
	r.keys("13800138000")
	r.tap("book.confirm")
	r.wantText("预约成功")
	reqs := r.appts.Requests()
	if len(reqs) != 1 || reqs[0].Applicant.IDNumber != kiosktest.Elder.IDNumber || reqs[0].Agent == nil || reqs[0].Agent.IDNumber != kiosktest.AgentPerson.IDNumber {
		t.Fatalf("requests %+v", reqs)
	}
	if p := r.rec.Printed(); len(p) != 1 || p[0].Agent != kiosktest.AgentPerson.Name || p[0].Applicant != kiosktest.Elder.Name {
		t.Fatalf("printed %+v", p)
	}
	r.tap("book.finish")
	r.tap("menu.book")
	r.wantText("我的预约", "敬老卡申领")
}

// The calendar across a year end and the New Year holiday.
func TestCalendarAcrossYearEnd(t *testing.T) {
	dec := func() time.Time { return time.Date(2026, 12, 24, 8, 0, 0, 0, kiosk.Zone()) }
	for _, lang := range []Lang{Chinese, English} {
		r := newCentreRig(t, portrait, dec)
		r.a.SetLanguage(lang)
		r.tap("home.book")
		r.tap("book.self")
		r.card(kiosktest.Resident)
		r.tap("item:MZ-DB")
		if lang == Chinese {
			r.wantText("12月24日 周四", "2027 1月1日", "休息（节假日）", "2日 周六")
		} else {
			r.wantText("24 Dec Thu", "2027 1 Jan", "Closed (holiday)", "2 Sat", "18 free")
		}
		b, _ := r.find("day:2027-01-01").(*button)
		if b == nil || !b.disabled {
			t.Fatalf("%s: the holiday is bookable", lang)
		}
		r.tap("day:2027-01-02")
		if lang == Chinese {
			r.wantText("2027年1月2日 星期六 可预约时段")
		}
	}
}

// Bad input: negative waits, an unknown category, a 20-character ticket
// number, a centre closed all week, slots in the past and twice over.
func TestCentreBadInput(t *testing.T) {
	r := newCentreRig(t, portrait, nil)
	r.centre.SetQueue(kiosk.QueueState{Open: true, Categories: []kiosk.QueueCategory{
		{Category: kiosk.CounterGeneral, Waiting: -3, EstWaitMinutes: -20}, {Category: "mystery", Waiting: 5}}})
	r.centre.NumberFor = func(string, int) string { return "ABCDEFGHIJ0123456789" }
	r.tap("home.ticket")
	r.wantText("前面有 0 人")
	r.wantNoText("-3", "-20")
	r.tap("ticket.cat:general")
	r.wantText("ABCDEFGHIJ0123456789")
	s := r.a.Current().(*ticketScreen)
	if w := s.number.MinSize().Width; w > portrait.Width {
		t.Errorf("the long number is %v wide on a %v screen", w, portrait.Width)
	}
	checkTargets(t, r.rig)

	// An unknown category on a ticket: a plain counter name.
	r.centre.SetErrors(nil, nil, nil)
	if got := r.a.counterName("mystery"); got != "服务窗口" {
		t.Errorf("unknown category named %q", got)
	}

	// Closed all week: no hours, no next opening; the screens say so.
	closed := kiosktest.SampleCenter()
	closed.Hours = nil
	r2 := newCentreRig(t, portrait, nil)
	r2.centre.SetCenter(closed, true)
	r2.centre.SetQueue(kiosk.QueueState{AsOf: fixedNow(), Open: false}) // and its queue says so
	r2.a.centre.tried = time.Time{}
	r2.a.centre.center = load[*kiosk.Center]{}
	r2.a.loadCenter()
	r2.settle()
	r2.wantText("中心近期没有开放时间")
	r2.tap("home.ticket")
	r2.wantText("中心现在不办公，不能取号。")

	// Slots in the past and overlapping, with an empty ID: left out.
	r3 := newCentreRig(t, portrait, nil)
	past := time.Date(2026, 11, 27, 9, 0, 0, 0, kiosk.Zone())
	later := time.Date(2026, 11, 27, 14, 0, 0, 0, kiosk.Zone())
	r3.appts.SetSlots([]kiosk.Slot{
		{ID: "P", Start: past, End: past.Add(30 * time.Minute), Remaining: 3},
		{ID: "L", Start: later, End: later.Add(30 * time.Minute), Remaining: 2},
		{ID: "L", Start: later, End: later.Add(30 * time.Minute), Remaining: 2},
		{ID: "", Start: later, Remaining: 9},
		{ID: "N", Start: later.Add(time.Hour), End: later, Remaining: -4},
	})
	r3.tap("home.book")
	r3.tap("book.self")
	r3.card(kiosktest.Resident)
	r3.tap("item:MZ-DB")
	r3.tap("day:2026-11-27")
	if r3.find("slot:P") != nil || r3.find("slot:") != nil {
		t.Error("a past or nameless slot is offered")
	}
	if b, _ := r3.find("slot:N").(*button); b == nil || !b.disabled {
		t.Error("a slot with no places left is bookable")
	}
	n := 0
	walkObjects(r3.w.Content(), func(o fyne.CanvasObject) {
		if b, ok := o.(*button); ok && b.name == "slot:L" {
			n++
		}
	})
	if n != 1 {
		t.Errorf("slot L shown %d times", n)
	}
}

// Markup goldens of the ticket and the calendar in both languages and
// both modes.
func TestTicketAndCalendarGoldens(t *testing.T) {
	screens := []struct {
		name string
		to   func(r *centreRig)
	}{
		{"ticket", func(r *centreRig) { r.tap("home.ticket"); r.tap("ticket.cat:civil") }},
		{"calendar", func(r *centreRig) {
			r.tap("home.book")
			r.tap("book.self")
			r.card(kiosktest.Resident)
			r.tap("item:MZ-DB")
		}},
	}
	for _, sc := range screens {
		for _, lang := range []Lang{Chinese, English} {
			for _, elder := range []bool{false, true} {
				name := fmt.Sprintf("%s_%s_%s.xml", sc.name, lang, map[bool]string{false: "standard", true: "elder"}[elder])
				t.Run(name, func(t *testing.T) {
					r := newCentreRig(t, portrait, nil)
					r.a.SetLanguage(lang)
					r.a.SetElder(elder)
					sc.to(r)
					r.w.Resize(portrait)
					checkTargets(t, r.rig)
					test.AssertRendersToMarkup(t, name, r.w.Canvas())
				})
			}
		}
	}
}

// A 422 on the submission, and a required free text the terminal cannot
// take: both hand the resident on, with a ticket for the item's counter.
func TestRefusalAndFreeTextHandOff(t *testing.T) {
	r := newCentreRig(t, portrait, nil)
	r.toNotice(kiosktest.Resident, "MZ-JLK")
	r.tap("apply.start")
	r.want("review")
	r.sub.SetReject(&kiosk.RejectedError{Code: "validation_failed"})
	r.tap("review.confirm")
	r.wantText("申请未被受理")
	r.tap("review.handoff")
	r.want("handoff")
	r.wantText("系统没有受理这份申请", "敬老卡申领", "现在取号（民政窗口）")
	r.tap("handoff.ticket")
	if got := r.ticketNo(); got != "B021" {
		t.Fatalf("ticket %q", got)
	}
	if q := r.centre.Requests(); q[0].Reason != kiosk.TicketMaterialsCheck || q[0].ItemCode != "MZ-JLK" || q[0].Holder == nil ||
		q[0].Holder.IDNumber != kiosktest.Resident.IDNumber {
		t.Fatalf("request %+v", q[0])
	}

	r2 := newCentreRig(t, portrait, nil)
	r2.toNotice(kiosktest.Resident, "RS-LHJY")
	r2.wantText("此事项需要填写文字内容")
	r2.tap("apply.handoff")
	r2.wantText("这个事项有一项需要手写说明", "现在取号（社保窗口）")
	r2.tap("handoff.book")
	r2.want("appointment")
	r2.wantText("灵活就业登记 · 社保窗口", "请选择日期")
}

// The live queue outweighs the hours: a centre open late (its queue says
// open though the hours say closed) issues tickets, and one shut early
// (the queue says closed in opening hours) says it is closed.
func TestQueueOpenOutweighsTheHours(t *testing.T) {
	sunday := func() time.Time { return time.Date(2026, 11, 29, 15, 0, 0, 0, kiosk.Zone()) }
	r := newCentreRig(t, portrait, sunday)
	r.tap("home.ticket")
	r.tap("ticket.cat:civil")
	if r.ticketNo() == "" {
		t.Fatal("no ticket while the queue says open")
	}

	r2 := newCentreRig(t, portrait, nil) // Friday morning: open by the hours
	r2.centre.SetQueue(kiosk.QueueState{AsOf: fixedNow(), Open: false})
	r2.tap("home.ticket")
	r2.wantText("中心现在不办公")
	if r2.find("ticket.cat:civil") != nil {
		t.Error("a counter offered while the queue says closed")
	}
}
