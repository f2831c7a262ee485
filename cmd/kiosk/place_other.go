//go:build !linux || wayland

package main

import "fyne.io/fyne/v2"

// placeBeside leaves the placing to the window system where there is no X11.
func placeBeside(beside, w fyne.Window) error { return nil }
