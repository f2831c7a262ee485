package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const testHash = "$argon2id$v=19$m=65536,t=3,p=2,minlen=6$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g"

// loadWithCreds writes a configuration with plain secrets and loads it as
// kiosk.service would, with $CREDENTIALS_DIRECTORY set to creds.
func loadWithCreds(t *testing.T, creds map[string]string) (Config, error) {
	t.Helper()
	dir := t.TempDir()
	credDir := filepath.Join(dir, "creds")
	if err := os.Mkdir(credDir, 0o700); err != nil {
		t.Fatal(err)
	}
	for name, v := range creds {
		if err := os.WriteFile(filepath.Join(credDir, name), []byte(v), 0o400); err != nil {
			t.Fatal(err)
		}
	}
	cfgFile := filepath.Join(dir, "kiosk.toml")
	toml := "[terminal]\ndata_dir = \"" + dir + "\"\n[api]\ntoken = \"plain-token\"\n[maintenance]\npin_hash = \"$argon2id$v=19$m=65536,t=3,p=2,minlen=6$cGxhaW5wbGFpbnBsYWlu$cGxhaW5wbGFpbnBsYWlucGxhaW5wbGFpbnBsYWlucGxh\"\n"
	if err := os.WriteFile(cfgFile, []byte(toml), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("CREDENTIALS_DIRECTORY", credDir)
	c, _, err := Load(cfgFile)
	return c, err
}

func TestCredentialsReplacePlainSecrets(t *testing.T) {
	c, err := loadWithCreds(t, map[string]string{CredAPIToken: "cred-token\n", CredPINHash: testHash + "\n", CredSealKey: strings.Repeat("k", 32)})
	if err != nil {
		t.Fatal(err)
	}
	if tok, err := c.APIToken(); err != nil || tok != "cred-token" {
		t.Errorf("APIToken = %q, %v; want the credential's", tok, err)
	}
	if c.Maintenance.PINHash != testHash {
		t.Errorf("PIN hash %q, want the credential's", c.Maintenance.PINHash)
	}
	if p, err := c.SealKeyCredential(); err != nil || p != filepath.Join(c.CredentialsDir, CredSealKey) {
		t.Errorf("SealKeyCredential = %q, %v", p, err)
	}
	if plain := c.PlainSecrets(); len(plain) != 0 {
		t.Errorf("PlainSecrets = %q, want none", plain)
	}
}

func TestMissingCredentialsFallBackToPlainFiles(t *testing.T) {
	c, err := loadWithCreds(t, nil)
	if err != nil {
		t.Fatal(err)
	}
	if tok, err := c.APIToken(); err != nil || tok != "plain-token" {
		t.Errorf("APIToken = %q, %v; want the plain one", tok, err)
	}
	if !strings.Contains(c.Maintenance.PINHash, "cGxhaW5w") {
		t.Errorf("PIN hash %q, want the plain one", c.Maintenance.PINHash)
	}
	if p, err := c.SealKeyCredential(); err != nil || p != "" {
		t.Errorf("SealKeyCredential = %q, %v; want none", p, err)
	}
	plain := strings.Join(c.PlainSecrets(), "|")
	for _, want := range []string{"sealing key", "API token", "PIN hash"} {
		if !strings.Contains(plain, want) {
			t.Errorf("PlainSecrets %q does not name %s", plain, want)
		}
	}
	// Without a credentials directory at all (a development machine).
	t.Setenv("CREDENTIALS_DIRECTORY", "")
	c.CredentialsDir = ""
	if tok, err := c.APIToken(); err != nil || tok != "plain-token" {
		t.Errorf("APIToken without credentials = %q, %v", tok, err)
	}
}

func TestBadCredentialsAreErrors(t *testing.T) {
	if _, err := loadWithCreds(t, map[string]string{CredPINHash: "123456"}); err == nil || !strings.Contains(err.Error(), "argon2id") {
		t.Errorf("a plain PIN as credential: %v", err)
	}
	if _, err := loadWithCreds(t, map[string]string{CredPINHash: " \n"}); err == nil || !strings.Contains(err.Error(), "empty") {
		t.Errorf("an empty PIN hash credential: %v", err)
	}
	c, err := loadWithCreds(t, map[string]string{CredAPIToken: ""})
	if err != nil {
		t.Fatal(err)
	}
	if tok, err := c.APIToken(); err == nil || tok != "" {
		t.Errorf("an empty token credential: %q, %v; want an error, not the plain token", tok, err)
	}
	// A credential that is there but cannot be read (a directory here)
	// is an error, never a silent fall-back to the plain file.
	if err := os.Mkdir(filepath.Join(c.CredentialsDir, CredSealKey), 0o700); err != nil {
		t.Fatal(err)
	}
	if _, err := c.SealKeyCredential(); err == nil {
		t.Error("a credential that is not a file was accepted")
	}
}
