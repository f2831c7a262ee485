package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/pudong-community/kiosk/kiosk"
)

// CachedCatalog is the catalogue the terminal holds, with its ETag and when
// it was fetched.
type CachedCatalog struct {
	Catalog   kiosk.Catalog
	ETag      string
	FetchedAt time.Time
}

// PutCatalog validates cat and, if it is good and not older than the
// cached one, replaces the cached catalogue and its items in one
// transaction. A malformed catalogue returns the kiosk.Validate error
// (wrapping kiosk.ErrInvalidCatalog); an older one ErrOlderCatalog. The
// cached catalogue is untouched in both cases.
func (s *Store) PutCatalog(ctx context.Context, cat kiosk.Catalog, etag string) error {
	return s.InTx(ctx, func(tx *sql.Tx) error { return s.PutCatalogTx(ctx, tx, cat, etag) })
}

// PutCatalogTx is PutCatalog in the caller's transaction.
func (s *Store) PutCatalogTx(ctx context.Context, tx *sql.Tx, cat kiosk.Catalog, etag string) error {
	if s.readings == nil {
		return ErrNoReadings
	}
	if err := cat.Validate(); err != nil {
		return err
	}
	var curVersion string
	var curGen int64
	err := tx.QueryRowContext(ctx, `SELECT version, generated_ms FROM catalog WHERE id = 1`).Scan(&curVersion, &curGen)
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return fmt.Errorf("store: read cached catalogue: %w", err)
	case cat.GeneratedAt.UnixMilli() < curGen:
		return fmt.Errorf("%w: version %s generated %s, cached %s generated %s", ErrOlderCatalog,
			cat.Version, cat.GeneratedAt.Format(time.RFC3339), curVersion, time.UnixMilli(curGen).Format(time.RFC3339))
	}
	body, err := json.Marshal(cat)
	if err != nil {
		return fmt.Errorf("store: encode catalogue: %w", err)
	}
	now := s.now().UnixMilli()
	if _, err := tx.ExecContext(ctx, `INSERT INTO catalog(id, version, etag, generated_at, generated_ms, fetched_ms, serial, body)
		VALUES(1, ?, ?, ?, ?, ?, 1, ?)
		ON CONFLICT(id) DO UPDATE SET version = excluded.version, etag = excluded.etag, generated_at = excluded.generated_at,
		  generated_ms = excluded.generated_ms, fetched_ms = excluded.fetched_ms, serial = catalog.serial + 1, body = excluded.body`,
		cat.Version, etag, cat.GeneratedAt.Format(time.RFC3339Nano), cat.GeneratedAt.UnixMilli(), now, body); err != nil {
		return wrapFull(fmt.Errorf("store: write catalogue: %w", err))
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM catalog_items`); err != nil {
		return fmt.Errorf("store: write catalogue: %w", err)
	}
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO catalog_items(code, pos, category, name, name_en, initials, pinyin, body)
		VALUES(?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return fmt.Errorf("store: write catalogue: %w", err)
	}
	defer stmt.Close()
	for i, it := range cat.Items {
		ib, err := json.Marshal(it)
		if err != nil {
			return fmt.Errorf("store: encode item %s: %w", it.Code, err)
		}
		ini, full := Pinyin(s.readings, it.Name)
		if _, err := stmt.ExecContext(ctx, it.Code, i, it.Category, it.Name, strings.ToLower(it.NameEn), ini, full, string(ib)); err != nil {
			return wrapFull(fmt.Errorf("store: write item %s: %w", it.Code, err))
		}
	}
	return nil
}

// TouchCatalog records that the server confirmed the cached catalogue is
// current (304 Not Modified).
func (s *Store) TouchCatalog(ctx context.Context) error {
	_, err := s.db.ExecContext(ctx, `UPDATE catalog SET fetched_ms = ? WHERE id = 1`, s.now().UnixMilli())
	if err != nil {
		return fmt.Errorf("store: touch catalogue: %w", err)
	}
	return nil
}

// Catalog reads the cached catalogue; ErrNoCatalog when there is none.
func (s *Store) Catalog(ctx context.Context) (CachedCatalog, error) {
	var cc CachedCatalog
	var body []byte
	var fetched int64
	err := s.db.QueryRowContext(ctx, `SELECT etag, fetched_ms, body FROM catalog WHERE id = 1`).Scan(&cc.ETag, &fetched, &body)
	if errors.Is(err, sql.ErrNoRows) {
		return cc, ErrNoCatalog
	}
	if err != nil {
		return cc, fmt.Errorf("store: read catalogue: %w", err)
	}
	if err := json.Unmarshal(body, &cc.Catalog); err != nil {
		return cc, fmt.Errorf("store: cached catalogue: %w", err)
	}
	cc.FetchedAt = time.UnixMilli(fetched)
	return cc, nil
}

// CatalogMeta is the cached catalogue's version, ETag and times, without
// the body.
type CatalogMeta struct {
	Version     string
	ETag        string
	GeneratedAt time.Time
	FetchedAt   time.Time
	Items       int
}

// CatalogMeta reads the cached catalogue's metadata; ErrNoCatalog when none.
func (s *Store) CatalogMeta(ctx context.Context) (CatalogMeta, error) {
	var m CatalogMeta
	var gen, fetched int64
	err := s.db.QueryRowContext(ctx, `SELECT version, etag, generated_ms, fetched_ms, (SELECT COUNT(*) FROM catalog_items)
		FROM catalog WHERE id = 1`).Scan(&m.Version, &m.ETag, &gen, &fetched, &m.Items)
	if errors.Is(err, sql.ErrNoRows) {
		return m, ErrNoCatalog
	}
	if err != nil {
		return m, fmt.Errorf("store: read catalogue: %w", err)
	}
	m.GeneratedAt, m.FetchedAt = time.UnixMilli(gen), time.UnixMilli(fetched)
	return m, nil
}

func (s *Store) items(ctx context.Context, query string, args ...any) ([]kiosk.Item, error) {
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("store: catalogue items: %w", err)
	}
	defer rows.Close()
	var out []kiosk.Item
	for rows.Next() {
		var body string
		if err := rows.Scan(&body); err != nil {
			return nil, fmt.Errorf("store: catalogue items: %w", err)
		}
		var it kiosk.Item
		if err := json.Unmarshal([]byte(body), &it); err != nil {
			return nil, fmt.Errorf("store: cached item: %w", err)
		}
		out = append(out, it)
	}
	return out, rows.Err()
}

// Categories lists the categories of the cached catalogue in catalogue order.
func (s *Store) Categories(ctx context.Context) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT category FROM catalog_items GROUP BY category ORDER BY MIN(pos)`)
	if err != nil {
		return nil, fmt.Errorf("store: categories: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, fmt.Errorf("store: categories: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// ItemsByCategory lists the items of one category in catalogue order.
func (s *Store) ItemsByCategory(ctx context.Context, category string) ([]kiosk.Item, error) {
	return s.items(ctx, `SELECT body FROM catalog_items WHERE category = ? ORDER BY pos`, category)
}

// Item returns the cached item with this code; ErrNotFound if none.
func (s *Store) Item(ctx context.Context, code string) (kiosk.Item, error) {
	its, err := s.items(ctx, `SELECT body FROM catalog_items WHERE code = ?`, code)
	if err != nil {
		return kiosk.Item{}, err
	}
	if len(its) == 0 {
		return kiosk.Item{}, fmt.Errorf("%w: item %s", ErrNotFound, code)
	}
	return its[0], nil
}

// SearchCatalog finds items by Chinese substring of the name, by pinyin
// initials (e.g. "zdsh" for 最低生活保障) or full pinyin, by English words, or
// by code, best matches first, at most limit (all when limit <= 0). The
// search runs over an in-memory index of the cached catalogue, rebuilt when
// the catalogue changes; the returned items share slices with it and must
// be treated as read-only.
func (s *Store) SearchCatalog(ctx context.Context, q string, limit int) ([]kiosk.Item, error) {
	q = strings.TrimSpace(q)
	if q == "" {
		return nil, nil
	}
	idx, err := s.searchIndex(ctx)
	if err != nil || idx == nil {
		return nil, err
	}
	lq := strings.ToLower(q)
	// Pinyin only with latin letters and digits; spaces and apostrophes
	// are ignored there ("di bao" = "dibao").
	py := latinOnly(strings.Map(func(r rune) rune {
		if r == ' ' || r == '\'' {
			return -1
		}
		return unicode.ToLower(r)
	}, q))
	type hit struct{ rank, pos int }
	var hits []hit
	for i := range idx.entries {
		e := &idx.entries[i]
		rank := 99
		switch {
		case e.lcode == lq:
			rank = 0
		case strings.HasPrefix(e.name, q):
			rank = 1
		case strings.Contains(e.name, q):
			rank = 2
		case py != "" && strings.HasPrefix(e.initials, py):
			rank = 3
		case py != "" && strings.HasPrefix(e.pinyin, py):
			rank = 4
		case py != "" && strings.Contains(e.initials, py):
			rank = 5
		case py != "" && strings.Contains(e.pinyin, py):
			rank = 6
		case strings.Contains(e.nameEn, lq):
			rank = 7
		}
		if rank < 99 {
			hits = append(hits, hit{rank, i})
		}
	}
	slices.SortStableFunc(hits, func(a, b hit) int { return a.rank - b.rank })
	if limit > 0 && len(hits) > limit {
		hits = hits[:limit]
	}
	out := make([]kiosk.Item, len(hits))
	for i, h := range hits {
		out[i] = idx.items[h.pos]
	}
	return out, nil
}

type searchEntry struct {
	lcode, name, nameEn, initials, pinyin string
}

type catalogIndex struct {
	serial  int64
	entries []searchEntry
	items   []kiosk.Item
}

// searchIndex returns the index of the cached catalogue, rebuilding it when
// the catalogue's serial changed (in this process or another). nil when no
// catalogue is cached.
func (s *Store) searchIndex(ctx context.Context) (*catalogIndex, error) {
	var serial int64
	err := s.db.QueryRowContext(ctx, `SELECT serial FROM catalog WHERE id = 1`).Scan(&serial)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("store: search: %w", err)
	}
	idx := s.index.Load()
	if idx != nil && idx.serial == serial {
		return idx, nil
	}
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("store: search: %w", err)
	}
	defer tx.Rollback()
	idx = &catalogIndex{}
	if err := tx.QueryRowContext(ctx, `SELECT serial FROM catalog WHERE id = 1`).Scan(&idx.serial); err != nil {
		return nil, fmt.Errorf("store: search: %w", err)
	}
	rows, err := tx.QueryContext(ctx, `SELECT code, name, name_en, initials, pinyin, body FROM catalog_items ORDER BY pos`)
	if err != nil {
		return nil, fmt.Errorf("store: search: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var e searchEntry
		var body string
		if err := rows.Scan(&e.lcode, &e.name, &e.nameEn, &e.initials, &e.pinyin, &body); err != nil {
			return nil, fmt.Errorf("store: search: %w", err)
		}
		e.lcode = strings.ToLower(e.lcode)
		var it kiosk.Item
		if err := json.Unmarshal([]byte(body), &it); err != nil {
			return nil, fmt.Errorf("store: cached item: %w", err)
		}
		idx.entries = append(idx.entries, e)
		idx.items = append(idx.items, it)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: search: %w", err)
	}
	s.index.Store(idx)
	return idx, nil
}

func latinOnly(s string) string {
	for _, r := range s {
		if !('a' <= r && r <= 'z') && !('0' <= r && r <= '9') {
			return ""
		}
	}
	return s
}

// Pinyin returns the pinyin initials and the full toneless pinyin of a
// name, each character in its customary reading (rd):
// Pinyin(rd, "最低生活保障") = ("zdshbz", "zuidishenghuobaozhang"). Latin
// letters and digits are kept in lower case; other characters, and Chinese
// ones rd does not know, are dropped.
func Pinyin(rd kiosk.Readings, name string) (initials, full string) {
	var ini, all strings.Builder
	for _, r := range name {
		switch {
		case unicode.Is(unicode.Han, r):
			p, ok := rd.Reading(r)
			if !ok || p == "" {
				continue
			}
			ini.WriteByte(p[0])
			all.WriteString(p)
		case r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			c := byte(unicode.ToLower(r))
			ini.WriteByte(c)
			all.WriteByte(c)
		}
	}
	return ini.String(), all.String()
}
