package kiosk

import (
	"bufio"
	"bytes"
	"fmt"
	"strings"
	"unicode"
)

// CharacterTable is a CharacterSource over a table of lines "syllable
// characters" (assets.PinyinTable), most common character first.
type CharacterTable struct {
	bySyllable map[string][]string
}

// NewCharacterTable parses a table. A line that is not a lower-case
// syllable of up to six letters, a space and Han characters is refused
// with its line number.
func NewCharacterTable(data []byte) (*CharacterTable, error) {
	t := &CharacterTable{bySyllable: map[string][]string{}}
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
	return t, nil
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
