package main

import (
	"bytes"
	"os"
	osexec "os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pudong-community/kiosk/kiosk/config"
	"github.com/pudong-community/kiosk/kiosk/store"
)

// fakeCreds is a stand-in for systemd-creds: "encrypt --with-key=auto
// --name=N - OUT" writes a header naming N and the input reversed byte-wise
// is not needed; the header and the input are enough to check the
// round-trip and that the plain value is not what lands in the file as is.
const fakeCreds = `#!/bin/sh
set -eu
echo "$@" >> "$(dirname "$0")/calls"
case $1 in
encrypt) [ "$2" = --with-key=auto ] || exit 3; name=${3#--name=}; { echo "CRED $name"; base64; } > "$5" ;;
decrypt) name=${2#--name=}; head -n1 "$3" | grep -qx "CRED $name" || exit 4; tail -n +2 "$3" | base64 -d ;;
*) exit 2 ;;
esac
`

// credConfig is a configured terminal with a sealing key file, an inline
// token and a PIN hash.
func credConfig(t *testing.T) (cfgFile, keyFile string, key []byte) {
	t.Helper()
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	keyFile = filepath.Join(data, "seal.key")
	key, err := store.LoadOrCreateKey(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	cfgFile = filepath.Join(dir, "kiosk.toml")
	toml := "[terminal]\ndata_dir = \"" + data + "\"\n[api]\ntoken = \"tok-SECRET-123\"\n[maintenance]\npin_hash = \"" + demoHashForTest + "\"\n"
	if err := os.WriteFile(cfgFile, []byte(toml), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("CREDENTIALS_DIRECTORY", "")
	return cfgFile, keyFile, key
}

const demoHashForTest = "$argon2id$v=19$m=65536,t=3,p=2,minlen=6$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g"

func TestCredentialsPrintsTheSteps(t *testing.T) {
	cfgFile, keyFile, _ := credConfig(t)
	code, out, errOut := runCapture("credentials", "-config", cfgFile)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{
		"install -d -m 0700 /etc/credstore.encrypted",
		"systemd-creds encrypt --with-key=auto --name=kiosk.seal-key " + keyFile + " /etc/credstore.encrypted/kiosk.seal-key",
		"--name=kiosk.api-token - /etc/credstore.encrypted/kiosk.api-token",
		"--name=kiosk.pin-hash - /etc/credstore.encrypted/kiosk.pin-hash",
		"shred -u " + keyFile,
		"# delete api.token from " + cfgFile,
		"systemctl restart kiosk.service",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the steps lack %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "tok-SECRET-123") {
		t.Error("the printed steps show the API token")
	}
}

func TestCredentialsApply(t *testing.T) {
	cfgFile, keyFile, key := credConfig(t)
	bin := t.TempDir()
	if err := os.WriteFile(filepath.Join(bin, "systemd-creds"), []byte(fakeCreds), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	credDir := filepath.Join(t.TempDir(), "credstore.encrypted")
	code, out, errOut := runCapture("credentials", "-config", cfgFile, "-apply", "-store", credDir)
	if code != 0 {
		t.Fatalf("exit %d: %s\n%s", code, out, errOut)
	}
	for name, want := range map[string][]byte{config.CredSealKey: key, config.CredAPIToken: []byte("tok-SECRET-123"), config.CredPINHash: []byte(demoHashForTest)} {
		p := filepath.Join(credDir, name)
		st, err := os.Stat(p)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if st.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %o", name, st.Mode().Perm())
		}
		b, _ := os.ReadFile(p)
		if bytes.Contains(b, want) {
			t.Errorf("%s holds its secret in plain", name)
		}
	}
	// The plain key stays until staff remove it; the output says how.
	if got, err := os.ReadFile(keyFile); err != nil || !bytes.Equal(got, key) {
		t.Errorf("the plain key file was changed: %v", err)
	}
	if !strings.Contains(out, "shred -u "+keyFile) || strings.Count(out, "and checked") != 3 {
		t.Errorf("output:\n%s", out)
	}

	// The terminal, run by systemd with these decrypted, reads them.
	decDir := t.TempDir()
	for _, name := range []string{config.CredSealKey, config.CredAPIToken, config.CredPINHash} {
		c := runTool(t, filepath.Join(bin, "systemd-creds"), "decrypt", "--name="+name, filepath.Join(credDir, name), "-")
		if err := os.WriteFile(filepath.Join(decDir, name), c, 0o400); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("CREDENTIALS_DIRECTORY", decDir)
	cfg, _, err := config.Load(cfgFile)
	if err != nil {
		t.Fatal(err)
	}
	if plain := cfg.PlainSecrets(); len(plain) != 0 {
		t.Errorf("still plain: %q", plain)
	}
	// With every secret in a credential, there is nothing left to do.
	if code, out, _ := runCapture("credentials", "-config", cfgFile); code != 0 || !strings.Contains(out, "nothing to do") {
		t.Errorf("second run: %d %s", code, out)
	}
}

func TestCredentialsApplyWithoutSystemdCreds(t *testing.T) {
	cfgFile, _, _ := credConfig(t)
	t.Setenv("PATH", t.TempDir())
	code, _, errOut := runCapture("credentials", "-config", cfgFile, "-apply", "-store", t.TempDir())
	if code != exitFailure || !strings.Contains(errOut, "systemd-creds not found") {
		t.Errorf("exit %d: %s", code, errOut)
	}
}

func runTool(t *testing.T, name string, args ...string) []byte {
	t.Helper()
	out, err := osexec.Command(name, args...).Output()
	if err != nil {
		t.Fatalf("%s %v: %v", name, args, err)
	}
	return out
}
