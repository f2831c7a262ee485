package kiosk

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestGuideURLAllowList(t *testing.T) {
	hosts := []string{"ywtb.pudong.example", "Intake.Example.gov.cn", "staging.example:8443"}
	good := []string{
		"https://ywtb.pudong.example/guide/MZ-0101",
		"https://YWTB.pudong.example./guide/MZ-0101?lang=zh#top",
		"https://ywtb.pudong.example:443/guide/MZ-0101",
		"HTTPS://intake.example.gov.cn/g/1",
		"https://staging.example:8443/g",
	}
	for _, u := range good {
		if got := GuideURL(u, hosts); got != u {
			t.Errorf("GuideURL(%q) = %q, want it shown", u, got)
		}
	}
	bad := []string{
		"",
		"http://ywtb.pudong.example/guide/MZ-0101",                           // not https
		"javascript:alert(1)",                                                // not a page
		"JaVaScRiPt://ywtb.pudong.example/%0Aalert(1)",                       // a scheme that runs
		"data:text/html,<script>alert(1)</script>",                           // inline content
		"https://evil.example/guide/MZ-0101",                                 // another host
		"https://ywtb.pudong.example.evil.example/guide",                     // a suffix is not the host
		"https://evilywtb.pudong.example/guide",                              // nor a prefix
		"https://ywtb.pudong.example@evil.example/guide",                     // user info hides the host
		"https://user:pw@ywtb.pudong.example/guide",                          // credentials in a QR code
		"https://ywtb.pudong.example:8443/guide",                             // a port not on the list
		"https://staging.example/g",                                          // the listed host's other port
		"//ywtb.pudong.example/guide",                                        // scheme-relative
		"/guide/MZ-0101",                                                     // relative
		"https:ywtb.pudong.example/guide",                                    // opaque
		"https://ywtb.pudong.example/guide page",                             // a space
		"https://ywtb.pudong.example/guide\n",                                // a control character
		"https://ywtb.pudong.example\\@evil.example/",                        // a backslash some readers take for a slash
		"https://ywtb.pudong.example/" + strings.Repeat("a", MaxGuideURLLen), // too long
	}
	for _, u := range bad {
		if got := GuideURL(u, hosts); got != "" {
			t.Errorf("GuideURL(%q) = %q, want no QR code", u, got)
		}
	}
	if got := GuideURL(good[0], nil); got != "" {
		t.Errorf("with no allowed hosts: %q", got)
	}
}

func TestValidateGuideURL(t *testing.T) {
	cat := Catalog{Version: "1", GeneratedAt: time.Date(2026, 11, 1, 8, 0, 0, 0, Zone()), Items: []Item{{Code: "A-1", Name: "a", Department: "d", Category: "c", Kind: KindInstant,
		GuideURL: "https://ywtb.pudong.example/guide/A-1"}}, Calendar: Calendar{Holidays: []string{"2026-01-01"}}}
	if err := cat.Validate(); err != nil {
		t.Fatalf("a catalogue with a guide_url: %v", err)
	}
	cat.Items[0].GuideURL = "javascript:alert(1)" // no QR code, but not a broken catalogue
	if err := cat.Validate(); err != nil {
		t.Fatalf("an unusable guide_url rejects the catalogue: %v", err)
	}
	cat.Items[0].GuideURL = "https://x/" + strings.Repeat("a", MaxGuideURLLen)
	var ce *CatalogError
	if err := cat.Validate(); !errors.As(err, &ce) || ce.Field != "items[0].guide_url" {
		t.Fatalf("an over-long guide_url: %v", err)
	}
}

// Bad input from the issue: a track_url of javascript: or another host
// never becomes a QR code; http only on a listed loopback host.
func TestTrackURLAllowList(t *testing.T) {
	hosts := []string{"intake.example.gov.cn", "127.0.0.1", "localhost"}
	for _, u := range []string{
		"https://intake.example.gov.cn/track/PD1",
		"http://127.0.0.1:8750/track/PD1",
		"http://localhost:9000/track/PD1",
	} {
		if got := TrackURL(u, hosts); got != u {
			t.Errorf("TrackURL(%q) = %q, want it allowed", u, got)
		}
	}
	for _, u := range []string{
		"javascript:alert(1)",
		"https://evil.example/track/PD1",
		"http://intake.example.gov.cn/track/PD1", // http off loopback
		"http://127.0.0.2/track/PD1",             // loopback, but not listed
		"http://[::1]/track/PD1",
		"http://user@127.0.0.1/track",
		"data:text/plain,PD1",
		"",
	} {
		if got := TrackURL(u, hosts); got != "" {
			t.Errorf("TrackURL(%q) = %q, want refused", u, got)
		}
	}
	if got := TrackURL("https://intake.example.gov.cn/track/PD1", nil); got != "" {
		t.Errorf("no hosts: %q allowed", got)
	}
}
