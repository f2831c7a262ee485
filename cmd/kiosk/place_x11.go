//go:build linux && !wayland

package main

/*
#cgo pkg-config: x11
#include <X11/Xlib.h>

// kiosk_place_beside moves win to the right of beside, top edges level.
// It works with no window manager at all (every headless machine, and
// make run's own Xvfb), where both windows would open at (0,0) and the
// later one would cover the earlier. Returns 0 on success.
static int kiosk_place_beside(unsigned long beside, unsigned long win) {
	Display *d = XOpenDisplay(NULL);
	if (d == NULL) return 1;
	XWindowAttributes a;
	if (!XGetWindowAttributes(d, (Window)beside, &a)) { XCloseDisplay(d); return 2; }
	int x = 0, y = 0;
	Window child;
	XTranslateCoordinates(d, (Window)beside, a.root, 0, 0, &x, &y, &child);
	XMoveWindow(d, (Window)win, x + a.width, y);
	XSync(d, False);
	XCloseDisplay(d);
	return 0;
}
*/
import "C"

import (
	"fmt"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver"
)

// placeBeside moves window w to the right of window beside, as soon as both
// exist on the X server. Fyne cannot place windows; the demo's simulator
// must not cover the terminal.
func placeBeside(beside, w fyne.Window) error {
	handle := func(w fyne.Window) uintptr {
		var h uintptr
		if nw, ok := w.(driver.NativeWindow); ok {
			nw.RunNative(func(ctx any) {
				if x, ok := ctx.(driver.X11WindowContext); ok {
					h = x.WindowHandle
				}
			})
		}
		return h
	}
	for i := 0; i < 50; i++ {
		var a, b uintptr
		fyne.DoAndWait(func() { a, b = handle(beside), handle(w) })
		if a != 0 && b != 0 {
			if rc := C.kiosk_place_beside(C.ulong(a), C.ulong(b)); rc != 0 {
				return fmt.Errorf("demo: cannot place the simulator window (X11 error %d)", int(rc))
			}
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("demo: the simulator window never appeared on the X server")
}
