package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/pudong-community/kiosk/cmd/internal/xscreen"
)

// walker taps through the terminal like a resident, with xdotool, and
// drives the emulated card reader through the demo's control input. It
// finds what to tap, and checks what each screen says, by asking the demo
// ("inspect": the screen's name and its widgets' texts and places, read
// from the widgets, not from pixels); each screen is saved as <name>.png
// once it has settled, and fails the walk if any of its text has a
// character its face cannot draw (a box).
type walker struct {
	ctx     context.Context
	display string
	out     string
	control io.Writer
	replies <-chan string // the demo's "inspect" answers, JSON
	w, h    int
	last    string // the last screenshot
	saved   []string
}

func (k *walker) walk() error {
	// The devices report ready a moment after the window shows; until then
	// some tiles are greyed out.
	if _, err := k.waitFor("home", 30*time.Second, func(r *screenReply) bool {
		return r.find("apply") != nil && r.find("cases") != nil
	}); err != nil {
		return err
	}
	type step struct {
		name   string // the screenshot's name; "" takes none
		do     func() error
		screen string   // the screen it must show ("" any)
		words  []string // the words that screen must show
	}
	tap := k.tapName
	keys := func(names ...string) func() error {
		return func() error {
			for _, n := range names {
				if err := k.tapName(n); err != nil {
					return err
				}
			}
			return nil
		}
	}
	digits := func(s string) []string {
		var out []string
		for _, c := range s {
			out = append(out, "key:"+string(c))
		}
		return out
	}
	steps := []step{
		// The service guide: categories, an item with its QR code, search
		// on the pinyin keyboard.
		{"guide", func() error { return tap("guide") }, "guide", []string{"搜索事项"}},
		{"guide-category", func() error { return k.tapText("老龄") }, "guide.category", []string{"敬老卡申领"}},
		{"item", func() error { return tap("item:MZ-0101") }, "guide.item", []string{"敬老卡申领", "办事须知"}},
		{"", func() error { return tap("nav.back") }, "guide.category", nil},
		{"", func() error { return tap("nav.back") }, "guide", nil},
		{"search", func() error {
			if err := tap("guide.search"); err != nil {
				return err
			}
			return keys("key:J", "key:Y")()
		}, "search", []string{"就业登记"}},
		// The handwriting pad: 十 written with two drags, its candidates.
		{"search-handwriting", k.writeCross, "search", []string{"请点选您写的字", "十"}},
		{"home-again", func() error { return tap("nav.home") }, "home", nil},

		// My cases: identify, the list, a case with its timeline.
		{"identify", func() error { return tap("cases") }, "cases", []string{"请将身份证放在读卡区"}},
		{"cases", func() error { return k.send("place resident") }, "cases", []string{"张"}},
		{"case", func() error { return k.tapPrefix("case:") }, "case", []string{"承诺办结"}},
		// The card taken away: the case look-up is rated, or skipped, first.
		{"rating-cases", func() error { return k.send("remove") }, "rating", []string{"办件查询"}},
		{"visit-ended", func() error { return tap("rating.skip") }, "ended", nil},
		// 需补正: 李秀英's case that waits for her discharge summary stands
		// out in her list, and its page says what to bring.
		{"", func() error { return k.tapHome("cases") }, "cases", []string{"请将身份证放在读卡区"}},
		{"cases-needsmore", func() error { return k.send("place elder-longterm") }, "cases", []string{"李", "需补正"}},
		{"case-needsmore", func() error { return k.tapText("需补正") }, "case", []string{"需补正", "出院小结"}},
		{"", func() error { return k.send("remove") }, "rating", nil},
		{"", func() error { return tap("rating.skip") }, "ended", nil},

		// A self-service application: the form's keypad, review, outcome
		// with the receipt, then the idle warning.
		{"apply-chooser", func() error { return k.tapHome("apply") }, "apply", []string{"本人办理"}},
		{"apply-identify", func() error { return tap("apply.self") }, "", []string{"身份证"}},
		{"apply", k.residentToItems, "apply.items", []string{"独生子女父母奖励"}},
		// An item the resident may not apply for (敬老卡 from 60; the demo's
		// resident is 41): greyed at the end of the list with its rule, a
		// tap says why and offers a counter.
		{"apply-ineligible", func() error { return k.tapPaging("item:MZ-0101", "page.next") }, "apply.items", []string{"您暂不符合", "到窗口咨询"}},
		{"", func() error { return tap("apply.why.close") }, "apply.items", nil},
		{"apply-notice", func() error { return k.tapPaging("item:WJ-0202", "page.prev") }, "apply.notice", []string{"独生子女父母奖励"}},
		{"form-keypad", func() error {
			if err := tap("apply.start"); err != nil {
				return err
			}
			return keys(digits("139123")...)()
		}, "apply.form", []string{"联系电话", "139 123"}},
		// The calendar of 退休日期: a date in another year through the
		// decade and year choosers, the month chooser, and a month on
		// from the 31st that stays in February.
		{"form-date", func() error { return k.fillFormTo(true) }, "apply.form", []string{"退休日期", "已选："}},
		{"form-date-decades", func() error { return tap("date:years") }, "apply.form", []string{"请先选择年代", "2020年代"}},
		{"form-date-years", func() error { return tap("date:decade:2020") }, "apply.form", []string{"请选择年份", "2025"}},
		{"form-date-months", keys("date:year:2025", "date:months"), "apply.form", []string{"请选择2025年的月份"}},
		{"form-date-feb", keys("date:month:1", "date:day:31", "date:next-month"), "apply.form", []string{"已选：2025年2月28日"}},
		{"review", k.fillForm, "review", []string{"独生子女父母奖励", "139 1234 5678", "2025-02-28"}},
		{"outcome", func() error { return tap("review.confirm") }, "outcome", []string{"已受理", "回执已打印"}},
		{"idle-warning", func() error { return nil }, "", []string{"继续"}},
		{"", func() error { return k.tapText("继续") }, "outcome", nil},
		// 好差评 before the goodbye: a poor rating asks for its reasons.
		{"rating", func() error { return tap("outcome.done") }, "rating", []string{"请对本次服务进行评价", "非常满意", "跳过"}},
		{"rating-reasons", func() error { return tap("rating:2") }, "rating.reasons", []string{"操作界面"}},
		{"", func() error { return tap("reason:usability") }, "rating.reasons", []string{"✓ 操作界面"}},
		// The card is still on the reader: asked for until it is taken.
		{"take-card", func() error { return tap("rating.submit") }, "takecard", []string{"请取走您的身份证"}},
		{"goodbye", func() error { return k.send("remove") }, "ended", nil},
		{"", func() error { return nil }, "home", nil},
		// The same resident back to apply for the same item: the
		// application just made is named before the form.
		{"", func() error { return k.tapHome("apply") }, "apply", nil},
		{"", func() error { return tap("apply.self") }, "identify", nil},
		{"", k.residentToItems, "apply.items", nil},
		{"apply-duplicate", func() error { return k.tapPaging("item:WJ-0202", "page.prev") }, "apply.items", []string{"独生子女父母奖励", "确定要再申请吗？"}},
		{"", func() error { return tap("apply.notagain") }, "apply.items", nil},
		{"", func() error { return k.send("remove") }, "", nil},
		{"", func() error { return nil }, "home", nil},

		// An agent applies for an elderly resident without their card: the
		// ID keypad, the name on the pinyin keyboard, the authorisation.
		{"agent-identify", func() error {
			if err := k.tapHome("apply"); err != nil {
				return err
			}
			return tap("apply.agent")
		}, "identify", []string{"代办人"}},
		{"agent-keypad", func() error {
			if err := k.send("place resident"); err != nil {
				return err
			}
			if _, err := k.waitFor("", 15*time.Second, func(r *screenReply) bool { return r.find("identify.keyed") != nil }); err != nil {
				return err
			}
			if err := tap("identify.keyed"); err != nil {
				return err
			}
			return keys(digits("310104195208170022")...)()
		}, "", []string{"格式正确"}},
		{"agent-name", func() error {
			if err := tap("keyed.next"); err != nil {
				return err
			}
			for _, syl := range []struct{ py, ch string }{{"li", "李"}, {"xiu", "秀"}, {"ying", "英"}} {
				if err := keys(digits(syl.py)...)(); err != nil {
					return err
				}
				if err := tap("cand:" + syl.ch); err != nil {
					return err
				}
			}
			return nil
		}, "", []string{"李秀英"}},
		{"agent-authorisation", func() error {
			if err := tap("keyed.done"); err != nil {
				return err
			}
			return keys(digits("2026815")...)()
		}, "", []string{"李秀英", "2026815"}},
		{"", func() error { return k.send("remove") }, "", nil},
		{"", func() error { return k.tapName("nav.home") }, "home", nil},

		// Out of service: the printer out of paper, the network down.
		{"banner-printer", func() error { return k.send("paper out") }, "home", []string{"暂时无法使用"}},
		{"", func() error { return k.send("paper ok") }, "home", nil},
		{"banner-network", func() error {
			if err := k.send("network down"); err != nil {
				return err
			}
			// The terminal notices at its next call to the central system.
			_, err := k.waitFor("home", 150*time.Second, func(r *screenReply) bool { return r.has("网络中断") })
			return err
		}, "home", []string{"网络中断"}},
		// Call staff, honestly: offline the call cannot go through, and the
		// screen says so and where help is; the centre's "notified" is the
		// only answer that promises someone is coming.
		{"callstaff-failed", func() error { return tap("bar.callstaff") }, "callstaff", []string{"未能呼叫到工作人员", "服务台"}},
		{"", func() error { return tap("callstaff.ok") }, "home", nil},
		{"", func() error {
			if err := k.send("network up"); err != nil {
				return err
			}
			if err := k.send("assist notified"); err != nil {
				return err
			}
			// The terminal learns the network is back at its next call.
			_, err := k.waitFor("home", 150*time.Second, func(r *screenReply) bool { return !r.has("网络中断") })
			return err
		}, "", nil},
		{"callstaff-notified", func() error { return tap("bar.callstaff") }, "callstaff", []string{"已通知工作人员，请稍候"}},
		{"", func() error { return tap("callstaff.ok") }, "home", nil},
		{"", func() error { return k.send("assist no_staff_available") }, "", nil},
		{"callstaff-nostaff", func() error { return tap("bar.callstaff") }, "callstaff", []string{"暂时没有空闲的工作人员", "服务台"}},
		{"", func() error { return k.send("assist auto") }, "", nil},
		{"", func() error { return tap("callstaff.ok") }, "home", nil},

		// Maintenance: five taps on the centre's name, the PIN, the devices.
		{"maint-pin", func() error { return k.tapFiveTimes("logo") }, "maint.entry", nil},
		{"maint-menu", func() error {
			var ks []string
			for _, c := range demoPIN {
				ks = append(ks, "maint.key:"+string(c))
			}
			return keys(append(ks, "maint.key:ok")...)()
		}, "maint.menu", nil},
		{"maint-devices", func() error { return tap("maint.devices") }, "maint.devices", nil},
		{"", func() error { return tap("nav.back") }, "maint.menu", nil},
		{"", func() error { return tap("maint.leave") }, "home", nil},

		// 取号 and 预约: a ticket from home (no card), the calendar of the
		// next 14 days, a slot, the phone number and the booked appointment.
		// The walk may run at night: the centre's queue is told to open
		// (the demo's switch), and the live queue outweighs the hours.
		{"", func() error { return k.send("centre open") }, "", nil},
		{"ticket-choose", func() error { return k.tapHome("home.ticket") }, "ticket", nil},
		{"ticket", func() error {
			if _, err := k.waitFor("ticket", 30*time.Second, func(r *screenReply) bool { return k.hasPrefix(r, "ticket.cat:") }); err != nil {
				return err
			}
			return k.tapPrefix("ticket.cat:")
		}, "ticket", []string{"您的号码"}},
		{"", func() error { return tap("nav.home") }, "home", nil},
		{"book-chooser", func() error { return k.tapHome("home.book") }, "book", []string{"为自己预约"}},
		{"", func() error { return tap("book.self") }, "identify", nil},
		{"book-items", func() error { return k.send("place resident") }, "appointment", []string{"请选择要办的事项"}},
		{"calendar", func() error { return k.tapPrefix("item:") }, "appointment", []string{"请选择日期"}},
		{"slots", func() error { return k.tapPrefix("day:") }, "appointment", []string{"可预约时段"}},
		{"book-phone", func() error {
			if err := k.tapPrefix("slot:"); err != nil {
				return err
			}
			return keys(digits("13912345678")...)()
		}, "appointment", []string{"139 1234 5678"}},
		{"appointment", func() error { return tap("book.confirm") }, "appointment", []string{"预约成功"}},
		// The card taken: the appointment, then the ticket taken earlier in
		// the same visit, are rated, newest first; a good rating needs no
		// reasons.
		{"rating-appointment", func() error { return k.send("remove") }, "rating", []string{"预约："}},
		{"rating-ticket", func() error { return tap("rating:5") }, "rating", []string{"取号：", "第2项 / 共2项"}},
		{"", func() error { return tap("rating:4") }, "ended", nil},

		// Elder mode and English.
		{"home-elder", func() error { return k.tapHome("elder") }, "home", nil},
		{"home-standard", func() error { return k.tapHome("elder") }, "home", nil},
		{"home-en", func() error { return k.tapHome("language") }, "home", []string{"Welcome"}},
		{"guide-en", func() error { return k.tapHome("guide") }, "guide", nil},
	}
	for _, s := range steps {
		if err := s.do(); err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
		if err := k.capture(s.name, s.screen, s.words); err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
	}
	return nil
}

// fillForm fills the rest of the application form the walk has started
// (the phone number's first digits are in): the phone, digits where a
// keypad asks for them, the first choice, dates as offered, until review.
// Each field is told by its "第N项 / 共M项" line, read once the screen is
// still: a key's effect can come after the answer to an inspect.
// residentToItems lays the resident's card on the reader asked for by
// 自助申办 and goes on to the list of items (through the menu, if it shows).
func (k *walker) residentToItems() error {
	if err := k.send("place resident"); err != nil {
		return err
	}
	r, err := k.waitFor("", 15*time.Second, func(r *screenReply) bool { return r.find("menu.apply") != nil || r.Screen == "apply.items" })
	if err != nil {
		return err
	}
	if r.find("menu.apply") != nil {
		return k.tapName("menu.apply")
	}
	return nil
}

func (k *walker) fillForm() error { return k.fillFormTo(false) }

// fillFormTo is fillForm; with atDate it stops at the first date field
// (its calendar is walked step by step).
func (k *walker) fillFormTo(atDate bool) error {
	field := func(r *screenReply) string {
		for _, t := range r.Targets {
			if strings.Contains(t.Text, "项 / 共") {
				return r.Screen + " " + t.Text
			}
		}
		return r.Screen
	}
	typeIn := func(digits string) error {
		for _, c := range digits {
			if err := k.tapName("key:" + string(c)); err != nil {
				return err
			}
		}
		return nil
	}
	for i := 0; i < 8; i++ {
		r, err := k.still()
		if err != nil {
			return err
		}
		if r.Screen == "review" || atDate && r.find("date:years") != nil {
			return nil
		}
		switch {
		case r.has("联系电话"):
			if !r.has("139 1234 5678") {
				if err := typeIn("45678"); err != nil {
					return err
				}
			}
		case r.find("key:0") != nil && !r.has("2026001"):
			if err := typeIn("2026001"); err != nil {
				return err
			}
		}
		for _, t := range r.Targets {
			if strings.HasPrefix(t.Name, "choice:") {
				if err := k.tap(r.centre(&t)); err != nil {
					return err
				}
				break
			}
		}
		if _, err := k.still(); err != nil {
			return err
		}
		if err := k.tapName("form.next"); err != nil {
			return err
		}
		// The next field, or review, replaces this one.
		if _, err := k.waitFor("", 10*time.Second, func(n *screenReply) bool { return field(n) != field(r) }); err != nil {
			return err
		}
	}
	return fmt.Errorf("the form never reached the review page")
}

// still asks until two answers 300 ms apart show the same text.
func (k *walker) still() (*screenReply, error) {
	prev, err := k.inspect()
	if err != nil {
		return nil, err
	}
	for i := 0; i < 20; i++ {
		time.Sleep(300 * time.Millisecond)
		r, err := k.inspect()
		if err != nil {
			return nil, err
		}
		if r.Screen == prev.Screen && textOf(r) == textOf(prev) {
			return r, nil
		}
		prev = r
	}
	return prev, nil
}

// layoutOf is what the screen shows and where: a tap that changed only
// sizes (elder mode) changed something.
func layoutOf(r *screenReply) string {
	var b strings.Builder
	for _, t := range r.Targets {
		if !isClock(t.Text) {
			fmt.Fprintf(&b, "%s@%v,%v %vx%v|", t.Text, t.Pos.X, t.Pos.Y, t.Size.Width, t.Size.Height)
		}
	}
	return b.String()
}

// clockText is the top bar's clock ("12月5日 星期六 12:05"): it ticks, so
// it is no change a tap made. A date shown for a choice ("已选：2025年1月31日
// 星期五") is.
var clockText = regexp.MustCompile(`\d{1,2}:\d{2}$`)

func isClock(s string) bool { return clockText.MatchString(s) }

func textOf(r *screenReply) string {
	var b strings.Builder
	for _, t := range r.Targets {
		if !isClock(t.Text) { // the clock ticks
			b.WriteString(t.Text)
		}
	}
	return b.String()
}

// demoPIN is kiosk demo's maintenance PIN (cmd/kiosk's demoPIN).
const demoPIN = "258036"

func (k *walker) send(line string) error {
	_, err := io.WriteString(k.control, line+"\n")
	return err
}

func (k *walker) tap(p image.Point) error {
	cmd := exec.CommandContext(k.ctx, "xdotool", "mousemove", strconv.Itoa(p.X), strconv.Itoa(p.Y), "sleep", "0.2", "mousedown", "1", "sleep", "0.1", "mouseup", "1")
	cmd.Env = append(os.Environ(), "DISPLAY="+k.display)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("xdotool: %v: %s", err, out)
	}
	return nil
}

func (k *walker) screenshot() ([]byte, error) {
	cmd := exec.CommandContext(k.ctx, "import", "-display", k.display, "-window", "root", "png:-")
	var out bytes.Buffer
	cmd.Stdout = &out
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("screenshot: %w", err)
	}
	return out.Bytes(), nil
}

// differ compares the decoded pixels, ignoring the top bar (its clock
// ticks).
func differ(a, b []byte) bool {
	ia, err1 := png.Decode(bytes.NewReader(a))
	ib, err2 := png.Decode(bytes.NewReader(b))
	if err1 != nil || err2 != nil {
		return true
	}
	r := ia.Bounds()
	if r != ib.Bounds() {
		return true
	}
	n := 0
	for y := r.Min.Y + 80; y < r.Max.Y; y += 2 {
		for x := r.Min.X; x < r.Max.X; x += 2 {
			if xscreen.RGBA(ia.At(x, y)) != xscreen.RGBA(ib.At(x, y)) {
				n++
				if n > 200 {
					return true
				}
			}
		}
	}
	return false
}

func checkNotBlank(b []byte, w, h int) error {
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		return err
	}
	if img.Bounds().Dx() != w || img.Bounds().Dy() != h {
		return fmt.Errorf("screenshot is %v", img.Bounds())
	}
	colours := map[color.RGBA]bool{}
	for y := 0; y < h; y += 4 {
		for x := 0; x < w; x += 4 {
			colours[xscreen.RGBA(img.At(x, y))] = true
		}
	}
	if len(colours) < 16 {
		return fmt.Errorf("only %d colours: blank screen", len(colours))
	}
	return nil
}

// screenReply is the demo's answer to "inspect" (cmd/kiosk's screenReply).
type screenReply struct {
	Screen  string   `json:"screen"`
	Scale   float32  `json:"scale"`
	Targets []target `json:"targets"`
}

type target struct {
	Name     string `json:"name"`
	Text     string `json:"text"`
	Pos      struct{ X, Y float32 }
	Size     struct{ Width, Height float32 }
	Tappable bool   `json:"tappable"`
	Missing  string `json:"missing"`
}

func (r *screenReply) find(name string) *target {
	for i := range r.Targets {
		if r.Targets[i].Name == name {
			return &r.Targets[i]
		}
	}
	return nil
}

func (r *screenReply) has(word string) bool {
	for _, t := range r.Targets {
		if strings.Contains(t.Text, word) {
			return true
		}
	}
	return false
}

// centre is where a finger taps t, in screen pixels.
func (r *screenReply) centre(t *target) image.Point {
	return image.Pt(int((t.Pos.X+t.Size.Width/2)*r.Scale), int((t.Pos.Y+t.Size.Height/2)*r.Scale))
}

// inspect asks the demo what it shows.
func (k *walker) inspect() (*screenReply, error) {
	if err := k.send("inspect"); err != nil {
		return nil, err
	}
	select {
	case line, ok := <-k.replies:
		if !ok {
			return nil, fmt.Errorf("the terminal stopped answering")
		}
		var r screenReply
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			return nil, fmt.Errorf("inspect: %w", err)
		}
		return &r, nil
	case <-time.After(10 * time.Second):
		return nil, fmt.Errorf("inspect: no answer in 10 s")
	case <-k.ctx.Done():
		return nil, k.ctx.Err()
	}
}

// waitFor asks until the screen is screen ("" any) and ok holds.
func (k *walker) waitFor(screen string, within time.Duration, ok func(*screenReply) bool) (*screenReply, error) {
	deadline := time.Now().Add(within)
	var last *screenReply
	for {
		r, err := k.inspect()
		if err != nil {
			return nil, err
		}
		last = r
		if (screen == "" || r.Screen == screen) && (ok == nil || ok(r)) {
			return r, nil
		}
		if time.Now().After(deadline) {
			var texts []string
			for _, t := range last.Targets {
				texts = append(texts, strconv.Quote(t.Text))
			}
			return nil, fmt.Errorf("screen %q does not show what is awaited (want screen %q); it shows %s", last.Screen, screen, strings.Join(texts, " "))
		}
		time.Sleep(300 * time.Millisecond)
	}
}

// tapWhere taps the first tappable target pick accepts, once the screen
// shows one and it has stopped moving: results that arrive, a banner that
// appears, a layout done a frame later move what is under the finger.
func (k *walker) tapWhere(what string, pick func(*target) bool) error {
	first := func(r *screenReply) *target {
		for i := range r.Targets {
			if t := &r.Targets[i]; t.Tappable && pick(t) {
				return t
			}
		}
		return nil
	}
	var at image.Point
	scrolls := 0
	for try := 0; ; try++ {
		r, err := k.waitFor("", 15*time.Second, func(r *screenReply) bool { return first(r) != nil })
		if err != nil {
			return fmt.Errorf("nothing to tap for %s: %w", what, err)
		}
		t := first(r)
		p := r.centre(t)
		inBar := strings.HasPrefix(t.Name, "nav.") || strings.HasPrefix(t.Name, "bar.") || t.Name == "logo"
		if !inBar && (p.Y > k.h-100 || p.Y < 100) && scrolls < 10 {
			// Under the bottom bar (or the top one) of a scrolled screen:
			// a finger scrolls first; the bars themselves stay put.
			if err := k.scroll(p.Y > k.h-100); err != nil {
				return err
			}
			scrolls++
			at = image.Point{}
			continue
		}
		if p == at {
			return k.tapChanging(p, r, first)
		}
		if try == 20 {
			return fmt.Errorf("%s keeps moving (%v, then %v)", what, at, p)
		}
		at = p
		time.Sleep(200 * time.Millisecond)
	}
}

// scroll turns the mouse wheel over the middle of the screen, down or up.
func (k *walker) scroll(down bool) error {
	button := "4"
	if down {
		button = "5"
	}
	cmd := exec.CommandContext(k.ctx, "xdotool", "mousemove", strconv.Itoa(k.w/2), strconv.Itoa(k.h/2), "click", "--repeat", "3", "--delay", "50", button)
	cmd.Env = append(os.Environ(), "DISPLAY="+k.display)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("xdotool: %v: %s", err, out)
	}
	time.Sleep(300 * time.Millisecond)
	return nil
}

// tapChanging taps p and waits for the screen to answer. A tap can meet a
// frame being laid out and be dropped; a finger taps again when nothing
// happened, and so does the walk, once, and only when nothing at all
// changed and the same target is still under the finger, so no action runs
// twice and nothing else is tapped by mistake.
func (k *walker) tapChanging(p image.Point, before *screenReply, first func(*screenReply) *target) error {
	for try := 0; try < 2; try++ {
		if err := k.tap(p); err != nil {
			return err
		}
		// A busy machine can take seconds to answer a tap: wait long
		// before taking it for lost.
		if _, err := k.waitFor("", 6*time.Second, func(r *screenReply) bool {
			return r.Screen != before.Screen || layoutOf(r) != layoutOf(before)
		}); err == nil {
			return nil
		}
		// Tap again only where the same target still is: never on
		// whatever came there since.
		r, err := k.inspect()
		if err != nil {
			return err
		}
		if t := first(r); t == nil || r.centre(t) != p {
			return nil
		}
	}
	return fmt.Errorf("two taps at %v changed nothing on screen %q", p, before.Screen)
}

// tapFiveTimes taps name five times within about a second (the hidden
// gesture that opens maintenance).
func (k *walker) tapFiveTimes(name string) error {
	r, err := k.waitFor("", 15*time.Second, func(r *screenReply) bool { return r.find(name) != nil })
	if err != nil {
		return err
	}
	p := r.centre(r.find(name))
	args := []string{"mousemove", strconv.Itoa(p.X), strconv.Itoa(p.Y), "sleep", "0.2"}
	for i := 0; i < 5; i++ {
		args = append(args, "mousedown", "1", "sleep", "0.05", "mouseup", "1", "sleep", "0.15")
	}
	cmd := exec.CommandContext(k.ctx, "xdotool", args...)
	cmd.Env = append(os.Environ(), "DISPLAY="+k.display)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("xdotool: %v: %s", err, out)
	}
	return nil
}

// writeCross opens the search screen's handwriting pad and writes 十 on
// it with two drags of the mouse.
func (k *walker) writeCross() error {
	if err := k.tapName("key:hand"); err != nil {
		return err
	}
	r, err := k.waitFor("search", 15*time.Second, func(r *screenReply) bool { return r.find("hand:pad") != nil })
	if err != nil {
		return err
	}
	// The pad slides in as the keyboard makes way: write only once it
	// stands still, or the strokes land beside it.
	pad := r.find("hand:pad")
	for i := 0; i < 20; i++ {
		time.Sleep(300 * time.Millisecond)
		again, err := k.inspect()
		if err != nil {
			return err
		}
		now := again.find("hand:pad")
		if now != nil && now.Pos == pad.Pos && now.Size == pad.Size {
			break
		}
		if now != nil {
			r, pad = again, now
		}
	}
	at := func(fx, fy float32) (string, string) {
		return strconv.Itoa(int((pad.Pos.X + fx*pad.Size.Width) * r.Scale)), strconv.Itoa(int((pad.Pos.Y + fy*pad.Size.Height) * r.Scale))
	}
	for _, s := range [][4]float32{{0.15, 0.47, 0.85, 0.47}, {0.5, 0.1, 0.5, 0.93}} {
		args := []string{"mousemove"}
		x, y := at(s[0], s[1])
		args = append(args, x, y, "sleep", "0.2", "mousedown", "1")
		for i := 1; i <= 8; i++ {
			f := float32(i) / 8
			x, y := at(s[0]+f*(s[2]-s[0]), s[1]+f*(s[3]-s[1]))
			args = append(args, "sleep", "0.03", "mousemove", x, y)
		}
		args = append(args, "sleep", "0.1", "mouseup", "1", "sleep", "0.3")
		cmd := exec.CommandContext(k.ctx, "xdotool", args...)
		cmd.Env = append(os.Environ(), "DISPLAY="+k.display)
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("xdotool: %v: %s", err, out)
		}
	}
	_, err = k.waitFor("search", 15*time.Second, func(r *screenReply) bool { return r.find("hand:十") != nil })
	return err
}

// tapPaging taps name on the list shown, turning its pages with turn
// (page.next or page.prev) until it shows.
func (k *walker) tapPaging(name, turn string) error {
	for i := 0; i < 10; i++ {
		r, err := k.still()
		if err != nil {
			return err
		}
		if r.find(name) != nil {
			return k.tapName(name)
		}
		if r.find(turn) == nil {
			break
		}
		if err := k.tapName(turn); err != nil {
			return err
		}
	}
	return fmt.Errorf("%s is on no page of the list", name)
}

func (k *walker) tapName(name string) error {
	return k.tapWhere(name, func(t *target) bool { return t.Name == name })
}

func (k *walker) tapPrefix(prefix string) error {
	return k.tapWhere(prefix+"…", func(t *target) bool { return strings.HasPrefix(t.Name, prefix) })
}

func (k *walker) tapText(text string) error {
	return k.tapWhere(strconv.Quote(text), func(t *target) bool { return strings.Contains(t.Text, text) })
}

// tapHome taps a home tile once the home screen is back (a visit that just
// ended returns there by itself) and the tile is enabled.
func (k *walker) tapHome(name string) error {
	if _, err := k.waitFor("home", 30*time.Second, func(r *screenReply) bool { return r.find(name) != nil }); err != nil {
		return err
	}
	return k.tapName(name)
}

// capture waits until the screen is screen and shows words, lets it
// settle (two equal frames), checks its text for boxes and saves it as
// name.png (nothing saved when name is "").
func (k *walker) capture(name, screen string, words []string) error {
	within := 30 * time.Second
	if name == "idle-warning" {
		within = 150 * time.Second // the demo's idle time (90 s), and the warning
	}
	r, err := k.waitFor(screen, within, func(r *screenReply) bool {
		for _, w := range words {
			if !r.has(w) {
				return false
			}
		}
		return true
	})
	if err != nil {
		return err
	}
	if name == "" {
		return nil
	}
	// Settled: two equal frames in a row (a blinking cursor never
	// settles; the third try is taken as it is).
	var shot []byte
	for i := 0; i < 3; i++ {
		time.Sleep(300 * time.Millisecond)
		b1, err := k.screenshot()
		if err != nil {
			return err
		}
		time.Sleep(400 * time.Millisecond)
		b2, err := k.screenshot()
		if err != nil {
			return err
		}
		shot = b2
		if !differ(b1, b2) {
			break
		}
	}
	path := filepath.Join(k.out, name+".png")
	if err := os.WriteFile(path, shot, 0o644); err != nil {
		return err
	}
	if err := checkNotBlank(shot, k.w, k.h); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	// What the settled screen shows, for the boxes check.
	if r2, err := k.inspect(); err == nil {
		r = r2
	}
	for _, t := range r.Targets {
		if t.Missing != "" {
			return fmt.Errorf("%s: %q is drawn with boxes for %q", path, t.Text, t.Missing)
		}
	}
	k.last = path
	k.saved = append(k.saved, name+" ("+r.Screen+")")
	return nil
}

// hasPrefix reports a tappable target whose name starts with prefix.
func (k *walker) hasPrefix(r *screenReply, prefix string) bool {
	for _, t := range r.Targets {
		if t.Tappable && strings.HasPrefix(t.Name, prefix) {
			return true
		}
	}
	return false
}
