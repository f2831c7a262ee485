package receipt

import (
	"bytes"
	"context"
	"errors"
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
