package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/pudong-community/kiosk/kiosk"
)

func loadCatalog(t testing.TB) kiosk.Catalog {
	t.Helper()
	b, err := os.ReadFile("testdata/catalog.json")
	if err != nil {
		t.Fatal(err)
	}
	var c kiosk.Catalog
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	return c
}

func codes(its []kiosk.Item) []string {
	var out []string
	for _, it := range its {
		out = append(out, it.Code)
	}
	return out
}

func TestCatalogCache(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t, OutboxOptions{})
	if _, err := f.st.Catalog(ctx); !errors.Is(err, ErrNoCatalog) {
		t.Fatalf("empty: %v", err)
	}
	good := loadCatalog(t)
	if err := f.st.PutCatalog(ctx, good, `"v1"`); err != nil {
		t.Fatal(err)
	}
	cc, err := f.st.Catalog(ctx)
	if err != nil || cc.ETag != `"v1"` || cc.Catalog.Version != good.Version || len(cc.Catalog.Items) != len(good.Items) {
		t.Fatalf("read back %+v, %v", cc, err)
	}
	older := loadCatalog(t)
	older.Version = "2025.01"
	older.GeneratedAt = good.GeneratedAt.Add(-time.Hour)
	partial := loadCatalog(t)
	partial.Items = partial.Items[:1]
	partial.Items[0].Name = ""
	partial.GeneratedAt = good.GeneratedAt.Add(time.Hour)
	noCal := loadCatalog(t)
	noCal.Calendar.Holidays = nil
	noCal.GeneratedAt = good.GeneratedAt.Add(time.Hour)
	tests := []struct {
		name string
		cat  kiosk.Catalog
		want error
	}{
		{"older", older, ErrOlderCatalog},
		{"partial item", partial, kiosk.ErrInvalidCatalog},
		{"no calendar", noCal, kiosk.ErrInvalidCatalog},
		{"empty", kiosk.Catalog{}, kiosk.ErrInvalidCatalog},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := f.st.PutCatalog(ctx, tc.cat, `"bad"`); !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			m, err := f.st.CatalogMeta(ctx)
			if err != nil || m.ETag != `"v1"` || m.Version != good.Version || m.Items != len(good.Items) {
				t.Fatalf("the good catalogue was replaced: %+v, %v", m, err)
			}
		})
	}
	if got, _ := f.st.SearchCatalog(ctx, "gaolin", 5); len(got) == 0 || got[0].Code != "LL-0501" {
		t.Fatalf("search before replacement: %v", codes(got))
	}
	newer := loadCatalog(t)
	newer.Version = "2026.12"
	newer.GeneratedAt = good.GeneratedAt.Add(24 * time.Hour)
	newer.Items = newer.Items[:3]
	if err := f.st.PutCatalog(ctx, newer, `"v2"`); err != nil {
		t.Fatal(err)
	}
	m, _ := f.st.CatalogMeta(ctx)
	if m.Version != "2026.12" || m.Items != 3 {
		t.Fatalf("newer not stored: %+v", m)
	}
	if _, err := f.st.Item(ctx, good.Items[5].Code); !errors.Is(err, ErrNotFound) {
		t.Fatalf("item of the old catalogue still there: %v", err)
	}
	if got, _ := f.st.SearchCatalog(ctx, "gaolin", 5); len(got) != 0 {
		t.Fatalf("search still finds items of the replaced catalogue: %v", codes(got))
	}
	f.clock.Add(time.Hour)
	if err := f.st.TouchCatalog(ctx); err != nil {
		t.Fatal(err)
	}
	if m2, _ := f.st.CatalogMeta(ctx); !m2.FetchedAt.Equal(f.clock.Now()) {
		t.Fatalf("touch: fetched %v", m2.FetchedAt)
	}
}

func TestCatalogBrowseAndSearch(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t, OutboxOptions{})
	cat := loadCatalog(t)
	if err := f.st.PutCatalog(ctx, cat, ""); err != nil {
		t.Fatal(err)
	}
	cats, err := f.st.Categories(ctx)
	if err != nil || len(cats) < 3 || cats[0] != cat.Items[0].Category {
		t.Fatalf("categories %v, %v", cats, err)
	}
	its, err := f.st.ItemsByCategory(ctx, "社会救助")
	if err != nil || len(its) == 0 {
		t.Fatalf("by category: %v, %v", codes(its), err)
	}
	for _, it := range its {
		if it.Category != "社会救助" {
			t.Fatalf("item %s of category %s", it.Code, it.Category)
		}
	}
	it, err := f.st.Item(ctx, "MZ-0103")
	if err != nil || it.Name != "最低生活保障申请" || len(it.Fields) == 0 {
		t.Fatalf("item: %+v, %v", it, err)
	}
	tests := []struct {
		q     string
		first string // code of the best match
	}{
		{"最低生活", "MZ-0103"},
		{"低保", "MZ-0105"},
		{"zdsh", "MZ-0103"},
		{"ZDSHBZ", "MZ-0103"},
		{"zuidi", "MZ-0103"},
		{"jzz", "JZ-0301"},
		{"居住证", "JZ-0301"},
		{"residence", "JZ-0301"},
		{"mz-0103", "MZ-0103"},
		{"gaolin", "LL-0501"},
	}
	for _, tc := range tests {
		t.Run(tc.q, func(t *testing.T) {
			t.Parallel()
			got, err := f.st.SearchCatalog(ctx, tc.q, 5)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) == 0 || got[0].Code != tc.first {
				t.Fatalf("search %q = %v, want %s first", tc.q, codes(got), tc.first)
			}
		})
	}
	for _, q := range []string{"", "   ", "无此项目", "xyzq", "%", "'; DROP TABLE catalog_items; --"} {
		got, err := f.st.SearchCatalog(ctx, q, 5)
		if err != nil || len(got) != 0 {
			t.Fatalf("search %q = %v, %v; want nothing", q, codes(got), err)
		}
	}
}

func TestPinyin(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, ini, full string }{
		{"最低生活保障", "zdshbz", "zuidishenghuobaozhang"},
		{"居住证（A证）", "jzzaz", "juzhuzhengazheng"},
		{"", "", ""},
		{"60岁以上", "60sys", "60suiyishang"},
		{"黄埔区社区服务", "hpqsqfw", "huangpuqushequfuwu"}, // 埔 pu, not kMandarin's bu
		{"土地使用证明", "tdsyzm", "tudishiyongzhengming"},
		{"长期护理保险需求评估申请", "cqhlbxxqpgsq", "changqihulibaoxianxuqiupinggushenqing"}, // 长 chang, not kMandarin's zhang
		{"参保登记", "cbdj", "canbaodengji"},
	}
	for _, tc := range tests {
		ini, full := Pinyin(testReadings(), tc.in)
		if ini != tc.ini || full != tc.full {
			t.Errorf("Pinyin(%q) = %q, %q; want %q, %q", tc.in, ini, full, tc.ini, tc.full)
		}
	}
}

var benchWords = []string{"低保", "zdsh", "jzz", "医保", "gaolin", "residence", "证明", "bz"}

func BenchmarkCatalogSearch(b *testing.B) {
	ctx := context.Background()
	f := newFixture(b, OutboxOptions{})
	base := loadCatalog(b)
	big := base
	big.Items = nil
	for i := 0; len(big.Items) < 2000; i++ {
		it := base.Items[i%len(base.Items)]
		it.Code = fmt.Sprintf("%s-%04d", it.Code, i)
		it.Name = fmt.Sprintf("%s（第%d项）", it.Name, i)
		big.Items = append(big.Items, it)
	}
	if err := f.st.PutCatalog(ctx, big, ""); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		if _, err := f.st.SearchCatalog(ctx, benchWords[i%len(benchWords)], 20); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(time.Since(start).Microseconds())/1000/float64(b.N), "ms/query")
}

func FuzzPinyin(f *testing.F) {
	for _, s := range []string{"最低生活保障", "居住证（A证）", "", "60岁以上", "\xff\xfe", "𠀀𪚥"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ini, full := Pinyin(testReadings(), s)
		if len(ini) > len(full) {
			t.Fatalf("initials %q longer than full %q", ini, full)
		}
		for _, c := range []byte(full) {
			if !('a' <= c && c <= 'z' || '0' <= c && c <= '9') {
				t.Fatalf("full pinyin %q has %q", full, c)
			}
		}
	})
}

// A store opened without readings cannot spell a catalogue in pinyin; it
// says so rather than cache one that pinyin search never finds.
func TestPutCatalogNeedsReadings(t *testing.T) {
	t.Parallel()
	st, err := Open(context.Background(), filepath.Join(t.TempDir(), "kiosk.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.PutCatalog(context.Background(), loadCatalog(t), ""); !errors.Is(err, ErrNoReadings) {
		t.Fatalf("PutCatalog without readings = %v, want ErrNoReadings", err)
	}
}
