package xscreen

import (
	"image"
	"image/color"
	"image/draw"
	"testing"
)

func TestTitleBar(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 400, 60))
	r := img.Bounds()
	if _, _, drawn := TitleBar(img, r); drawn {
		t.Fatal("a black strip counted as the title bar")
	}
	draw.Draw(img, r, &image.Uniform{PrimaryBlue}, image.Point{}, draw.Src)
	if _, _, drawn := TitleBar(img, r); drawn {
		t.Fatal("a bar without text counted as drawn")
	}
	draw.Draw(img, image.Rect(10, 20, 60, 40), &image.Uniform{color.White}, image.Point{}, draw.Src)
	blue, white, drawn := TitleBar(img, r)
	if !drawn || white != 1000 || blue != 400*60-1000 {
		t.Errorf("blue %d white %d drawn %v", blue, white, drawn)
	}
}

func TestNear(t *testing.T) {
	if !Near(PrimaryBlue, color.RGBA{0x0B, 0x4C, 0x90, 0xFF}, 24) || Near(PrimaryBlue, color.RGBA{0x90, 0x4A, 0x94, 0xFF}, 24) {
		t.Error("Near")
	}
}
