package terminal

import (
	"bytes"
	"log/slog"
	"slices"
	"strings"
	"testing"

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
