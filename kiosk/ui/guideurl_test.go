package ui

import (
	"testing"

	"fyne.io/fyne/v2/test"

	"github.com/pudong-community/kiosk/kiosk/kiosktest"
)

// The item page shows a QR code, with the words "扫码在手机上查看", only for
// an item whose catalogue entry gives a guide_url on an allowed host over
// https; anything else (no guide_url, http, another or a look-alike host,
// a javascript: address, user info) gets no QR code and no words. The
// resident gets there as always: guide, category, item.
func TestItemPageGuideQR(t *testing.T) {
	const host = "zwfw.example.gov.cn" // the rig's GuideHosts
	tests := []struct {
		name, url string
		shown     bool
	}{
		{"allowed https", "https://" + host + "/guide/MZ-JLK?from=kiosk", true},
		{"none", "", false},
		{"http", "http://" + host + "/guide/MZ-JLK", false},
		{"another host", "https://zwdt.sh.gov.cn/govPortals/bsfw/item/MZ-JLK", false},
		{"look-alike host", "https://" + host + ".evil.example/guide", false},
		{"user info", "https://" + host + "@evil.example/guide", false},
		{"javascript", "javascript:alert(document.cookie)", false},
		{"data", "data:text/html;base64,PHNjcmlwdD4=", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, portrait)
			cat := kiosktest.SampleCatalog()
			found := false
			for i := range cat.Items {
				if cat.Items[i].Code == "MZ-JLK" {
					cat.Items[i].GuideURL, found = tc.url, true
				}
			}
			if !found {
				t.Fatal("no MZ-JLK in the sample catalogue")
			}
			r.cat = kiosktest.NewCatalog(cat, kiosktest.SampleInitials)
			r.a.opts.Catalog = r.cat
			r.a.visit.loadCatalog(true)
			r.settle()

			r.tap("guide")
			g := r.a.Current().(*guideScreen)
			test.Tap(g.rows[0]) // 民政
			r.settle()
			r.tap("item:MZ-JLK")
			r.want("guide.item")
			r.wantText("敬老卡申领")
			if hasImage(r.w) != tc.shown || hasText(r.w, "扫码在手机上查看") != tc.shown {
				t.Fatalf("guide_url %q: QR picture %v, words %v; want both %v", tc.url, hasImage(r.w), hasText(r.w, "扫码在手机上查看"), tc.shown)
			}
			if !tc.shown {
				return
			}
			// The code holds the catalogue's address itself.
			if _, ok := r.a.visit.v.qr["240:"+tc.url]; !ok {
				t.Errorf("no QR code drawn for %q; drawn: %v", tc.url, len(r.a.visit.v.qr))
			}
			r.tap("bar.language")
			r.wantText("Scan to view on your phone")
			r.tap("bar.language")
			// Without an allow-list nothing is shown, however good the address.
			r.a.opts.GuideHosts = nil
			r.a.render()
			if hasImage(r.w) || hasText(r.w, "扫码在手机上查看") {
				t.Error("a QR code with no allowed hosts")
			}
		})
	}
}
