// Package logfile is where the terminal's structured logs go: slog JSON to
// stderr or to a file rotated by size (keeping a few old files), behind a
// handler that redacts anything that looks like personal data as a safety
// net. Code must still never log a full ID number, name or phone number;
// the redactor catches the mistakes.
package logfile

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// Sentinel errors.
var (
	ErrConfig = errors.New("logfile: bad configuration")
	ErrClosed = errors.New("logfile: closed")
)

// Rotator is an io.WriteCloser appending to a file that it rotates when a
// write would take it past MaxBytes: path becomes path.1, path.1 becomes
// path.2 and so on; files beyond Keep are removed. Each write goes whole to
// one file, so a JSON line is never split. Safe for concurrent use.
type Rotator struct {
	path     string
	maxBytes int64
	keep     int

	mu   sync.Mutex
	f    *os.File
	size int64
}

// Open opens (creating, mode 0640) the log file at path.
func Open(path string, maxBytes int64, keep int) (*Rotator, error) {
	if path == "" || maxBytes < 1024 || keep < 1 || keep > 100 {
		return nil, fmt.Errorf("%w: path %q, max %d bytes (at least 1024), keep %d (1..100)", ErrConfig, path, maxBytes, keep)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("logfile: %w", err)
	}
	r := &Rotator{path: path, maxBytes: maxBytes, keep: keep}
	if err := r.open(); err != nil {
		return nil, err
	}
	return r, nil
}

func (r *Rotator) open() error {
	f, err := os.OpenFile(r.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o640)
	if err != nil {
		return fmt.Errorf("logfile: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return fmt.Errorf("logfile: %w", err)
	}
	r.f, r.size = f, st.Size()
	return nil
}

// Write appends p, rotating first if p would not fit.
func (r *Rotator) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.f == nil {
		return 0, ErrClosed
	}
	if r.size > 0 && r.size+int64(len(p)) > r.maxBytes {
		if err := r.rotate(); err != nil {
			return 0, err
		}
	}
	n, err := r.f.Write(p)
	r.size += int64(n)
	return n, err
}

// rotate shifts the files along and starts a new one.
func (r *Rotator) rotate() error {
	if err := r.f.Close(); err != nil {
		return fmt.Errorf("logfile: rotate: %w", err)
	}
	r.f = nil
	_ = os.Remove(fmt.Sprintf("%s.%d", r.path, r.keep))
	for i := r.keep - 1; i >= 1; i-- {
		from := fmt.Sprintf("%s.%d", r.path, i)
		if _, err := os.Stat(from); err == nil {
			if err := os.Rename(from, fmt.Sprintf("%s.%d", r.path, i+1)); err != nil {
				return fmt.Errorf("logfile: rotate: %w", err)
			}
		}
	}
	if err := os.Rename(r.path, r.path+".1"); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("logfile: rotate: %w", err)
	}
	return r.open()
}

// Close closes the file.
func (r *Rotator) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.f == nil {
		return nil
	}
	err := r.f.Close()
	r.f = nil
	return err
}

// Files lists the log file and its rotated copies that exist, newest
// first: what a diagnostics bundle takes.
func Files(path string) []string {
	var out []string
	if _, err := os.Stat(path); err == nil {
		out = append(out, path)
	}
	matches, _ := filepath.Glob(path + ".*")
	type numbered struct {
		n    int
		path string
	}
	var ns []numbered
	for _, m := range matches {
		n, err := strconv.Atoi(strings.TrimPrefix(m, path+"."))
		if err == nil && n > 0 {
			ns = append(ns, numbered{n, m})
		}
	}
	sort.Slice(ns, func(i, j int) bool { return ns[i].n < ns[j].n })
	for _, n := range ns {
		out = append(out, n.path)
	}
	return out
}

// Options configure New.
type Options struct {
	File      string // empty: stderr
	MaxSizeMB int    // rotate at this size (default 10)
	MaxBytes  int64  // overrides MaxSizeMB when set
	Keep      int    // rotated files kept (default 5)
	Level     string // debug, info, warn, error (default info)
	Stderr    io.Writer
}

// New returns a redacting JSON logger writing where o says, and a function
// that closes the file (a no-op for stderr).
func New(o Options) (*slog.Logger, func() error, error) {
	var lvl slog.Level
	switch o.Level {
	case "", "info":
		lvl = slog.LevelInfo
	case "debug":
		lvl = slog.LevelDebug
	case "warn":
		lvl = slog.LevelWarn
	case "error":
		lvl = slog.LevelError
	default:
		return nil, nil, fmt.Errorf("%w: level %q", ErrConfig, o.Level)
	}
	w := o.Stderr
	if w == nil {
		w = os.Stderr
	}
	closer := func() error { return nil }
	if o.File != "" {
		if o.MaxSizeMB <= 0 {
			o.MaxSizeMB = 10
		}
		if o.Keep <= 0 {
			o.Keep = 5
		}
		max := int64(o.MaxSizeMB) << 20
		if o.MaxBytes > 0 {
			max = o.MaxBytes
		}
		r, err := Open(o.File, max, o.Keep)
		if err != nil {
			return nil, nil, err
		}
		w, closer = r, r.Close
	}
	return slog.New(Redact(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: lvl}))), closer, nil
}
