package store

import (
	"context"
	"testing"
)

// The catalogue cache keeps each item's guide_url (the item is stored as
// its JSON, so no migration is needed), and an item without one reads
// back without one.
func TestCatalogCacheKeepsGuideURL(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t, OutboxOptions{})
	cat := loadCatalog(t)
	if len(cat.Items) < 2 {
		t.Fatal("test catalogue too small")
	}
	const guide = "https://ywtb.pudong.example/guide/x"
	cat.Items[0].GuideURL = guide
	cat.Items[1].GuideURL = ""
	if err := f.st.PutCatalog(ctx, cat, `"g1"`); err != nil {
		t.Fatal(err)
	}
	cc, err := f.st.Catalog(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if cc.Catalog.Items[0].GuideURL != guide || cc.Catalog.Items[1].GuideURL != "" {
		t.Errorf("cached catalogue: guide_url %q and %q", cc.Catalog.Items[0].GuideURL, cc.Catalog.Items[1].GuideURL)
	}
	it, err := f.st.Item(ctx, cat.Items[0].Code)
	if err != nil || it.GuideURL != guide {
		t.Errorf("Item(%s): guide_url %q, %v", cat.Items[0].Code, it.GuideURL, err)
	}
	it, err = f.st.Item(ctx, cat.Items[1].Code)
	if err != nil || it.GuideURL != "" {
		t.Errorf("Item(%s): guide_url %q, %v", cat.Items[1].Code, it.GuideURL, err)
	}
}
