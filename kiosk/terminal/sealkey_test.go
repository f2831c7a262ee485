package terminal

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/pudong-community/kiosk/kiosk/config"
	"github.com/pudong-community/kiosk/kiosk/store"
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
