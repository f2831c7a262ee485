package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"
	"github.com/go-gl/gl/v2.1/gl"
	"github.com/go-gl/glfw/v3.3/glfw"

	"github.com/pudong-community/kiosk/cmd/internal/xscreen"
)

// glProbe runs as the test binary's main (KIOSK_TEST_GL_PROBE=lean or
// default) in a real window: it starts Fyne the way the terminal does (the
// app's first NewWindow initialises GLFW), applies the terminal's window
// hints when lean, and shows its window. Once Fyne has created that window
// with its own hints, it opens a hidden GLFW window of its own and prints
// the depth and stencil bits of its framebuffer: what the hints in force
// after Fyne's window creation give.
func glProbe(mode string, stdout, stderr *os.File) int {
	fa := app.NewWithID(appID + ".probe")
	w := fa.NewWindow("probe")
	if mode == "lean" {
		if err := colourOnlyFramebuffer(); err != nil {
			fmt.Fprintln(stderr, err)
			return 2
		}
	}
	w.Resize(fyne.NewSize(64, 64))
	code := 2
	fa.Lifecycle().SetOnStarted(func() {
		go fyne.Do(func() {
			defer fa.Quit()
			glfw.WindowHint(glfw.Visible, glfw.False)
			win, err := glfw.CreateWindow(64, 64, "probe", nil, nil)
			if err != nil {
				fmt.Fprintln(stderr, "probe window:", err)
				return
			}
			defer win.Destroy()
			win.MakeContextCurrent()
			defer glfw.DetachCurrentContext()
			if err := gl.Init(); err != nil {
				fmt.Fprintln(stderr, "gl:", err)
				return
			}
			var depth, stencil int32
			gl.GetIntegerv(gl.DEPTH_BITS, &depth)
			gl.GetIntegerv(gl.STENCIL_BITS, &stencil)
			fmt.Fprintf(stdout, "depth=%d stencil=%d\n", depth, stencil)
			code = 0
		})
	})
	w.ShowAndRun()
	return code
}

// TestWindowFramebufferIsColourOnly: the terminal's windows have no depth
// or stencil buffer (8 MB each on a 1080×1920 screen), under Mesa's
// software OpenGL in Xvfb. GLFW's defaults, without the terminal's hints,
// give both, so the test fails if the hints stop reaching GLFW (a Fyne that
// resets them when it creates a window, or a call in the wrong place).
func TestWindowFramebufferIsColourOnly(t *testing.T) {
	if _, err := exec.LookPath("Xvfb"); err != nil {
		t.Skip("no Xvfb (make deps installs it)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	display, stop, err := xscreen.StartXvfb(ctx, 540, 960, 190)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	probe := func(mode string) (depth, stencil int) {
		t.Helper()
		cmd := exec.CommandContext(ctx, self)
		cmd.Env = append(os.Environ(), "KIOSK_TEST_GL_PROBE="+mode, "DISPLAY="+display, "LANG=en_US.UTF-8", "LC_ALL=", "LIBGL_ALWAYS_SOFTWARE=1")
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("probe %s: %v\n%s", mode, err, stderr.String())
		}
		line := strings.TrimSpace(string(out))
		if _, err := fmt.Sscanf(line, "depth=%d stencil=%d", &depth, &stencil); err != nil {
			t.Fatalf("probe %s printed %q: %v\n%s", mode, line, err, stderr.String())
		}
		return depth, stencil
	}
	if d, s := probe("default"); d == 0 && s == 0 {
		t.Fatalf("GLFW's default hints gave depth %d, stencil %d; the probe cannot tell the hints apart", d, s)
	}
	if d, s := probe("lean"); d != 0 || s != 0 {
		t.Errorf("with the terminal's hints the framebuffer has depth %d, stencil %d bits; want 0 and 0", d, s)
	}
}
