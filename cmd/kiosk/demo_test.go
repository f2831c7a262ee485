package main

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pudong-community/kiosk/devices/sim/sammodule"
	"github.com/pudong-community/kiosk/kiosk"
	"github.com/pudong-community/kiosk/kiosk/config"
	"github.com/pudong-community/kiosk/kiosk/maint"
	"github.com/pudong-community/kiosk/kiosk/store"
)

// The simulator draws a receipt at a fixed width with its height to scale
// (the pane scrolls), not shrunk into the pane: a 384×1500 receipt stays
// taller than the pane's 1000 units.
func TestReceiptSizeKeepsTheWholeReceipt(t *testing.T) {
	if s := receiptSize(384, 1500); s.Width != 400 || s.Height < 1500 || s.Height > 1600 {
		t.Errorf("receiptSize(384, 1500) = %v", s)
	}
	if s := receiptSize(0, 0); s.Width <= 0 || s.Height <= 0 {
		t.Errorf("an empty picture gets %v", s)
	}
}

// The demo lists its staff card as a real terminal does (a keyed hash in
// maintenance.staff_cards, keyed by the sealing key it leaves in the data
// directory), and the gate the terminal builds from that configuration
// takes the sample card, then the demo PIN, and opens a staff session
// under the card; a resident's card stays a resident's.
func TestDemoStaffCardOpensMaintenanceWithThePIN(t *testing.T) {
	cfg := config.Default()
	cfg.Terminal.DataDir = filepath.Join(t.TempDir(), "terminal")
	var err error
	if cfg.Maintenance.PINHash, err = demoPINHash(); err != nil {
		t.Fatal(err)
	}
	if err := addDemoStaffCard(&cfg); err != nil {
		t.Fatal(err)
	}
	if len(cfg.Maintenance.StaffCards) != 1 || !strings.HasPrefix(cfg.Maintenance.StaffCards[0], maint.StaffCardPrefix) {
		t.Fatalf("staff_cards = %q", cfg.Maintenance.StaffCards)
	}
	card, _ := sammodule.Sample(demoStaffCardKey)
	if strings.Contains(strings.Join(cfg.Maintenance.StaffCards, ""), card.IDNumber) {
		t.Fatal("the staff card's ID number is in the configuration in plain")
	}
	if err := cfg.Validate(); err != nil {
		t.Fatalf("the demo's configuration does not validate: %v", err)
	}
	// As kiosk/terminal builds the gate: the key read from the data directory.
	key, err := store.LoadKey(cfg.KeyFilePath())
	if err != nil {
		t.Fatal(err)
	}
	gate, err := maint.NewGate(maint.GateConfig{PINHash: cfg.Maintenance.PINHash, StaffCards: cfg.Maintenance.StaffCards, CardKey: maint.StaffCardKey(key)})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	resident, _ := sammodule.Sample("resident")
	if _, err := gate.EnterCard(ctx, resident.IDNumber, false); !errors.Is(err, maint.ErrNotStaff) {
		t.Fatalf("a resident's card: %v, want ErrNotStaff", err)
	}
	if _, err := gate.EnterCard(ctx, card.IDNumber, false); !errors.Is(err, maint.ErrNeedPIN) {
		t.Fatalf("the demo staff card: %v, want ErrNeedPIN", err)
	}
	s, err := gate.EnterPIN(ctx, demoPIN)
	if err != nil || s == nil {
		t.Fatalf("the demo PIN after the card: %v", err)
	}
	if s.Method != maint.MethodStaffCard || s.Subject != kiosk.MaskID(card.IDNumber) {
		t.Errorf("session %+v, want one under the staff card %s", s, kiosk.MaskID(card.IDNumber))
	}
	// A second demo in the same data directory keeps the same key.
	again := cfg
	again.Maintenance.StaffCards = nil
	if err := addDemoStaffCard(&again); err != nil || again.Maintenance.StaffCards[0] != cfg.Maintenance.StaffCards[0] {
		t.Errorf("the data directory's key was not reused: %v", err)
	}
}
