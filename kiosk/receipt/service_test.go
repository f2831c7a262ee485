package receipt

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/pudong-community/kiosk/devices/escpos"
	"github.com/pudong-community/kiosk/kiosk"
)

func sampleData() kiosk.ReceiptData {
	loc := time.FixedZone("CST", 8*3600)
	return kiosk.ReceiptData{
		Center: "陆家嘴街道社区事务受理服务中心", TerminalID: "T1", ItemCode: "X1", ItemName: "居住证签注",
		Applicant: "刘䶮", ApplicantID: "310115198803120417", LocalNo: "L-1", Queued: true,
		ConfirmedAt: time.Date(2026, 11, 27, 9, 41, 0, 0, loc), DueDate: "2026-12-04",
		HowToFollow: "致电 12345", QRPayload: "L-1", ReprintCount: 2,
	}
}

func TestFromData(t *testing.T) {
	t.Parallel()
	r, err := FromData(sampleData())
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != StatusQueued || r.Agent != nil || r.PromisedBy.Format("2006-01-02") != "2026-12-04" || r.Reprint != 2 {
		t.Errorf("%+v", r)
	}
	d := sampleData()
	d.Agent, d.AgentID, d.AuthRef = "朱镕", "31010119900101123X", "WT-1"
	if r, err := FromData(d); err != nil || r.Agent == nil || r.Agent.AuthRef != "WT-1" {
		t.Errorf("agent: %+v %v", r.Agent, err)
	}
	d = sampleData()
	d.DueDate = "4 Dec"
	if _, err := FromData(d); !errors.Is(err, ErrMissing) {
		t.Errorf("bad due date: %v", err)
	}
}

func TestServicePrintAndRender(t *testing.T) {
	t.Parallel()
	var sent []byte
	paperOut := errors.New("driver: paper out")
	tests := []struct {
		name string
		send func(context.Context, []byte) error
		want error
	}{
		{"printed", func(_ context.Context, b []byte) error { sent = b; return nil }, nil},
		{"kiosk error kept", func(context.Context, []byte) error { return kiosk.ErrPaperOut }, kiosk.ErrPaperOut},
		{"other error is unavailable", func(context.Context, []byte) error { return paperOut }, kiosk.ErrPrinterUnavailable},
		{"no printer", nil, kiosk.ErrPrinterUnavailable},
	}
	for _, tc := range tests {
		s := Service{Options: opts(384, escpos.GBK, false), Send: tc.send}
		err := s.Print(context.Background(), sampleData())
		if !errors.Is(err, tc.want) && !(tc.want == nil && err == nil) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
	if !bytes.Contains(sent, []byte("Reprint 2")) || !bytes.HasPrefix(sent, []byte("\x1b@")) {
		t.Errorf("job lacks reprint mark or ESC @")
	}
	img, err := Service{Options: opts(384, escpos.GBK, false)}.Render(sampleData())
	if err != nil || img.Bounds().Dx() != 384+32 {
		t.Errorf("render: %v %v", err, img)
	}
}

// A case printed from 我的办件 is a status slip stating the case's own
// status, not an acceptance receipt saying "已提交" with the case number as
// the submission number.
func TestCaseStatusSlip(t *testing.T) {
	t.Parallel()
	d := sampleData()
	d.Queued, d.LocalNo, d.CaseNo = false, "PD2026111900007", "PD2026111900007"
	d.CaseStatus, d.CaseResult = kiosk.StatusRejected, "材料不全，请补齐后重新申请"
	d.StatusAsOf = time.Date(2026, 11, 27, 10, 5, 0, 0, kiosk.Zone())
	r, err := FromData(d)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Validate(); err != nil {
		t.Fatal(err)
	}
	var text []string
	for _, b := range layout(r, 576) {
		text = append(text, b.text)
	}
	all := strings.Join(text, "\n")
	for _, want := range []string{"办件进度单", "Case Status", kiosk.StatusRejected.Chinese(), "材料不全", "PD2026111900007", "状态截至 Status as of 2026-11-27 10:05"} {
		if !strings.Contains(all, want) {
			t.Errorf("slip lacks %q:\n%s", want, all)
		}
	}
	for _, not := range []string{"受理回执", "已提交", "待发送", "受理编号"} {
		if strings.Contains(all, not) {
			t.Errorf("slip says %q:\n%s", not, all)
		}
	}
	d.CaseNo = ""
	if r, err := FromData(d); err == nil {
		if err := r.Validate(); !errors.Is(err, ErrMissing) {
			t.Errorf("slip without a case number: %v", err)
		}
	}
}

// The slip of a case that needs more documents (需补正) says what to bring
// and where; a queued receipt promises no date before it is sent.
func TestNeedsMoreSlipAndQueuedDate(t *testing.T) {
	t.Parallel()
	d := sampleData()
	d.Queued, d.LocalNo, d.CaseNo = false, "PD2026111400012", "PD2026111400012"
	d.CaseStatus = kiosk.StatusNeedsMore
	d.CaseBring, d.CaseWhere = "请补充出院小结和医疗费用发票原件", "花木街道社区事务受理服务中心窗口（民政科）"
	d.StatusAsOf = time.Date(2026, 11, 27, 10, 5, 0, 0, kiosk.Zone())
	text := func(d kiosk.ReceiptData) string {
		r, err := FromData(d)
		if err != nil {
			t.Fatal(err)
		}
		var lines []string
		for _, b := range layout(r, 576) {
			lines = append(lines, b.text)
		}
		return strings.Join(lines, "")
	}
	all := text(d)
	for _, want := range []string{"需补正", "需补材料 To bring: 请补充出院小结和医疗费用发票原件", "送交地点 Where: 花木街道社区事务受理服务中心窗口（民政科）"} {
		if !strings.Contains(all, want) {
			t.Errorf("slip lacks %q:\n%s", want, all)
		}
	}
	d.CaseStatus, d.CaseBring, d.CaseWhere = kiosk.StatusProcessing, "", ""
	if all := text(d); strings.Contains(all, "To bring") || strings.Contains(all, "Where") {
		t.Errorf("a slip of a case in progress asks for documents:\n%s", all)
	}

	q := sampleData()
	q.Queued, q.CaseNo, q.DueDate = true, "", ""
	if all := text(q); !strings.Contains(all, "承诺办结 Promised by: 联网上传后确认") || strings.Contains(all, "Promised by: 20") {
		t.Errorf("queued receipt's promised date:\n%s", all)
	}
}
