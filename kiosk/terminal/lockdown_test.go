package terminal

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/pudong-community/kiosk/kiosk"
	"github.com/pudong-community/kiosk/kiosk/backend"
	"github.com/pudong-community/kiosk/kiosk/config"
	"github.com/pudong-community/kiosk/kiosk/kiosktest"
	"github.com/pudong-community/kiosk/kiosk/store"
	"github.com/pudong-community/kiosk/kiosk/visit"
)

// The sealing key comes from the systemd credential when the service has
// one (whatever its mode shows), else from the key file; a credential of
// the wrong length, or empty, is refused and never replaced by a new key.
func TestSealKeyFromCredential(t *testing.T) {
	dir := t.TempDir()
	cfg := config.Default()
	cfg.Terminal.DataDir = filepath.Join(dir, "data")
	cfg.CredentialsDir = filepath.Join(dir, "creds")
	if err := os.MkdirAll(cfg.CredentialsDir, 0o700); err != nil {
		t.Fatal(err)
	}
	fileKey, err := SealKey(cfg, true) // no credential: the key file, made now
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(cfg.KeyFilePath()); err != nil {
		t.Fatalf("no key file made: %v", err)
	}
	credKey := bytes.Repeat([]byte{7}, store.KeySize)
	cred := filepath.Join(cfg.CredentialsDir, config.CredSealKey)
	if err := os.WriteFile(cred, credKey, 0o440); err != nil { // an access list shows in the group bits
		t.Fatal(err)
	}
	for _, create := range []bool{true, false} {
		got, err := SealKey(cfg, create)
		if err != nil || !bytes.Equal(got, credKey) || bytes.Equal(got, fileKey) {
			t.Errorf("create=%v: %x, %v; want the credential's key", create, got, err)
		}
	}
	for _, bad := range [][]byte{nil, credKey[:16], append(credKey, '\n')} {
		if err := os.WriteFile(cred, bad, 0o400); err != nil {
			t.Fatal(err)
		}
		if _, err := SealKey(cfg, true); !errors.Is(err, store.ErrBadKey) {
			t.Errorf("a credential of %d bytes: %v, want ErrBadKey", len(bad), err)
		}
	}
}

// The visit machine's snapshots tell the back end when an agent's visit is
// in progress: the resident's cases are refused then, and served again
// once the visit has no agent.
func TestVisitAuditFeedsTheAgentRestriction(t *testing.T) {
	cfg := config.Default()
	cfg.Terminal.ID, cfg.Terminal.DataDir = "PD-T-AGENT", t.TempDir()
	cfg.API.BaseURL, cfg.API.Token = "http://127.0.0.1:9", "t" // nothing answers: the cache serves the resident
	term, err := Open(context.Background(), cfg, Deps{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer term.Close()
	hook := term.VisitAudit()
	resident := kiosktest.Resident
	agent := kiosk.Agent{Person: kiosk.Person{IDNumber: "11010519491231002X", Name: "李代理"}}
	hook(visit.Snapshot{Visit: 3, Agent: &agent, Resident: &resident, ResidentKeyed: true})
	if _, _, err := term.Backend().Cases(context.Background(), resident); !errors.Is(err, backend.ErrAgentCases) {
		t.Errorf("cases during the agent's visit: %v, want ErrAgentCases", err)
	}
	hook(visit.Snapshot{Visit: 4, Resident: &resident})
	if _, _, err := term.Backend().Cases(context.Background(), resident); err != nil {
		t.Errorf("cases in the resident's own visit: %v", err)
	}
}
