package ui

import (
	"testing"

	"github.com/pudong-community/kiosk/kiosk/kiosktest"
)

// A case slip printed earlier in the visit is not the application's
// receipt: the receipt still prints by itself when the outcome shows, as
// the first print of that receipt, and the outcome does not claim it
// printed before it has.
func TestCaseSlipThenApplicationPrintsTheReceipt(t *testing.T) {
	r := newRig(t, portrait)
	r.tap("cases")
	r.card(kiosktest.Resident)
	r.want("cases")
	r.tap("case:PD2026111900007")
	r.tap("case.print")
	if n := len(r.rec.Printed()); n != 1 {
		t.Fatalf("%d prints after the case slip", n)
	}
	r.tap("nav.home")
	r.want("menu")
	r.tap("menu.apply")
	r.want("apply.items")
	r.tap("item:MZ-JLK")
	r.want("apply.notice")
	r.tap("apply.start")
	r.want("review")
	r.tap("review.confirm")
	r.want("outcome")
	p := r.rec.Printed()
	if len(p) != 2 {
		t.Fatalf("%d prints, want the case slip and the receipt", len(p))
	}
	if rc := p[1]; rc.CaseStatus != "" || rc.ItemCode != "MZ-JLK" || rc.ReprintCount != 0 {
		t.Errorf("receipt printed as %+v, want the application's first receipt", rc)
	}
	r.wantText("回执已打印")
}

// A second application in the same visit gets its own receipt: printed by
// itself as that receipt's first print, and drawn anew on the outcome.
func TestSecondApplicationInAVisitPrintsItsOwnReceipt(t *testing.T) {
	r := newRig(t, portrait)
	r.toNotice(kiosktest.Resident, "MZ-JLK")
	r.tap("apply.start")
	r.tap("review.confirm")
	r.want("outcome")
	first := r.a.visit.v.receipt.picture.val
	r.tap("nav.home")
	r.want("apply.items") // the resident's list of items, for another
	r.tap("item:MZ-JLK")
	r.tap("apply.start")
	r.want("review")
	r.tap("review.confirm")
	r.want("outcome")
	p := r.rec.Printed()
	if len(p) != 2 {
		t.Fatalf("%d prints, want a receipt for each application", len(p))
	}
	if p[0].LocalNo == p[1].LocalNo || p[1].ReprintCount != 0 {
		t.Errorf("second receipt %+v after the first %+v", p[1], p[0])
	}
	if r.a.visit.v.receipt.picture.val == first {
		t.Error("the outcome shows the first application's receipt")
	}
	r.wantText("回执已打印")
}

// The slip of a case that needs more documents carries what to bring (the
// timeline's latest note) and where (a counter of the centre, the
// department); others carry neither.
func TestNeedsMoreSlipSaysWhatAndWhere(t *testing.T) {
	r := newRig(t, portrait)
	r.tap("cases")
	r.card(kiosktest.Resident)
	r.tap("case:PD2026111400012")
	r.tap("case.print")
	r.tap("nav.back")
	r.tap("case:PD2026111900007")
	r.tap("case.print")
	p := r.rec.Printed()
	if len(p) != 2 {
		t.Fatalf("%d slips printed", len(p))
	}
	if p[0].CaseBring != "请补充出院小结和医疗费用发票原件" || p[0].CaseWhere != "浦东新区花木街道社区事务受理服务中心窗口（民政科） a counter of the centre" {
		t.Errorf("需补正 slip: bring %q where %q", p[0].CaseBring, p[0].CaseWhere)
	}
	if p[1].CaseBring != "" || p[1].CaseWhere != "" {
		t.Errorf("a case in progress: bring %q where %q", p[1].CaseBring, p[1].CaseWhere)
	}
}
