package xscreen

import (
	"image"
	"image/color"
	"image/draw"
	"os/exec"
	"testing"
	"time"
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

func TestProcEndsAreSeenByEveryWait(t *testing.T) {
	t.Parallel()
	p, err := Start(exec.Command("sh", "-c", "exit 3"))
	if err != nil {
		t.Fatal(err)
	}
	<-p.Done()
	<-p.Done() // a second wait does not block
	if p.Err() == nil {
		t.Error("Err = nil for exit 3")
	}
	stopped := make(chan struct{})
	go func() { p.Stop(time.Minute); close(stopped) }()
	select {
	case <-stopped:
	case <-time.After(10 * time.Second):
		t.Fatal("Stop waited for a process that had already ended")
	}
}

func TestProcStopKillsWhatIgnoresTheInterrupt(t *testing.T) {
	t.Parallel()
	p, err := Start(exec.Command("sh", "-c", "trap '' INT; sleep 30"))
	if err != nil {
		t.Fatal(err)
	}
	if p.Err() != nil {
		t.Fatal("Err before the end")
	}
	time.Sleep(100 * time.Millisecond) // let the shell set its trap
	p.Stop(200 * time.Millisecond)
	select {
	case <-p.Done():
	default:
		t.Fatal("Stop returned before the process ended")
	}
}
