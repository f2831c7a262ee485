package kiosk

import (
	"sync"
	"time"
)

// Zone is China Standard Time (Asia/Shanghai, UTC+8), the zone of every time
// the terminal shows, prints or numbers by date: the clock on the screen,
// the receipt's confirmation time, the promised date counted in working
// days, the date in a local submission number and the audit trail. The
// central system writes its times in +08:00 too (intake-api.md).
//
// It is the system's Asia/Shanghai zone where the system has one, else a
// fixed UTC+8 (China has kept no daylight saving time since 1991, so the
// two agree on every time the terminal handles).
func Zone() *time.Location { return zone() }

var zone = sync.OnceValue(func() *time.Location {
	if loc, err := time.LoadLocation("Asia/Shanghai"); err == nil {
		return loc
	}
	return time.FixedZone("CST", 8*3600)
})
