package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

// keptAsideName matches the name keepAside gives a database it sets aside
// ("kiosk.db.corrupt-20261127T093000", "-2" for a second one in the same
// second) and the files that go with it (-wal, -shm, the schema map).
var keptAsideName = regexp.MustCompile(`\.corrupt-([0-9]{8}T[0-9]{6})(-[0-9]+)?(-wal|-shm|` + regexp.QuoteMeta(SchemaMapSuffix) + `)?$`)

// PurgeKeptAside deletes the databases recovery set aside beside this one
// (with their WAL, shared-memory and schema map files) once retention has
// passed since they were set aside (the UTC time in their name) by now. It
// returns how many files it deleted.
func (s *Store) PurgeKeptAside(now time.Time, retention time.Duration) (int, error) {
	matches, err := filepath.Glob(s.path + ".corrupt-*")
	if err != nil {
		return 0, nil
	}
	n := 0
	var errs []error
	for _, m := range matches {
		sub := keptAsideName.FindStringSubmatch(m)
		if sub == nil || !strings.HasPrefix(m, s.path+".corrupt-") {
			continue
		}
		at, err := time.Parse("20060102T150405", sub[1])
		if err != nil || now.Sub(at) < retention {
			continue
		}
		if err := os.Remove(m); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
			continue
		}
		n++
	}
	if len(errs) > 0 {
		return n, fmt.Errorf("store: delete databases kept aside: %w", errors.Join(errs...))
	}
	return n, nil
}
