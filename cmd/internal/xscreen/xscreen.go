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
	"time"
)

// ErrNoXvfb: no display could be started.
var ErrNoXvfb = errors.New("xscreen: could not start Xvfb")

// PrimaryBlue is the title bar's colour (kiosk/ui's colPrimary).
var PrimaryBlue = color.RGBA{0x0A, 0x4A, 0x94, 0xFF}

// StartXvfb starts Xvfb at w×h on the first free display from first on and
// waits until it answers. stop kills it.
func StartXvfb(ctx context.Context, w, h, first int) (display string, stop func(), err error) {
	for n := first; n < first+50; n++ {
		if _, err := os.Stat(fmt.Sprintf("/tmp/.X11-unix/X%d", n)); err == nil {
			continue
		}
		if _, err := os.Stat(fmt.Sprintf("/tmp/.X%d-lock", n)); err == nil {
			continue
		}
		display := ":" + strconv.Itoa(n)
		// -noreset: without it the server resets when its last client (the
		// readiness probe below) leaves, and a client that connects during
		// the reset is refused ("Failed to open display").
		x := exec.Command("Xvfb", display, "-screen", "0", fmt.Sprintf("%dx%dx24", w, h), "-nolisten", "tcp", "-noreset")
		if err := x.Start(); err != nil {
			return "", nil, fmt.Errorf("%w: %v", ErrNoXvfb, err)
		}
		stop := func() { x.Process.Kill(); x.Wait() }
		for i := 0; i < 50; i++ {
			if exec.CommandContext(ctx, "xdpyinfo", "-display", display).Run() == nil {
				return display, stop, nil
			}
			time.Sleep(100 * time.Millisecond)
		}
		stop()
	}
	return "", nil, fmt.Errorf("%w on any display from :%d to :%d", ErrNoXvfb, first, first+49)
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
