package ui

import (
	"encoding/json"
	"fmt"
	"sort"
	"sync"

	"github.com/pudong-community/kiosk/assets"
)

// Lang is a language of the resident screens.
type Lang string

// The two languages: Chinese first.
const (
	Chinese Lang = "zh"
	English Lang = "en"
)

// Catalog holds the resident-facing strings in both languages. Fyne's lang
// package picks one language at start and has no runtime switch, so the
// terminal keeps its own catalogue and rebuilds the screen on a switch.
type Catalog struct {
	strings map[string]map[Lang]string

	mu      sync.Mutex
	missing map[string]bool
}

// LoadCatalog parses a catalogue in the assets' format and checks that every
// key has both languages.
func LoadCatalog(b []byte) (*Catalog, error) {
	var m map[string]map[Lang]string
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("ui: translations: %w", err)
	}
	var bad []string
	for k, v := range m {
		if v[Chinese] == "" || v[English] == "" {
			bad = append(bad, k)
		}
	}
	if len(bad) > 0 {
		sort.Strings(bad)
		return nil, fmt.Errorf("ui: translations: keys without both zh and en: %v", bad)
	}
	return &Catalog{strings: m, missing: map[string]bool{}}, nil
}

var (
	defaultCatalogOnce sync.Once
	defaultCatalog     *Catalog
)

// DefaultCatalog is the catalogue bundled in assets.
func DefaultCatalog() *Catalog {
	defaultCatalogOnce.Do(func() {
		c, err := LoadCatalog(assets.Translations())
		if err != nil {
			panic(err) // a bundled file; the tests keep it valid
		}
		defaultCatalog = c
	})
	return defaultCatalog
}

// T translates key into l, formatting args into it when given. A missing
// key is shown as the key itself (never an empty label) and remembered for
// the tests.
func (c *Catalog) T(l Lang, key string, args ...any) string {
	s, ok := c.strings[key][l]
	if !ok {
		c.mu.Lock()
		c.missing[key] = true
		c.mu.Unlock()
		s = key
	}
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}

// Has reports whether key is in the catalogue.
func (c *Catalog) Has(key string) bool {
	_, ok := c.strings[key]
	return ok
}

// Missing lists the keys asked for that the catalogue does not have.
func (c *Catalog) Missing() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var ks []string
	for k := range c.missing {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
