package intakesim

import (
	"context"
	"strings"
	"testing"

	"github.com/pudong-community/kiosk/kiosk"
)

// The seeded catalogue gives some items a guide_url on the guide host and
// leaves others without, and the client decodes it (the exchange is
// checked against openapi.yaml like every other).
func TestSeededCatalogueGuideURLs(t *testing.T) {
	t.Parallel()
	f := start(t, func(o *Options) { o.GuideBaseURL = "https://guide.example.gov.cn/item/" })
	cat, _, _, err := f.client.Catalog(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	with, without := 0, 0
	for _, it := range cat.Items {
		switch it.GuideURL {
		case "":
			without++
		case "https://guide.example.gov.cn/item/" + it.Code:
			with++
			if kiosk.GuideURL(it.GuideURL, []string{"guide.example.gov.cn"}) == "" {
				t.Errorf("%s: seeded guide_url %q not shown on an allow-listed host", it.Code, it.GuideURL)
			}
		default:
			t.Errorf("%s: guide_url %q", it.Code, it.GuideURL)
		}
	}
	if with == 0 || without == 0 {
		t.Errorf("%d items with a guide_url and %d without; want some of each", with, without)
	}
	if !strings.HasPrefix(DefaultGuideBaseURL, "https://") {
		t.Errorf("DefaultGuideBaseURL %q is not https: no terminal would show it", DefaultGuideBaseURL)
	}
}
