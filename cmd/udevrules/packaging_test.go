package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The package installs kiosk.toml 0640 (root:root in the archive, root:kiosk
// after postinst): a fast check of the build script and the maintainer
// script, besides the slow one in the Debian root (TestDebianPackage).
func TestConfigNotWorldReadableInPackage(t *testing.T) {
	repo := filepath.Join("..", "..")
	build, err := os.ReadFile(filepath.Join(repo, "packaging", "build-deb.sh"))
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`(?m)^install -m 0640 "\$pkgdir/kiosk\.toml" "\$tree/etc/kiosk/kiosk\.toml"$`).Match(build) {
		t.Error("build-deb.sh does not install etc/kiosk/kiosk.toml with mode 0640")
	}
	post, err := os.ReadFile(filepath.Join(repo, "packaging", "debian", "postinst"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"chown root:kiosk /etc/kiosk/kiosk.toml", "chmod 0640 /etc/kiosk/kiosk.toml"} {
		if !regexp.MustCompile(regexp.QuoteMeta(want)).Match(post) {
			t.Errorf("postinst lacks %q", want)
		}
	}
}

// lockdownFiles are the files of the kiosk session and the machine's
// lock-down: where the package installs each (from the packaging tree) and
// the settings that must be in it, each a whole line.
var lockdownFiles = []struct {
	src, dest string
	mode      string
	want      []string
}{
	{"packaging/session/kiosk-session.service", "lib/systemd/system/kiosk-session.service", "0644", []string{
		"User=kiosk", "PAMName=login", "TTYPath=/dev/tty7", "TTYVTDisallocate=yes", "Conflicts=getty@tty7.service",
		"ExecStart=/usr/lib/kiosk/kiosk-xserver :0 vt7", "Restart=always", "Environment=XAUTHORITY=/run/kiosk-session/Xauthority"}},
	{"packaging/session/kiosk-xserver", "usr/lib/kiosk/kiosk-xserver", "0755", []string{
		`set -- "$display" -auth "$auth" -nolisten tcp -noreset -nocursor -s 0 -dpms`,
		`*/Xorg | Xorg) set -- "$@" "$vt" -keeptty -config kiosk/xorg.conf ;;`}},
	{"packaging/session/xorg.conf", "etc/X11/kiosk/xorg.conf", "0644", []string{
		"\tOption \"DontVTSwitch\" \"true\"", "\tOption \"DontZap\" \"true\"", "\tOption \"BlankTime\" \"0\"",
		"\tOption \"StandbyTime\" \"0\"", "\tOption \"SuspendTime\" \"0\"", "\tOption \"OffTime\" \"0\"",
		"\tOption \"DPMS\" \"false\"", "\tOption \"XkbOptions\" \"srvrkeys:none\"", "\tMatchIsTouchscreen \"on\"", "\tDriver \"libinput\""}},
	{"packaging/session/logind-kiosk.conf", "usr/lib/systemd/logind.conf.d/kiosk.conf", "0644", []string{"[Login]", "NAutoVTs=0", "ReserveVT=0"}},
	{"packaging/session/system-kiosk.conf", "usr/lib/systemd/system.conf.d/kiosk.conf", "0644", []string{"[Manager]", "CtrlAltDelBurstAction=none"}},
	{"packaging/session/sysctl-kiosk.conf", "usr/lib/sysctl.d/90-kiosk.conf", "0644", []string{"kernel.sysrq = 0"}},
	{"packaging/session/usbguard-rules.conf", "usr/share/kiosk/usbguard-rules.conf", "0644", []string{
		"allow with-interface equals { 09:00:* }", "allow id 1a86:7523 with-interface one-of { ff:01:02 ff:00:00 }"}},
	{"packaging/kiosk.service", "lib/systemd/system/kiosk.service", "0644", []string{
		"Wants=network-online.target kiosk-session.service", "Environment=XAUTHORITY=/run/kiosk-session/Xauthority",
		"LoadCredentialEncrypted=kiosk.seal-key", "LoadCredentialEncrypted=kiosk.api-token", "LoadCredentialEncrypted=kiosk.pin-hash",
		"LimitCORE=0", "ProcSubset=pid"}},
	{"docs/security.md", "usr/share/doc/kiosk/security.md", "0644", nil},
}

// hasLine reports whether text holds line as a whole line.
func hasLine(text, line string) bool {
	return regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(line) + `$`).MatchString(text)
}

// The kiosk session and the lock-down are in the packaging tree with their
// key settings, build-deb.sh installs each where the system reads it, and
// postinst masks ctrl-alt-del.target and enables the session. With
// KIOSK_DEB=path (make package-test) the built package is checked too.
func TestLockdownInPackage(t *testing.T) {
	repo := filepath.Join("..", "..")
	build, err := os.ReadFile(filepath.Join(repo, "packaging", "build-deb.sh"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range lockdownFiles {
		b, err := os.ReadFile(filepath.Join(repo, f.src))
		if err != nil {
			t.Error(err)
			continue
		}
		for _, w := range f.want {
			if !hasLine(string(b), w) {
				t.Errorf("%s lacks the line %q", f.src, w)
			}
		}
		// build-deb.sh installs it: "install -m MODE <src> $tree/<dest>",
		// the source named through $pkgdir, $session or $root.
		base := filepath.Base(f.src)
		re := regexp.MustCompile(`(?m)^install -m ` + f.mode + ` "\$(pkgdir|session|root)/[^"]*` + regexp.QuoteMeta(base) + `" "(\$tree|\$doc)/` + `[^"]*` + `"$`)
		found := false
		for _, m := range re.FindAllString(string(build), -1) {
			dest := strings.Replace(strings.Replace(m[strings.LastIndex(m, " ")+1:], "$doc", "$tree/usr/share/doc/kiosk", 1), `"`, "", -1)
			if dest == "$tree/"+f.dest {
				found = true
			}
		}
		if !found {
			t.Errorf("build-deb.sh does not install %s as /%s mode %s", f.src, f.dest, f.mode)
		}
	}
	conff, err := os.ReadFile(filepath.Join(repo, "packaging", "debian", "conffiles"))
	if err != nil {
		t.Fatal(err)
	}
	if !hasLine(string(conff), "/etc/X11/kiosk/xorg.conf") {
		t.Error("the X configuration is not a conffile (a site's change would be overwritten)")
	}
	post, err := os.ReadFile(filepath.Join(repo, "packaging", "debian", "postinst"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"ln -s /dev/null /etc/systemd/system/ctrl-alt-del.target", "for unit in kiosk.service kiosk-session.service; do"} {
		if !strings.Contains(string(post), want) {
			t.Errorf("postinst lacks %q", want)
		}
	}
	if !regexp.MustCompile(`(?m)^Recommends: .*xserver-xorg-core.*xserver-xorg-input-libinput.*xauth`).Match(build) {
		t.Error("the package does not recommend Xorg, libinput and xauth")
	}

	deb := os.Getenv("KIOSK_DEB")
	if deb == "" {
		return
	}
	dir := t.TempDir()
	if out, err := exec.Command("dpkg-deb", "-x", deb, dir).CombinedOutput(); err != nil {
		t.Fatalf("dpkg-deb -x: %v\n%s", err, out)
	}
	for _, f := range lockdownFiles {
		got, err := os.ReadFile(filepath.Join(dir, f.dest))
		if err != nil {
			t.Errorf("not in the package: %v", err)
			continue
		}
		src, _ := os.ReadFile(filepath.Join(repo, f.src))
		if string(got) != string(src) {
			t.Errorf("/%s in the package differs from %s", f.dest, f.src)
		}
		st, _ := os.Stat(filepath.Join(dir, f.dest))
		if m := fmt.Sprintf("%04o", st.Mode().Perm()); m != f.mode {
			t.Errorf("/%s: mode %s, want %s", f.dest, m, f.mode)
		}
	}
}
