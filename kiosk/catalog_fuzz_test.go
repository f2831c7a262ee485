package kiosk

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// FuzzCatalog decodes arbitrary catalogues: Validate never panics, and a
// catalogue it accepts gives due dates for all its items without hanging.
func FuzzCatalog(f *testing.F) {
	files, _ := filepath.Glob("testdata/catalog*.json")
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		var c Catalog
		if json.Unmarshal(raw, &c) != nil {
			return
		}
		if c.Validate() != nil {
			return
		}
		from := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
		for _, it := range c.Items {
			due := c.Calendar.DueDate(from, it.TimeLimitDays)
			if due.Before(from.Truncate(24 * time.Hour)) {
				t.Fatalf("due %v before %v", due, from)
			}
			if _, ok := c.Item(it.Code); !ok {
				t.Fatalf("item %q not found by code", it.Code)
			}
		}
	})
}
