// Command startup measures how fast the real terminal comes up and how it
// resumes: it starts `kiosk -config FILE` (the production terminal) under Xvfb
// (software OpenGL) on a database holding a year's work, polls screenshots
// of the title bar until the home screen's bar is drawn, reads the process's
// resident set (VmRSS) once the home screen shows, and waits for the queued
// backlog to reach the central system.
// Goals: first frame under 1.5 s on a warm build, RSS under 150 MB (decimal
// megabytes, 143.05 MiB, the stricter reading; the report gives both
// units), and every queued submission delivered after the start.
//
//	startup [-kiosk build/kiosk] [-runs 3] [-settle 3s] [-delivered 100000] [-queued 1000] [-mode run|demo]
//
// Run mode is the production terminal; the flag is named after it.
//
// In run mode the central system (intake-sim) and the two devices (the SAM
// module and the printer on pseudo-terminals) run in this process, so the
// terminal's figures are its own. Demo mode measures `kiosk demo`, which
// carries them inside: its RSS is higher and it starts on an empty
// database.
package main

import (
	"bufio"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/pudong-community/kiosk/cmd/internal/xscreen"
)

// Sentinels.
var (
	ErrTool    = errors.New("startup: a tool is missing (make deps installs it)")
	ErrNoFrame = errors.New("startup: the home screen never appeared")
	ErrExited  = errors.New("startup: the terminal exited")
	ErrNoVmRSS = errors.New("startup: no VmRSS in /proc status")
	ErrBacklog = errors.New("startup: the queued submissions were not all delivered")
	ErrMode    = errors.New("startup: -mode must be run or demo")
	ErrFonts   = errors.New("startup: -fonts must be hidden or visible")
)

// Goals of issue 8, and the screen.
const (
	goalFrame  = 1500 * time.Millisecond
	goalRSSMiB = 150e6 / (1 << 20) // 150 MB, 143.05 MiB
	screenW    = 1080
	screenH    = 1920
	barHeight  = 60
)

// Run is one start of the terminal.
type Run struct {
	FirstFrame time.Duration // start until a screenshot showed the drawn title bar
	Capture    time.Duration // how long that screenshot took: the figure's resolution
	RSSMiB     float64       // VmRSS after settle
	Mem        Memory        // its parts
	Drained    time.Duration // start until the central system had every queued submission (run mode)
}

// Options of a measurement.
type Options struct {
	Kiosk     string
	Mode      string // "run" or "demo"
	Runs      int
	Settle    time.Duration
	Timeout   time.Duration
	Delivered int    // seeded delivered submissions (run mode)
	Queued    int    // seeded queued submissions (run mode)
	Keep      bool   // keep the working directory (logs, databases, configs)
	Fonts     string // "hidden": the system's fonts hidden as kiosk.service does (needs root); "visible"
	BenchOut  string // append the warm medians as `go test -bench` lines to this file
}

func main() {
	var o Options
	flag.StringVar(&o.Kiosk, "kiosk", "build/kiosk", "the terminal binary")
	flag.StringVar(&o.Mode, "mode", "run", "run: the production terminal with a seeded database; demo: kiosk demo")
	flag.IntVar(&o.Runs, "runs", 3, "starts to measure (the first warms the caches)")
	flag.DurationVar(&o.Settle, "settle", 3*time.Second, "wait after the first frame before reading VmRSS")
	flag.DurationVar(&o.Timeout, "timeout", 90*time.Second, "give up on one start after this")
	flag.IntVar(&o.Delivered, "delivered", 100_000, "delivered submissions in the database at start (run mode)")
	flag.IntVar(&o.Queued, "queued", 1_000, "queued submissions in the database at start (run mode)")
	flag.StringVar(&o.Fonts, "fonts", "hidden", "hidden: hide the system's fonts from the terminal as kiosk.service does (needs root, else they stay visible); visible: leave them")
	flag.BoolVar(&o.Keep, "keep", false, "keep the working directory with each run's logs and database")
	flag.StringVar(&o.BenchOut, "bench-out", "", "append the figures as benchmark lines to this file (make bench: build/bench.txt, for cmd/benchreport)")
	flag.Parse()
	// Exit codes: 1 a goal was missed, 2 the measurement failed.
	o.Fonts = effectiveFonts(o.Fonts)
	res, err := measure(context.Background(), o)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	met := report(o, res)
	if o.BenchOut != "" {
		if err := appendBench(o.BenchOut, o, res); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
	}
	if !met {
		os.Exit(1)
	}
}

// warm is the median of the runs after the first (which fills the disk
// cache), or of the one run.
func warm(res []Run) Run {
	var frames, drains []time.Duration
	var mems []Memory
	for i, r := range res {
		if i == 0 && len(res) > 1 {
			continue
		}
		frames, drains = append(frames, r.FirstFrame), append(drains, r.Drained)
		m := r.Mem
		m.RSS = r.RSSMiB
		mems = append(mems, m)
	}
	slices.Sort(frames)
	slices.Sort(drains)
	// The memory figures are those of the run with the median resident set.
	slices.SortFunc(mems, func(a, b Memory) int { return cmp.Compare(a.RSS, b.RSS) })
	m := mems[len(mems)/2]
	return Run{FirstFrame: frames[len(frames)/2], RSSMiB: m.RSS, Mem: m, Drained: drains[len(drains)/2]}
}

// benchLine is the warm figures as one `go test -bench` result line, so
// that cmd/benchreport puts them in docs/benchmarks.md next to their goals.
func benchLine(o Options, res []Run) string {
	w := warm(res)
	name := "BenchmarkStartup/demo-empty"
	if o.Mode == "run" {
		name = fmt.Sprintf("BenchmarkStartup/run-%d-delivered-%d-queued", o.Delivered, o.Queued)
	}
	line := fmt.Sprintf("%s\t%d\t%.0f ms/first-frame\t%.3f MiB-rss\t%.1f MiB-anon\t%.1f MiB-file\t%.1f MiB-renderer", name, len(res), float64(w.FirstFrame.Microseconds())/1000, w.RSSMiB, w.Mem.Anon, w.Mem.File, w.Mem.Renderer)
	if o.Mode == "run" && o.Queued > 0 {
		line += fmt.Sprintf("\t%.0f ms/backlog", float64(w.Drained.Microseconds())/1000)
	}
	return line
}

func appendBench(path string, o Options, res []Run) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("startup: %w", err)
	}
	_, err = fmt.Fprintf(f, "pkg: github.com/pudong-community/kiosk/cmd/startup\n%s\n", benchLine(o, res))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

func report(o Options, res []Run) bool {
	for i, r := range res {
		line := fmt.Sprintf("startup: run %d: first frame after %v (screenshot took %v), VmRSS %.1f MiB (anonymous %.1f, file-backed %.1f, shared %.1f; software renderer %.1f)",
			i+1, r.FirstFrame.Round(time.Millisecond), r.Capture.Round(time.Millisecond), r.RSSMiB, r.Mem.Anon, r.Mem.File, r.Mem.Shmem, r.Mem.Renderer)
		if o.Mode == "run" && o.Queued > 0 {
			line += fmt.Sprintf(", %d queued delivered %v after start", o.Queued, r.Drained.Round(time.Millisecond))
		}
		fmt.Println(line)
	}
	w := warm(res)
	okF, okR := w.FirstFrame < goalFrame, w.RSSMiB < goalRSSMiB
	what := "kiosk demo on an empty database"
	if o.Mode == "run" {
		what = fmt.Sprintf("kiosk run with %d delivered and %d queued submissions", o.Delivered, o.Queued)
	}
	fonts := "the system's fonts hidden, as kiosk.service does"
	if o.Fonts != "hidden" {
		fonts = "the system's fonts visible"
	}
	fmt.Printf("startup: %s; %s\n", what, fonts)
	fmt.Printf("startup: time to first frame of the home screen %v (goal < %v): %s\n", w.FirstFrame.Round(time.Millisecond), goalFrame, verdict(okF))
	fmt.Printf("startup: resident set after start %.1f MiB = %.1f MB (goal < %.0f MB): %s; anonymous %.1f MiB, file-backed (binary, libraries) %.1f MiB, shared %.1f MiB\n",
		w.RSSMiB, w.RSSMiB*(1<<20)/1e6, goalRSSMiB*(1<<20)/1e6, verdict(okR), w.Mem.Anon, w.Mem.File, w.Mem.Shmem)
	fmt.Printf("startup: of which the software OpenGL renderer (Mesa's LLVM and driver, the X shared image) %.1f MiB, the rest %.1f MiB\n",
		w.Mem.Renderer, w.RSSMiB-w.Mem.Renderer)
	if o.Mode == "run" && o.Queued > 0 {
		fmt.Printf("startup: outbox resumed: all %d queued submissions delivered %v after start\n", o.Queued, w.Drained.Round(time.Millisecond))
	}
	return okF && okR
}

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "MISSED"
}

func measure(ctx context.Context, o Options) ([]Run, error) {
	if o.Mode != "run" && o.Mode != "demo" {
		return nil, fmt.Errorf("%w, not %q", ErrMode, o.Mode)
	}
	if o.Fonts != "" && o.Fonts != "visible" && o.Fonts != "hidden" {
		return nil, fmt.Errorf("%w, not %q", ErrFonts, o.Fonts)
	}
	if tags, err := buildTags(o.Kiosk); err == nil && !hasTag(tags, "no_emoji") {
		fmt.Printf("startup: %s was built without -tags no_emoji (make build sets it): Fyne's emoji face adds about 10 MiB\n", o.Kiosk)
	}
	for _, tool := range []string{"Xvfb", "import", "xdpyinfo"} {
		if _, err := exec.LookPath(tool); err != nil {
			return nil, fmt.Errorf("%w: %s", ErrTool, tool)
		}
	}
	if _, err := os.Stat(o.Kiosk); err != nil {
		return nil, fmt.Errorf("startup: %w (make build)", err)
	}
	work, err := os.MkdirTemp("", "kiosk-startup-")
	if err != nil {
		return nil, err
	}
	if o.Keep {
		fmt.Printf("startup: working directory %s kept\n", work)
	} else {
		defer os.RemoveAll(work)
	}
	var env *environment
	if o.Mode == "run" {
		t0 := time.Now()
		env, err = newEnvironment(ctx, work, o.Delivered, o.Queued)
		if err != nil {
			return nil, err
		}
		defer env.close()
		fmt.Printf("startup: central system, devices and a database of %d delivered + %d queued submissions (%.0f MB) made in %v\n",
			o.Delivered, o.Queued, float64(env.dbBytes)/1e6, time.Since(t0).Round(time.Second))
	}
	display, stop, err := xscreen.StartXvfb(ctx, screenW, screenH, 140)
	if err != nil {
		return nil, err
	}
	defer stop()
	var out []Run
	for i := 0; i < max(o.Runs, 1); i++ {
		dir := filepath.Join(work, fmt.Sprintf("run%d", i+1))
		r, err := once(ctx, o, env, display, dir)
		if err != nil {
			return out, fmt.Errorf("run %d: %w", i+1, err)
		}
		out = append(out, r)
	}
	return out, nil
}

func once(ctx context.Context, o Options, env *environment, display, dir string) (Run, error) {
	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return Run{}, err
	}
	logf, err := os.Create(filepath.Join(dir, "kiosk.log"))
	if err != nil {
		return Run{}, err
	}
	defer logf.Close()
	args := []string{"demo", "-fullscreen", "-no-simulator", "-data", filepath.Join(dir, "data")}
	var before int64
	if env != nil {
		cfgFile, err := env.prepare(dir)
		if err != nil {
			return Run{}, err
		}
		args = []string{"-config", cfgFile}
		before = env.received()
	}
	name := o.Kiosk
	if o.Fonts == "hidden" {
		name, args = hidingFonts(o.Kiosk, args)
	}
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), "DISPLAY="+display, "LANG=en_US.UTF-8", "LC_ALL=", "LIBGL_ALWAYS_SOFTWARE=1", fontDirsEnv())
	cmd.Env = append(cmd.Env, unitEnv...)
	cmd.Stdout, cmd.Stderr = logf, logf
	start := time.Now()
	proc, err := xscreen.Start(cmd)
	if err != nil {
		return Run{}, fmt.Errorf("startup: start %s: %w", o.Kiosk, err)
	}
	defer proc.Stop(5 * time.Second)
	exited := proc.Done()
	// The backlog is watched from the start, apart from the screenshots.
	drained := make(chan time.Duration, 1)
	if env != nil && o.Queued > 0 {
		go func() {
			for env.received()-before < int64(o.Queued) {
				select {
				case <-exited:
					return
				case <-ctx.Done():
					return
				case <-time.After(10 * time.Millisecond):
				}
			}
			drained <- time.Since(start)
		}()
	}
	shot := filepath.Join(dir, "bar.png")
	var r Run
	for {
		select {
		case <-exited:
			return r, fmt.Errorf("%w before its first frame: %v (log: %s)", ErrExited, proc.Err(), tail(logf.Name()))
		case <-ctx.Done():
			return r, ErrNoFrame
		default:
		}
		t0 := time.Now()
		grab := exec.CommandContext(ctx, "import", "-display", display, "-window", "root",
			"-crop", fmt.Sprintf("%dx%d+0+0", screenW, barHeight), "+repage", shot)
		if grab.Run() == nil && barDrawn(shot) {
			r.FirstFrame, r.Capture = time.Since(start), time.Since(t0)
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	select {
	case <-exited:
		return r, fmt.Errorf("%w after its first frame: %v (log: %s)", ErrExited, proc.Err(), tail(logf.Name()))
	case <-time.After(o.Settle):
	}
	if env != nil && o.Queued > 0 {
		// The outbox resumes by itself: every queued submission reaches the
		// central system (as new cases the first time, as idempotent
		// replays of the same keys in later runs, which start from the
		// same copy). Start-up ends there: the resident set is read once
		// the terminal has settled its memory after sending (it logs
		// "memory settled"), not in the middle of the burst.
		select {
		case r.Drained = <-drained:
		case <-exited:
			return r, fmt.Errorf("%w while sending: %v (log: %s)", ErrExited, proc.Err(), tail(logf.Name()))
		case <-ctx.Done():
			return r, fmt.Errorf("%w: %d of %d reached the central system", ErrBacklog, env.received()-before, o.Queued)
		}
		if err := waitSettled(ctx, filepath.Join(dir, terminalLog), start.Add(r.Drained), exited); err != nil {
			return r, err
		}
	}
	mem, err := vmRSS(cmd.Process.Pid)
	if err != nil {
		return r, err
	}
	if mem.Renderer, err = rendererMiB(cmd.Process.Pid); err != nil {
		return r, err
	}
	r.RSSMiB, r.Mem = mem.RSS, mem
	return r, nil
}

// ErrNotSettled: the terminal logged no memory settle after its backlog.
var ErrNotSettled = errors.New("startup: the terminal did not settle its memory after sending its backlog")

// settleWait bounds the wait for the terminal's settle after its backlog:
// its settles come at least 10 s apart (cmd/kiosk defaultSettle).
const settleWait = 30 * time.Second

// waitSettled waits until the terminal's log has a "memory settled" record
// stamped after since.
func waitSettled(ctx context.Context, logPath string, since time.Time, exited <-chan struct{}) error {
	deadline := time.After(settleWait)
	for {
		if settledSince(logPath, since) {
			return nil
		}
		select {
		case <-exited:
			return fmt.Errorf("%w before it settled its memory (log: %s)", ErrExited, tail(logPath))
		case <-ctx.Done():
			return ErrNotSettled
		case <-deadline:
			return ErrNotSettled
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// settledSince reports whether the JSON log at path has a "memory settled"
// record whose time is after since.
func settledSince(path string, since time.Time) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		var rec struct {
			Time time.Time `json:"time"`
			Msg  string    `json:"msg"`
		}
		if json.Unmarshal(sc.Bytes(), &rec) == nil && rec.Msg == "memory settled" && rec.Time.After(since) {
			return true
		}
	}
	return false
}

// tail is the end of a log file, for an error message.
func tail(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	s := strings.TrimSpace(string(b))
	if len(s) > 600 {
		s = "…" + s[len(s)-600:]
	}
	return s
}

// barDrawn reports whether the screenshot of the top strip shows the title
// bar: mostly government blue, with white text on it.
func barDrawn(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		return false
	}
	return countBar(img)
}

func countBar(img image.Image) bool {
	_, _, drawn := xscreen.TitleBar(img, img.Bounds())
	return drawn
}

// Memory is a process's resident set in MiB, and its parts: anonymous
// (heap, stacks: what the process alone costs), file-backed (its binary
// and libraries, shared with the page cache and reclaimable) and shared
// memory (the X server's image buffer), and what of it the software
// renderer accounts for.
type Memory struct {
	RSS, Anon, File, Shmem float64
	// Renderer is the part the software OpenGL renderer accounts for
	// (rendererMiB), across the other three.
	Renderer float64
}

// vmRSS reads the resident set of a process.
func vmRSS(pid int) (Memory, error) {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return Memory{}, fmt.Errorf("startup: %w", err)
	}
	defer f.Close()
	return parseVmRSS(f)
}

func parseVmRSS(f *os.File) (Memory, error) {
	var m Memory
	fields := map[string]*float64{"VmRSS:": &m.RSS, "RssAnon:": &m.Anon, "RssFile:": &m.File, "RssShmem:": &m.Shmem}
	found := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if len(fs) < 2 {
			continue
		}
		dst, ok := fields[fs[0]]
		if !ok {
			continue
		}
		kb, err := strconv.ParseFloat(fs[1], 64)
		if err != nil {
			return Memory{}, fmt.Errorf("%w: %q", ErrNoVmRSS, sc.Text())
		}
		*dst = kb / 1024
		found = found || fs[0] == "VmRSS:"
	}
	if !found {
		return Memory{}, ErrNoVmRSS
	}
	return m, nil
}
