package store

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/pudong-community/kiosk/assets"
	"github.com/pudong-community/kiosk/internal/clock/clocktest"
	"github.com/pudong-community/kiosk/kiosk"
	"github.com/pudong-community/kiosk/kiosk/kiosktest"
)

type fixture struct {
	st    *Store
	ob    *Outbox
	seal  *Sealer
	clock *clocktest.Clock
	dir   string
}

func newFixture(t testing.TB, opts OutboxOptions) *fixture {
	t.Helper()
	dir := t.TempDir()
	clk := clocktest.New(time.Date(2026, 11, 27, 9, 30, 0, 0, time.UTC))
	st, err := Open(context.Background(), filepath.Join(dir, "kiosk.db"), Options{Now: clk.Now, Readings: testReadings()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	key, err := LoadOrCreateKey(filepath.Join(dir, "seal.key"))
	if err != nil {
		t.Fatal(err)
	}
	sealer, err := NewSealer(key)
	if err != nil {
		t.Fatal(err)
	}
	if opts.TerminalID == "" {
		opts.TerminalID = "PD-DEV-0001"
	}
	ob, err := NewOutbox(st, sealer, opts)
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{st: st, ob: ob, seal: sealer, clock: clk, dir: dir}
}

// idNumber makes a valid 18-digit ID number from a serial.
func idNumber(n int) string {
	base := fmt.Sprintf("3101151990%07d", n%10000000)
	return base + string(kiosk.IDCheckChar(base))
}

func submission(n int) kiosk.Submission {
	return kiosk.Submission{
		ID:             kiosk.NewSubmissionID(),
		TerminalID:     "PD-DEV-0001",
		ItemCode:       "MZ-0103",
		CatalogVersion: "2026.11",
		CreatedAt:      time.Date(2026, 11, 27, 9, 29, 0, 0, time.FixedZone("CST", 8*3600)),
		Fields:         map[string]string{"phone": "13800138000", "reason": "生活困难"},
		Applicant: kiosk.Person{
			IDNumber: idNumber(n), Name: fmt.Sprintf("王秀英%d", n), CardType: kiosk.CardResident,
			Gender: "女", Nation: "汉", BirthDate: "1990-01-01", Address: "上海市浦东新区张杨路100号",
		},
	}
}

// testReadings is the terminal's own pinyin table, for the catalogue's
// pinyin.
func testReadings() kiosk.Readings { return kiosktest.Readings(assets.PinyinTable()) }
