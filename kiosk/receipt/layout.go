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
