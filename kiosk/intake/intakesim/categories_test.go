package intakesim

import (
	"encoding/json"
	"testing"

	"github.com/pudong-community/kiosk/assets"
)

// The terminal shows category names in English from its own strings; every
// category of the seeded catalogue must have one, or Chinese leaks into the
// English screens.
func TestSeededCategoriesHaveEnglishNames(t *testing.T) {
	var m map[string]map[string]string
	if err := json.Unmarshal(assets.Translations(), &m); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, it := range seedItems() {
		if seen[it.Category] {
			continue
		}
		seen[it.Category] = true
		if m["category."+it.Category]["en"] == "" {
			t.Errorf("category %q has no English name in assets/i18n/strings.json", it.Category)
		}
	}
	if len(seen) < 5 {
		t.Fatalf("only %d categories", len(seen))
	}
}
