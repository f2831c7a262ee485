package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/pudong-community/kiosk/kiosk"
)

// dbFileBytes is the database file with its WAL, as a copied disk holds it.
func dbFileBytes(t *testing.T, path string) []byte {
	t.Helper()
	var all []byte
	for _, p := range []string{path, path + "-wal"} {
		b, err := os.ReadFile(p)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			t.Fatal(err)
		}
		all = append(all, b...)
	}
	return all
}

// A purged resident's sealed data and a case cache past its day are
// overwritten, not left in the file's free space (PRAGMA secure_delete):
// their ciphertext is nowhere in the file or its WAL after the purge, while
// the young rows' ciphertext still is (so the search is able to find it).
// Without secure_delete the purged rows' bytes stay in the pages.
func TestPurgedCiphertextLeavesTheFile(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, OutboxOptions{})
	var on int
	if err := f.st.DB().QueryRowContext(ctx, "PRAGMA secure_delete").Scan(&on); err != nil || on != 1 {
		t.Fatalf("secure_delete = %d, %v", on, err)
	}
	var probes [][]byte // 32 bytes of each submission's ciphertext
	var ids []string
	for i := 0; i < 6; i++ {
		s := submission(40 + i)
		if _, err := f.ob.Enqueue(ctx, s); err != nil {
			t.Fatal(err)
		}
		var sealed []byte
		if err := f.st.DB().QueryRowContext(ctx, `SELECT sealed FROM submissions WHERE id = ?`, s.ID).Scan(&sealed); err != nil || len(sealed) < 64 {
			t.Fatalf("sealed %d bytes, %v", len(sealed), err)
		}
		ids = append(ids, s.ID)
		probes = append(probes, sealed[len(sealed)/2:len(sealed)/2+32])
	}
	cc := NewCaseCache(f.st, f.seal)
	if err := cc.Put(ctx, idNumber(5), []kiosk.Case{{CaseNo: "PD5", ItemName: "居住证积分申请 (a name long enough to fill a cell)"}}); err != nil {
		t.Fatal(err)
	}
	var cs []byte
	if err := f.st.DB().QueryRowContext(ctx, `SELECT sealed FROM cached_cases`).Scan(&cs); err != nil {
		t.Fatal(err)
	}
	caseProbe := cs[len(cs)/2 : len(cs)/2+24]
	f.ob.ClaimDue(ctx, len(ids))
	for i, id := range ids[:3] { // delivered 31 days before the purge
		if err := f.ob.MarkDelivered(ctx, id, kiosk.Accepted{CaseNo: fmt.Sprintf("PD%d", i), AcceptedAt: f.clock.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.st.DB().ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(f.dir, "kiosk.db")
	for i, p := range append(probes, caseProbe) {
		if !bytes.Contains(dbFileBytes(t, path), p) {
			t.Fatalf("ciphertext %d is not in the file before the purge: the test would prove nothing", i)
		}
	}
	f.clock.Add(31 * 24 * time.Hour)
	for i, id := range ids[3:] { // delivered now: kept
		if err := f.ob.MarkDelivered(ctx, id, kiosk.Accepted{CaseNo: fmt.Sprintf("PY%d", i), AcceptedAt: f.clock.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := f.ob.Purge(ctx, 30*24*time.Hour); err != nil || n != 3 {
		t.Fatalf("purged %d, %v", n, err)
	}
	check := func(when string) {
		b := dbFileBytes(t, path)
		for i, p := range probes {
			if found, kept := bytes.Contains(b, p), i >= 3; found != kept {
				t.Errorf("%s: submission %d's ciphertext in the file: %v, want %v", when, i, found, kept)
			}
		}
		if bytes.Contains(b, caseProbe) {
			t.Errorf("%s: the day-old case cache's ciphertext is still in the file", when)
		}
	}
	check("after the purge")
	if err := f.st.Close(); err != nil {
		t.Fatal(err)
	}
	check("after close")
}

// Databases recovery set aside are deleted, with their companion files,
// once the retention period has passed since they were set aside; younger
// ones and files of other names stay.
func TestKeptAsideDatabasesDeletedAfterRetention(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, OutboxOptions{})
	path := filepath.Join(f.dir, "kiosk.db")
	now := f.clock.Now()
	old := path + ".corrupt-" + now.Add(-31*24*time.Hour).UTC().Format("20060102T150405")
	young := path + ".corrupt-" + now.Add(-29*24*time.Hour).UTC().Format("20060102T150405")
	other := filepath.Join(f.dir, "notes.corrupt-20200101T000000")
	files := []string{old, old + "-2", old + "-wal", old + "-shm", old + SchemaMapSuffix, young, young + "-wal", other}
	for _, p := range files {
		if err := os.WriteFile(p, []byte("王秀英 310115199001010012"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.ob.Purge(ctx, 30*24*time.Hour); err != nil {
		t.Fatal(err)
	}
	for _, p := range files {
		_, err := os.Stat(p)
		gone := errors.Is(err, os.ErrNotExist)
		wantGone := p != young && p != young+"-wal" && p != other
		if gone != wantGone {
			t.Errorf("%s: gone %v, want %v", filepath.Base(p), gone, wantGone)
		}
	}
	// A day later than the younger one's retention, it goes too.
	if n, err := f.st.PurgeKeptAside(now.Add(2*24*time.Hour), 30*24*time.Hour); err != nil || n != 2 {
		t.Errorf("second purge deleted %d, %v; want the younger file and its WAL", n, err)
	}
}

// The case cache keeps a resident's cases one day: older ones are not
// shown and the purge deletes them whatever the retention period.
func TestCaseCacheKeepsADay(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, OutboxOptions{})
	cc := NewCaseCache(f.st, f.seal)
	id := idNumber(7)
	if err := cc.Put(ctx, id, []kiosk.Case{{CaseNo: "PD7"}}); err != nil {
		t.Fatal(err)
	}
	f.clock.Add(23 * time.Hour)
	if got, _, err := cc.Get(ctx, id); err != nil || len(got) != 1 {
		t.Fatalf("after 23 h: %v, %v", got, err)
	}
	if err := cc.Put(ctx, idNumber(8), []kiosk.Case{{CaseNo: "PD8"}}); err != nil {
		t.Fatal(err)
	}
	f.clock.Add(2 * time.Hour)
	if got, _, err := cc.Get(ctx, id); !errors.Is(err, ErrNotFound) {
		t.Fatalf("after 25 h: %v, %v; want ErrNotFound", got, err)
	}
	// The purge (retention 30 days) deletes a day-old cache too.
	f.clock.Add(22 * time.Hour)
	if _, err := f.ob.Purge(ctx, 30*24*time.Hour); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := f.st.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM cached_cases`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("%d cached rows after the purge, %v", n, err)
	}
}
