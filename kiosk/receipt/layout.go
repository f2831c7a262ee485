package receipt

import (
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/pudong-community/kiosk/devices/escpos"
	"github.com/pudong-community/kiosk/kiosk"
)

type blockKind int

const (
	textBlock blockKind = iota
	qrBlock
	feedBlock
)

// block is one laid-out element: a text line (already wrapped to the paper),
// the QR code, or a feed in dots.
type block struct {
	kind  blockKind
	text  string
	align escpos.Alignment
	size  int // 1 or 2 (GS ! width and height)
	bold  bool
	dots  int // feedBlock
}

func dateOr(t time.Time, layout string) string {
	if t.IsZero() {
		return "—"
	}
	return t.Format(layout)
}

// layout lays the receipt out for a paper width in dots.
func layout(r Receipt, width int) []block {
	var out []block
	add := func(text string, align escpos.Alignment, size int, bold bool) {
		for _, l := range wrap(text, width/size) {
			out = append(out, block{kind: textBlock, text: l, align: align, size: size, bold: bold})
		}
	}
	field := func(zh, en, value string) {
		add(zh+" "+en+": "+value, escpos.AlignLeft, 1, false)
	}
	rule := strings.Repeat("-", width/escpos.HalfCellWidth)

	if r.Ticket != nil {
		return layoutTicket(r, width, rule)
	}
	if r.Appointment != nil {
		return layoutAppointment(r, width, rule)
	}
	if r.Case != nil {
		add("办件进度单", escpos.AlignCenter, 2, true)
		add("Case Status", escpos.AlignCenter, 1, false)
	} else {
		add("受理回执", escpos.AlignCenter, 2, true)
		add("Acceptance Receipt", escpos.AlignCenter, 1, false)
	}
	if r.Reprint > 0 {
		add(fmt.Sprintf("重印 Reprint %d", r.Reprint), escpos.AlignCenter, 1, true)
	}
	add(r.Center, escpos.AlignCenter, 1, true)
	out = append(out, block{kind: textBlock, text: rule})
	field("事项", "Item", r.ItemName)
	if r.ItemCode != "" {
		field("事项编码", "Code", r.ItemCode)
	}
	field("申请人", "Applicant", r.Applicant.Name)
	field("证件号", "ID", kiosk.MaskID(r.Applicant.ID))
	if a := r.Agent; a != nil {
		field("代办人", "Agent", a.Name)
		field("代办人证件", "Agent ID", kiosk.MaskID(a.ID))
		field("委托书", "Authorisation", a.AuthRef)
	}
	if c := r.Case; c != nil {
		field("办件编号", "Case", r.CaseNumber)
		field("提交时间", "Submitted", dateOr(r.ConfirmedAt, "2006-01-02 15:04"))
		field("承诺办结", "Promised by", dateOr(r.PromisedBy, "2006-01-02"))
		field("状态", "Status", strings.TrimSpace(c.StatusZH+" "+c.StatusEN))
		if c.Result != "" {
			field("结果", "Result", c.Result)
		}
		if c.Bring != "" {
			field("需补材料", "To bring", c.Bring)
		}
		if c.Where != "" {
			field("送交地点", "Where", c.Where)
		}
	} else {
		field("受理编号", "Submission", r.LocalNumber)
		if r.CaseNumber != "" {
			field("案件编号", "Case", r.CaseNumber)
		} else {
			field("案件编号", "Case", "待分配 pending")
		}
		field("确认时间", "Confirmed", dateOr(r.ConfirmedAt, "2006-01-02 15:04"))
		if r.Status == StatusQueued && r.PromisedBy.IsZero() {
			// Not sent yet: the date comes with the case number.
			field("承诺办结", "Promised by", "联网上传后确认 set once sent")
		} else {
			field("承诺办结", "Promised by", dateOr(r.PromisedBy, "2006-01-02"))
		}
		zh, en := r.Status.Words()
		field("状态", "Status", zh+" "+en)
	}
	out = append(out, block{kind: textBlock, text: rule})
	if r.HowToFollow != "" {
		add(r.HowToFollow, escpos.AlignLeft, 1, false)
	}
	if r.QRPayload != "" {
		out = append(out, block{kind: qrBlock, text: r.QRPayload, align: escpos.AlignCenter})
		if RatesLater(r.QRPayload) {
			add(RateLaterLine, escpos.AlignCenter, 1, false)
		}
	}
	add(fmt.Sprintf("终端 Terminal %s", r.TerminalID), escpos.AlignCenter, 1, false)
	if r.Case != nil {
		add(fmt.Sprintf("状态截至 Status as of %s", dateOr(r.Case.AsOf, "2006-01-02 15:04")), escpos.AlignCenter, 1, false)
	} else {
		add("请妥善保管本回执 Please keep this receipt", escpos.AlignCenter, 1, false)
	}
	return out
}

// wrap breaks s into lines of at most width dots at size 1, breaking
// between CJK characters or at spaces between Latin words; a word longer
// than a line is broken anywhere.
func wrap(s string, width int) []string {
	s = strings.Join(strings.Fields(s), " ")
	var lines []string
	var cur strings.Builder
	curW := 0
	flush := func() {
		l := strings.TrimRight(cur.String(), " ")
		if l != "" {
			lines = append(lines, l)
		}
		cur.Reset()
		curW = 0
	}
	for _, tok := range tokens(s) {
		tw := escpos.TextWidth(tok, 1)
		if tok == " " {
			if curW > 0 && curW+tw <= width {
				cur.WriteString(tok)
				curW += tw
			}
			continue
		}
		if curW+tw > width {
			flush()
		}
		for tw > width { // longer than a whole line
			n, w := 0, 0
			for _, r := range tok {
				if w+escpos.CellWidth(r) > width {
					break
				}
				w += escpos.CellWidth(r)
				n += len(string(r))
			}
			if n == 0 {
				break
			}
			lines = append(lines, tok[:n])
			tok = tok[n:]
			tw = escpos.TextWidth(tok, 1)
		}
		cur.WriteString(tok)
		curW += tw
	}
	flush()
	return lines
}

// tokens splits into Latin words, single spaces and single other runes.
func tokens(s string) []string {
	var out []string
	word := -1
	for i, r := range s {
		latin := r < 0x80 && !unicode.IsSpace(r)
		if latin {
			if word < 0 {
				word = i
			}
			continue
		}
		if word >= 0 {
			out = append(out, s[word:i])
			word = -1
		}
		out = append(out, string(r))
	}
	if word >= 0 {
		out = append(out, s[word:])
	}
	return out
}

// RateLaterLine goes under a QR code that opens the case's page at the
// central system, where its status shows and the service can be rated
// later from a phone (补充评价).
const RateLaterLine = "扫码查看进度并评价 Scan to follow and rate"

// RatesLater reports whether a QR payload is such a page: a web address.
// The terminal puts a URL there only when kiosk.TrackURL admitted it (an
// allowed host); otherwise the code holds a bare case or local number,
// which opens nothing.
func RatesLater(payload string) bool {
	p := strings.ToLower(payload)
	return strings.HasPrefix(p, "https://") || strings.HasPrefix(p, "http://")
}

// ticketNoSize is the print size of a ticket number: four times the
// normal line, readable from a step away, smaller for a long number so it
// still fits a line or two.
func ticketNoSize(no string, width int) int {
	for size := 4; size > 1; size-- {
		if escpos.TextWidth(no, size) <= width {
			return size
		}
	}
	return 2
}

// layoutTicket lays out a queue ticket slip (取号凭条).
func layoutTicket(r Receipt, width int, rule string) []block {
	t := r.Ticket
	var out []block
	emit := func(bs ...block) { out = append(out, bs...) }
	lines := func(text string, align escpos.Alignment, size int, bold bool) {
		for _, l := range wrap(text, width/size) {
			emit(block{kind: textBlock, text: l, align: align, size: size, bold: bold})
		}
	}
	kv := func(zh, en, v string) { lines(zh+" "+en+": "+v, escpos.AlignLeft, 1, false) }
	lines("取号凭条", escpos.AlignCenter, 2, true)
	lines("Queue Ticket", escpos.AlignCenter, 1, false)
	if r.Reprint > 0 {
		lines(fmt.Sprintf("重印 Reprint %d", r.Reprint), escpos.AlignCenter, 1, true)
	}
	lines(r.Center, escpos.AlignCenter, 1, true)
	emit(block{kind: textBlock, text: rule})
	emit(block{kind: feedBlock, dots: 12})
	lines(t.TicketNo, escpos.AlignCenter, ticketNoSize(t.TicketNo, width), true)
	emit(block{kind: feedBlock, dots: 12})
	counter := strings.TrimSpace(t.CounterZH + " " + t.CounterEN)
	if counter != "" {
		lines(counter, escpos.AlignCenter, 1, true)
	}
	emit(block{kind: textBlock, text: rule})
	kv("取号时间", "Taken", dateOr(t.IssuedAt, "2006-01-02 15:04"))
	kv("前面等候", "Waiting ahead", fmt.Sprintf("%d 人 people", max(t.WaitingAhead, 0)))
	if t.EstWaitMinutes > 0 {
		kv("预计等候", "Est. wait", fmt.Sprintf("%d 分钟 min", t.EstWaitMinutes))
	}
	if !t.ValidUntil.IsZero() {
		kv("有效期至", "Valid until", t.ValidUntil.Format("15:04"))
	}
	emit(block{kind: textBlock, text: rule})
	if r.QRPayload != "" {
		lines("扫码查看叫号进度 Scan to follow the queue", escpos.AlignCenter, 1, false)
		emit(block{kind: qrBlock, text: r.QRPayload, align: escpos.AlignCenter})
	}
	lines("过号请重新取号 If your number has passed, take a new ticket", escpos.AlignCenter, 1, false)
	lines(fmt.Sprintf("终端 Terminal %s", r.TerminalID), escpos.AlignCenter, 1, false)
	return out
}

// layoutAppointment lays out an appointment slip (预约凭条).
func layoutAppointment(r Receipt, width int, rule string) []block {
	ap := r.Appointment
	var out []block
	lines := func(text string, align escpos.Alignment, size int, bold bool) {
		for _, l := range wrap(text, width/size) {
			out = append(out, block{kind: textBlock, text: l, align: align, size: size, bold: bold})
		}
	}
	kv := func(zh, en, v string) { lines(zh+" "+en+": "+v, escpos.AlignLeft, 1, false) }
	lines("预约凭条", escpos.AlignCenter, 2, true)
	lines("Appointment", escpos.AlignCenter, 1, false)
	if r.Reprint > 0 {
		lines(fmt.Sprintf("重印 Reprint %d", r.Reprint), escpos.AlignCenter, 1, true)
	}
	lines(r.Center, escpos.AlignCenter, 1, true)
	out = append(out, block{kind: textBlock, text: rule})
	week := [...]string{"日", "一", "二", "三", "四", "五", "六"}
	day := ap.Start.Format("2006-01-02") + " 星期" + week[ap.Start.Weekday()] + " " + ap.Start.Format("Mon")
	lines(day, escpos.AlignCenter, 1, true)
	span := ap.Start.Format("15:04")
	if !ap.End.IsZero() {
		span += "-" + ap.End.Format("15:04")
	}
	lines(span, escpos.AlignCenter, 2, true)
	out = append(out, block{kind: textBlock, text: rule})
	kv("预约号", "No.", ap.AppointmentNo)
	if r.ItemName != "" {
		kv("事项", "Item", r.ItemName)
	}
	if c := strings.TrimSpace(ap.CounterZH + " " + ap.CounterEN); c != "" {
		kv("窗口", "Counter", c)
	}
	kv("预约人", "Name", r.Applicant.Name)
	kv("证件号", "ID", kiosk.MaskID(r.Applicant.ID))
	if a := r.Agent; a != nil {
		kv("代办人", "Agent", a.Name)
		kv("代办人证件", "Agent ID", kiosk.MaskID(a.ID))
	}
	if ap.Address != "" {
		kv("地址", "Address", ap.Address)
	}
	if !ap.BookedAt.IsZero() {
		kv("预约时间", "Booked", ap.BookedAt.Format("2006-01-02 15:04"))
	}
	out = append(out, block{kind: textBlock, text: rule})
	if r.HowToFollow != "" {
		lines(r.HowToFollow, escpos.AlignLeft, 1, false)
	}
	if r.QRPayload != "" {
		out = append(out, block{kind: qrBlock, text: r.QRPayload, align: escpos.AlignCenter})
	}
	lines("请携带身份证按时到窗口 Bring your ID card on time", escpos.AlignCenter, 1, false)
	lines(fmt.Sprintf("终端 Terminal %s", r.TerminalID), escpos.AlignCenter, 1, false)
	return out
}
