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
	for _, bad := range []string{"", "# only a comment\n", "zhang\n", "Zhang 张\n", "zhang abc\n", "zhang 张\nzhang 章\n", "toolongx 张\n",
		"zhang 张\n=zhang\n", "zhang 张\n=Zhang 张\n", "zhang 张\nchang 长\n=chang 张\n", "zhang 张\n=zhong 张\n"} {
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

// Readings: the customary syllable of each character, for spelling the
// catalogue's item names in pinyin; a heteronym takes the one its "=" line
// gives.
func TestCharacterTableReadings(t *testing.T) {
	tab, err := kiosk.NewCharacterTable(assets.PinyinTable())
	if err != nil {
		t.Fatal(err)
	}
	var rd kiosk.Readings = tab
	for _, tc := range []struct {
		ch  rune
		syl string
	}{
		{'张', "zhang"}, {'最', "zui"}, {'低', "di"}, {'保', "bao"}, {'障', "zhang"},
		{'女', "nv"}, {'吕', "lv"},
		// heteronyms
		{'行', "xing"}, {'重', "zhong"}, {'乐', "le"}, {'地', "di"}, {'埔', "pu"}, {'都', "dou"}, {'还', "hai"},
		{'长', "chang"}, {'茄', "qie"}, {'参', "can"},
		{'䶮', "yan"}, // Extension A
	} {
		if got, ok := rd.Reading(tc.ch); !ok || got != tc.syl {
			t.Errorf("Reading(%c) = %q, %v; want %q", tc.ch, got, ok, tc.syl)
		}
	}
	for _, r := range []rune{'A', '1', '（', 0x20000} {
		if got, ok := rd.Reading(r); ok {
			t.Errorf("Reading(%q) = %q, want none", r, got)
		}
	}
	small, err := kiosk.NewCharacterTable([]byte("chang 长常\nzhang 张长\n=zhang 长\n"))
	if err != nil {
		t.Fatal(err)
	}
	for ch, want := range map[rune]string{'长': "zhang", '常': "chang", '张': "zhang"} {
		if got, _ := small.Reading(ch); got != want {
			t.Errorf("small table: Reading(%c) = %q, want %q", ch, got, want)
		}
	}
	noCustom, err := kiosk.NewCharacterTable([]byte("zhang 张长\nchang 长常\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := noCustom.Reading('长'); got != "chang" {
		t.Errorf("a heteronym without its = line reads %q, want the first syllable in alphabetical order (chang)", got)
	}
}
