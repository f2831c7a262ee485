package main

import (
	"bufio"
	"context"
	"fmt"
	"image"
	"image/color"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/pudong-community/kiosk/assets"
	"github.com/pudong-community/kiosk/devices/escpos"
	"github.com/pudong-community/kiosk/devices/sim/sammodule"
	"github.com/pudong-community/kiosk/devices/sim/thermal"
	"github.com/pudong-community/kiosk/kiosk/config"
	"github.com/pudong-community/kiosk/kiosk/intake/intakesim"
	"github.com/pudong-community/kiosk/kiosk/terminal"
)

// demoToken is the development server's token for the demo terminal.
const demoToken = "demo-token"

// demo is the whole system on one machine: the development intake server
// in-process behind a switch that can cut the network, the SAM module and
// the receipt printer emulated on pseudo-terminals.
type demo struct {
	log     *slog.Logger
	sim     *intakesim.Server
	apiURL  string
	down    atomic.Bool
	httpSrv *http.Server

	module    *sammodule.Module
	samServer *sammodule.PTYServer
	printer   *thermal.Printer

	inspector *inspector // answers "inspect" on the control input; nil without it

	mu       sync.Mutex
	receipts []thermal.Receipt
	onPrint  func(thermal.Receipt)
}

// startDemo starts the server and the emulators and points cfg at them.
func startDemo(ctx context.Context, dir string, cfg *config.Config, log *slog.Logger) (*demo, error) {
	d := &demo{log: log}
	sim, err := intakesim.New(intakesim.Options{
		DataDir:      filepath.Join(dir, "intake-sim"),
		Terminals:    map[string]string{cfg.Terminal.ID: demoToken},
		TimeScale:    120, // a working day passes in a few minutes
		TrackBaseURL: "http://127.0.0.1/track/",
		Logger:       log.With("component", "intake-sim"),
	})
	if err != nil {
		return nil, err
	}
	d.sim = sim
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		sim.Close()
		return nil, err
	}
	h := sim.Handler()
	d.httpSrv = &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if d.down.Load() {
			// The network is cut: the connection drops without an answer.
			if hj, ok := w.(http.Hijacker); ok {
				if c, _, err := hj.Hijack(); err == nil {
					c.Close()
					return
				}
			}
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		h.ServeHTTP(w, r)
	}), ReadHeaderTimeout: 10 * time.Second}
	go d.httpSrv.Serve(ln)
	d.apiURL = "http://" + ln.Addr().String()
	cfg.API.BaseURL = d.apiURL
	cfg.API.Token = demoToken
	// The seeded catalogue's guide pages: their QR codes show in the demo.
	if u, err := url.Parse(intakesim.DefaultGuideBaseURL); err == nil {
		cfg.Display.GuideHosts = append(cfg.Display.GuideHosts, u.Host)
	}

	d.module = sammodule.New(sammodule.Options{Baud: cfg.IDCard.Baud, ProcessingTime: 20 * time.Millisecond})
	d.samServer, err = d.module.ServePTY(ctx, filepath.Join(dir, "idcard"))
	if err != nil {
		d.close()
		return nil, fmt.Errorf("card reader emulator: %w", err)
	}
	cfg.IDCard.Port = d.samServer.Link()

	prof := terminal.PrinterProfile(*cfg)
	d.printer, err = thermal.New(thermal.Options{
		WidthDots: prof.WidthDots,
		Charset:   prof.Charset,
		Baud:      cfg.Printer.Baud,
		SpeedMM:   120,
		Font:      assets.FontFull(),
		Logf:      func(f string, a ...any) { log.Debug(fmt.Sprintf(f, a...), "component", "printer-sim") },
		OnReceipt: d.receipt,
	})
	if err != nil {
		d.close()
		return nil, err
	}
	path, _, err := d.printer.ServePTY(ctx)
	if err != nil {
		d.close()
		return nil, fmt.Errorf("printer emulator: %w", err)
	}
	cfg.Printer.Port = path
	log.Info("demo devices", "idcard", cfg.IDCard.Port, "printer", cfg.Printer.Port, "api", d.apiURL)
	return d, nil
}

func (d *demo) receipt(r thermal.Receipt) {
	d.mu.Lock()
	d.receipts = append(d.receipts, r)
	f := d.onPrint
	d.mu.Unlock()
	if f != nil {
		f(r)
	}
}

func (d *demo) close() {
	if d.samServer != nil {
		d.samServer.Close()
	}
	if d.httpSrv != nil {
		d.httpSrv.Close()
	}
	if d.sim != nil {
		d.sim.Close()
	}
}

// simulatorWindow is the small window beside the terminal: present or
// remove sample cards, open the printer's cover, run out of paper, cut the
// network, and see each printed receipt.
func (d *demo) simulatorWindow(fa fyne.App) fyne.Window {
	w := fa.NewWindow("设备模拟器 Device simulator")
	status := widget.NewLabel("")
	setStatus := func() {
		card := "无卡 / no card"
		if key, ok := d.module.Present(); ok {
			card = "卡片 / card: " + key
		}
		net := "网络正常 / network up"
		if d.down.Load() {
			net = "网络已断开 / network cut"
		}
		st := d.printer.Status()
		status.SetText(fmt.Sprintf("%s\n%s\n打印机 / printer: %s", card, net, escposSummary(st)))
	}
	var cards []fyne.CanvasObject
	for _, c := range sammodule.Samples() {
		c := c
		b := widget.NewButton(fmt.Sprintf("放置 Place %s (%s)", c.Name, c.Key), func() {
			if err := d.module.Place(c.Key); err != nil {
				d.log.Error("place card", "err", err)
			}
			setStatus()
		})
		b.Alignment = widget.ButtonAlignLeading
		cards = append(cards, b)
	}
	remove := widget.NewButton("取走卡片 Remove card", func() { d.module.Remove(); setStatus() })
	cover := widget.NewCheck("纸仓盖打开 Cover open", func(on bool) { d.printer.SetCover(on); setStatus() })
	paper := widget.NewRadioGroup([]string{"有纸 Paper OK", "纸将尽 Near end", "缺纸 Out of paper"}, func(s string) {
		switch s {
		case "纸将尽 Near end":
			d.printer.SetPaper(thermal.PaperNearEnd)
		case "缺纸 Out of paper":
			d.printer.SetPaper(thermal.PaperOut)
		default:
			d.printer.SetPaper(thermal.PaperOK)
		}
		setStatus()
	})
	paper.SetSelected("有纸 Paper OK")
	network := widget.NewCheck("断开网络 Cut the network", func(on bool) { d.down.Store(on); setStatus() })
	// The centre's counters and its answer to a call for staff: by the
	// (fast) clock, or forced, to show tickets at night and both answers.
	centreModes := map[string]string{"按时 By hours": intakesim.ModeAuto, "开放 Open": intakesim.ModeOpen, "关闭 Closed": intakesim.ModeClosed}
	centre := widget.NewRadioGroup([]string{"按时 By hours", "开放 Open", "关闭 Closed"}, func(s string) {
		if err := d.sim.SetCenterMode(centreModes[s]); err != nil {
			d.log.Error("demo centre mode", "err", err)
		}
	})
	centre.Horizontal = true
	centre.SetSelected("按时 By hours")
	assistModes := map[string]string{"按时 By hours": intakesim.AssistAuto, "有人应答 Notified": intakesim.AssistNotified, "无人应答 No staff": intakesim.AssistNoStaff}
	assist := widget.NewRadioGroup([]string{"按时 By hours", "有人应答 Notified", "无人应答 No staff"}, func(s string) {
		if err := d.sim.SetAssistance(assistModes[s]); err != nil {
			d.log.Error("demo assistance mode", "err", err)
		}
	})
	assist.Horizontal = true
	assist.SetSelected("按时 By hours")

	blank := image.NewGray(image.Rect(0, 0, 1, 1))
	blank.Pix[0] = 0xFF
	img := canvas.NewImageFromImage(blank)
	img.FillMode = canvas.ImageFillContain
	img.SetMinSize(fyne.NewSize(300, 420))
	caption := widget.NewLabel("尚无回执 / no receipt yet")
	paneScroll := container.NewVScroll(img)
	d.mu.Lock()
	d.onPrint = func(r thermal.Receipt) {
		fyne.Do(func() {
			img.Image = r.Image
			// The whole receipt at the paper's width, scrolled, not
			// shrunk to the pane's height.
			b := r.Image.Bounds()
			img.SetMinSize(receiptSize(b.Dx(), b.Dy()))
			img.Refresh()
			paneScroll.ScrollToTop() // a new receipt shows from its head

			note := ""
			if r.Partial {
				note = " (打印中断 / interrupted)"
			}
			caption.SetText(fmt.Sprintf("回执 #%d%s", r.Seq, note))
		})
	}
	d.mu.Unlock()

	left := container.NewVBox(
		widget.NewLabelWithStyle("身份证 ID cards", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		container.NewVBox(cards...), remove,
		widget.NewSeparator(),
		widget.NewLabelWithStyle("打印机 Printer", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		cover, paper,
		widget.NewSeparator(),
		widget.NewLabelWithStyle("网络 Network", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		network,
		widget.NewSeparator(),
		widget.NewLabelWithStyle("中心窗口 Centre's counters", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		centre,
		widget.NewLabelWithStyle("呼叫工作人员的应答 Answer to call staff", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		assist,
		widget.NewSeparator(), status,
		widget.NewSeparator(),
		widget.NewLabelWithStyle("维护 Maintenance", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		widget.NewLabel("连点中心名称五下，输入密码 "+demoPIN+"\nTap the centre's name five times, PIN "+demoPIN),
		widget.NewLabel("工作证：连点五下后放置卡片 "+demoStaffCardKey+"，再输入密码\nStaff card: after the five taps place card "+demoStaffCardKey+", then the PIN"),
	)
	right := container.NewBorder(caption, nil, nil, nil, paneScroll)
	split := container.NewHSplit(container.NewVScroll(left), right)
	split.Offset = 0.52
	// The simulator is a developer's tool, not a resident screen: ordinary
	// sizes, the bundled font.
	w.SetContent(container.NewThemeOverride(split, simTheme{}))
	w.Resize(fyne.NewSize(900, 1000))
	setStatus()
	go func() {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for range t.C {
			fyne.Do(setStatus)
		}
	}()
	return w
}

// receiptSize is how big the simulator's pane draws a printed receipt of
// w×h dots: 400 units wide (a 58 mm or 80 mm roll), its height to scale,
// so the pane scrolls through the whole receipt.
func receiptSize(w, h int) fyne.Size {
	if w <= 0 || h <= 0 {
		return fyne.NewSize(300, 420)
	}
	return fyne.NewSize(400, 400*float32(h)/float32(w))
}

// simTheme is Fyne's default light theme with the bundled CJK font.
type simTheme struct{}

// simFont is the simulator panel's one face, the full regular one: Fyne
// draws its buttons' labels bold, and the cards' names hold rare characters
// (U+4DAE) that the common faces do not have, so all of its text is drawn
// in the full face. The panel is for development only.
var simFont = fyne.NewStaticResource(assets.FontFullName, assets.FontFull())

func (simTheme) Color(n fyne.ThemeColorName, _ fyne.ThemeVariant) color.Color {
	return theme.DefaultTheme().Color(n, theme.VariantLight)
}
func (simTheme) Font(fyne.TextStyle) fyne.Resource       { return simFont }
func (simTheme) Icon(n fyne.ThemeIconName) fyne.Resource { return theme.DefaultTheme().Icon(n) }
func (simTheme) Size(n fyne.ThemeSizeName) float32       { return theme.DefaultTheme().Size(n) }

func escposSummary(s escpos.Status) string {
	switch {
	case s.CoverOpen:
		return "纸仓盖打开 cover open"
	case s.PaperEnd:
		return "缺纸 paper out"
	case s.PaperNearEnd:
		return "纸将尽 paper near end"
	}
	return "就绪 ready"
}

// control reads simple commands, one a line, to drive the emulators from a
// script (the smoke walk) as the simulator window does by hand:
//
//	place KEY | remove | cover open|closed | paper ok|near-end|out | network up|down |
//	centre auto|open|closed | assist auto|notified|no_staff_available | inspect
//
// inspect answers with one line on standard output: "inspect " and the
// screen's name and targets as JSON (screenReply).
func (d *demo) control(r io.Reader) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 0 {
			continue
		}
		arg := ""
		if len(f) > 1 {
			arg = f[1]
		}
		var err error
		switch f[0] {
		case "place":
			err = d.module.Place(arg)
		case "remove":
			d.module.Remove()
		case "cover":
			d.printer.SetCover(arg == "open")
		case "paper":
			switch arg {
			case "out":
				d.printer.SetPaper(thermal.PaperOut)
			case "near-end":
				d.printer.SetPaper(thermal.PaperNearEnd)
			default:
				d.printer.SetPaper(thermal.PaperOK)
			}
		case "network":
			d.down.Store(arg == "down")
		case "centre":
			err = d.sim.SetCenterMode(arg)
		case "assist":
			err = d.sim.SetAssistance(arg)
		case "inspect":
			if d.inspector == nil {
				err = fmt.Errorf("inspect needs -control-stdin")
			} else {
				err = d.inspector.inspect()
			}
		default:
			err = fmt.Errorf("unknown command %q", f[0])
		}
		if err != nil {
			d.log.Error("demo control", "line", sc.Text(), "err", err)
		} else if f[0] != "inspect" {
			d.log.Info("demo control", "line", sc.Text())
		}
	}
}

// demoDataDir makes the throwaway data directory.
func demoDataDir(given string) (dir string, cleanup func(), err error) {
	if given != "" {
		return given, func() {}, os.MkdirAll(given, 0o750)
	}
	d, err := os.MkdirTemp("", "kiosk-demo-")
	if err != nil {
		return "", nil, err
	}
	return d, func() { os.RemoveAll(d) }, nil
}
