package main

import (
	"fmt"

	"github.com/go-gl/glfw/v3.3/glfw"
)

// colourOnlyFramebuffer asks GLFW for windows without a depth or a stencil
// buffer.
//
// Fyne draws its canvas in painter's order with the depth test off and never
// uses a stencil, yet GLFW's default hints ask for a 24-bit depth and an
// 8-bit stencil buffer, which the GL driver then keeps beside the colour
// buffer at the window's full size: 8 MB on a 1080×1920 screen, in the
// process's own memory under software OpenGL (llvmpipe) and in video memory
// on a GPU.
//
// GLFW keeps window hints from one window creation to the next, and Fyne
// sets only the hints it needs (visibility, decoration, resizing, the GL
// version), so this is called once on the main goroutine, after the app's
// first NewWindow (which initialises GLFW) and before any window shows.
//
// Where GLFW could not start (no display), go-gl's glfw panics on the hint;
// that comes back as an error, and Fyne then reports the display problem
// itself when it creates the window.
func colourOnlyFramebuffer() (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("window: framebuffer hints: %v", r)
		}
	}()
	glfw.WindowHint(glfw.DepthBits, 0)
	glfw.WindowHint(glfw.StencilBits, 0)
	return nil
}
