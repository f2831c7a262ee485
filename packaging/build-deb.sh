#!/bin/sh
# build-deb.sh VERSION ARCH OUTDIR: builds kiosk_<debversion>_<ARCH>.deb in
# OUTDIR from this checkout and prints its path. Needs go, gcc, the X and GL
# development headers (make deps), dpkg-deb; KIOSK_FYNE=1 also runs
# `fyne package` for the application metadata (see below).
# ARCH is a Debian architecture; other than the host's, set CC to a cross
# compiler (e.g. CC=aarch64-linux-gnu-gcc).
set -eu

if [ $# -ne 3 ]; then
	echo "usage: $0 VERSION ARCH OUTDIR" >&2
	exit 2
fi
version=$1 arch=$2 outdir=$3
root=$(cd "$(dirname "$0")/.." && pwd)
pkgdir=$root/packaging

case $arch in
amd64) goarch=amd64 ;;
arm64) goarch=arm64 ;;
armhf) goarch=arm; export GOARM=7 ;;
i386) goarch=386 ;;
*) echo "build-deb.sh: unsupported architecture $arch" >&2; exit 2 ;;
esac

# A Debian version: a release number first (else 0~git+, for a commit
# hash), no '-' in the upstream part, revision 1.
upstream=$(printf '%s' "$version" | sed -e 's/^v//' -e 's/-/+/g')
if ! printf '%s' "$upstream" | grep -Eq '^[0-9]+\.[0-9]'; then
	upstream="0~git+$upstream"
fi
debversion="$upstream-1"
if ! printf '%s' "$upstream" | grep -Eq '^[0-9][A-Za-z0-9.+~]*$'; then
	echo "build-deb.sh: cannot make a Debian version of $version" >&2
	exit 2
fi

# Reproducible dates: the last commit's time.
SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git -C "$root" log -1 --format=%ct 2>/dev/null || date +%s)}
export SOURCE_DATE_EPOCH
maintainer=${KIOSK_MAINTAINER:-Pudong community kiosk maintainers <kiosk@pudong-community.invalid>}

mkdir -p "$outdir"
outdir=$(cd "$outdir" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tree=$work/kiosk
install -d "$tree/DEBIAN" "$tree/usr/bin" "$tree/etc/kiosk" \
	"$tree/lib/systemd/system" "$tree/lib/udev/rules.d" \
	"$tree/usr/share/doc/kiosk" "$tree/usr/share/applications" \
	"$tree/usr/share/icons/hicolor/256x256/apps"

# The terminal: PIE with full RELRO, stripped, its version stamped in,
# without Fyne's emoji face (no_emoji: the screens draw only from the
# bundled CJK faces; about 10 MiB less resident).
cd "$root"
CGO_ENABLED=1 GOOS=linux GOARCH=$goarch go build -trimpath -buildmode=pie -tags no_emoji \
	-ldflags "-s -w -X main.version=$version -extldflags '-Wl,-z,relro,-z,now'" \
	-o "$tree/usr/bin/kiosk" ./cmd/kiosk
CGO_ENABLED=1 GOOS=linux GOARCH=$goarch go build -trimpath -buildmode=pie \
	-ldflags "-s -w -linkmode=external -extldflags '-Wl,-z,relro,-z,now'" \
	-o "$tree/usr/bin/kiosk-udevrules" ./cmd/udevrules

# Application metadata and icon: packaging/debian/kiosk.desktop (names in
# Chinese and English) and packaging/kiosk.png. With KIOSK_FYNE=1 and the
# fyne CLI installed (go install fyne.io/tools/cmd/fyne@latest), `fyne
# package` writes the entry from the app id and the icon; its keys that ours
# lacks (StartupWMClass) are added. It takes about a minute, so it is opt-in.
desktop=$work/kiosk.desktop
cp "$pkgdir/debian/kiosk.desktop" "$desktop"
if [ "${KIOSK_FYNE:-0}" = 1 ]; then
	fyne=$(command -v fyne || echo "$(go env GOPATH)/bin/fyne")
	fw=$work/fyne
	mkdir -p "$fw"
	# fyne wants Go source next to the executable it packages.
	printf 'package main\n\nfunc main() {}\n' > "$fw/main.go"
	cp "$tree/usr/bin/kiosk" "$fw/kiosk"
	fyneversion=$(printf '%s' "$upstream" | grep -Eo '^[0-9]+(\.[0-9]+){0,2}')
	(cd "$fw" && "$fyne" package --os linux --exe ./kiosk --name kiosk --release \
		--icon "$pkgdir/kiosk.png" --app-id cn.gov.pudong.kiosk --app-version "$fyneversion" >&2)
	tar -C "$fw" -xJf "$fw/kiosk.tar.xz"
	entry=$(find "$fw" -path '*/share/applications/*.desktop' | head -n1)
	grep -E '^StartupWMClass=' "$entry" >> "$desktop"
fi
install -m 0644 "$desktop" "$tree/usr/share/applications/kiosk.desktop"
install -m 0644 "$pkgdir/kiosk.png" "$tree/usr/share/icons/hicolor/256x256/apps/kiosk.png"

# The configuration holds the API token: 0640 from the start, never
# readable by others; postinst gives it to group kiosk (root:kiosk 0640).
install -m 0640 "$pkgdir/kiosk.toml" "$tree/etc/kiosk/kiosk.toml"
install -m 0644 "$pkgdir/kiosk.service" "$tree/lib/systemd/system/kiosk.service"
install -m 0644 "$pkgdir/99-kiosk.rules" "$tree/lib/udev/rules.d/99-kiosk.rules"

# The kiosk session (docs/security.md): the terminal's own X server on VT 7
# with its locked-down configuration, no gettys on other VTs, no
# Ctrl+Alt+Del burst reboot, no magic SysRq, and the USBGuard template.
session=$pkgdir/session
install -d "$tree/usr/lib/kiosk" "$tree/etc/X11/kiosk" "$tree/usr/lib/systemd/logind.conf.d" \
	"$tree/usr/lib/systemd/system.conf.d" "$tree/usr/lib/sysctl.d" "$tree/usr/share/kiosk"
install -m 0644 "$session/kiosk-session.service" "$tree/lib/systemd/system/kiosk-session.service"
install -m 0755 "$session/kiosk-xserver" "$tree/usr/lib/kiosk/kiosk-xserver"
install -m 0644 "$session/xorg.conf" "$tree/etc/X11/kiosk/xorg.conf"
install -m 0644 "$session/logind-kiosk.conf" "$tree/usr/lib/systemd/logind.conf.d/kiosk.conf"
install -m 0644 "$session/system-kiosk.conf" "$tree/usr/lib/systemd/system.conf.d/kiosk.conf"
install -m 0644 "$session/sysctl-kiosk.conf" "$tree/usr/lib/sysctl.d/90-kiosk.conf"
install -m 0644 "$session/usbguard-rules.conf" "$tree/usr/share/kiosk/usbguard-rules.conf"

doc=$tree/usr/share/doc/kiosk
install -m 0644 "$root/assets/fonts/OFL.txt" "$doc/OFL.txt"
install -m 0644 "$root/docs/udev.md" "$doc/udev.md"
install -m 0644 "$root/docs/security.md" "$doc/security.md"
install -m 0644 "$pkgdir/debian/README.Debian" "$doc/README.Debian"
install -d "$tree/usr/share/man/man1" "$tree/usr/share/lintian/overrides"
for m in kiosk kiosk-udevrules; do
	gzip -9n < "$pkgdir/debian/$m.1" > "$tree/usr/share/man/man1/$m.1.gz"
	chmod 0644 "$tree/usr/share/man/man1/$m.1.gz"
done
install -m 0644 "$pkgdir/debian/lintian-overrides" "$tree/usr/share/lintian/overrides/kiosk"
{
	cat "$pkgdir/debian/copyright"
	sed -n '/^PREAMBLE/,$p' "$root/assets/fonts/OFL.txt" | sed -e 's/[[:space:]]*$//' -e 's/^$/./' -e 's/^/ /'
} > "$doc/copyright"
chmod 0644 "$doc/copyright"
{
	printf 'kiosk (%s) bookworm; urgency=medium\n\n' "$debversion"
	printf '  * Build of %s.\n\n' "$version"
	printf ' -- %s  %s\n' "$maintainer" "$(LC_ALL=C date -u -R -d "@$SOURCE_DATE_EPOCH")"
} | gzip -9n > "$doc/changelog.Debian.gz"
chmod 0644 "$doc/changelog.Debian.gz"

for s in postinst prerm postrm; do
	install -m 0755 "$pkgdir/debian/$s" "$tree/DEBIAN/$s"
done
install -m 0644 "$pkgdir/debian/conffiles" "$tree/DEBIAN/conffiles"

size=$(du -sk --exclude=DEBIAN "$tree" | cut -f1)
cat > "$tree/DEBIAN/control" <<CONTROL
Package: kiosk
Version: $debversion
Architecture: $arch
Maintainer: $maintainer
Installed-Size: $size
Depends: libc6 (>= 2.34), libgl1, libx11-6, libxcursor1, libxrandr2, libxinerama1, libxi6, libxxf86vm1, libzinnia0, tegaki-zinnia-simplified-chinese, adduser, espeak-ng, alsa-utils
Recommends: xserver-xorg-core, xserver-xorg-input-libinput, xauth
Suggests: usbguard
Section: misc
Priority: optional
Homepage: https://github.com/pudong-community/kiosk
Description: self-service terminal of the community affairs service centers
 智能社工: a full-screen touch terminal for Shanghai's community affairs
 service centers. Residents identify with their ID card, find and apply for
 community services, and get a printed receipt; submissions are queued
 locally and delivered to the central intake API.
 .
 This package holds the terminal, its systemd service with watchdog, its
 own locked-down X session on VT 7, udev rules naming the ID card reader and
 the receipt printer, a USBGuard policy template and a default
 configuration.
CONTROL

(cd "$tree" && find . -path ./DEBIAN -prune -o -type f -print | sed 's#^\./##' | LC_ALL=C sort |
	xargs md5sum) > "$tree/DEBIAN/md5sums"
chmod 0644 "$tree/DEBIAN/md5sums" "$tree/DEBIAN/control"
find "$tree" -type d -exec chmod 0755 {} +
find "$tree" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +

deb=$outdir/kiosk_${debversion}_$arch.deb
dpkg-deb --build --root-owner-group -Zxz "$tree" "$deb" >&2
echo "$deb"
