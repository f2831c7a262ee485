package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/pudong-community/kiosk/kiosk"
	"github.com/pudong-community/kiosk/kiosk/config"
	"github.com/pudong-community/kiosk/kiosk/voice"
)

func init() {
	registerDiag("voice", "spoken prompts: list them [--list], play one [--say ID --lang zh|en --elder] or write it [--out FILE.wav]", runDiagVoice)
}

// runDiagVoice is `kiosk diag voice`: staff test a prompt over SSH. It
// plays even when the voice is disabled or in quiet hours.
func runDiagVoice(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("kiosk diag voice", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "", "configuration file (default: first of the standard places)")
	list := fs.Bool("list", false, "list the prompts, their words and where each comes from")
	say := fs.String("say", "", "the prompt to play (an id from --list)")
	lang := fs.String("lang", "zh", "zh or en")
	elder := fs.Bool("elder", false, "at the elder-mode rate")
	out := fs.String("out", "", "write the prompt to this WAV file instead of playing it")
	if code, stop := parseFlags(fs, args, stdout); stop {
		return code
	}
	if fs.NArg() > 0 || (*say == "") == !*list || *lang != voice.LangZH && *lang != voice.LangEN {
		fmt.Fprintln(stderr, "usage: kiosk diag voice [--config FILE] --list | --say ID [--lang zh|en] [--elder] [--out FILE.wav]")
		return exitUsage
	}
	cfg, _, err := config.Load(*cfgPath)
	if err != nil && !errors.Is(err, config.ErrNotFound) {
		fmt.Fprintf(stderr, "kiosk diag voice: %v\n", err)
		return exitFailure
	}
	lib, err := voice.NewLibrary(voice.Espeak{}, cfg.Voice.Recordings)
	if err != nil {
		fmt.Fprintf(stderr, "kiosk diag voice: %v\n", err)
		return exitFailure
	}
	for _, p := range lib.Problems() {
		fmt.Fprintf(stdout, "refused: %s\n", p)
	}
	if *list {
		for _, id := range kiosk.Prompts {
			for _, l := range []string{voice.LangZH, voice.LangEN} {
				text, _ := lib.Text(id, l)
				src := voice.Synthesised
				if lib.Recorded(id, l) {
					src = voice.Recorded
				}
				fmt.Fprintf(stdout, "%-16s %s  %-11s %s\n", id, l, src, text)
			}
		}
		return exitOK
	}
	id := kiosk.PromptID(*say)
	if !voice.Known(id) {
		fmt.Fprintf(stderr, "kiosk diag voice: no prompt %q (kiosk diag voice --list)\n", *say)
		return exitUsage
	}
	rate := cfg.Voice.Rate
	if *elder {
		rate = cfg.Voice.ElderRate
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	clip, src, err := lib.Clip(ctx, id, *lang, rate)
	if err != nil {
		fmt.Fprintf(stderr, "kiosk diag voice: %v\n", err)
		return exitFailure
	}
	what := fmt.Sprintf("%s (%s, %s, %s)", id, *lang, src, clip.Duration().Round(time.Millisecond))
	if *out != "" {
		w := &voice.WAVSink{}
		_ = w.Play(ctx, clip, cfg.Voice.Volume)
		if err := os.WriteFile(*out, w.WAV(), 0o644); err != nil {
			fmt.Fprintf(stderr, "kiosk diag voice: %v\n", err)
			return exitFailure
		}
		fmt.Fprintf(stdout, "wrote %s: %s\n", *out, what)
		return exitOK
	}
	if err := voice.APlay(cfg.Voice.Device).Play(ctx, clip, cfg.Voice.Volume); err != nil {
		fmt.Fprintf(stderr, "kiosk diag voice: %s: %v\n", what, err)
		return exitFailure
	}
	fmt.Fprintf(stdout, "played %s on %s\n", what, cfg.Voice.Device)
	return exitOK
}
