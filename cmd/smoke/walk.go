package main

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"

	"github.com/pudong-community/kiosk/cmd/internal/xscreen"
)

// walker taps through the terminal like a resident, with xdotool, and
// drives the emulated card reader through the demo's control input. Every
// step must change the screen; each screen is saved as <name>.png.
type walker struct {
	ctx     context.Context
	display string
	out     string
	control io.Writer
	w, h    int
	last    string // the last screenshot
	saved   []string
	tiles   map[string]image.Point // home tile centres by name
}

func (k *walker) walk() error {
	// The devices report ready a moment after the window shows; until then
	// some tiles are greyed out. Look again until every tile is there.
	var err error
	for i := 0; i < 40; i++ {
		if err = k.findTiles(k.last); err == nil {
			break
		}
		time.Sleep(500 * time.Millisecond)
		b, serr := k.screenshot()
		if serr != nil {
			return serr
		}
		if werr := os.WriteFile(k.last, b, 0o644); werr != nil {
			return werr
		}
	}
	if err != nil {
		return err
	}
	steps := []struct {
		name string
		do   func() error
	}{
		{"guide", func() error { return k.tapTile("guide") }},
		{"home-again", k.tapBack},
		{"identify", func() error { return k.tapTile("cases") }},
		{"cases", func() error { return k.send("place resident") }},
		{"visit-ended", func() error { return k.send("remove") }},
		{"apply-identify", func() error { return k.tapTile("apply") }},
		{"apply", func() error { return k.send("place rare-yan") }},
		{"apply-ended", func() error { return k.send("remove") }},
		{"home-elder", func() error { return k.tapTile("elder") }},
		{"home-standard", func() error { return k.tapTile("elder") }},
		{"home-en", func() error { return k.tapTile("language") }},
		{"guide-en", func() error { return k.tapTile("guide") }},
	}
	for _, s := range steps {
		if err := s.do(); err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
		if err := k.capture(s.name); err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
	}
	return nil
}

func (k *walker) send(line string) error {
	_, err := io.WriteString(k.control, line+"\n")
	return err
}

func (k *walker) tap(p image.Point) error {
	cmd := exec.CommandContext(k.ctx, "xdotool", "mousemove", strconv.Itoa(p.X), strconv.Itoa(p.Y), "sleep", "0.2", "mousedown", "1", "sleep", "0.1", "mouseup", "1")
	cmd.Env = append(os.Environ(), "DISPLAY="+k.display)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("xdotool: %v: %s", err, out)
	}
	return nil
}

func (k *walker) tapTile(name string) error {
	// Find the tiles afresh: the screen must be home (a visit that just
	// ended returns there by itself), and elder mode moves them.
	var err error
	for i := 0; i < 30; i++ {
		var b []byte
		if b, err = k.screenshot(); err != nil {
			return err
		}
		tmp := filepath.Join(k.out, ".tiles.png")
		if err = os.WriteFile(tmp, b, 0o644); err != nil {
			return err
		}
		if err = k.findTiles(tmp); err == nil {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	os.Remove(filepath.Join(k.out, ".tiles.png"))
	if err != nil {
		return fmt.Errorf("home screen not found: %w", err)
	}
	p, ok := k.tiles[name]
	if !ok {
		return fmt.Errorf("no %s tile found on the home screen", name)
	}
	return k.tap(p)
}

// tapBack taps the first button of the bottom bar (返回 / Back).
func (k *walker) tapBack() error { return k.tap(image.Pt(70, k.h-45)) }

// capture waits until the screen differs from the last screenshot and has
// settled, then saves it.
func (k *walker) capture(name string) error {
	path := filepath.Join(k.out, name+".png")
	prev, err := os.ReadFile(k.last)
	if err != nil {
		return err
	}
	deadline := time.Now().Add(12 * time.Second)
	var shot []byte
	for {
		time.Sleep(400 * time.Millisecond)
		b, err := k.screenshot()
		if err != nil {
			return err
		}
		if differ(prev, b) {
			// settled: two equal frames in a row
			time.Sleep(500 * time.Millisecond)
			b2, err := k.screenshot()
			if err != nil {
				return err
			}
			if !differ(b, b2) {
				shot = b2
				break
			}
			prev = b // still moving; wait for it to settle
			continue
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the screen did not change (last picture %s)", k.last)
		}
	}
	if err := os.WriteFile(path, shot, 0o644); err != nil {
		return err
	}
	if err := checkNotBlank(shot, k.w, k.h); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	k.last = path
	k.saved = append(k.saved, name)
	return nil
}

func (k *walker) screenshot() ([]byte, error) {
	cmd := exec.CommandContext(k.ctx, "import", "-display", k.display, "-window", "root", "png:-")
	var out bytes.Buffer
	cmd.Stdout = &out
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("screenshot: %w", err)
	}
	return out.Bytes(), nil
}

// differ compares the decoded pixels, ignoring the top bar (its clock
// ticks).
func differ(a, b []byte) bool {
	ia, err1 := png.Decode(bytes.NewReader(a))
	ib, err2 := png.Decode(bytes.NewReader(b))
	if err1 != nil || err2 != nil {
		return true
	}
	r := ia.Bounds()
	if r != ib.Bounds() {
		return true
	}
	n := 0
	for y := r.Min.Y + 80; y < r.Max.Y; y += 2 {
		for x := r.Min.X; x < r.Max.X; x += 2 {
			if xscreen.RGBA(ia.At(x, y)) != xscreen.RGBA(ib.At(x, y)) {
				n++
				if n > 200 {
					return true
				}
			}
		}
	}
	return false
}

func checkNotBlank(b []byte, w, h int) error {
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		return err
	}
	if img.Bounds().Dx() != w || img.Bounds().Dy() != h {
		return fmt.Errorf("screenshot is %v", img.Bounds())
	}
	colours := map[color.RGBA]bool{}
	for y := 0; y < h; y += 4 {
		for x := 0; x < w; x += 4 {
			colours[xscreen.RGBA(img.At(x, y))] = true
		}
	}
	if len(colours) < 16 {
		return fmt.Errorf("only %d colours: blank screen", len(colours))
	}
	return nil
}

// findTiles finds the home tiles by colour: three government-blue tiles
// (guide, cases, apply), one red (call staff); the two light ones (elder,
// language) sit in the remaining cells of the same grid.
func (k *walker) findTiles(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		return err
	}
	blue := color.RGBA{0x0A, 0x4A, 0x94, 0xFF}
	red := color.RGBA{0x9E, 0x1B, 0x1B, 0xFF}
	// A tile is a tall column of its colour just inside its left edge (the
	// text is centred, so that column is clear), as wide as its top row.
	boxes := func(c color.RGBA) []image.Rectangle {
		b := img.Bounds()
		is := func(x, y int) bool { return xscreen.Near(xscreen.RGBA(img.At(x, y)), c, 12) }
		var out []image.Rectangle
		seen := func(x, y int) bool {
			for _, r := range out {
				if image.Pt(x, y).In(r.Inset(-12)) {
					return true
				}
			}
			return false
		}
		for y := 100; y < b.Max.Y-100; y += 4 {
			for x := 0; x < b.Max.X-150; x++ {
				if !is(x, y) || seen(x, y) {
					continue
				}
				col := x + 6
				y0, y1 := y, y
				for y0 > 0 && is(col, y0-1) {
					y0--
				}
				for y1 < b.Max.Y-1 && is(col, y1+1) {
					y1++
				}
				top := y0 + 8
				x1 := x
				for x1 < b.Max.X-1 && is(x1+1, top) {
					x1++
				}
				if y1-y0 > 200 && x1-x > 300 {
					out = append(out, image.Rect(x, y0, x1, y1))
				}
				x = x1
			}
		}
		return out
	}
	bl := boxes(blue)
	rd := boxes(red)
	if len(bl) != 3 || len(rd) != 1 {
		return fmt.Errorf("found %d blue tiles %v and %d red %v on the home screen, want 3 and 1", len(bl), bl, len(rd), rd)
	}
	ctr := func(r image.Rectangle) image.Point { return image.Pt((r.Min.X+r.Max.X)/2, (r.Min.Y+r.Max.Y)/2) }
	// reading order: row by row
	for i := 0; i < len(bl); i++ {
		for j := i + 1; j < len(bl); j++ {
			if bl[j].Min.Y < bl[i].Min.Y-10 || (abs(bl[j].Min.Y-bl[i].Min.Y) <= 10 && bl[j].Min.X < bl[i].Min.X) {
				bl[i], bl[j] = bl[j], bl[i]
			}
		}
	}
	k.tiles = map[string]image.Point{"guide": ctr(bl[0]), "cases": ctr(bl[1]), "apply": ctr(bl[2]), "callstaff": ctr(rd[0])}
	g, c, a, s := k.tiles["guide"], k.tiles["cases"], k.tiles["apply"], k.tiles["callstaff"]
	if abs(a.Y-g.Y) < 10 { // landscape: three columns, apply ends the first row
		k.tiles["elder"] = image.Pt(g.X, s.Y)
		k.tiles["language"] = image.Pt(c.X, s.Y)
	} else { // portrait: two columns
		k.tiles["elder"] = image.Pt(c.X, a.Y)
		k.tiles["language"] = image.Pt(g.X, s.Y)
	}
	return nil
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
