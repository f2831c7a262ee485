package ui

import (
	"testing"

	"github.com/pudong-community/kiosk/kiosk/kiosktest"
)

// "首页" on a resident's own screens must go somewhere: with the card still
// on the reader, to the resident's menu (the visit goes on); it must never
// leave the resident on the same screen as if the tap were lost.
func TestHomeButtonWithACardPresent(t *testing.T) {
	r := newRig(t, portrait)
	r.tap("cases")
	r.card(kiosktest.Resident)
	r.want("cases")
	r.tap("nav.home")
	if got := r.a.Current().Name(); got == "cases" {
		t.Fatalf("首页 on my cases left the screen at %q", got)
	}
	r.wantText(kiosktest.Resident.Name) // still the resident's visit
}
