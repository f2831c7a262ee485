package store

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pudong-community/kiosk/internal/clock/clocktest"
)

// Sizes of the database of BenchmarkOpenLarge (issue 8: start with
// 100,000 delivered and 1,000 queued submissions).
const (
	largeDelivered = 100_000
	largePending   = 1_000
)

// buildLarge writes the large database at path: every submission sealed
// (about 1 KB of payload each) through EnqueueTx, in transactions of
// 5,000, and all but the last largePending delivered.
func buildLarge(b *testing.B, path string) {
	b.Helper()
	ctx := context.Background()
	clk := clocktest.New(time.Date(2026, 11, 27, 9, 30, 0, 0, time.UTC))
	st, err := Open(ctx, path, Options{Now: clk.Now, Readings: testReadings()})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	key, err := LoadOrCreateKey(filepath.Join(filepath.Dir(path), "seal.key"))
	if err != nil {
		b.Fatal(err)
	}
	sealer, _ := NewSealer(key)
	ob, err := NewOutbox(st, sealer, OutboxOptions{TerminalID: "PD-DEV-0001", MinFreeBytes: -1})
	if err != nil {
		b.Fatal(err)
	}
	reason := strings.Repeat("因病致贫，家庭收入低于本市最低生活保障标准，申请临时救助。", 5) // with the rest, ~1 KB of JSON
	total := largeDelivered + largePending
	for start := 0; start < total; start += 5000 {
		err := st.InTx(ctx, func(tx *sql.Tx) error {
			for i := start; i < min(start+5000, total); i++ {
				sub := submission(i)
				sub.Fields["reason"] = reason
				if _, err := ob.EnqueueTx(ctx, tx, sub); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		clk.Add(time.Second)
	}
	ms := clk.Now().UnixMilli()
	err = st.InTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE submissions SET case_no = 'PD2026' || substr(local_no, -6), accepted_at = created_at,
			due_date = '2026-12-10', track_url = 'https://zw.sh.gov.cn/c/' || id, delivered_ms = ? WHERE rowid <= ?`, ms, largeDelivered); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE outbox SET state = 'delivered', attempts = 1, updated_ms = ?
			WHERE submission_id IN (SELECT id FROM submissions WHERE delivered_ms IS NOT NULL)`, ms)
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := st.DB().ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkOpenLarge measures Open, with its PRAGMA integrity_check, of a
// database holding 100,000 delivered and 1,000 pending submissions, and,
// for comparison, the two checks alone. The database is built once, before
// the timer.
func BenchmarkOpenLarge(b *testing.B) {
	path := filepath.Join(b.TempDir(), "kiosk.db")
	buildLarge(b, path)
	fi, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	mb := float64(fi.Size()) / (1 << 20)
	ctx := context.Background()
	b.Run("open", func(b *testing.B) {
		for b.Loop() {
			st, err := Open(ctx, path, Options{})
			if err != nil {
				b.Fatal(err)
			}
			st.Close()
		}
		b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/open")
		b.ReportMetric(mb, "MB")
	})
	for _, check := range []string{"integrity_check", "quick_check"} {
		b.Run(check, func(b *testing.B) {
			db, err := sql.Open("sqlite3", fileDSN(path, "_journal_mode=WAL"))
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			db.SetMaxOpenConns(1)
			for b.Loop() {
				var res string
				if err := db.QueryRowContext(ctx, "PRAGMA "+check).Scan(&res); err != nil || res != "ok" {
					b.Fatalf("%s: %s %v", check, res, err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/check")
		})
	}
}
