package store

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
)

// Page 1 of an SQLite file holds the header and the root of the schema
// table, which says on which page each table and index starts. Without it
// nothing else in the file can be found, however intact. So that a
// destroyed page 1 does not cost the queued submissions on every other
// page, Open keeps a map of the schema beside the database (path +
// SchemaMapSuffix): the page size, the schema version and each schema row
// with its root page. Those change only when a migration runs (the store
// never vacuums and keeps SQLite's default of no auto-vacuum, so no root
// page moves), so the map is written only when it differs. The salvage
// rebuilds page 1 from it when the header and schema do not read.

// SchemaMapSuffix names the schema map beside a database file. It moves
// with the file when the file is kept aside as corrupt.
const SchemaMapSuffix = ".schema"

// schemaMap is what the file beside the database holds.
type schemaMap struct {
	PageSize    int         `json:"page_size"`
	UserVersion int         `json:"user_version"`
	Rows        []schemaRow `json:"rows"`
}

// schemaRow is one row of sqlite_master, in rowid order.
type schemaRow struct {
	Type     string  `json:"type"`
	Name     string  `json:"name"`
	TblName  string  `json:"tbl_name"`
	RootPage int64   `json:"rootpage"`
	SQL      *string `json:"sql"` // nil for SQLite's own indexes
}

// readSchemaMapFrom reads the map of the database db.
func readSchemaMapFrom(ctx context.Context, db *sql.DB) (schemaMap, error) {
	var m schemaMap
	if err := db.QueryRowContext(ctx, "PRAGMA page_size").Scan(&m.PageSize); err != nil {
		return m, err
	}
	if err := db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&m.UserVersion); err != nil {
		return m, err
	}
	rows, err := db.QueryContext(ctx, "SELECT type, name, tbl_name, rootpage, sql FROM sqlite_master ORDER BY rowid")
	if err != nil {
		return m, err
	}
	defer rows.Close()
	for rows.Next() {
		var r schemaRow
		var ddl sql.NullString
		if err := rows.Scan(&r.Type, &r.Name, &r.TblName, &r.RootPage, &ddl); err != nil {
			return m, err
		}
		if ddl.Valid {
			r.SQL = &ddl.String
		}
		m.Rows = append(m.Rows, r)
	}
	return m, rows.Err()
}

// writeSchemaMap writes the map of s beside its file when it differs from
// what is there. It is an aid to a later salvage, so a failure to write it
// (a full disk) does not stop the store from opening; it is returned for
// the caller to report and written again at the next open.
func (s *Store) writeSchemaMap(ctx context.Context) error {
	m, err := readSchemaMapFrom(ctx, s.db)
	if err != nil {
		return fmt.Errorf("store: schema map: %w", err)
	}
	b, err := json.MarshalIndent(m, "", "\t")
	if err != nil {
		return err
	}
	b = append(b, '\n')
	name := s.path + SchemaMapSuffix
	if old, err := os.ReadFile(name); err == nil && bytes.Equal(old, b) {
		return nil
	}
	if err := writeFileSynced(name, b); err != nil {
		return fmt.Errorf("store: schema map: %w", err)
	}
	return nil
}

// writeFileSynced replaces name with b atomically: a temporary file beside
// it, synced, renamed over it, and the directory synced.
func writeFileSynced(name string, b []byte) error {
	f, err := os.CreateTemp(filepath.Dir(name), ".tmp-"+filepath.Base(name)+"-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(b)
	if err == nil {
		err = f.Chmod(0o640)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, name)
	}
	if err != nil {
		_ = os.Remove(tmp)
		return err
	}
	if d, err := os.Open(filepath.Dir(name)); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}

// loadSchemaMap reads the map kept beside the file at path.
func loadSchemaMap(path string) (schemaMap, error) {
	var m schemaMap
	b, err := os.ReadFile(path + SchemaMapSuffix)
	if err != nil {
		return m, err
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return m, fmt.Errorf("store: schema map %s: %w", path+SchemaMapSuffix, err)
	}
	if !slices.Contains(pageSizes, m.PageSize) || len(m.Rows) == 0 {
		return m, fmt.Errorf("store: schema map %s: page size %d, %d rows", path+SchemaMapSuffix, m.PageSize, len(m.Rows))
	}
	return m, nil
}

// rebuildSchema writes a new page 1 on the copy from the schema map kept
// beside the kept file: a header for the map's page size and the schema
// table with the map's rows, their root pages pointing at the pages the
// tables and indexes still occupy. With the kept WAL and without it, the
// one under which more tables check out (see tryHeader) is kept.
func (r *reader) rebuildSchema(ctx context.Context, kept, copyPath string) (*sql.DB, error) {
	m, err := loadSchemaMap(kept)
	if err != nil {
		return nil, err
	}
	fi, err := os.Stat(copyPath)
	if err != nil {
		return nil, fmt.Errorf("store: salvage: %w", err)
	}
	size := fi.Size()
	if size < int64(m.PageSize) || size%int64(m.PageSize) != 0 {
		return nil, fmt.Errorf("store: salvage: file of %d bytes is not in pages of %d", size, m.PageSize)
	}
	walModes := []bool{false}
	if fileExists(kept + "-wal") {
		walModes = append(walModes, true)
	}
	best, bestScore := false, 0
	for _, wal := range walModes {
		if err := r.placeSchema(ctx, kept, copyPath, m, size, wal); err != nil {
			continue
		}
		score, err := r.score(ctx, copyPath)
		if err != nil {
			return nil, err
		}
		if score > bestScore {
			best, bestScore = wal, score
		}
	}
	if bestScore == 0 {
		return nil, errors.New("store: salvage: the schema map does not make the schema readable")
	}
	if err := r.placeSchema(ctx, kept, copyPath, m, size, best); err != nil {
		return nil, err
	}
	return r.open(ctx, copyPath)
}

// placeSchema makes the copy the kept file with a page 1 rebuilt from m.
func (r *reader) placeSchema(ctx context.Context, kept, copyPath string, m schemaMap, size int64, wal bool) error {
	// A fresh copy each time: writing the schema changes the copy.
	r.copyChanged = true
	if err := r.placeHeader(kept, copyPath, m.PageSize, size, wal); err != nil {
		return err
	}
	r.copyChanged = true
	f, err := os.OpenFile(copyPath, os.O_WRONLY, 0)
	if err != nil {
		return fmt.Errorf("store: salvage: %w", err)
	}
	_, err = f.WriteAt(emptySchemaPage(m.PageSize), headerSize)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("store: salvage: write schema page: %w", err)
	}
	db, err := r.open(ctx, copyPath)
	if err != nil {
		return err
	}
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "PRAGMA writable_schema = ON"); err != nil {
		return err
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, row := range m.Rows {
		var ddl any
		if row.SQL != nil {
			ddl = *row.SQL
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO sqlite_master (type, name, tbl_name, rootpage, sql) VALUES (?, ?, ?, ?, ?)",
			row.Type, row.Name, row.TblName, row.RootPage, ddl); err != nil {
			return fmt.Errorf("store: salvage: schema row %s: %w", row.Name, err)
		}
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", m.UserVersion)); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	_, err = conn.ExecContext(ctx, "PRAGMA writable_schema = OFF")
	return err
}

// emptySchemaPage is page 1 after the database header when the schema
// table is empty: the header of an empty table leaf, and zeros.
func emptySchemaPage(ps int) []byte {
	h := make([]byte, ps-headerSize)
	h[0] = 0x0d // leaf table b-tree page
	// first freeblock 0, no cells; the cell content starts at the page's
	// end (0 stands for 65536); no fragmented bytes
	binary.BigEndian.PutUint16(h[5:], uint16(ps%65536))
	return h
}

// score opens the copy and scores its schema as tryHeader does.
func (r *reader) score(ctx context.Context, copyPath string) (int, error) {
	db, err := r.open(ctx, copyPath)
	if err != nil {
		return 0, nil
	}
	defer db.Close()
	return scoreSchema(ctx, db), nil
}
