package receipt

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/pudong-community/kiosk/devices/escpos"
	"github.com/pudong-community/kiosk/kiosk"
)

func ticketData(no string) kiosk.ReceiptData {
	at := time.Date(2026, 12, 31, 16, 5, 0, 0, kiosk.Zone())
	return kiosk.ReceiptData{
		Center: "浦东新区花木街道社区事务受理服务中心", TerminalID: "PD-T001",
		QRPayload: "https://queue.example.gov.cn/t/" + no,
		Ticket: &kiosk.TicketSlip{TicketNo: no, CounterZH: "综合窗口", CounterEN: "General counters",
			WaitingAhead: 3, EstWaitMinutes: 12, IssuedAt: at, ValidUntil: at.Add(2 * time.Hour)},
	}
}

func apptData() kiosk.ReceiptData {
	start := time.Date(2027, 1, 2, 18, 0, 0, 0, kiosk.Zone())
	return kiosk.ReceiptData{
		Center: "浦东新区花木街道社区事务受理服务中心", TerminalID: "PD-T001",
		ItemName: "最低生活保障申请", ItemCode: "MZ-DB",
		Applicant: "张晓明", ApplicantID: "310115198803120417",
		QRPayload: "https://appt.example.gov.cn/a/AP0001",
		Appointment: &kiosk.AppointmentSlip{AppointmentNo: "AP20270102-0001", Start: start, End: start.Add(30 * time.Minute),
			CounterZH: "民政窗口", CounterEN: "Civil affairs", Address: "花木路100号", BookedAt: start.AddDate(0, 0, -3)},
	}
}

// A ticket slip states the number big, the counter, the time and the QR
// code; the existing receipt is untouched by it.
func TestTicketSlip(t *testing.T) {
	r, err := FromData(ticketData("A023"))
	if err != nil {
		t.Fatal(err)
	}
	var text []string
	big := false
	for _, b := range layout(r, 576) {
		text = append(text, b.text)
		if b.text == "A023" && b.size == 4 && b.bold {
			big = true
		}
	}
	all := strings.Join(text, "\n")
	for _, want := range []string{"取号凭条", "综合窗口", "2026-12-31 16:05", "3 人", "12 分钟", r.QRPayload} {
		if !strings.Contains(all, want) {
			t.Errorf("ticket slip lacks %q:\n%s", want, all)
		}
	}
	if !big {
		t.Errorf("the ticket number is not printed four times the size:\n%s", all)
	}
	for _, w := range []int{384, 576} {
		job, _, err := Encode(nil, r, Options{WidthDots: w, Charset: escpos.GB18030, Cut: escpos.CutFeedPartial})
		if err != nil {
			t.Fatalf("%d: %v", w, err)
		}
		if !bytes.Contains(job, []byte{escpos.GS, '!', 0x33}) {
			t.Errorf("%d: no 4x size command for the number", w)
		}
		if _, err := Image(r, w); err != nil {
			t.Fatalf("%d: image: %v", w, err)
		}
	}
	// A 20-character number still fits the paper, smaller.
	long, err := FromData(ticketData("ABCDEFGHIJ0123456789"))
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range layout(long, 384) {
		if b.kind == textBlock && escpos.TextWidth(b.text, b.size) > 384 {
			t.Errorf("line %q at size %d is wider than the paper", b.text, b.size)
		}
	}
	if _, err := Image(long, 384); err != nil {
		t.Fatal(err)
	}
	// Negative waits never print as negative.
	neg := ticketData("A1")
	neg.Ticket.WaitingAhead, neg.Ticket.EstWaitMinutes = -4, -10
	nr, _ := FromData(neg)
	for _, b := range layout(nr, 384) {
		if strings.Contains(b.text, "-4") || strings.Contains(b.text, "-10") {
			t.Errorf("negative wait printed: %q", b.text)
		}
	}
	// Missing number: refused.
	bad := ticketData("")
	if _, err := FromData(bad); !errors.Is(err, ErrMissing) {
		t.Errorf("a ticket without number: %v", err)
	}
}

func TestAppointmentSlip(t *testing.T) {
	d := apptData()
	if s := d.String(); strings.Contains(s, d.ApplicantID) {
		t.Errorf("String leaks the ID number: %s", s)
	}
	r, err := FromData(d)
	if err != nil {
		t.Fatal(err)
	}
	var text []string
	for _, b := range layout(r, 576) {
		text = append(text, b.text)
	}
	all := strings.Join(text, "\n")
	for _, want := range []string{"预约凭条", "2027-01-02 星期六", "18:00-18:30", "AP20270102-0001", "最低生活保障申请", "民政窗口", kiosk.MaskID(d.ApplicantID)} {
		if !strings.Contains(all, want) {
			t.Errorf("appointment slip lacks %q:\n%s", want, all)
		}
	}
	if strings.Contains(all, d.ApplicantID) {
		t.Error("the full ID number is printed")
	}
	if _, _, err := Encode(nil, r, Options{WidthDots: 384, Charset: escpos.GB2312}); err != nil {
		t.Fatal(err)
	}
	if _, err := Image(r, 576); err != nil {
		t.Fatal(err)
	}
	d.ApplicantID = ""
	if _, err := FromData(d); !errors.Is(err, ErrMissing) {
		t.Errorf("an appointment without applicant: %v", err)
	}
}
