package main

import (
	"bufio"
	"debug/buildinfo"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
)

// The production conditions the measurement copies from the package.

// fontDirs are the system font directories and fontconfig's configuration,
// which kiosk.service makes inaccessible (InaccessiblePaths=) so that the
// terminal draws only with the faces compiled into it. (The unit also
// hides the user's own font directories, which the measurement's user,
// root, does not have.) TestFontDirsMatchTheUnit keeps the two lists equal.
var fontDirs = []string{"/usr/share/fonts", "/usr/local/share/fonts", "/usr/share/texmf/fonts", "/usr/X11R6/lib/X11/fonts", "/etc/fonts"}

// hideFontsScript mounts an empty read-only file system over each font
// directory that exists, in a mount namespace of the terminal's own, then
// runs the terminal in the same process (its PID is the one measured).
const hideFontsScript = `IFS=:
for d in $FONT_DIRS; do
	[ -d "$d" ] || continue
	mount -t tmpfs -o ro,size=4k,mode=0555 kiosk-no-fonts "$d" || exit 97
done
exec "$@"`

// canHideFonts reports whether this process can run the terminal with the
// system's fonts hidden as the unit does: that needs root (a new mount
// namespace) and util-linux's unshare.
func canHideFonts() (bool, string) {
	if os.Geteuid() != 0 {
		return false, "not root"
	}
	if _, err := exec.LookPath("unshare"); err != nil {
		return false, "no unshare"
	}
	return true, ""
}

// effectiveFonts is the fonts mode a measurement can have: "hidden" when
// asked and this process can hide them (saying so when it cannot), else
// what was asked. The report names the mode the runs had.
func effectiveFonts(asked string) string {
	if asked != "hidden" {
		return asked
	}
	if ok, why := canHideFonts(); !ok {
		fmt.Printf("startup: the system's fonts stay visible to the terminal (%s); kiosk.service hides them\n", why)
		return "visible"
	}
	return asked
}

// hidingFonts wraps the terminal's command line so that it runs with the
// system's fonts hidden: unshare(1) gives it a private mount namespace,
// sh mounts the empty file systems and then execs the terminal, so the
// process that starts is the terminal itself.
func hidingFonts(kiosk string, args []string) (string, []string) {
	wrapped := []string{"--mount", "--propagation", "private", "sh", "-c", hideFontsScript, "sh", kiosk}
	return "unshare", append(wrapped, args...)
}

// unitEnv is the environment kiosk.service gives the terminal that bears on
// its memory. TestUnitEnvMatchesTheUnit keeps it equal to the unit's.
var unitEnv = []string{"GLIBC_TUNABLES=glibc.malloc.arena_max=2"}

// fontDirsEnv is the environment the script reads its directories from.
func fontDirsEnv() string { return "FONT_DIRS=" + strings.Join(fontDirs, ":") }

// buildTags are the build tags the binary at path was built with.
func buildTags(path string) ([]string, error) {
	bi, err := buildinfo.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("startup: build information of %s: %w", path, err)
	}
	for _, s := range bi.Settings {
		if s.Key == "-tags" && s.Value != "" {
			return strings.Split(s.Value, ","), nil
		}
	}
	return nil, nil
}

// hasTag reports whether tags has tag.
func hasTag(tags []string, tag string) bool { return slices.Contains(tags, tag) }

// rendererMiB is how much of a process's resident set the software
// OpenGL renderer accounts for, from /proc/PID/smaps: Mesa's LLVM, which
// llvmpipe compiles its shaders with, the Mesa driver itself, and the X
// shared-memory image the frames are put through. A kiosk with a GPU
// driver has none of these in its resident set (its frame buffers live on
// the GPU), so this is the part of the figure that belongs to the
// measurement's software rendering rather than to the terminal.
func rendererMiB(pid int) (float64, error) {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/smaps")
	if err != nil {
		return 0, fmt.Errorf("startup: %w", err)
	}
	defer f.Close()
	return parseRenderer(f)
}

// isRendererMapping reports whether a mapping's path belongs to the
// software renderer.
func isRendererMapping(path string) bool {
	base := path[strings.LastIndexByte(path, '/')+1:]
	return strings.HasPrefix(base, "libLLVM") || strings.HasSuffix(base, "_dri.so") ||
		strings.HasPrefix(base, "libgallium") || strings.HasPrefix(path, "/SYSV")
}

func parseRenderer(r io.Reader) (float64, error) {
	var kb float64
	in, seen := false, false
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		fs := strings.Fields(line)
		if len(fs) == 0 {
			continue
		}
		// A mapping's header: "start-end perms offset dev inode [path]".
		if len(fs) >= 5 && strings.Contains(fs[0], "-") && !strings.HasSuffix(fs[0], ":") {
			seen = true
			in = len(fs) >= 6 && isRendererMapping(fs[5])
			continue
		}
		if in && fs[0] == "Rss:" && len(fs) >= 2 {
			v, err := strconv.ParseFloat(fs[1], 64)
			if err != nil {
				return 0, fmt.Errorf("startup: smaps: %q", line)
			}
			kb += v
		}
	}
	if err := sc.Err(); err != nil {
		return 0, fmt.Errorf("startup: smaps: %w", err)
	}
	if !seen {
		return 0, fmt.Errorf("startup: smaps: no mappings")
	}
	return kb / 1024, nil
}
