package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/pudong-community/kiosk/devices/handwriting"
)

func init() {
	registerDiag("handwriting", "recognise the strokes of a JSON file ([[[x,y],…],…] in a 300×300 box) and print the top candidates", runDiagHandwriting)
}

// runDiagHandwriting is `kiosk diag handwriting --strokes FILE`: staff try
// the recogniser and its model on a terminal.
func runDiagHandwriting(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("kiosk diag handwriting", flag.ContinueOnError)
	fs.SetOutput(stderr)
	strokesPath := fs.String("strokes", "", "JSON file of strokes, [[[x,y],…],…] in a 300×300 box (\"-\" reads stdin)")
	modelPath := fs.String("model", handwriting.DefaultModel, "Zinnia model file")
	top := fs.Int("top", 10, "how many candidates to print")
	asJSON := fs.Bool("json", false, "print JSON")
	if code, stop := parseFlags(fs, args, stdout); stop {
		return code
	}
	if fs.NArg() > 0 || *strokesPath == "" || *top <= 0 {
		fmt.Fprintln(stderr, "usage: kiosk diag handwriting --strokes FILE [--model FILE] [--top N] [--json]")
		return exitUsage
	}
	var b []byte
	var err error
	if *strokesPath == "-" {
		b, err = io.ReadAll(io.LimitReader(diagStdin, 4<<20))
	} else {
		b, err = os.ReadFile(*strokesPath)
	}
	if err != nil {
		fmt.Fprintf(stderr, "kiosk diag handwriting: %v\n", err)
		return exitFailure
	}
	var strokes []handwriting.Stroke
	if err := json.Unmarshal(b, &strokes); err != nil {
		fmt.Fprintf(stderr, "kiosk diag handwriting: %s: not strokes ([[[x,y],…],…]): %v\n", *strokesPath, err)
		return exitFailure
	}
	r := handwriting.New(*modelPath)
	defer r.Close()
	start := time.Now()
	if err := r.Load(); err != nil {
		fmt.Fprintf(stderr, "kiosk diag handwriting: %v\n", err)
		return exitFailure
	}
	loaded := time.Since(start)
	start = time.Now()
	cands, err := r.Recognize(strokes, *top)
	took := time.Since(start)
	if err != nil {
		fmt.Fprintf(stderr, "kiosk diag handwriting: %v\n", err)
		return exitFailure
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		if cands == nil {
			cands = []handwriting.Candidate{}
		}
		enc.Encode(struct {
			Strokes    int                     `json:"strokes"`
			Candidates []handwriting.Candidate `json:"candidates"`
			LoadMS     float64                 `json:"load_ms"`
			RecogMS    float64                 `json:"recognise_ms"`
		}{len(handwriting.Normalize(strokes)), cands, ms(loaded), ms(took)})
		return exitOK
	}
	fmt.Fprintf(stdout, "笔画 strokes: %d  模型 model: %s (%d 字 characters, loaded in %.0f ms)\n",
		len(handwriting.Normalize(strokes)), *modelPath, r.Size(), ms(loaded))
	if len(cands) == 0 {
		fmt.Fprintln(stdout, "无候选字 no candidates")
		return exitOK
	}
	for i, c := range cands {
		fmt.Fprintf(stdout, "%2d  %s  %+.4f\n", i+1, c.Char, c.Score)
	}
	fmt.Fprintf(stdout, "识别 recognised in %.1f ms\n", ms(took))
	return exitOK
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// diagHandwriting is the handwriting model in `kiosk diag status`: without
// it the terminal offers the pinyin keyboards only.
type diagHandwriting struct {
	Model      string `json:"model"`
	OK         bool   `json:"ok"`
	Characters int    `json:"characters,omitempty"`
	Error      string `json:"error,omitempty"`
}

// checkHandwriting loads the model as the terminal would on the first
// stroke.
func checkHandwriting(path string) *diagHandwriting {
	r := handwriting.New(path)
	defer r.Close()
	h := &diagHandwriting{Model: path}
	if err := r.Load(); err != nil {
		h.Error = err.Error()
		return h
	}
	h.OK, h.Characters = true, r.Size()
	return h
}

func (h *diagHandwriting) String() string {
	if h.OK {
		return fmt.Sprintf("ok  %s: %d characters", h.Model, h.Characters)
	}
	return fmt.Sprintf("NOT AVAILABLE: %s; the pad is not offered, pinyin only (apt-get install tegaki-zinnia-simplified-chinese)", h.Error)
}
