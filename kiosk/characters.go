package kiosk

import (
	"bufio"
	"bytes"
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// CharacterTable is a CharacterSource over a table of lines "syllable
// characters" (assets.PinyinTable), most common character first, and the
// Readings of the characters: lines "=syllable characters" give the
// customary syllable of those listed under more than one.
type CharacterTable struct {
	bySyllable map[string][]string
	customary  map[rune]string // heteronyms' customary syllables

	readOnce sync.Once
	reading  []runeReading // by rune, for Reading
	syls     []string      // the syllables, indexed by runeReading.syl
}

// runeReading is a character and the index of its syllable.
type runeReading struct {
	r   rune
	syl uint16
}

// NewCharacterTable parses a table. A line that is not a lower-case
// syllable of up to six letters, a space and Han characters is refused
// with its line number, as is a customary reading ("=syllable ...") of a
// character the table does not list under that syllable.
func NewCharacterTable(data []byte) (*CharacterTable, error) {
	t := &CharacterTable{bySyllable: map[string][]string{}, customary: map[rune]string{}}
	type custom struct {
		line int
		syl  string
		r    rune
	}
	var customs []custom
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	n := 0
	for sc.Scan() {
		n++
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		syl, chars, ok := strings.Cut(line, " ")
		if cs, isCustom := strings.CutPrefix(syl, "="); isCustom {
			if !ok || !validSyllable(cs) || chars == "" {
				return nil, fmt.Errorf("kiosk: character table line %d: want =, a syllable and the characters customarily read so", n)
			}
			for _, r := range chars {
				customs = append(customs, custom{n, cs, r})
			}
			continue
		}
		if !ok || !validSyllable(syl) || chars == "" {
			return nil, fmt.Errorf("kiosk: character table line %d: want a syllable and its characters", n)
		}
		if _, dup := t.bySyllable[syl]; dup {
			return nil, fmt.Errorf("kiosk: character table line %d: syllable %q twice", n, syl)
		}
		var cs []string
		for _, r := range chars {
			if !unicode.Is(unicode.Han, r) {
				return nil, fmt.Errorf("kiosk: character table line %d: %U is not a Han character", n, r)
			}
			cs = append(cs, string(r))
		}
		t.bySyllable[syl] = cs
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("kiosk: character table: %w", err)
	}
	if len(t.bySyllable) == 0 {
		return nil, fmt.Errorf("kiosk: character table: no syllables")
	}
	for _, c := range customs {
		if !slices.Contains(t.bySyllable[c.syl], string(c.r)) {
			return nil, fmt.Errorf("kiosk: character table line %d: %c is not listed under %s", c.line, c.r, c.syl)
		}
		t.customary[c.r] = c.syl
	}
	return t, nil
}

// Reading returns the customary toneless syllable of a character: the one
// it is listed under, or for a heteronym the one its "=" line gives (else
// the first it is listed under, in alphabetical order). It implements
// Readings.
func (t *CharacterTable) Reading(r rune) (string, bool) {
	t.readOnce.Do(t.indexReadings)
	i, ok := slices.BinarySearchFunc(t.reading, r, func(e runeReading, r rune) int { return cmp.Compare(e.r, r) })
	if !ok {
		return "", false
	}
	return t.syls[t.reading[i].syl], true
}

// indexReadings builds the compact index Reading searches: about 28,000
// characters at 8 bytes each.
func (t *CharacterTable) indexReadings() {
	t.syls = slices.Sorted(maps.Keys(t.bySyllable))
	best := map[rune]uint16{}
	for i := len(t.syls) - 1; i >= 0; i-- { // so the alphabetically first stays
		for _, c := range t.bySyllable[t.syls[i]] {
			r, _ := utf8.DecodeRuneInString(c)
			best[r] = uint16(i)
		}
	}
	for r, syl := range t.customary {
		i, _ := slices.BinarySearch(t.syls, syl)
		best[r] = uint16(i)
	}
	t.reading = make([]runeReading, 0, len(best))
	for r, i := range best {
		t.reading = append(t.reading, runeReading{r, i})
	}
	slices.SortFunc(t.reading, func(a, b runeReading) int { return cmp.Compare(a.r, b.r) })
}

func validSyllable(s string) bool {
	if s == "" || len(s) > 6 {
		return false
	}
	for _, r := range s {
		if r < 'a' || r > 'z' {
			return false
		}
	}
	return true
}

// Candidates returns the characters read as pinyin, most common first, at
// most limit of them (all when limit <= 0).
func (t *CharacterTable) Candidates(pinyin string, limit int) []string {
	cs := t.bySyllable[pinyin]
	if limit > 0 && len(cs) > limit {
		cs = cs[:limit]
	}
	return append([]string(nil), cs...)
}

// Continues reports whether a longer syllable starts with prefix.
func (t *CharacterTable) Continues(prefix string) bool {
	for syl := range t.bySyllable {
		if len(syl) > len(prefix) && strings.HasPrefix(syl, prefix) {
			return true
		}
	}
	return false
}
