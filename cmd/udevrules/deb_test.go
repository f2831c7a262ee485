package main

// TestDebianPackage builds the .deb, installs it into a Debian 12 root made
// by debootstrap and checks what an installed terminal needs. It is slow and
// needs root, debootstrap and the network on its first run, so it runs only
// with KIOSK_DEB_TEST=1 (make package-test). The prepared root is cached as
// build/debtest/bookworm-root.tar.gz; delete it to start from scratch.
// KIOSK_DEB=path tests an existing package instead of building one.

import (
	"debug/buildinfo"
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// Packages of the cached root besides minbase: the package's dependencies
// (so reruns need no network) and systemd for `systemd-analyze verify`.
var rootPackages = []string{"adduser", "libgl1", "libx11-6", "libxcursor1", "libxrandr2",
	"libxinerama1", "libxi6", "libxxf86vm1", "libzinnia0", "tegaki-zinnia-simplified-chinese",
	"systemd", "udev", "espeak-ng", "alsa-utils"}

// rootTarball is the cached root; its name changes with rootPackages.
const rootTarball = "bookworm-root-voice-hand.tar.gz"

const debianMirror = "http://deb.debian.org/debian"

func TestDebianPackage(t *testing.T) {
	if os.Getenv("KIOSK_DEB_TEST") != "1" {
		t.Skip("set KIOSK_DEB_TEST=1 (make package-test): builds the .deb and installs it into a debootstrap root")
	}
	if os.Geteuid() != 0 {
		t.Skip("needs root for debootstrap and chroot")
	}
	repo, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	cache := filepath.Join(repo, "build", "debtest")
	if err := os.MkdirAll(cache, 0o755); err != nil {
		t.Fatal(err)
	}

	deb := os.Getenv("KIOSK_DEB")
	if deb == "" {
		out := sh(t, repo, filepath.Join(repo, "packaging", "build-deb.sh"), "0.0.0+debtest", "amd64", filepath.Join(cache, "deb"))
		lines := strings.Split(strings.TrimSpace(out), "\n")
		deb = lines[len(lines)-1]
	}
	if _, err := os.Stat(deb); err != nil {
		t.Fatalf("package: %v", err)
	}
	version := strings.TrimSpace(sh(t, repo, "dpkg-deb", "-f", deb, "Version"))
	// The configuration (the API token) is never readable by others, not
	// even between unpacking and postinst, which gives it to group kiosk.
	if list := sh(t, repo, "dpkg-deb", "-c", deb); !regexp.MustCompile(`(?m)^-rw-r----- root/root .* \./etc/kiosk/kiosk\.toml$`).MatchString(list) {
		t.Errorf("etc/kiosk/kiosk.toml in the package is not 0640 root:root:\n%s", list)
	}
	depends := sh(t, repo, "dpkg-deb", "-f", deb, "Depends")

	tarball := filepath.Join(cache, rootTarball)
	if _, err := os.Stat(tarball); err != nil {
		makeRoot(t, cache, tarball)
	}
	root, err := os.MkdirTemp(cache, "root-")
	if err != nil {
		t.Fatal(err)
	}
	var mounts []string
	t.Cleanup(func() {
		for i := len(mounts) - 1; i >= 0; i-- {
			if out, err := exec.Command("umount", mounts[i]).CombinedOutput(); err != nil {
				t.Errorf("umount %s: %v %s; %s left in place", mounts[i], err, out, root)
				return // never delete through a mount
			}
		}
		os.RemoveAll(root)
	})
	sh(t, repo, "tar", "-C", root, "-xzpf", tarball)
	for _, m := range [][]string{{"-t", "proc", "proc", "proc"}, {"--bind", "/sys", "sys"}} {
		dir := filepath.Join(root, m[len(m)-1])
		sh(t, repo, "mount", append(m[:len(m)-1:len(m)-1], dir)...)
		mounts = append(mounts, dir)
	}

	in := func(t *testing.T, args ...string) string {
		t.Helper()
		return sh(t, repo, "chroot", append([]string{root}, args...)...)
	}
	b, err := os.ReadFile(deb)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "tmp", "kiosk.deb"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	// Installed twice: a first installation, then an upgrade in place.
	in(t, "dpkg", "-i", "/tmp/kiosk.deb")
	in(t, "dpkg", "-i", "/tmp/kiosk.deb")

	t.Run("files", func(t *testing.T) {
		for _, f := range []struct{ path, owner, mode string }{
			{"/usr/bin/kiosk", "root:root", "755"},
			{"/usr/bin/kiosk-udevrules", "root:root", "755"},
			{"/etc/kiosk/kiosk.toml", "root:kiosk", "640"},
			{"/lib/systemd/system/kiosk.service", "root:root", "644"},
			{"/lib/udev/rules.d/99-kiosk.rules", "root:root", "644"},
			{"/var/lib/kiosk", "kiosk:kiosk", "750"},
			{"/usr/share/doc/kiosk/copyright", "root:root", "644"},
			{"/usr/share/doc/kiosk/OFL.txt", "root:root", "644"},
			{"/usr/share/doc/kiosk/changelog.Debian.gz", "root:root", "644"},
			{"/usr/share/doc/kiosk/udev.md", "root:root", "644"},
			{"/usr/share/applications/kiosk.desktop", "root:root", "644"},
			{"/usr/share/icons/hicolor/256x256/apps/kiosk.png", "root:root", "644"},
			// The kiosk session and the machine's lock-down.
			{"/lib/systemd/system/kiosk-session.service", "root:root", "644"},
			{"/usr/lib/kiosk/kiosk-xserver", "root:root", "755"},
			{"/etc/X11/kiosk/xorg.conf", "root:root", "644"},
			{"/usr/lib/systemd/logind.conf.d/kiosk.conf", "root:root", "644"},
			{"/usr/lib/systemd/system.conf.d/kiosk.conf", "root:root", "644"},
			{"/usr/lib/sysctl.d/90-kiosk.conf", "root:root", "644"},
			{"/usr/share/kiosk/usbguard-rules.conf", "root:root", "644"},
			{"/usr/share/doc/kiosk/security.md", "root:root", "644"},
			// The handwriting model comes with the package's dependencies.
			{"/usr/share/tegaki/models/zinnia/handwriting-zh_CN.model", "root:root", "644"},
		} {
			got := strings.TrimSpace(in(t, "stat", "-c", "%U:%G %a", f.path))
			if want := f.owner + " " + f.mode; got != want {
				t.Errorf("%s: %s, want %s", f.path, got, want)
			}
		}
		conf := in(t, "dpkg-query", "-W", "-f", "${Conffiles}", "kiosk")
		if !strings.Contains(conf, "/etc/kiosk/kiosk.toml") || !strings.Contains(conf, "/etc/X11/kiosk/xorg.conf") {
			t.Errorf("conffiles: %q", conf)
		}
		if got := in(t, "dpkg-query", "-W", "-f", "${Status}", "kiosk"); got != "install ok installed" {
			t.Errorf("status %q", got)
		}
	})

	t.Run("binary runs", func(t *testing.T) {
		got := strings.TrimSpace(in(t, "/usr/bin/kiosk", "version"))
		if want := "kiosk 0.0.0+debtest"; os.Getenv("KIOSK_DEB") == "" && got != want || !strings.HasPrefix(got, "kiosk ") {
			t.Errorf("kiosk version: %q, want %q", got, want)
		}
		in(t, "/usr/bin/kiosk", "check-config", "/etc/kiosk/kiosk.toml")
		// Built without Fyne's emoji face, as make build is.
		bi, err := buildinfo.ReadFile(filepath.Join(root, "usr", "bin", "kiosk"))
		if err != nil {
			t.Fatal(err)
		}
		if tags := buildSetting(bi, "-tags"); !slices.Contains(strings.Split(tags, ","), "no_emoji") {
			t.Errorf("the packaged kiosk was built with tags %q, want no_emoji", tags)
		}
		// Every shared library the binary needs comes from a package in
		// Depends (or from libc6).
		f, err := elf.Open(filepath.Join(root, "usr", "bin", "kiosk"))
		if err != nil {
			t.Fatal(err)
		}
		libs, err := f.ImportedLibraries()
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		deps := map[string]bool{}
		for _, d := range strings.Split(depends, ",") {
			deps[strings.Fields(d)[0]] = true
		}
		for _, lib := range libs {
			owner := strings.TrimSpace(in(t, "dpkg", "-S", "*/"+lib))
			pkg, _, _ := strings.Cut(strings.Split(owner, "\n")[0], ":")
			if !deps[pkg] {
				t.Errorf("%s comes from %s, which is not in Depends: %s", lib, pkg, depends)
			}
		}
	})

	t.Run("user", func(t *testing.T) {
		pw := strings.Split(strings.TrimSpace(in(t, "getent", "passwd", "kiosk")), ":")
		if len(pw) != 7 || pw[5] != "/var/lib/kiosk" || pw[6] != "/usr/sbin/nologin" {
			t.Fatalf("passwd entry %q", pw)
		}
		if uid := pw[2]; len(uid) > 3 || uid == "0" {
			t.Errorf("uid %s is not a system uid", uid)
		}
		if g := in(t, "getent", "group", "kiosk"); !strings.HasPrefix(g, "kiosk:") {
			t.Errorf("group: %q", g)
		}
	})

	t.Run("unit", func(t *testing.T) {
		if _, err := os.Lstat(filepath.Join(root, "etc/systemd/system/graphical.target.wants/kiosk.service")); err != nil {
			t.Errorf("not enabled: %v", err)
		}
		out, err := exec.Command("chroot", root, "systemd-analyze", "verify", "/lib/systemd/system/kiosk.service").CombinedOutput()
		if err != nil || len(strings.TrimSpace(string(out))) != 0 {
			t.Errorf("systemd-analyze verify: %v\n%s", err, out)
		}
		unit := in(t, "cat", "/lib/systemd/system/kiosk.service")
		for _, want := range []string{"Type=notify", "Restart=always", "WatchdogSec=30", "User=kiosk",
			"ProtectSystem=strict", "ReadWritePaths=/var/lib/kiosk", "PrivateTmp=yes", "NoNewPrivileges=yes",
			"DevicePolicy=closed", "DeviceAllow=/dev/kiosk-idcard rw", "DeviceAllow=/dev/kiosk-printer rw", "DeviceAllow=char-alsa rw",
			"Environment=LANG=zh_CN.UTF-8", "LimitCORE=0", "ProcSubset=pid", "LoadCredentialEncrypted=kiosk.seal-key"} {
			if !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(want) + `$`).MatchString(unit) {
				t.Errorf("unit lacks %s", want)
			}
		}
		if n := strings.Count(unit, "\nDeviceAllow="); n != 4 {
			t.Errorf("%d DeviceAllow lines, want the two ports, the GPU and the sound device", n)
		}
	})

	t.Run("session and lock-down", func(t *testing.T) {
		if _, err := os.Lstat(filepath.Join(root, "etc/systemd/system/graphical.target.wants/kiosk-session.service")); err != nil {
			t.Errorf("kiosk-session.service not enabled: %v", err)
		}
		out, err := exec.Command("chroot", root, "systemd-analyze", "verify", "/lib/systemd/system/kiosk-session.service").CombinedOutput()
		if err != nil || len(strings.TrimSpace(string(out))) != 0 {
			t.Errorf("systemd-analyze verify kiosk-session.service: %v\n%s", err, out)
		}
		if l, err := os.Readlink(filepath.Join(root, "etc/systemd/system/ctrl-alt-del.target")); err != nil || l != "/dev/null" {
			t.Errorf("ctrl-alt-del.target not masked: %q %v", l, err)
		}
		// What systemd and the kernel will apply, as they read it: the
		// drop-ins merged in place, sysctl's files in their order.
		// (cat-config fails on a dangling link such as a minimal root's
		// /etc/sysctl.d/99-sysctl.conf, after printing the rest.)
		catConfig := func(name string) string {
			return in(t, "sh", "-c", "systemd-analyze cat-config "+name+" 2>/dev/null; exit 0")
		}
		logind, system, sysctl := catConfig("systemd/logind.conf"), catConfig("systemd/system.conf"), catConfig("sysctl.d")
		for _, c := range []struct{ text, want string }{
			{logind, "NAutoVTs=0"}, {logind, "ReserveVT=0"}, {system, "CtrlAltDelBurstAction=none"}, {sysctl, "kernel.sysrq = 0"},
		} {
			if !hasLine(c.text, c.want) {
				t.Errorf("systemd-analyze cat-config lacks %q", c.want)
			}
		}
		// The last sysctl file to set kernel.sysrq is the package's.
		lastSysrq := ""
		for _, l := range strings.Split(sysctl, "\n") {
			if strings.HasPrefix(strings.TrimSpace(l), "kernel.sysrq") {
				lastSysrq = strings.TrimSpace(l)
			}
		}
		if lastSysrq != "kernel.sysrq = 0" {
			t.Errorf("the last kernel.sysrq setting is %q", lastSysrq)
		}
		xorg := in(t, "cat", "/etc/X11/kiosk/xorg.conf")
		for _, want := range []string{"\tOption \"DontVTSwitch\" \"true\"", "\tOption \"DontZap\" \"true\"", "\tOption \"BlankTime\" \"0\""} {
			if !hasLine(xorg, want) {
				t.Errorf("xorg.conf lacks %q", want)
			}
		}
	})

	t.Run("udev rules", func(t *testing.T) {
		rules := in(t, "cat", "/lib/udev/rules.d/99-kiosk.rules")
		for _, link := range []string{"kiosk-idcard", "kiosk-printer"} {
			re := regexp.MustCompile(`(?m)^SUBSYSTEM=="tty", ATTRS\{idVendor\}=="[0-9a-f]{4}", ATTRS\{idProduct\}=="[0-9a-f]{4}", SYMLINK\+="` + link + `", GROUP="kiosk", MODE="0660"`)
			if !re.MatchString(rules) {
				t.Errorf("no rule for %s in\n%s", link, rules)
			}
		}
		if gen := in(t, "kiosk-udevrules", "--idcard", "1a86:7523", "--printer", "0483:5720"); gen != rules {
			t.Errorf("installed rules differ from kiosk-udevrules' output")
		}
		// udevadm reads every rule file while it simulates an event on a
		// tty of this machine and names the file and line of any rule it
		// rejects (bad syntax, unknown group).
		out, err := exec.Command("chroot", root, "udevadm", "test", "/class/tty/tty").CombinedOutput()
		if err != nil {
			t.Fatalf("udevadm test: %v\n%s", err, out)
		}
		if !strings.Contains(string(out), "Reading rules file: /usr/lib/udev/rules.d/99-kiosk.rules") {
			t.Errorf("udevadm did not read the rules:\n%s", out)
		}
		for _, l := range strings.Split(string(out), "\n") {
			if strings.Contains(l, "99-kiosk.rules:") {
				t.Errorf("udevadm: %s", l)
			}
		}
	})

	t.Run("purge", func(t *testing.T) {
		in(t, "dpkg", "--purge", "kiosk")
		for _, gone := range []string{"usr/bin/kiosk", "etc/kiosk/kiosk.toml", "var/lib/kiosk", "lib/systemd/system/kiosk.service",
			"lib/systemd/system/kiosk-session.service", "etc/X11/kiosk/xorg.conf", "usr/lib/sysctl.d/90-kiosk.conf", "etc/systemd/system/ctrl-alt-del.target"} {
			if _, err := os.Lstat(filepath.Join(root, gone)); !os.IsNotExist(err) {
				t.Errorf("/%s left after purge (%v)", gone, err)
			}
		}
		if _, err := os.Lstat(filepath.Join(root, "etc/systemd/system/graphical.target.wants/kiosk.service")); !os.IsNotExist(err) {
			t.Errorf("still enabled after purge: %v", err)
		}
	})
	t.Logf("tested %s (%s)", deb, version)
}

// makeRoot debootstraps a minimal Debian 12 with the packages above and
// stores it as a tarball.
func makeRoot(t *testing.T, cache, tarball string) {
	t.Helper()
	if _, err := exec.LookPath("debootstrap"); err != nil {
		t.Skip("debootstrap not installed (apt-get install debootstrap)")
	}
	dir, err := os.MkdirTemp(cache, "bootstrap-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	t.Logf("debootstrap bookworm into %s (first run only)", dir)
	sh(t, cache, "debootstrap", "--variant=minbase", "--include="+strings.Join(rootPackages, ","), "bookworm", dir, debianMirror)
	sh(t, cache, "chroot", dir, "apt-get", "clean")
	tmp := tarball + ".part"
	sh(t, cache, "tar", "-C", dir, "--numeric-owner", "-czpf", tmp, ".")
	if err := os.Rename(tmp, tarball); err != nil {
		t.Fatal(err)
	}
}

// sh runs a command and returns its standard output; a failure ends the test
// with the command's whole output.
func sh(t *testing.T, dir, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "LC_ALL=C", "DEBIAN_FRONTEND=noninteractive", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:"+os.Getenv("PATH"))
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s\n%s", name, strings.Join(args, " "), err, out, stderr.String())
	}
	return string(out)
}

// buildSetting is one setting of a binary's build information, or "".
func buildSetting(bi *buildinfo.BuildInfo, key string) string {
	for _, s := range bi.Settings {
		if s.Key == key {
			return s.Value
		}
	}
	return ""
}
