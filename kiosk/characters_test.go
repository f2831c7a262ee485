package kiosk_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/pudong-community/kiosk/assets"
	"github.com/pudong-community/kiosk/kiosk"
)

func TestCharacterTableOfTheTerminal(t *testing.T) {
	tab, err := kiosk.NewCharacterTable(assets.PinyinTable())
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		py, ch string
		within int // found among the first within candidates
	}{
		{"zhang", "张", 8}, {"zhang", "长", 8}, {"wang", "王", 8}, {"li", "李", 1},
		{"chen", "陈", 8}, {"lv", "吕", 1}, {"nv", "女", 1}, {"zhu", "朱", 1},
		{"rong", "镕", 0}, // rare: further pages
		{"yan", "䶮", 0},  // Extension A, as on some residents' cards
		{"zhe", "喆", 0}, {"yue", "玥", 0}, {"kun", "堃", 0},
	} {
		all := tab.Candidates(tc.py, 0)
		i := slices.Index(all, tc.ch)
		if i < 0 || tc.within > 0 && i >= tc.within {
			t.Errorf("%s: %s at %d of %d", tc.py, tc.ch, i, len(all))
		}
	}
	// Simplified forms before traditional ones.
	zh := tab.Candidates("zhang", 0)
	if slices.Index(zh, "张") > slices.Index(zh, "張") {
		t.Errorf("張 before 张: %v", zh[:10])
	}
	if got := tab.Candidates("wang", 3); len(got) != 3 {
		t.Errorf("limit 3: %v", got)
	}
	if got := tab.Candidates("xyz", 8); len(got) != 0 {
		t.Errorf("unknown syllable: %v", got)
	}
}

func TestCharacterTableRefusesGarbage(t *testing.T) {
	for _, bad := range []string{"", "# only a comment\n", "zhang\n", "Zhang 张\n", "zhang abc\n", "zhang 张\nzhang 章\n", "toolongx 张\n"} {
		if _, err := kiosk.NewCharacterTable([]byte(bad)); err == nil {
			t.Errorf("%q accepted", bad)
		} else if bad != "" && strings.Contains(bad, "\n") && !strings.Contains(err.Error(), "character table") {
			t.Errorf("%q: unclear error %v", bad, err)
		}
	}
	tab, err := kiosk.NewCharacterTable([]byte("# c\n\nzhang 张章\n"))
	if err != nil || !slices.Equal(tab.Candidates("zhang", 0), []string{"张", "章"}) {
		t.Fatalf("%v %v", tab, err)
	}
}
