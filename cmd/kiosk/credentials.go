package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/pudong-community/kiosk/kiosk/config"
	"github.com/pudong-community/kiosk/kiosk/store"
)

// credSecret is one secret kiosk credentials moves into an encrypted
// systemd credential.
type credSecret struct {
	name  string // the credential's ID (config.CredSealKey ...)
	what  string // for people
	file  string // the plain file it comes from, "" when it is inline
	value []byte // its value (for -apply and the check)
	field string // where it is configured now, to be removed afterwards
}

// runCredentials is `kiosk credentials`: it prints the systemd-creds steps
// that move the sealing key, the API token and the PIN hash off the disk's
// plain reach into credentials encrypted for this machine (TPM2 where there
// is one, else the host key), which kiosk.service decrypts at start
// (LoadCredentialEncrypted=). With -apply it runs them, checks each by
// decrypting it again, and leaves the plain copies for staff to remove once
// the terminal has started on the credentials.
func runCredentials(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("kiosk credentials", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "", "configuration file (default: first of "+strings.Join(config.SearchPaths, ", ")+")")
	apply := fs.Bool("apply", false, "run the steps now (as root, needs systemd-creds) instead of printing them")
	dir := fs.String("store", config.CredStoreDir, "where the encrypted credentials go (systemd looks in "+config.CredStoreDir+")")
	if code, stop := parseFlags(fs, args, stdout); stop {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "kiosk credentials: unexpected argument %q\n", fs.Arg(0))
		return exitUsage
	}
	cfg, file, err := config.Load(*cfgPath)
	if err != nil {
		fmt.Fprintf(stderr, "kiosk credentials: %v\n", err)
		return exitFailure
	}
	secrets, err := plainSecrets(cfg)
	if err != nil {
		fmt.Fprintf(stderr, "kiosk credentials: %v\n", err)
		return exitFailure
	}
	if len(secrets) == 0 {
		fmt.Fprintln(stdout, "kiosk credentials: no secret is configured in a plain file; nothing to do")
		return exitOK
	}
	if !*apply {
		printCredentialSteps(stdout, secrets, *dir, file)
		return exitOK
	}
	creds, err := exec.LookPath("systemd-creds")
	if err != nil {
		fmt.Fprintln(stderr, "kiosk credentials: systemd-creds not found (systemd 250 or later); run `kiosk credentials` without -apply for the steps")
		return exitFailure
	}
	if err := os.MkdirAll(*dir, 0o700); err != nil {
		fmt.Fprintf(stderr, "kiosk credentials: %v\n", err)
		return exitFailure
	}
	for _, s := range secrets {
		out := filepath.Join(*dir, s.name)
		cmd := exec.Command(creds, "encrypt", "--with-key=auto", "--name="+s.name, "-", out)
		cmd.Stdin = bytes.NewReader(s.value)
		if b, err := cmd.CombinedOutput(); err != nil {
			fmt.Fprintf(stderr, "kiosk credentials: systemd-creds encrypt %s: %v\n%s", s.name, err, b)
			return exitFailure
		}
		if err := os.Chmod(out, 0o600); err != nil {
			fmt.Fprintf(stderr, "kiosk credentials: %v\n", err)
			return exitFailure
		}
		// The check: what decrypts is what was there.
		var got bytes.Buffer
		dec := exec.Command(creds, "decrypt", "--name="+s.name, out, "-")
		dec.Stdout = &got
		if err := dec.Run(); err != nil || !bytes.Equal(got.Bytes(), s.value) {
			fmt.Fprintf(stderr, "kiosk credentials: %s does not decrypt to %s (%v); the plain copy is left as it was\n", out, s.what, err)
			return exitFailure
		}
		fmt.Fprintf(stdout, "%s: encrypted into %s and checked\n", s.what, out)
	}
	fmt.Fprintln(stdout, "\nNext (by hand, once the terminal runs on the credentials):")
	printRemoval(stdout, secrets, file)
	return exitOK
}

// plainSecrets are the secrets the configuration takes from plain files or
// holds inline, with their values.
func plainSecrets(cfg config.Config) ([]credSecret, error) {
	var out []credSecret
	if p, _ := cfg.SealKeyCredential(); p == "" {
		key, err := store.LoadKey(cfg.KeyFilePath())
		switch {
		case err == nil:
			out = append(out, credSecret{name: config.CredSealKey, what: "the sealing key", file: cfg.KeyFilePath(), value: key, field: "sync.key_file"})
		case errors.Is(err, store.ErrBadKey) && strings.Contains(err.Error(), "does not exist"):
			// A terminal that never started has no key yet: kiosk makes
			// one at its first start; run this again after it.
		default:
			return nil, err
		}
	}
	if p, _ := cfg.APITokenCredential(); p == "" && (cfg.API.Token != "" || cfg.API.TokenFile != "") {
		tok, err := cfg.APIToken()
		if err != nil {
			return nil, err
		}
		s := credSecret{name: config.CredAPIToken, what: "the API token", file: cfg.API.TokenFile, value: []byte(tok), field: "api.token"}
		if cfg.API.TokenFile != "" {
			s.field = "api.token_file"
		}
		out = append(out, s)
	}
	if h := cfg.Maintenance.PINHash; h != "" && !cfg.PINHashFromCredential() {
		out = append(out, credSecret{name: config.CredPINHash, what: "the PIN hash", value: []byte(h), field: "maintenance.pin_hash"})
	}
	return out, nil
}

func printCredentialSteps(w io.Writer, secrets []credSecret, dir, cfgFile string) {
	fmt.Fprintf(w, `# Move the terminal's secrets into systemd credentials encrypted for this
# machine (its TPM2 when it has one: systemd-creds has-tpm2). As root.
# kiosk.service decrypts them at start (LoadCredentialEncrypted=); the
# terminal reads them from $CREDENTIALS_DIRECTORY. Or run: kiosk credentials -apply
install -d -m 0700 %s
`, dir)
	for _, s := range secrets {
		out := filepath.Join(dir, s.name)
		switch {
		case s.file != "":
			fmt.Fprintf(w, "systemd-creds encrypt --with-key=auto --name=%s %s %s\n", s.name, s.file, out)
		case s.name == config.CredAPIToken:
			fmt.Fprintf(w, "# the token now in api.token, typed without echo:\nstty -echo; IFS= read -r t; stty echo; printf '%%s' \"$t\" | systemd-creds encrypt --with-key=auto --name=%s - %s; unset t\n", s.name, out)
		default:
			fmt.Fprintf(w, "printf '%%s' '%s' | systemd-creds encrypt --with-key=auto --name=%s - %s\n", s.value, s.name, out)
		}
		fmt.Fprintf(w, "chmod 0600 %s\n", out)
	}
	fmt.Fprintln(w, "systemctl restart kiosk.service")
	fmt.Fprintln(w, "# check: the journal no longer warns of \"plain files\" (journalctl -u kiosk -b)")
	printRemoval(w, secrets, cfgFile)
}

func printRemoval(w io.Writer, secrets []credSecret, cfgFile string) {
	if cfgFile == "" {
		cfgFile = config.SearchPaths[0]
	}
	fmt.Fprintln(w, "# then remove the plain copies (keep an offline backup of the sealing key")
	fmt.Fprintln(w, "# where the site keeps its keys: the credential opens only on this machine):")
	for _, s := range secrets {
		if s.file != "" {
			fmt.Fprintf(w, "shred -u %s\n", s.file)
		}
		if s.file == "" || s.field == "api.token_file" {
			fmt.Fprintf(w, "# delete %s from %s\n", s.field, cfgFile)
		}
	}
}
