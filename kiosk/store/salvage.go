package store

import (
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
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
	// copyChanged: the copy may differ from the kept file past its header
	// (a trial opened it with the WAL, which a close checkpoints).
	copyChanged bool
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
	db, err := r.openWithWAL(ctx, copyPath)
	if err != nil {
		// The header itself may be what is damaged: its first 100 bytes
		// say how to read every other page. Write a plausible one.
		db, err = r.repairHeader(ctx, kept, copyPath)
	}
	if err != nil {
		// The schema after the header is gone too (page 1 destroyed):
		// rebuild it from the map kept beside the file, if there is one.
		db, err = r.rebuildSchema(ctx, kept, copyPath)
	}
	if err != nil {
		// Nothing of the schema reads: keep the reader so that every
		// table reports itself unreadable.
		db2, oerr := sql.Open("sqlite3", fileDSN(copyPath, "mode=rw"))
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

// openWithWAL opens the copy with its WAL, or, if the WAL does not replay,
// without it.
func (r *reader) openWithWAL(ctx context.Context, copyPath string) (*sql.DB, error) {
	db, err := r.open(ctx, copyPath)
	if err != nil && fileExists(copyPath+"-wal") {
		// A WAL that does not replay: try the main file alone.
		_ = os.Remove(copyPath + "-wal")
		_ = os.Remove(copyPath + "-shm")
		db, err = r.open(ctx, copyPath)
	}
	return db, err
}

// The database header (https://sqlite.org/fileformat2.html#the_database_header).
const (
	headerSize  = 100
	sqliteMagic = "SQLite format 3\x00"
)

// pageSizes are the page sizes SQLite allows, the store's own (4096, the
// default) first.
var pageSizes = []int{4096, 1024, 2048, 8192, 16384, 32768, 65536, 512}

// repairHeader writes a database header over the first 100 bytes of the
// copy, for the page size under which the file checks out best, and opens
// it. Only the header is rewritten: page 1 keeps its b-tree of the schema
// after byte 100, so the schema reads again and every table with it.
// The page sizes tried are the one the WAL header names, the one the
// damaged header names, and then every size that divides the file; the
// one chosen is the one under which the most tables check out (the first
// tried of equals). A wrong size can still land on pages that read, some
// other table's rows where a table's root should be, so a table checks
// out only when it reads to its end and each of its indexes (it needs at
// least one) holds as many entries: under a wrong size a table and its
// indexes land on unrelated pages. The freelist and the schema version are not known: the freelist
// is left empty and the schema cookie starts at 1; a reader needs neither.
func (r *reader) repairHeader(ctx context.Context, kept, copyPath string) (*sql.DB, error) {
	fi, err := os.Stat(copyPath)
	if err != nil {
		return nil, fmt.Errorf("store: salvage: %w", err)
	}
	size := fi.Size()
	var hints []int
	if wal, err := readPrefix(kept+"-wal", 32); err == nil && len(wal) >= 12 {
		hints = append(hints, int(binary.BigEndian.Uint32(wal[8:12])))
	}
	if head, err := readPrefix(copyPath, headerSize); err == nil && len(head) >= 18 {
		ps := int(binary.BigEndian.Uint16(head[16:18]))
		if ps == 1 {
			ps = 65536
		}
		hints = append(hints, ps)
	}
	var candidates []int
	for _, ps := range append(hints, pageSizes...) {
		if slices.Contains(pageSizes, ps) && !slices.Contains(candidates, ps) && size >= int64(ps) && size%int64(ps) == 0 {
			candidates = append(candidates, ps)
		}
	}
	// Without the WAL first: those trials only read the copy. A trial with
	// the WAL checkpoints it into the copy when it closes, so each one
	// starts from a fresh copy of the kept file.
	walModes := []bool{false}
	if fileExists(kept + "-wal") {
		walModes = append(walModes, true)
	}
	best, bestWAL, bestScore := 0, false, 0
	for _, wal := range walModes {
		for _, ps := range candidates {
			score, err := r.tryHeader(ctx, kept, copyPath, ps, size, wal)
			if err != nil {
				return nil, err
			}
			if score > bestScore {
				best, bestWAL, bestScore = ps, wal, score
			}
		}
	}
	if bestScore == 0 {
		return nil, errors.New("store: salvage: no page size makes the schema readable")
	}
	if err := r.placeHeader(kept, copyPath, best, size, bestWAL); err != nil {
		return nil, err
	}
	return r.open(ctx, copyPath)
}

// tryHeader writes the header for page size ps (with or without the WAL)
// and scores it: 0 when the schema does not read, else one more than the
// number of tables with indexes that check out (see repairHeader).
func (r *reader) tryHeader(ctx context.Context, kept, copyPath string, ps int, size int64, wal bool) (int, error) {
	if err := r.placeHeader(kept, copyPath, ps, size, wal); err != nil {
		return 0, err
	}
	return r.score(ctx, copyPath)
}

// scoreSchema scores an open copy: 0 when the schema does not read, else
// one more than the number of tables with indexes that check out.
func scoreSchema(ctx context.Context, db *sql.DB) int {
	rows, err := db.QueryContext(ctx, "SELECT type, name, tbl_name, COALESCE(sql, '') FROM sqlite_master WHERE type IN ('table', 'index')")
	if err != nil {
		return 0
	}
	var tables []string
	indexes := map[string][]string{}
	for rows.Next() {
		var typ, name, tbl, ddl string
		if rows.Scan(&typ, &name, &tbl, &ddl) != nil {
			continue
		}
		switch {
		case typ == "table" && !strings.HasPrefix(name, "sqlite_"):
			tables = append(tables, name)
		case typ == "index" && !strings.Contains(strings.ToUpper(ddl), " WHERE "): // a partial index holds fewer
			indexes[tbl] = append(indexes[tbl], name)
		}
	}
	rows.Close()
	// Only a table with an index can be checked: a table without one
	// that reads to its end under a wrong size proves nothing.
	score := 1 // the schema reads
	for _, t := range tables {
		if len(indexes[t]) > 0 && checksOut(ctx, db, t, indexes[t]) {
			score++
		}
	}
	return score
}

// checksOut reports whether table t reads to its end and each of its
// indexes holds as many entries.
func checksOut(ctx context.Context, db *sql.DB, t string, indexes []string) bool {
	var n int64
	if db.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+quoteIdent(t)+" NOT INDEXED").Scan(&n) != nil {
		return false
	}
	for _, ix := range indexes {
		var m int64
		if db.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+quoteIdent(t)+" INDEXED BY "+quoteIdent(ix)).Scan(&m) != nil || m != n {
			return false
		}
	}
	return true
}

// placeHeader makes the copy the kept file under a header for page size
// ps, with the kept WAL beside it or none. The copy is made afresh when a
// trial with the WAL may have checkpointed into it.
func (r *reader) placeHeader(kept, copyPath string, ps int, size int64, wal bool) error {
	for _, p := range []string{copyPath + "-wal", copyPath + "-shm"} {
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("store: salvage: %w", err)
		}
	}
	if r.copyChanged {
		if err := os.Remove(copyPath); err != nil {
			return fmt.Errorf("store: salvage: %w", err)
		}
		if err := copyFile(kept, copyPath); err != nil {
			return err
		}
		r.copyChanged = false
	}
	if wal {
		if err := copyFile(kept+"-wal", copyPath+"-wal"); err != nil {
			return err
		}
		r.copyChanged = true
	}
	f, err := os.OpenFile(copyPath, os.O_WRONLY, 0)
	if err != nil {
		return fmt.Errorf("store: salvage: %w", err)
	}
	_, err = f.WriteAt(databaseHeader(ps, size, wal), 0)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("store: salvage: write header: %w", err)
	}
	return nil
}

// databaseHeader is a valid header for a file of size bytes in pages of
// ps bytes, in WAL mode or not.
func databaseHeader(ps int, size int64, wal bool) []byte {
	h := make([]byte, headerSize)
	copy(h, sqliteMagic)
	if ps == 65536 {
		binary.BigEndian.PutUint16(h[16:], 1)
	} else {
		binary.BigEndian.PutUint16(h[16:], uint16(ps))
	}
	h[18], h[19] = 1, 1 // legacy (rollback journal) file format
	if wal {
		h[18], h[19] = 2, 2
	}
	h[21], h[22], h[23] = 64, 32, 32                           // payload fractions, fixed by the format
	binary.BigEndian.PutUint32(h[24:], 1)                      // file change counter
	binary.BigEndian.PutUint32(h[28:], uint32(size/int64(ps))) // pages; valid: [92] = [24]
	binary.BigEndian.PutUint32(h[40:], 1)                      // schema cookie
	binary.BigEndian.PutUint32(h[44:], 4)                      // schema format
	binary.BigEndian.PutUint32(h[56:], 1)                      // UTF-8
	binary.BigEndian.PutUint32(h[92:], 1)                      // version-valid-for
	binary.BigEndian.PutUint32(h[96:], 3046000)                // SQLITE_VERSION_NUMBER that wrote it
	return h
}

// readPrefix reads up to n bytes from the start of a file.
func readPrefix(path string, n int) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b := make([]byte, n)
	k, err := io.ReadFull(f, b)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		return nil, err
	}
	return b[:k], nil
}

func (r *reader) open(ctx context.Context, path string) (*sql.DB, error) {
	db, err := sql.Open("sqlite3", fileDSN(path, "mode=rw&_busy_timeout=1000"))
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

// hasTable reports whether the copy's schema has a table of that name;
// known is false when its schema does not read.
func (r *reader) hasTable(ctx context.Context, name string) (exists, known bool) {
	var n int
	if err := r.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?`, name).Scan(&n); err != nil {
		return false, false
	}
	return n > 0, true
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

// quoteIdent quotes a table name read from a damaged schema for SQL.
func quoteIdent(name string) string {
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}
