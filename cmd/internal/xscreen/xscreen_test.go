package xscreen

import (
	"context"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"os"
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

// A lock file left by a killed server does not take its display, and stop
// leaves no lock file or socket behind. Every stop used to kill Xvfb, which
// left both; the next runs skipped those displays until none of the fifty
// was left.
func TestStartXvfbTakesOverStaleLocksAndCleansUp(t *testing.T) {
	if _, err := exec.LookPath("Xvfb"); err != nil {
		t.Skip("no Xvfb (make deps installs it)")
	}
	// A free display well away from the others' (cmd tests start at 140-190).
	n := 0
	for d := 260; d < 300; d++ {
		if _, err := os.Stat(lockFile(d)); os.IsNotExist(err) {
			if _, err := os.Stat(displayFiles(d)[1]); os.IsNotExist(err) {
				n = d
				break
			}
		}
	}
	if n == 0 {
		t.Skip("no free display from :260 to :299")
	}
	// A stale lock: a process that has ended.
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(lockFile(n), []byte(fmt.Sprintf("%10d\n", dead.Process.Pid)), 0o444); err != nil {
		t.Fatal(err)
	}
	defer os.Remove(lockFile(n))
	if displayTaken(n) {
		t.Fatalf("a lock naming ended process %d takes display :%d", dead.Process.Pid, n)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	display, stop, err := StartXvfb(ctx, 320, 240, n)
	if err != nil {
		t.Fatal(err)
	}
	if display != fmt.Sprintf(":%d", n) {
		stop()
		t.Fatalf("started on %s, want :%d (the stale lock's display)", display, n)
	}
	if !displayTaken(n) {
		t.Errorf("display %s is not taken while its server runs", display)
	}
	stop()
	for _, f := range displayFiles(n) {
		if _, err := os.Stat(f); !os.IsNotExist(err) {
			t.Errorf("%s is left after stop (%v)", f, err)
		}
	}
	if displayTaken(n) {
		t.Errorf("display %s is still taken after stop", display)
	}
}
