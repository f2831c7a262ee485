package intake

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/pudong-community/kiosk/kiosk"
)

// The catalogue's optional guide_url is decoded when present, empty when
// absent; a guide_url that is not a string, or longer than the contract
// allows, makes the catalogue a bad answer (the cached one stays), never
// a panic or a half-read catalogue.
func TestCatalogGuideURL(t *testing.T) {
	t.Parallel()
	item := func(code, extra string) string {
		return `{"code":"` + code + `","name":"敬老卡申领","name_en":"Senior card","department":"区民政局","category":"老龄","kind":"instant","self_service":true,"districtwide":true,"agent_allowed":true,"time_limit_days":0,"fee":"免费","notice":"n","legal_basis":"l","materials":[],"fields":[]` + extra + `}`
	}
	cat := func(items ...string) string {
		return `{"version":"v7","generated_at":"2026-11-01T08:00:00+08:00","items":[` + strings.Join(items, ",") +
			`],"calendar":{"holidays":["2026-10-01"],"workdays":[]}}`
	}
	bodies := map[string]string{
		"good": cat(item("MZ-0101", `,"guide_url":"https://ywtb.pudong.example/guide/MZ-0101"`), item("MZ-0102", ""),
			item("MZ-0103", `,"guide_url":"javascript:alert(1)"`)),
		"number":   cat(item("MZ-0101", `,"guide_url":42`)),
		"object":   cat(item("MZ-0101", `,"guide_url":{"href":"https://ywtb.pudong.example/"}`)),
		"too long": cat(item("MZ-0101", `,"guide_url":"https://ywtb.pudong.example/`+strings.Repeat("a", kiosk.MaxGuideURLLen)+`"`)),
		"cut":      cat(item("MZ-0101", `,"guide_url":"https://ywtb.pudong.example/`))[:200],
	}
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, bodies[r.Header.Get("If-None-Match")])
	})
	ctx := context.Background()
	got, _, _, err := c.Catalog(ctx, "good")
	if err != nil || len(got.Items) != 3 {
		t.Fatalf("good: %d items, %v", len(got.Items), err)
	}
	for i, want := range []string{"https://ywtb.pudong.example/guide/MZ-0101", "", "javascript:alert(1)"} {
		if got.Items[i].GuideURL != want {
			t.Errorf("item %d: guide_url %q, want %q", i, got.Items[i].GuideURL, want)
		}
	}
	// Decoded is not shown: the screen asks kiosk.GuideURL.
	if kiosk.GuideURL(got.Items[2].GuideURL, []string{"ywtb.pudong.example"}) != "" {
		t.Error("a javascript: guide_url would be shown")
	}
	for _, name := range []string{"number", "object", "too long", "cut"} {
		got, _, _, err := c.Catalog(ctx, name)
		if !errors.Is(err, ErrBadResponse) || len(got.Items) != 0 {
			t.Errorf("%s: %d items, err %v; want a bad response and no catalogue", name, len(got.Items), err)
		}
	}
	if _, _, _, err := c.Catalog(ctx, "too long"); !errors.Is(err, kiosk.ErrInvalidCatalog) {
		t.Errorf("too long: %v, want an invalid catalogue", err)
	}
}
