package main

import (
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"
	"github.com/go-gl/gl/v2.1/gl"
)

// glProbe runs as the test binary's main (KIOSK_TEST_GL_PROBE=terminal or
// default) in a real window: the terminal's window as the terminal makes it
// (newTerminalWindow), or a plain Fyne window. Once the window shows, it
// prints the depth and stencil bits of that window's own framebuffer, read
// in its GL context.
func glProbe(mode string, stdout, stderr *os.File) int {
	fa := app.NewWithID(appID + ".probe")
	var w fyne.Window
	if mode == "terminal" {
		w = newTerminalWindow(fa, "probe", slog.New(slog.NewTextHandler(stderr, nil)))
	} else {
		w = fa.NewWindow("probe")
	}
	w.Resize(fyne.NewSize(64, 64))
	code := 2
	fa.Lifecycle().SetOnStarted(func() {
		go fyne.Do(func() {
			// The probe exits as soon as it has its answer: a Quit from
			// inside the event loop now and then hung Fyne's shutdown
			// (seen under -race on a loaded machine), and this process
			// has nothing else to close.
			defer func() { os.Exit(code) }()
			// Fyne's desktop window runs a function in its GL context.
			withGL, ok := w.(interface{ RunWithContext(func()) })
			if !ok {
				fmt.Fprintf(stderr, "%T has no GL context to run in\n", w)
				return
			}
			withGL.RunWithContext(func() {
				var depth, stencil int32
				gl.GetIntegerv(gl.DEPTH_BITS, &depth)
				gl.GetIntegerv(gl.STENCIL_BITS, &stencil)
				fmt.Fprintf(stdout, "depth=%d stencil=%d\n", depth, stencil)
				code = 0
			})
		})
	})
	w.ShowAndRun()
	return code
}

// TestWindowFramebufferIsColourOnly: the terminal's window has no depth or
// stencil buffer (8 MB each on a 1080×1920 screen), under Mesa's software
// OpenGL in Xvfb. A plain Fyne window, with GLFW's default hints, has both,
// so the test fails if the hints stop reaching GLFW (a Fyne that resets
// them when it creates a window, or a call in the wrong place).
func TestWindowFramebufferIsColourOnly(t *testing.T) {
	ctx, display := startXvfb(t, 190)
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
		t.Fatalf("a plain Fyne window has depth %d, stencil %d; the probe cannot tell the hints apart", d, s)
	}
	if d, s := probe("terminal"); d != 0 || s != 0 {
		t.Errorf("with the terminal's hints the framebuffer has depth %d, stencil %d bits; want 0 and 0", d, s)
	}
}
