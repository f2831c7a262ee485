package outbox

import (
	"sync"

	"github.com/pudong-community/kiosk/assets"
	"github.com/pudong-community/kiosk/kiosk"
)

// testReadings is the terminal's own pinyin table, which the store needs
// to cache a catalogue (store.Options.Readings).
var testReadings = sync.OnceValue(func() kiosk.Readings {
	t, err := kiosk.NewCharacterTable(assets.PinyinTable())
	if err != nil {
		panic(err)
	}
	return t
})
