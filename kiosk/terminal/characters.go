package terminal

import (
	"log/slog"
	"sync"

	"github.com/pudong-community/kiosk/kiosk"
)

// lazyCharacters is the table of characters by pinyin, parsed when an
// agent first keys a name rather than at start-up, which most days never
// needs it.
type lazyCharacters struct {
	load func() (*kiosk.CharacterTable, error)
	log  *slog.Logger
	once sync.Once
}

func newLazyCharacters(data []byte, log *slog.Logger) *lazyCharacters {
	return &lazyCharacters{
		load: sync.OnceValues(func() (*kiosk.CharacterTable, error) { return kiosk.NewCharacterTable(data) }),
		log:  log,
	}
}

// Candidates implements kiosk.CharacterSource. A table that does not parse
// offers no character (and is logged once): the agent is then told no
// character has the sound, and the resident's card is the way left.
func (c *lazyCharacters) Candidates(pinyin string, limit int) []string {
	t, err := c.load()
	if err != nil {
		c.once.Do(func() { c.log.Error("characters for keyed names: table does not load", "err", err) })
		return nil
	}
	return t.Candidates(pinyin, limit)
}

// Continues implements kiosk.CharacterSource.
func (c *lazyCharacters) Continues(prefix string) bool {
	t, err := c.load()
	return err == nil && t.Continues(prefix)
}

// Reading implements kiosk.Readings, for spelling the catalogue in pinyin.
// A table that does not parse knows no reading (and is logged once): item
// names are then found by their Chinese and English words only.
func (c *lazyCharacters) Reading(r rune) (string, bool) {
	t, err := c.load()
	if err != nil {
		c.once.Do(func() { c.log.Error("characters for keyed names: table does not load", "err", err) })
		return "", false
	}
	return t.Reading(r)
}
