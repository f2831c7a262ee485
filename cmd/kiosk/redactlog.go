package main

import (
	"io"
	"log/slog"

	"github.com/pudong-community/kiosk/kiosk/logfile"
)

// redactedLogger is the logger of every kiosk diag command and the demo:
// text (or JSON) to w, through the same redactor as the terminal's log, so
// that a diag run over SSH leaves no ID number, name or phone number in a
// terminal's scrollback or a pasted report. The only slog handlers of
// this package are made here (a test checks it).
func redactedLogger(w io.Writer, level slog.Level, asJSON bool) *slog.Logger {
	opts := &slog.HandlerOptions{Level: level}
	if asJSON {
		return slog.New(logfile.Redact(slog.NewJSONHandler(w, opts)))
	}
	return slog.New(logfile.Redact(slog.NewTextHandler(w, opts)))
}
