// Package xscreen holds what the commands that drive the real terminal
// under Xvfb share (cmd/smoke, cmd/startup): starting a virtual screen and
// reading the terminal's title bar off a screenshot.
package xscreen

import (
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// ErrNoXvfb: no display could be started.
var ErrNoXvfb = errors.New("xscreen: could not start Xvfb")

// PrimaryBlue is the title bar's colour (kiosk/ui's colPrimary).
var PrimaryBlue = color.RGBA{0x0A, 0x4A, 0x94, 0xFF}

// StartXvfb starts Xvfb at w×h on the first free display from first on and
// waits until it answers. stop ends it the way Xvfb cleans up after itself
// (an interrupt, then SIGKILL after 5 s).
//
// A display counts as taken while its lock file names a live process. A
// lock left by a server that was killed (its process is gone) does not
// take the display: Xvfb replaces such a lock and socket itself. Counting
// every lock file as taken ran a machine out of displays after some dozens
// of killed runs.
func StartXvfb(ctx context.Context, w, h, first int) (display string, stop func(), err error) {
	for n := first; n < first+50; n++ {
		if displayTaken(n) {
			continue
		}
		display := ":" + strconv.Itoa(n)
		// -noreset: without it the server resets when its last client (the
		// readiness probe below) leaves, and a client that connects during
		// the reset is refused ("Failed to open display").
		x := exec.Command("Xvfb", display, "-screen", "0", fmt.Sprintf("%dx%dx24", w, h), "-nolisten", "tcp", "-noreset")
		proc, err := Start(x)
		if err != nil {
			return "", nil, fmt.Errorf("%w: %v", ErrNoXvfb, err)
		}
		// Interrupted, Xvfb removes its lock and socket itself. One that
		// had to be killed leaves them, naming a process that has ended,
		// which the next start takes over (displayTaken); removing them
		// here could remove another server's, started meanwhile.
		stop := func() { proc.Stop(5 * time.Second) }
		for i := 0; i < 50; i++ {
			if proc.Err() != nil {
				break // it could not take the display after all
			}
			if exec.CommandContext(ctx, "xdpyinfo", "-display", display).Run() == nil {
				return display, stop, nil
			}
			time.Sleep(100 * time.Millisecond)
		}
		stop()
	}
	return "", nil, fmt.Errorf("%w on any display from :%d to :%d", ErrNoXvfb, first, first+49)
}

// lockFile is the X server lock of display n.
func lockFile(n int) string { return fmt.Sprintf("/tmp/.X%d-lock", n) }

// displayFiles are the lock file and the socket of display n.
func displayFiles(n int) []string {
	return []string{lockFile(n), fmt.Sprintf("/tmp/.X11-unix/X%d", n)}
}

// displayTaken reports whether display n is in use: its lock file names a
// live process, or it has a socket but no lock (a server we cannot see).
func displayTaken(n int) bool {
	files := displayFiles(n)
	if _, err := os.Stat(files[0]); err != nil {
		_, err := os.Stat(files[1])
		return err == nil
	}
	pid := pidOfLock(files[0])
	if pid <= 0 {
		return true // unreadable: leave it alone
	}
	return syscall.Kill(pid, 0) != syscall.ESRCH
}

// pidOfLock reads the process id an X lock file holds (ten characters,
// space-padded, and a newline); 0 if it cannot.
func pidOfLock(path string) int {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		return 0
	}
	return pid
}

// RGBA converts any colour to 8-bit RGBA.
func RGBA(c color.Color) color.RGBA {
	r, g, b, a := c.RGBA()
	return color.RGBA{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8), uint8(a >> 8)}
}

// Near reports whether two colours differ by at most tol in each channel.
func Near(a, b color.RGBA, tol int) bool {
	d := func(x, y uint8) int {
		if x > y {
			return int(x - y)
		}
		return int(y - x)
	}
	return d(a.R, b.R) <= tol && d(a.G, b.G) <= tol && d(a.B, b.B) <= tol
}

// TitleBar counts, in r of img, the title bar's blue and the white of the
// text on it; the bar is drawn when at least a third of r is blue and there
// are some hundreds of text pixels.
func TitleBar(img image.Image, r image.Rectangle) (blue, white int, drawn bool) {
	r = r.Intersect(img.Bounds())
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			c := RGBA(img.At(x, y))
			switch {
			case Near(c, PrimaryBlue, 24):
				blue++
			case c.R > 220 && c.G > 220 && c.B > 220:
				white++
			}
		}
	}
	return blue, white, blue >= r.Dx()*r.Dy()/3 && white >= 300
}
