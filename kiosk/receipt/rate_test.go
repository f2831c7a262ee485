package receipt

import (
	"strings"
	"testing"
)

// A QR code that opens the case's page says that the service can be rated
// there (补充评价); a QR code of a bare number says nothing of the kind.
func TestRateLaterLine(t *testing.T) {
	t.Parallel()
	has := func(r Receipt) (qr, line int) {
		for i, b := range layout(r, 384) {
			switch {
			case b.kind == qrBlock:
				qr = i
			case line == 0 && strings.HasPrefix(b.text, "扫码查看进度并评价"):
				line = i
			}
		}
		return qr, line
	}
	r := Sample()
	if qr, line := has(r); line == 0 || line != qr+1 {
		t.Errorf("track URL: QR block %d, rate line %d; want the line right under the code", qr, line)
	}
	r.Case = &CaseProgress{StatusZH: "办理中", AsOf: r.ConfirmedAt}
	if _, line := has(r); line == 0 {
		t.Error("no rate line on a case status slip with its track URL")
	}
	r.QRPayload = "http://127.0.0.1:8080/v1/track/PD2026112700123" // the simulator beside a demo terminal
	if _, line := has(r); line == 0 {
		t.Error("no rate line under a loopback track URL")
	}
	for _, p := range []string{"PD2026112700123", "LJZ03-20261127-0042", ""} {
		r := Sample()
		r.QRPayload = p
		if _, line := has(r); line != 0 {
			t.Errorf("QR %q: a rate line under a code that opens no rating page", p)
		}
	}
}
