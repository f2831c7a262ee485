package e2e

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/pudong-community/kiosk/kiosk"
	"github.com/pudong-community/kiosk/kiosk/intake"
	"github.com/pudong-community/kiosk/kiosk/store"
)

// TestBadCatalogueKeepsTheGoodOne: a catalogue that is garbage, truncated,
// partial or over the size limit is refused and the cached one kept.
func TestBadCatalogueKeepsTheGoodOne(t *testing.T) {
	var mode atomic.Value
	mode.Store("")
	var real []byte
	wrap := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			m := mode.Load().(string)
			if r.URL.Path != "/v1/catalog" || m == "" {
				next.ServeHTTP(w, r)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("ETag", `"bad-`+m+`"`)
			switch m {
			case "garbage":
				w.Write([]byte("\x00\x01<html>502 Bad Gateway</html>"))
			case "truncated":
				w.Write(real[:len(real)/2])
			case "partial":
				w.Write([]byte(`{"version":"9999","generated_at":"2030-01-01T00:00:00+08:00","items":[{"code":"X-1"}],"calendar":{"holidays":["2030-01-01"]}}`))
			case "huge":
				w.Write([]byte(`{"version":"9999","generated_at":"2030-01-01T00:00:00+08:00","items":[],"pad":"`))
				w.Write(bytes.Repeat([]byte("a"), 2<<20))
				w.Write([]byte(`"}`))
			case "html":
				w.Header().Set("Content-Type", "text/html")
				w.Write(real)
			}
		})
	}
	tg := newTarget(t, wrap)
	tg.needSim(t)
	real = mustCatalogBody(t, tg) // the body the real server sends, to truncate

	tm := openTerminal(t, t.TempDir(), tg.terminal)
	relay := newRelay(t, tg, tm, 0, nil)
	runRelay(t, relay)
	ctx := context.Background()
	if err := relay.RefreshCatalog(ctx); err != nil {
		t.Fatal(err)
	}
	good, err := tm.st.CatalogMeta(ctx)
	if err != nil || good.Version != tg.catalog.Version || good.Items != len(tg.catalog.Items) {
		t.Fatalf("good catalogue: %+v, %v", good, err)
	}
	for _, m := range []string{"garbage", "truncated", "partial", "huge", "html"} {
		t.Run(m, func(t *testing.T) {
			mode.Store(m)
			defer mode.Store("")
			err := relay.RefreshCatalog(ctx)
			if err == nil {
				t.Fatal("accepted")
			}
			if m == "huge" && !errors.Is(err, intake.ErrResponseTooBig) {
				t.Fatalf("huge: %v, want ErrResponseTooBig", err)
			}
			if m == "partial" && !errors.Is(err, kiosk.ErrInvalidCatalog) {
				t.Fatalf("partial: %v, want ErrInvalidCatalog", err)
			}
			got, err := tm.st.CatalogMeta(ctx)
			if err != nil || got.Version != good.Version || got.ETag != good.ETag || got.Items != good.Items {
				t.Fatalf("the good catalogue was replaced: %+v, %v", got, err)
			}
			if its, err := tm.st.SearchCatalog(ctx, tg.catalog.Items[0].Name, 1); err != nil || len(its) != 1 {
				t.Fatalf("search after a refused catalogue: %v, %v", its, err)
			}
			if st := relay.Status(); !strings.Contains(st.CatalogError, "intake") {
				t.Fatalf("status does not say why: %+v", st)
			}
		})
	}
	if _, err := tm.st.Catalog(ctx); errors.Is(err, store.ErrNoCatalog) {
		t.Fatal("catalogue lost")
	}
}

func mustCatalogBody(t *testing.T, tg *target) []byte {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, tg.url+"/v1/catalog", nil)
	req.Header.Set("Authorization", "Bearer "+tg.token)
	req.Header.Set("X-Terminal-Id", tg.terminal)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(resp.Body); err != nil || resp.StatusCode != 200 {
		t.Fatalf("catalogue: %d %v", resp.StatusCode, err)
	}
	return buf.Bytes()
}
