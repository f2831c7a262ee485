package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// The systemd credentials of the terminal: the IDs in kiosk.service's
// LoadCredentialEncrypted= lines, the names of the files systemd decrypts
// into $CREDENTIALS_DIRECTORY (a private, non-swappable tmpfs), and the
// names `kiosk credentials` encrypts them under in CredStoreDir.
const (
	CredSealKey  = "kiosk.seal-key"  // the 32-byte sealing key (instead of sync.key_file)
	CredAPIToken = "kiosk.api-token" // the API token (instead of api.token / api.token_file)
	CredPINHash  = "kiosk.pin-hash"  // the argon2id PIN hash (instead of maintenance.pin_hash)
)

// CredStoreDir is where systemd looks for an encrypted credential named by
// its ID only (LoadCredentialEncrypted=ID).
const CredStoreDir = "/etc/credstore.encrypted"

// credentialsDir is the environment's $CREDENTIALS_DIRECTORY; Load copies
// it into Config.CredentialsDir.
func credentialsDir() string { return os.Getenv("CREDENTIALS_DIRECTORY") }

// credential returns the path of the credential name in c.CredentialsDir
// when it is there, "" when there is no such directory or credential (the
// configuration's plain setting is used then), or an error when it is there
// but cannot be used: unreadable, not a regular file.
func (c Config) credential(name string) (string, error) {
	if c.CredentialsDir == "" {
		return "", nil
	}
	p := filepath.Join(c.CredentialsDir, name)
	st, err := os.Stat(p)
	if errors.Is(err, os.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("config: credential %s: %w", name, err)
	}
	if !st.Mode().IsRegular() {
		return "", fmt.Errorf("config: credential %s is not a regular file", name)
	}
	return p, nil
}

// credentialText reads a text credential, trimmed: ok false when it is not
// there; an error when it is there but unreadable or empty.
func (c Config) credentialText(name string) (string, bool, error) {
	p, err := c.credential(name)
	if err != nil || p == "" {
		return "", false, err
	}
	b, err := os.ReadFile(p)
	if err != nil {
		return "", false, fmt.Errorf("config: credential %s: %w", name, err)
	}
	s := strings.TrimSpace(string(b))
	if s == "" {
		return "", false, fmt.Errorf("config: credential %s is empty", name)
	}
	return s, true, nil
}

// SealKeyCredential is the path of the sealing key's credential, "" when
// the key comes from KeyFilePath. A credential is never created: the key
// must be the one that sealed the data (kiosk credentials encrypts it).
func (c Config) SealKeyCredential() (string, error) { return c.credential(CredSealKey) }

// applyCredentials puts the PIN hash's credential, when there is one, in
// place of maintenance.pin_hash.
func (c *Config) applyCredentials() error {
	h, ok, err := c.credentialText(CredPINHash)
	if err != nil || !ok {
		return err
	}
	if !strings.HasPrefix(h, "$argon2id$") {
		return Errors{{Field: "maintenance.pin_hash", Problem: "the credential " + CredPINHash + " must hold an argon2id hash ($argon2id$...)"}}
	}
	c.Maintenance.PINHash = h
	c.pinFromCredential = true
	return nil
}

// APITokenCredential is the path of the API token's credential, "" when
// the token comes from api.token or api.token_file.
func (c Config) APITokenCredential() (string, error) { return c.credential(CredAPIToken) }

// PINHashFromCredential reports whether maintenance.pin_hash came from the
// credential CredPINHash.
func (c Config) PINHashFromCredential() bool { return c.pinFromCredential }

// PlainSecrets names the secrets this configuration takes from plain files
// on the disk rather than from systemd credentials: what a production
// terminal warns about (kiosk credentials moves them). The demo and a
// development machine may use plain files.
func (c Config) PlainSecrets() []string {
	var plain []string
	if p, _ := c.SealKeyCredential(); p == "" {
		plain = append(plain, "the sealing key ("+c.KeyFilePath()+")")
	}
	if p, _ := c.APITokenCredential(); p == "" && (c.API.Token != "" || c.API.TokenFile != "") {
		plain = append(plain, "the API token (api.token or api.token_file)")
	}
	if c.Maintenance.PINHash != "" && !c.pinFromCredential {
		plain = append(plain, "the PIN hash (maintenance.pin_hash)")
	}
	return plain
}
