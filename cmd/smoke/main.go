// Command smoke starts the real terminal under Xvfb, waits until its window
// is mapped and drawn, takes a screenshot of the whole screen and checks it
// is not blank: enough distinct colours, and text pixels where the title
// bar and the welcome line are. The pictures stay in -out for people to
// look at.
//
//	go run ./cmd/smoke -kiosk build/kiosk -out build/smoke
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/pudong-community/kiosk/cmd/internal/xscreen"
)

var walkScreens bool

func main() {
	kiosk := flag.String("kiosk", "build/kiosk", "the kiosk binary")
	out := flag.String("out", "build/smoke", "folder for the screenshots")
	width := flag.Int("width", 1080, "screen width")
	height := flag.Int("height", 1920, "screen height")
	timeout := flag.Duration("timeout", 600*time.Second, "give up after this long")
	flag.BoolVar(&walkScreens, "walk", true, "after the home screen, walk through the screens with taps and save each")
	flag.Parse()
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	if err := run(ctx, *kiosk, *out, *width, *height); err != nil {
		fmt.Fprintln(os.Stderr, "smoke:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, kiosk, out string, w, h int) error {
	for _, tool := range []string{"Xvfb", "xdotool", "import", "xdpyinfo"} {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Errorf("%s is not installed (make deps installs it)", tool)
		}
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	display, stopX, err := xscreen.StartXvfb(ctx, w, h, 90)
	if err != nil {
		return err
	}
	defer stopX()

	logf, err := os.Create(filepath.Join(out, "kiosk.log"))
	if err != nil {
		return err
	}
	defer logf.Close()
	// -idle 90s: the walk waits for the idle warning once, and no step of
	// a walk on a busy machine comes near it otherwise.
	cmd := exec.Command(kiosk, "demo", "-fullscreen", "-no-simulator", "-control-stdin", "-idle", "90s")
	// A systemd-style notify socket: the terminal must say READY=1 and ping
	// the watchdog while its loops are alive.
	sd, err := listenNotify(filepath.Join(os.TempDir(), fmt.Sprintf("kiosk-smoke-notify-%d.sock", os.Getpid())))
	if err != nil {
		return err
	}
	defer sd.close()
	cmd.Env = append(os.Environ(), "DISPLAY="+display, "LANG=en_US.UTF-8", "LC_ALL=",
		"NOTIFY_SOCKET="+sd.path, "WATCHDOG_USEC=3000000")
	cmd.Stderr = logf
	control, err := cmd.StdinPipe()
	if err != nil {
		return err
	}
	// The demo answers "inspect" on its standard output, one JSON line each.
	outR, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	replies := make(chan string, 4)
	go func() {
		defer close(replies)
		sc := bufio.NewScanner(outR)
		sc.Buffer(make([]byte, 1<<20), 8<<20)
		for sc.Scan() {
			if line, ok := strings.CutPrefix(sc.Text(), "inspect "); ok {
				replies <- line
			} else {
				fmt.Fprintln(logf, sc.Text())
			}
		}
	}()
	start := time.Now()
	proc, err := xscreen.Start(cmd)
	if err != nil {
		return fmt.Errorf("start %s: %w", kiosk, err)
	}
	defer proc.Stop(3 * time.Second)

	// Wait for the window to be mapped.
	for {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("the terminal's window never appeared (see %s)", logf.Name())
		}
		select {
		case <-proc.Done():
			return fmt.Errorf("the terminal exited before its window appeared: %v (see %s)", proc.Err(), logf.Name())
		default:
		}
		search := exec.CommandContext(ctx, "xdotool", "search", "--onlyvisible", "--name", "智能社工")
		search.Env = append(os.Environ(), "DISPLAY="+display)
		o, err := search.Output()
		if err == nil && len(strings.TrimSpace(string(o))) > 0 {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	mapped := time.Since(start)

	// Wait for a drawn frame, then check it.
	shot := filepath.Join(out, "home.png")
	var lastErr error
	for {
		if ctx.Err() != nil {
			return fmt.Errorf("no acceptable frame: %v", lastErr)
		}
		if err := exec.CommandContext(ctx, "import", "-display", display, "-window", "root", shot).Run(); err != nil {
			lastErr = fmt.Errorf("screenshot: %w", err)
		} else if err := checkHome(shot, w, h); err != nil {
			lastErr = err
		} else {
			break
		}
		time.Sleep(300 * time.Millisecond)
	}
	fmt.Printf("smoke: window mapped after %v, home screen checked in %v: %s\n", mapped.Round(time.Millisecond), time.Since(start).Round(time.Millisecond), shot)
	if err := sd.expect(ctx, "READY=1", 1); err != nil {
		return err
	}
	if err := sd.expect(ctx, "WATCHDOG=1", 2); err != nil {
		return err
	}
	fmt.Println("smoke: the terminal told systemd READY=1 and pings the watchdog")
	if walkScreens {
		if err := checkDemoLayout(ctx, kiosk, out, w, h); err != nil {
			return fmt.Errorf("demo with its simulator: %w", err)
		}
		wk := &walker{ctx: ctx, display: display, out: out, control: control, replies: replies, w: w, h: h, last: shot}
		if err := wk.walk(); err != nil {
			return fmt.Errorf("walk: %w (screens so far in %s)", err, out)
		}
		fmt.Printf("smoke: walked %d screens: %s\n", len(wk.saved), strings.Join(wk.saved, ", "))
	}
	return nil
}

// checkHome decodes the screenshot and checks that the terminal drew its
// home screen rather than a blank or black window.
func checkHome(path string, w, h int) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		return fmt.Errorf("decode %s: %w", path, err)
	}
	return checkHomeImage(img, w, h)
}

// checkHomeImage checks a w×h picture of the terminal's home screen whose
// top left is (0,0).
func checkHomeImage(img image.Image, w, h int) error {
	b := img.Bounds()
	if b.Dx() != w || b.Dy() != h {
		return fmt.Errorf("screenshot is %dx%d, want %dx%d", b.Dx(), b.Dy(), w, h)
	}
	colours := map[color.RGBA]bool{}
	black, sampled := 0, 0
	for y := b.Min.Y; y < b.Max.Y; y += 3 {
		for x := b.Min.X; x < b.Max.X; x += 3 {
			c := xscreen.RGBA(img.At(x, y))
			colours[c] = true
			sampled++
			if c.R < 8 && c.G < 8 && c.B < 8 {
				black++
			}
		}
	}
	// The terminal is full screen: no bare root window may show.
	if black*20 > sampled {
		return fmt.Errorf("%d%% of the screen is black: the window does not fill it", black*100/sampled)
	}
	if len(colours) < 64 {
		return fmt.Errorf("only %d distinct colours: the screen looks blank", len(colours))
	}
	// The title bar: government blue with white text on it.
	blue, white, _ := xscreen.TitleBar(img, image.Rect(0, 0, w, 60))
	if blue < w*60/3 {
		return fmt.Errorf("the title bar is not drawn (%d blue pixels)", blue)
	}
	if white < 300 {
		return fmt.Errorf("no text in the title bar (%d white pixels)", white)
	}
	// The welcome line under the bar: dark text pixels on white.
	dark := 0
	for y := 100; y < 260 && y < h; y++ {
		for x := 0; x < w; x++ {
			c := xscreen.RGBA(img.At(x, y))
			if c.R < 80 && c.G < 80 && c.B < 80 {
				dark++
			}
		}
	}
	if dark < 500 {
		return fmt.Errorf("no welcome text under the title bar (%d dark pixels)", dark)
	}
	return nil
}
