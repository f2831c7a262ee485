package ui

import (
	"errors"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"

	"github.com/pudong-community/kiosk/internal/clock/clocktest"
	"github.com/pudong-community/kiosk/kiosk"
	"github.com/pudong-community/kiosk/kiosk/audit"
	"github.com/pudong-community/kiosk/kiosk/audit/audittest"
	"github.com/pudong-community/kiosk/kiosk/kiosktest"
	"github.com/pudong-community/kiosk/kiosk/maint"
	"github.com/pudong-community/kiosk/kiosk/visit"
)

const maintPIN = "135790"
const staffCard = "31011519800101001X"

// Fyne keeps global state (theme, font caches): these tests do not run in
// parallel.
//
// maintRig is a terminal with maintenance enabled over the fake service,
// a real gate and an in-memory audit trail.
type maintRig struct {
	t     *testing.T
	a     *App
	w     fyne.Window
	clk   *clocktest.Clock
	svc   *kiosktest.Maintenance
	trail *audittest.Memory
	gate  *maint.Gate
	dirs  []string
}

func newMaintRig(t *testing.T) *maintRig {
	t.Helper()
	return newMaintRigSized(t, portrait)
}

// newMaintRigSized is newMaintRig on a screen of size.
func newMaintRigSized(t *testing.T, size fyne.Size) *maintRig {
	t.Helper()
	a, w := newTestApp(t, size)
	t.Cleanup(a.Close)
	clk := clocktest.New(fixedNow())
	mem := &audittest.Memory{}
	tr, err := audit.New(mem, clk.Now)
	if err != nil {
		t.Fatal(err)
	}
	hash, err := maint.HashPIN(maintPIN, maint.Params{Time: 1, Memory: 64, Threads: 1, KeyLen: 32, SaltLen: 16})
	if err != nil {
		t.Fatal(err)
	}
	cardKey := maint.StaffCardKey([]byte("a sealing key for the maint rig."))
	gate, err := maint.NewGate(maint.GateConfig{PINHash: hash, StaffCards: []string{maint.StaffCardHash(cardKey, staffCard)}, CardKey: cardKey, Audit: tr, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	r := &maintRig{t: t, a: a, w: w, clk: clk, svc: kiosktest.NewMaintenance(clk.Now), trail: mem, gate: gate, dirs: []string{"/media/usb0", "/var/lib/kiosk/export"}}
	h := kiosk.NewHealth(kiosk.DefaultPolicy(true, false), clk.Now)
	h.Set(kiosk.DeviceIDCard, kiosk.StateOK, "")
	h.Set(kiosk.DevicePrinter, kiosk.StateError, "paper out")
	a.EnableMaintenance(MaintOptions{Service: r.svc, Gate: gate, Now: clk.Now, Health: h, IdleCheck: -1, BundleDirs: func() []string { return r.dirs }})
	return r
}

func (r *maintRig) settle() { r.a.jobs.wait() }

// find returns the tappable named name (a button's name, or "logo").
func (r *maintRig) find(name string) fyne.Tappable {
	var found fyne.Tappable
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		if found != nil || o == nil {
			return
		}
		switch v := o.(type) {
		case *button:
			if v.name == name {
				found = v
			}
			return
		case *barButton:
			if v.name == name {
				found = v
			}
			return
		case *secretTap:
			if name == "logo" {
				found = v
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
	return found
}

func (r *maintRig) tap(name string) {
	r.t.Helper()
	b := r.find(name)
	if b == nil {
		r.t.Fatalf("no %q on screen %s; texts: %q", name, r.a.Current().Name(), texts(r.w))
	}
	if bt, ok := b.(*button); ok && bt.disabled {
		r.t.Fatalf("%q is disabled on screen %s", name, r.a.Current().Name())
	}
	test.Tap(b)
	r.settle()
}

func (r *maintRig) want(screen string) {
	r.t.Helper()
	if got := r.a.Current().Name(); got != screen {
		r.t.Fatalf("on screen %s, want %s; texts: %q", got, screen, texts(r.w))
	}
}

func (r *maintRig) wantText(ss ...string) {
	r.t.Helper()
	for _, s := range ss {
		if !hasText(r.w, s) {
			r.t.Errorf("screen %s lacks %q; has %q", r.a.Current().Name(), s, texts(r.w))
		}
	}
}

func (r *maintRig) pin(p string) {
	r.t.Helper()
	for _, c := range p {
		r.tap("maint.key:" + string(c))
	}
	r.tap("maint.key:ok")
}

func (r *maintRig) audit() string {
	var ks []string
	for _, ev := range r.trail.Rows() {
		ks = append(ks, ev.Kind+":"+ev.Detail)
	}
	return strings.Join(ks, " | ")
}

// openEntry opens the entry screen with five taps on the logo.
func (r *maintRig) openEntry() {
	r.t.Helper()
	for range 5 {
		r.tap("logo")
		r.clk.Add(300 * time.Millisecond)
	}
	r.want("maint.entry")
}

// enter opens the entry screen and types the right PIN.
func (r *maintRig) enter() {
	r.t.Helper()
	r.openEntry()
	r.pin(maintPIN)
	r.want("maint.menu")
}

func TestMaintFiveTapsOpenEntry(t *testing.T) {
	r := newMaintRig(t)
	for range 4 {
		r.tap("logo")
		r.clk.Add(500 * time.Millisecond)
	}
	r.want("home")
	r.clk.Add(2 * time.Second) // the first taps are now older than 3 s
	r.tap("logo")
	r.want("home")
	for range 4 {
		r.clk.Add(200 * time.Millisecond)
		r.tap("logo")
	}
	r.want("maint.entry")
	r.wantText("请输入维护密码")
}

func TestMaintRightPIN(t *testing.T) {
	r := newMaintRig(t)
	r.openEntry()
	if r.find("bar.callstaff") == nil {
		t.Error("the PIN screen has no call-staff button; a resident may have reached it by chance")
	}
	r.tap("nav.home")
	r.enter()
	if r.find("bar.callstaff") != nil {
		t.Error("the maintenance menu offers staff a button to call staff")
	}
	r.wantText(r.a.T("maint.devices"), r.a.T("maint.leave"))
	if got := r.audit(); got != "maintenance_entry:pin" {
		t.Errorf("audit = %q", got)
	}
	r.tap("maint.leave")
	r.want("home")
	if got := r.audit(); !strings.HasSuffix(got, "maintenance_exit:left") {
		t.Errorf("audit = %q", got)
	}
	if r.gate.Open() {
		t.Error("session still open after leaving")
	}
}

func TestMaintWrongPINAndLockout(t *testing.T) {
	r := newMaintRig(t)
	for range 5 {
		r.tap("logo")
	}
	r.want("maint.entry")
	r.pin("111111")
	r.want("maint.entry")
	r.wantText("密码错误，还可尝试 4 次")
	for range 4 {
		r.pin("222222")
	}
	r.want("maint.entry")
	r.wantText("错误次数过多，已锁定至")
	r.pin(maintPIN) // the right PIN, but locked
	r.want("maint.entry")
	if n := strings.Count(r.audit(), "pin_failure"); n != 5 {
		t.Errorf("%d pin_failure events, want 5: %s", n, r.audit())
	}
	if !strings.Contains(r.audit(), "pin_lockout") {
		t.Errorf("no pin_lockout in %s", r.audit())
	}
	r.clk.Add(maint.LockFor)
	r.pin(maintPIN)
	r.want("maint.menu")
}

func TestMaintIdleExit(t *testing.T) {
	r := newMaintRig(t)
	r.enter()
	r.tap("maint.devices")
	r.want("maint.devices")
	r.clk.Add(maint.IdleTimeout - time.Second)
	r.a.maintTick()
	r.want("maint.devices")
	r.tap("maint.refresh") // a touch restarts the limit
	r.clk.Add(maint.IdleTimeout - time.Second)
	r.a.maintTick()
	r.want("maint.devices")
	r.clk.Add(time.Second)
	r.a.maintTick()
	r.want("home")
	if got := r.audit(); !strings.HasSuffix(got, "maintenance_exit:idle") {
		t.Errorf("audit = %q", got)
	}
}

func TestMaintStaffCard(t *testing.T) {
	r := newMaintRig(t)
	if r.a.MaintCard(staffCard, false) {
		t.Fatal("a staff card on the home screen was taken by maintenance")
	}
	for range 5 {
		r.tap("logo")
	}
	if !r.a.MaintCard(kiosktest.Resident.IDNumber, false) {
		t.Fatal("a resident's card at the staff screen went to the resident flow")
	}
	r.want("maint.entry")
	r.wantText("此卡不是工作证")
	if !r.a.MaintCard(staffCard, true) {
		t.Fatal("expired staff card not taken")
	}
	r.want("maint.entry")
	r.wantText("此工作证已过有效期")
	if !r.a.MaintCard(staffCard, false) {
		t.Fatal("staff card not taken")
	}
	// The card alone opens nothing: it asks for the PIN.
	r.want("maint.entry")
	r.wantText("工作证已识别，请输入维护密码")
	r.pin(maintPIN)
	r.want("maint.menu")
	rows := r.trail.Rows()
	if len(rows) != 2 || rows[0].Detail != "expired staff card" || rows[1].Detail != maint.MethodStaffCard || rows[1].Subject != kiosk.MaskID(staffCard) {
		t.Errorf("audit rows %+v", rows)
	}
}

func TestMaintDevicePanel(t *testing.T) {
	r := newMaintRig(t)
	r.enter()
	r.tap("maint.devices")
	r.wantText("idcard — OK", "/dev/kiosk-idcard @ 115200", "AA AA AA 96 69 00 03 20 01 22", "→", "printer — DEGRADED",
		"printer: timeout", "paper: near end", "打印机不可用：回执以二维码显示在屏幕上")
	r.svc.SetErr("Devices", errors.New("idcard: port gone"))
	r.tap("maint.refresh")
	r.wantText("idcard: port gone")
}

func TestMaintSelfTests(t *testing.T) {
	r := newMaintRig(t)
	r.enter()
	r.tap("maint.selftest")
	r.tap("maint.selftest.card")
	r.wantText("3101**********1234", "find: 120ms", "read: 650ms")
	r.svc.SetErr("TestPrint", kiosk.ErrPaperOut)
	r.tap("maint.selftest.print")
	r.wantText("printer out of paper")
	r.tap("maint.selftest.probe")
	r.wantText("/dev/ttyUSB0 @ 115200: idcard", "/dev/ttyS0 @ 9600: printer")
	r.tap("maint.selftest.baud")
	r.wantText("115200 baud")
	r.svc.SetErr("SelfTestCard", errors.New("idcard: reader unplugged during the test"))
	r.tap("maint.selftest.card")
	r.wantText("idcard: reader unplugged during the test")
}

func TestMaintNetwork(t *testing.T) {
	r := newMaintRig(t)
	r.enter()
	r.tap("maint.network")
	r.wantText("T0001-261127-0001", "T0001-261127-0002", "validation_failed: phone", "搁置的申请（2）", "42ms")
	r.tap("maint.network.sendnow")
	r.wantText("已发送 1 件")
	r.tap("maint.retry:sub-1")
	r.wantText("T0001-261127-0001 已重新排队", "搁置的申请（1）")
	r.tap("maint.discard:sub-2")
	if r.find("maint.discard.confirm:sub-2") == nil {
		t.Fatal("discard asked for no confirmation")
	}
	if strings.Contains(strings.Join(r.svc.Calls(), ","), "DiscardParked") {
		t.Fatal("discarded before confirmation")
	}
	r.tap("maint.discard.confirm:sub-2")
	r.wantText("T0001-261127-0002 已放弃", "搁置的申请（0）")
	calls := strings.Join(r.svc.Calls(), ",")
	for _, want := range []string{"SendNow", "RetryParked sub-1", "DiscardParked sub-2"} {
		if !strings.Contains(calls, want) {
			t.Errorf("calls %s lack %s", calls, want)
		}
	}
}

// While the central system has asked for a pause, the network screen says
// until when.
func TestMaintNetworkPaused(t *testing.T) {
	r := newMaintRig(t)
	r.svc.Sync.PausedUntil = time.Date(2026, 11, 27, 10, 31, 0, 0, time.Local)
	r.enter()
	r.tap("maint.network")
	r.wantText("中心系统要求暂停联系，至 2026-11-27 10:31:00 前本机不发送、不检测", "暂停期间不检测")
	if strings.Contains(strings.Join(texts(r.w), "\n"), "42ms") {
		t.Error("the latency of a probe that did not run is shown")
	}
}

func TestMaintCatalog(t *testing.T) {
	r := newMaintRig(t)
	r.enter()
	r.tap("maint.catalog")
	r.wantText("版本 2026.10，14 个事项")
	r.tap("maint.catalog.refresh")
	r.wantText("目录已更新：2026.11", "版本 2026.11，15 个事项")
	r.svc.SetErr("RefreshCatalog", errors.New("intake: 503"))
	r.tap("maint.catalog.refresh")
	r.wantText("intake: 503")
}

func TestMaintAudit(t *testing.T) {
	r := newMaintRig(t)
	r.enter()
	r.tap("maint.audit")
	r.wantText("card_read 3101**********1234")
	r.tap("maint.audit.verify")
	r.wantText("审计链完整：3 条记录已校验")
	r.svc.Check = kiosk.AuditCheck{Events: 6, BrokenAt: 7, Problem: "hash"}
	r.tap("maint.audit.verify")
	r.wantText("审计链在第 7 条断开（hash），之前 6 条完好")
}

func TestMaintBundle(t *testing.T) {
	r := newMaintRig(t)
	r.enter()
	r.tap("maint.bundle")
	r.wantText("/media/usb0")
	r.tap("maint.bundle.dir:0")
	r.wantText("已保存：/media/usb0/kiosk-diag-test.tar.gz")
	r.svc.SetErr("ExportBundle", &maint.NotWritableError{Dir: "/var/lib/kiosk/export", Err: errors.New("read-only file system")})
	r.tap("maint.bundle.dir:1")
	r.wantText("choose another folder")
	if r.a.Current().Name() != "maint.bundle" {
		t.Error("a failed export left the screen")
	}
}

// TestMaintHomeClosesSession: the home button leaves maintenance; the next
// tick closes the session and records it.
func TestMaintHomeClosesSession(t *testing.T) {
	r := newMaintRig(t)
	r.enter()
	r.tap("nav.home")
	r.want("home")
	r.a.maintTick()
	if r.gate.Open() {
		t.Error("session still open after going home")
	}
	if got := r.audit(); !strings.HasSuffix(got, "maintenance_exit:left") {
		t.Errorf("audit = %q", got)
	}
}

func TestMaintStrings(t *testing.T) {
	r := newMaintRig(t)
	r.enter()
	for _, name := range []string{"maint.devices", "maint.selftest", "maint.network", "maint.catalog", "maint.audit", "maint.bundle"} {
		r.tap(name)
		r.a.Back()
	}
	for _, k := range r.a.cat.Missing() {
		if strings.HasPrefix(k, "maint.") {
			t.Errorf("missing translation %s", k)
		}
	}
}

// A database recovery waits on the menu for staff: what was kept, what
// was recovered, the receipt numbers lost; acknowledging it clears it.
func TestMaintStorageNotice(t *testing.T) {
	r := newMaintRig(t)
	at := r.clk.Now().Add(-time.Hour)
	r.svc.Storage = []kiosk.StorageNotice{{
		At: at, KeptAs: "kiosk.db.corrupt-20261127T083000", Queued: 38, Parked: 2, Delivered: 9120,
		UnsentLost: 2, LostLocalNos: []string{"T0001-261127-0007", "T0001-261127-0008"},
		AuditEvents: 5400, AuditCut: true,
	}}
	// Long lines wrap into several texts (at spaces, which go): look in
	// them joined, without spaces.
	nospace := strings.NewReplacer(" ", "")
	wantJoined := func(ss ...string) {
		t.Helper()
		all := nospace.Replace(strings.Join(texts(r.w), ""))
		for _, s := range ss {
			if !strings.Contains(all, nospace.Replace(s)) {
				t.Errorf("menu lacks %q; has %q", s, all)
			}
		}
	}
	r.enter()
	r.settle()
	wantJoined("数据库已恢复，请告知区技术人员",
		"已另存为 kiosk.db.corrupt-20261127T083000",
		"已恢复：待发送 38 件，待处理 2 件，已送达 9120 件",
		"未能恢复的待发送申请 2 件，回执编号：T0001-261127-0007, T0001-261127-0008",
		"审计记录只恢复了前 5400 条")
	r.tap("maint.storage.ack")
	if len(r.svc.Storage) != 0 {
		t.Fatalf("notices left after acknowledging: %+v", r.svc.Storage)
	}
	if hasText(r.w, "数据库已恢复，请告知区技术人员") {
		t.Error("the notice is still on the menu after acknowledging it")
	}
	if !strings.Contains(r.svc.Calls()[len(r.svc.Calls())-2], "AckStorageNotices") {
		t.Errorf("calls = %q, want AckStorageNotices then StorageNotices", r.svc.Calls())
	}
	// Nothing lost, and an unknown count said as "at least".
	r.svc.Storage = []kiosk.StorageNotice{{At: at, KeptAs: "k1", Queued: 5}, {At: at, KeptAs: "k2", UnsentLost: 1, LostUnknown: true}}
	r.tap("maint.leave")
	r.enter()
	r.settle()
	wantJoined("所有待发送的申请均已恢复，不会重复提交。", "未能恢复的待发送申请 至少 1 件，回执编号：—")
	// A failing service is shown, not hidden.
	r.svc.SetErr("StorageNotices", errors.New("store: disk I/O error"))
	r.tap("maint.leave")
	r.enter()
	r.settle()
	r.wantText("store: disk I/O error")
}

// The PIN pad's keys are wide enough for their labels on one line (narrow
// keys broke 清空 and 确定 over two lines).
func TestMaintPINPadLabelsFit(t *testing.T) {
	r := newMaintRig(t)
	r.openEntry()
	for _, name := range []string{"maint.key:clear", "maint.key:ok", "maint.key:5"} {
		b, ok := r.find(name).(*button)
		if !ok {
			t.Fatalf("no button %s", name)
		}
		// The label's rich text draws one canvas.Text a line.
		var lines []string
		walkObjects(b, func(o fyne.CanvasObject) {
			if t, ok := o.(*canvas.Text); ok && strings.TrimSpace(t.Text) != "" {
				lines = append(lines, t.Text)
			}
		})
		if len(lines) != 1 {
			t.Errorf("%s: label %q drawn as %d lines %q on a key %.0f wide", name, b.title, len(lines), lines, b.Size().Width)
		}
	}
}

// The PIN pad's keys stay where they are whatever line shows above them: a
// message that appeared after a wrong PIN pushed them down, and the next
// digit landed on another key.
func TestMaintPINPadKeysStayPut(t *testing.T) {
	r := newMaintRig(t)
	r.openEntry()
	where := func(state string) fyne.Position {
		t.Helper()
		o, ok := r.find("maint.key:1").(fyne.CanvasObject)
		if !ok {
			t.Fatalf("%s: no key 1", state)
		}
		return fyne.CurrentApp().Driver().AbsolutePositionForObject(o)
	}
	at := where("at first")
	r.pin("000000")
	r.wantText(r.a.T("maint.entry.wrong", maint.MaxTries-1))
	if got := where("after a wrong PIN"); got != at {
		t.Errorf("after a wrong PIN key 1 is at %v, was at %v", got, at)
	}
	for range maint.MaxTries - 1 {
		r.pin("000000")
	}
	if locked, _ := r.gate.Locked(); !locked {
		t.Fatal("not locked")
	}
	if got := where("locked"); got != at {
		t.Errorf("locked, key 1 is at %v, was at %v", got, at)
	}
}

// Every key of the PIN pad is on screen, not under the bottom bar, in all
// four layouts with the three device banners up: in landscape elder mode
// only the first row and a half showed, the rest needed scrolling. 确定
// is at the bottom of the content, full width, in every layout, with the
// other keys above it.
func TestMaintPINPadOnScreen(t *testing.T) {
	for _, tc := range layouts {
		t.Run(tc.name, func(t *testing.T) {
			r := newMaintRigSized(t, tc.size)
			r.a.SetElder(tc.elder)
			r.a.SetOnline(false)
			r.a.SetDeviceProblems([]DeviceProblem{{DeviceKey: DeviceCardReader, Reason: "无响应"}, {DeviceKey: DevicePrinter, Reason: "缺纸"}})
			r.openEntry()
			bar := r.find("nav.home")
			barTop := tc.size.Height
			if o, ok := bar.(fyne.CanvasObject); ok {
				barTop = fyne.CurrentApp().Driver().AbsolutePositionForObject(o).Y
			}
			// 确定 is where the residents' confirm keys are, at the bottom
			// of the content, full width, and the keys are above it, not
			// scrolled under it.
			okTop := barTop
			if o, ok := r.find("maint.key:ok").(fyne.CanvasObject); ok {
				okTop = fyne.CurrentApp().Driver().AbsolutePositionForObject(o).Y
			}
			for _, k := range []string{"1", "2", "3", "4", "5", "6", "7", "8", "9", "clear", "0", "delete", "ok"} {
				o, ok := r.find("maint.key:" + k).(fyne.CanvasObject)
				if !ok {
					t.Fatalf("no key %s", k)
				}
				pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(o)
				if bottom := pos.Y + o.Size().Height; pos.Y < 0 || bottom > barTop+1 || pos.X+o.Size().Width > tc.size.Width+1 {
					t.Errorf("key %s at %v size %v: off the %v screen above the bar at %v", k, pos, o.Size(), tc.size, barTop)
				}
				if bottom := pos.Y + o.Size().Height; k != "ok" && bottom > okTop+1 {
					t.Errorf("key %s at %v size %v: under 确定 at y %v", k, pos, o.Size(), okTop)
				}
			}
			checkConfirm(t, "PIN", r.w, r.find("maint.key:ok"), 0)
			// In landscape the keys stay beside the PIN, in the right half.
			if o, ok := r.find("maint.key:1").(fyne.CanvasObject); ok && tc.size.Width > tc.size.Height {
				if x := fyne.CurrentApp().Driver().AbsolutePositionForObject(o).X; x < tc.size.Width/2 {
					t.Errorf("key 1 at x %v: not beside the PIN in the right half of the %v screen", x, tc.size)
				}
			}
		})
	}
}

// Staff who step into maintenance during a resident's visit (to load
// paper, say) leave it back on the resident's screen, whether they leave
// or the session times out. Before, the terminal showed home while the
// resident was still identified, and 我的办件 and 自助申办 did nothing.
func TestMaintLeavesTheVisitWhereItWas(t *testing.T) {
	for _, idle := range []bool{false, true} {
		r := newMaintRig(t)
		if err := r.a.Visit().Identify(visit.PurposeApply); err != nil {
			t.Fatal(err)
		}
		r.a.CardReading()
		r.a.CardPresent(kiosktest.Resident, false, 0)
		r.settle()
		under := r.a.Current().Name()
		if r.a.visit.snap.State != visit.StateIdentified || under == "home" {
			t.Fatalf("no visit to step into: %s on %s", r.a.visit.snap.State, under)
		}
		r.enter()
		if idle {
			r.clk.Add(maint.IdleTimeout)
			r.a.maintTick()
		} else {
			r.tap("maint.leave")
		}
		r.want(under)
		if r.a.visit.snap.State != visit.StateIdentified || r.a.visit.snap.Resident == nil {
			t.Errorf("idle %v: the visit is %s after maintenance", idle, r.a.visit.snap.State)
		}
	}
}
