package main

import (
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"
	"os"

	"github.com/pudong-community/kiosk/devices/escpos"
	"github.com/pudong-community/kiosk/devices/sim/thermal"
)

func init() {
	register("render", "render a captured ESC/POS byte stream to a PNG", runRender)
}

func runRender(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("devsim render", flag.ContinueOnError)
	fs.SetOutput(stderr)
	width := fs.Int("width", 576, "paper width in dots: 384 or 576")
	charset := fs.String("charset", "GB18030", "font ROM charset: GB2312, GBK or GB18030")
	alpha := fs.Bool("alpha", false, "printer powers on in alphanumeric mode")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: devsim render [flags] IN.bin OUT.png")
		fs.PrintDefaults()
	}
	// Accept flags before or after the two file names.
	var files []string
	for rest := args; ; {
		if err := fs.Parse(rest); err != nil {
			return 2
		}
		if fs.NArg() == 0 {
			break
		}
		files = append(files, fs.Arg(0))
		rest = fs.Args()[1:]
	}
	if len(files) != 2 {
		fs.Usage()
		return 2
	}
	cs, err := escpos.ParseCharset(*charset)
	if err != nil {
		fmt.Fprintln(stderr, "devsim render:", err)
		return 2
	}
	data, err := os.ReadFile(files[0])
	if err != nil {
		fmt.Fprintln(stderr, "devsim render:", err)
		return 1
	}
	rs, err := thermal.Render(data, thermal.Options{WidthDots: *width, Charset: cs, AlphaAtPowerOn: *alpha,
		Logf: func(format string, a ...any) {
			fmt.Fprintf(stderr, format+"\n", a...)
		}})
	if err != nil {
		fmt.Fprintln(stderr, "devsim render:", err)
		return 2
	}
	if len(rs) == 0 {
		fmt.Fprintln(stderr, "devsim render: nothing printed")
		return 1
	}
	// All receipts one under the other, separated by a grey band.
	const gap = 24
	w, h := 0, 0
	for _, r := range rs {
		w = max(w, r.Image.Bounds().Dx())
		h += r.Image.Bounds().Dy() + gap
	}
	img := image.NewGray(image.Rect(0, 0, w, h-gap))
	draw.Draw(img, img.Bounds(), image.NewUniform(color.Gray{Y: 0xB0}), image.Point{}, draw.Src)
	y := 0
	for i, r := range rs {
		b := r.Image.Bounds()
		draw.Draw(img, image.Rect(0, y, b.Dx(), y+b.Dy()), r.Image, b.Min, draw.Src)
		y += b.Dy() + gap
		fmt.Fprintf(stdout, "receipt %d: %d lines, QR %q, cut=%v\n", i+1, len(r.Lines), r.QR, r.Cut)
	}
	f, err := os.Create(files[1])
	if err != nil {
		fmt.Fprintln(stderr, "devsim render:", err)
		return 1
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		fmt.Fprintln(stderr, "devsim render:", err)
		return 1
	}
	if err := f.Close(); err != nil {
		fmt.Fprintln(stderr, "devsim render:", err)
		return 1
	}
	return 0
}
