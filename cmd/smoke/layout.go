package main

import (
	"context"
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/pudong-community/kiosk/cmd/internal/xscreen"
)

// simulatorWidth is room for the demo's simulator window beside the
// terminal (make run's screen is as wide).
const simulatorWidth = 920

// checkDemoLayout starts `kiosk demo` as a newcomer's `make run` does, with
// its simulator window, on a screen with no window manager, and checks that
// the simulator opens beside the terminal, not over it: the simulator's
// window starts right of the terminal's, and a screenshot right after start
// shows the whole home screen (title bar across its width, the welcome
// line). The picture is saved as demo-start.png.
func checkDemoLayout(ctx context.Context, kiosk, out string, w, h int) error {
	display, stopX, err := xscreen.StartXvfb(ctx, w+simulatorWidth, h, 140)
	if err != nil {
		return err
	}
	defer stopX()
	logf, err := os.Create(filepath.Join(out, "demo-start.log"))
	if err != nil {
		return err
	}
	defer logf.Close()
	cmd := exec.Command(kiosk, "demo", "-size", fmt.Sprintf("%dx%d", w, h))
	cmd.Env = append(os.Environ(), "DISPLAY="+display, "LANG=en_US.UTF-8", "LC_ALL=")
	cmd.Stdout, cmd.Stderr = logf, logf
	proc, err := xscreen.Start(cmd)
	if err != nil {
		return err
	}
	defer proc.Stop(3 * time.Second)

	shot := filepath.Join(out, "demo-start.png")
	deadline := time.Now().Add(60 * time.Second)
	var last error
	for time.Now().Before(deadline) {
		time.Sleep(500 * time.Millisecond)
		x, err := windowX(ctx, display, "设备模拟器")
		if err != nil {
			last = err
			continue
		}
		if x < w {
			last = fmt.Errorf("the simulator window starts at x=%d, over the terminal (width %d)", x, w)
			continue
		}
		if err := exec.CommandContext(ctx, "import", "-display", display, "-window", "root", shot).Run(); err != nil {
			last = err
			continue
		}
		f, err := os.Open(shot)
		if err != nil {
			return err
		}
		img, err := png.Decode(f)
		f.Close()
		if err != nil {
			last = err
			continue
		}
		sub, ok := img.(interface {
			SubImage(image.Rectangle) image.Image
		})
		if !ok {
			return fmt.Errorf("screenshot cannot be cropped")
		}
		if last = checkHomeImage(sub.SubImage(image.Rect(0, 0, w, h)), w, h); last == nil {
			fmt.Printf("smoke: the demo's simulator opens beside the terminal (x=%d): %s\n", x, shot)
			return nil
		}
	}
	return fmt.Errorf("%v (see %s, %s)", last, shot, logf.Name())
}

// windowX is the left edge of the visible window whose name has name.
func windowX(ctx context.Context, display, name string) (int, error) {
	c := exec.CommandContext(ctx, "xdotool", "search", "--onlyvisible", "--name", name, "getwindowgeometry")
	c.Env = append(os.Environ(), "DISPLAY="+display)
	o, err := c.Output()
	if err != nil {
		return 0, fmt.Errorf("no %s window yet", name)
	}
	// "Window N\n  Position: X,Y (screen: 0)\n  Geometry: WxH"
	for _, line := range strings.Split(string(o), "\n") {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "Position: "); ok {
			xs, _, _ := strings.Cut(rest, ",")
			return strconv.Atoi(xs)
		}
	}
	return 0, fmt.Errorf("xdotool: no position in %q", o)
}
