package main

import (
	"bytes"
	"log/slog"
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"golang.org/x/image/font/sfnt"

	"github.com/pudong-community/kiosk/assets"
)

// The terminal offers the bundled table to agents keying a name; a table
// that does not load offers nothing and is logged once.
func TestLazyCharacters(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	c := newLazyCharacters(assets.PinyinTable(), log)
	if got := c.Candidates("zhang", 2); !slices.Equal(got, []string{"张", "长"}) {
		t.Errorf("zhang = %v", got)
	}
	if got, ok := c.Reading('埔'); !ok || got != "pu" {
		t.Errorf("Reading(埔) = %q, %v; want pu", got, ok)
	}
	bad := newLazyCharacters([]byte("zhang abc\n"), log)
	for range 3 {
		if got := bad.Candidates("zhang", 8); got != nil {
			t.Errorf("a broken table offered %v", got)
		}
		if got, ok := bad.Reading('张'); ok {
			t.Errorf("a broken table read 张 as %q", got)
		}
	}
	if n := strings.Count(logs.String(), "does not load"); n != 1 {
		t.Errorf("%d log lines for a broken table, want 1:\n%s", n, logs.String())
	}
}

// The demo's simulator panel names cards with rare characters (刘䶮) on
// buttons, which Fyne draws bold: every style of its theme draws them.
func TestSimThemeDrawsRareNames(t *testing.T) {
	for _, st := range []fyne.TextStyle{{}, {Bold: true}, {Monospace: true}} {
		f, err := sfnt.Parse(simTheme{}.Font(st).Content())
		if err != nil {
			t.Fatal(err)
		}
		var buf sfnt.Buffer
		for _, r := range "刘䶮" {
			if gi, err := f.GlyphIndex(&buf, r); err != nil || gi == 0 {
				t.Errorf("style %+v: no glyph for %c", st, r)
			}
		}
	}
}
