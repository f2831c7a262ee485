package ui

import (
	"fmt"
	"image"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
)

// qrObject draws payload as a QR code about px dp square; without an
// encoder it says the code is unavailable.
func (a *App) qrObject(payload string, px float32) fyne.CanvasObject {
	if a.opts.QR != nil && payload != "" {
		img, err := a.qrImage(payload, int(px))
		if err == nil && img != nil {
			ci := canvas.NewImageFromImage(img)
			ci.FillMode = canvas.ImageFillContain
			ci.ScaleMode = canvas.ImageScalePixels
			ci.SetMinSize(fyne.NewSquareSize(px))
			return ci
		}
	}
	return container.NewGridWrap(fyne.NewSquareSize(px), body(a.T("qr.unavailable")))
}

// qrImage draws a QR code once per payload and size: screens are rebuilt
// on every change and must not make a new picture each time. The cache is
// small and per visit (the payloads can be case numbers).
func (a *App) qrImage(payload string, px int) (image.Image, error) {
	key := fmt.Sprintf("%d:%s", px, payload)
	if img, ok := a.visit.v.qr[key]; ok {
		return img, nil
	}
	img, err := a.opts.QR.QR(payload, px)
	if err != nil {
		return nil, err
	}
	if a.visit.v.qr == nil || len(a.visit.v.qr) >= 16 {
		a.visit.v.qr = map[string]image.Image{}
	}
	a.visit.v.qr[key] = img
	return img, nil
}
