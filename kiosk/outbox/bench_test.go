package outbox

import (
	"context"
	"database/sql"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/pudong-community/kiosk/assets"
	"github.com/pudong-community/kiosk/kiosk"
	"github.com/pudong-community/kiosk/kiosk/intake"
	"github.com/pudong-community/kiosk/kiosk/intake/intakesim"
	"github.com/pudong-community/kiosk/kiosk/kiosktest"
	"github.com/pudong-community/kiosk/kiosk/store"
)

// BenchmarkDrain sends 10,000 queued submissions to the development server
// on loopback and reports submissions/s.
func BenchmarkDrain(b *testing.B) {
	queued := benchQueued()
	ctx := context.Background()
	sim, err := intakesim.New(intakesim.Options{DataDir: b.TempDir(), Terminals: map[string]string{"PD-B-0001": "bench"}})
	if err != nil {
		b.Fatal(err)
	}
	defer sim.Close()
	url, _, err := sim.Start("127.0.0.1:0", "")
	if err != nil {
		b.Fatal(err)
	}
	cat := sim.Catalog()
	var item kiosk.Item
	for _, it := range cat.Items {
		if it.SelfService && len(it.Fields) == 0 {
			item = it
			break
		}
	}
	if item.Code == "" {
		for _, it := range cat.Items {
			if it.SelfService {
				item = it
				break
			}
		}
	}
	var total int
	var spent time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		dir := b.TempDir()
		st, err := store.Open(ctx, filepath.Join(dir, "kiosk.db"), store.Options{Readings: kiosktest.Readings(assets.PinyinTable())})
		if err != nil {
			b.Fatal(err)
		}
		key, _ := store.LoadOrCreateKey(filepath.Join(dir, "seal.key"))
		sealer, _ := store.NewSealer(key)
		ob, _ := store.NewOutbox(st, sealer, store.OutboxOptions{TerminalID: "PD-B-0001", MinFreeBytes: -1})
		err = st.InTx(ctx, func(tx *sql.Tx) error {
			for j := 0; j < queued; j++ {
				s := benchSubmission(item, i*queued+j)
				if _, err := ob.EnqueueTx(ctx, tx, s); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		client, err := intake.New(intake.Config{BaseURL: url, TerminalID: "PD-B-0001", Token: "bench", MaxConns: 16})
		if err != nil {
			b.Fatal(err)
		}
		relay, err := New(Config{Store: st, Outbox: ob, API: client, MaxInFlight: 16, Logger: quiet()})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		t0 := time.Now()
		rep, err := relay.DrainOnce(ctx)
		spent += time.Since(t0)
		b.StopTimer()
		if err != nil || rep.Delivered != queued {
			b.Fatalf("drain %+v, %v", rep, err)
		}
		total += rep.Delivered
		client.Close()
		st.Close()
	}
	b.ReportMetric(float64(total)/spent.Seconds(), "submissions/s")
}

func benchSubmission(item kiosk.Item, n int) kiosk.Submission {
	fields := map[string]string{}
	for _, f := range item.Fields {
		switch f.Type {
		case kiosk.FieldPhone:
			fields[f.Key] = "13800138000"
		case kiosk.FieldChoice:
			fields[f.Key] = f.Choices[0]
		case kiosk.FieldDate:
			fields[f.Key] = "2026-01-15"
		case kiosk.FieldDigits:
			fields[f.Key] = "1"
		case kiosk.FieldIDNumber:
			fields[f.Key] = idNumber(n + 1)
		default:
			fields[f.Key] = "测"
		}
	}
	return kiosk.Submission{ID: kiosk.NewSubmissionID(), TerminalID: "PD-B-0001", ItemCode: item.Code, CatalogVersion: "b",
		CreatedAt: time.Now(), Fields: fields,
		Applicant: kiosk.Person{IDNumber: idNumber(n), Name: "测试", CardType: kiosk.CardResident}}
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// benchQueued is 10,000, or KIOSK_BENCH_DRAIN_N for a quicker look.
func benchQueued() int {
	if n, err := strconv.Atoi(os.Getenv("KIOSK_BENCH_DRAIN_N")); err == nil && n > 0 {
		return n
	}
	return 10_000
}
