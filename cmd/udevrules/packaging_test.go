package main

import (
	"os"
	"path/filepath"
	"regexp"
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
