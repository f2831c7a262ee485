package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
)

// This file reads what it can from a damaged SQLite file: tables row by
// row in rowid order, stepping past pages that do not read, and indexes
// forwards and backwards, so that one bad page costs only the rows on it.

// maxProbes bounds the seeks spent stepping past damage in one table, so
// that a file damaged everywhere costs seconds, not hours.
const maxProbes = 4096

// reader reads a private copy of a damaged database.
type reader struct {
	db  *sql.DB
	dir string // the temporary directory holding the copy
}

// openCopy copies the kept database (and its WAL, if any) into a temporary
// directory next to it and opens the copy. The kept files are only read.
func openCopy(ctx context.Context, kept string) (*reader, error) {
	dir, err := os.MkdirTemp(filepath.Dir(kept), ".salvage-*")
	if err != nil {
		return nil, fmt.Errorf("store: salvage: %w", err)
	}
	r := &reader{dir: dir}
	copyPath := filepath.Join(dir, "copy.db")
	if err := copyFile(kept, copyPath); err != nil {
		r.close()
		return nil, err
	}
	if _, err := os.Stat(kept + "-wal"); err == nil {
		if err := copyFile(kept+"-wal", copyPath+"-wal"); err != nil {
			r.close()
			return nil, err
		}
	}
	db, err := r.open(ctx, copyPath)
	if err != nil && fileExists(copyPath+"-wal") {
		// A WAL that does not replay: try the main file alone.
		_ = os.Remove(copyPath + "-wal")
		_ = os.Remove(copyPath + "-shm")
		db, err = r.open(ctx, copyPath)
	}
	if err != nil {
		// Nothing of the schema reads: keep the reader so that every
		// table reports itself unreadable.
		db2, oerr := sql.Open("sqlite3", "file:"+copyPath+"?mode=rw")
		if oerr != nil {
			r.close()
			return nil, fmt.Errorf("store: salvage: open copy: %w", oerr)
		}
		db = db2
		db.SetMaxOpenConns(1)
	}
	r.db = db
	return r, nil
}

func (r *reader) open(ctx context.Context, path string) (*sql.DB, error) {
	db, err := sql.Open("sqlite3", "file:"+path+"?mode=rw&_busy_timeout=1000")
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	// Check cell sizes as pages are read, so more damage is reported
	// as an error rather than read as data.
	if _, err := db.ExecContext(ctx, "PRAGMA cell_size_check = ON"); err != nil {
		db.Close()
		return nil, err
	}
	var n int
	if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM sqlite_master").Scan(&n); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

func (r *reader) close() {
	if r.db != nil {
		r.db.Close()
	}
	_ = os.RemoveAll(r.dir)
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return fmt.Errorf("store: salvage: %w", err)
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("store: salvage: %w", err)
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return fmt.Errorf("store: salvage: copy %s: %w", filepath.Base(from), err)
	}
	return out.Close()
}

// gap is a run of rowids (lo, hi] that may have held rows that could not be
// read; hi is math.MaxInt64 for a lost tail.
type gap struct{ lo, hi int64 }

func (g gap) has(rowid int64) bool { return rowid > g.lo && rowid <= g.hi }

// scanResult says how much of a table was read.
type scanResult struct {
	rows int    // rows handed to the callback
	gaps []gap  // runs of rowids skipped over
	err  string // the first error met
}

// whole reports whether every row was read.
func (s scanResult) whole() bool { return len(s.gaps) == 0 && s.err == "" }

// unreadable reports whether nothing at all was read and something failed.
func (s scanResult) unreadable() bool { return s.rows == 0 && s.err != "" }

func (s scanResult) inGap(rowid int64) bool {
	for _, g := range s.gaps {
		if g.has(rowid) {
			return true
		}
	}
	return false
}

func (s *scanResult) fail(err error) {
	if s.err == "" {
		s.err = err.Error()
	}
}

// scan reads every readable row of table in rowid order, handing fn the
// rowid and the values of cols. Where a page does not read it seeks ahead
// (doubling, then halving back) to the first rowid whose page does, and
// records the skipped run as a gap. A seek to rowid x reads the leaf where
// x is or would be, so the first good seek is the first rowid of the next
// readable leaf, and nothing readable is skipped.
func (r *reader) scan(ctx context.Context, table, cols string, fn func(rowid int64, vals []any)) scanResult {
	var res scanResult
	ncols := len(strings.Split(cols, ","))
	q := fmt.Sprintf("SELECT rowid, %s FROM %s WHERE rowid >= ? ORDER BY rowid", cols, table)
	probes := 0
	probe := func(from int64) bool {
		probes++
		rows, err := r.db.QueryContext(ctx, q+" LIMIT 1", from)
		if err != nil {
			return false
		}
		defer rows.Close()
		if rows.Next() {
			vals := make([]any, ncols+1)
			ptrs := make([]any, len(vals))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				return false
			}
		}
		return rows.Err() == nil
	}
	from := int64(math.MinInt64)
	for {
		last, n, err := r.stream(ctx, q, ncols, from, fn)
		res.rows += n
		if err == nil {
			return res
		}
		res.fail(err)
		// Rowids of the terminal's tables are positive.
		last = max(last, 0)
		if ctx.Err() != nil || strings.Contains(err.Error(), "no such") {
			res.gaps = append(res.gaps, gap{last, math.MaxInt64})
			return res
		}
		// Seek past the damage: bad is a rowid whose seek fails, good
		// one whose seek reads; double, then halve back.
		bad, good, found := last+1, int64(0), false
		for k := int64(1); k <= 1<<62 && probes < maxProbes; k *= 2 {
			if bad > math.MaxInt64-k {
				break
			}
			if probe(bad + k) {
				good, found = bad+k, true
				break
			}
		}
		if !found {
			res.gaps = append(res.gaps, gap{last, math.MaxInt64})
			return res
		}
		for good-bad > 1 && probes < maxProbes {
			mid := bad + (good-bad)/2
			if probe(mid) {
				good = mid
			} else {
				bad = mid
			}
		}
		res.gaps = append(res.gaps, gap{last, good - 1})
		from = good
	}
}

// stream reads rows with rowid >= from until the end or an error; it
// returns the last rowid read (from-1 if none) and how many.
func (r *reader) stream(ctx context.Context, q string, ncols int, from int64, fn func(int64, []any)) (int64, int, error) {
	last := from
	if from > math.MinInt64 {
		last = from - 1
	}
	rows, err := r.db.QueryContext(ctx, q, from)
	if err != nil {
		return last, 0, err
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		vals := make([]any, ncols+1)
		ptrs := make([]any, len(vals))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return last, n, err
		}
		rowid, ok := vals[0].(int64)
		if !ok || (n > 0 && rowid <= last) || rowid < from {
			return last, n, errors.New("store: salvage: rowids out of order")
		}
		last = rowid
		n++
		fn(rowid, vals[1:])
	}
	return last, n, rows.Err()
}

// scanIndex reads an index through a covering query, forwards until the
// end or an error and then, if it stopped early, backwards from the end
// until an error, so that a damaged index page costs only its entries.
// The queries must select the index's columns and the rowid, the rowid
// last; fn may see an entry twice. It reports whether the forward pass
// read the whole index.
func (r *reader) scanIndex(ctx context.Context, forward, backward string, ncols int, fn func(vals []any)) bool {
	run := func(q string) error {
		rows, err := r.db.QueryContext(ctx, q)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			vals := make([]any, ncols)
			ptrs := make([]any, ncols)
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				return err
			}
			fn(vals)
		}
		return rows.Err()
	}
	if err := run(forward); err == nil {
		return true
	}
	_ = run(backward)
	return false
}

// Value conversions: a damaged row may hold anything, and STRICT tables
// refuse a value of the wrong type, so every value is checked before it
// is written to the fresh database.

func asText(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case []byte:
		return string(x), true
	}
	return "", false
}

func asInt(v any) (int64, bool) {
	x, ok := v.(int64)
	return x, ok
}

// normalize checks vals against kinds, one letter a column: t text, i
// integer, b blob; upper case T, I, B also allow NULL.
func normalize(vals []any, kinds string) ([]any, bool) {
	if len(vals) != len(kinds) {
		return nil, false
	}
	out := make([]any, len(vals))
	for i, v := range vals {
		k := kinds[i]
		if v == nil {
			if k == 'T' || k == 'I' || k == 'B' {
				continue
			}
			return nil, false
		}
		switch k {
		case 't', 'T':
			s, ok := asText(v)
			if !ok {
				return nil, false
			}
			out[i] = s
		case 'i', 'I':
			n, ok := asInt(v)
			if !ok {
				return nil, false
			}
			out[i] = n
		case 'b', 'B':
			b, ok := v.([]byte)
			if !ok {
				return nil, false
			}
			out[i] = b
		}
	}
	return out, true
}
