package maint

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/pudong-community/kiosk/kiosk"
	"github.com/pudong-community/kiosk/kiosk/config"
	"github.com/pudong-community/kiosk/kiosk/logfile"
)

// Bundle is what goes into a diagnostics bundle. Everything is written as
// JSON and scrubbed of ID and mobile numbers once more on the way in; the
// config loses its secrets (ScrubConfig). No database goes in.
type Bundle struct {
	Config   config.Config
	Version  string               // the terminal's version
	Schema   int                  // the database's schema version
	Devices  []kiosk.DeviceReport // device status
	Health   *kiosk.HealthSnapshot
	Sync     *kiosk.SyncReport
	Outbox   any // outbox counts and parked submissions (masked)
	Catalog  *kiosk.CatalogInfo
	Audit    *kiosk.AuditCheck
	Problems []string // what could not be gathered, in staff's words
	LogFiles []string // log files to include, newest first
	Now      time.Time
}

// Bundle limits: recent logs only.
const (
	MaxLogBytes   = 4 << 20 // per file, the newest part
	MaxLogFiles   = 5
	bundlePrefix  = "kiosk-diag-"
	redactedValue = "[removed]"
)

// NotWritableError says the chosen folder cannot take the bundle.
type NotWritableError struct {
	Dir string
	Err error
}

func (e *NotWritableError) Error() string {
	return fmt.Sprintf("maint: cannot write the bundle into %s (%v); choose another folder, e.g. a USB stick", e.Dir, e.Err)
}

// Unwrap makes errors.Is(err, ErrNotWritable) true.
func (e *NotWritableError) Unwrap() []error { return []error{ErrNotWritable, e.Err} }

// ScrubConfig returns c without its secrets: the API token, the PIN hash,
// and the staff cards' ID numbers (masked). Paths stay (the key file's and
// token file's contents are never read into a bundle).
func ScrubConfig(c config.Config) config.Config {
	if c.API.Token != "" {
		c.API.Token = redactedValue
	}
	if c.Maintenance.PINHash != "" {
		c.Maintenance.PINHash = redactedValue
	}
	cards := make([]string, len(c.Maintenance.StaffCards))
	for i, id := range c.Maintenance.StaffCards {
		cards[i] = kiosk.MaskID(id)
	}
	c.Maintenance.StaffCards = cards
	if c.CallStaff.HookURL != "" {
		c.CallStaff.HookURL = scrubURL(c.CallStaff.HookURL)
	}
	return c
}

// scrubURL drops user info and query (they may carry a key).
func scrubURL(u string) string {
	if i := strings.Index(u, "://"); i >= 0 {
		if at := strings.LastIndex(u[i+3:], "@"); at >= 0 {
			u = u[:i+3] + u[i+3+at+1:]
		}
	}
	if q := strings.IndexAny(u, "?#"); q >= 0 {
		u = u[:q]
	}
	return u
}

// WriteBundle writes b as a .tar.gz into dir and returns its path. The
// archive is written to a temporary file and renamed, so a failed export
// leaves nothing half-written.
func WriteBundle(ctx context.Context, dir string, b Bundle) (string, error) {
	if b.Now.IsZero() {
		b.Now = time.Now()
	}
	st, err := os.Stat(dir)
	if err != nil {
		return "", &NotWritableError{Dir: dir, Err: unwrapPath(err)}
	}
	if !st.IsDir() {
		return "", &NotWritableError{Dir: dir, Err: errors.New("not a folder")}
	}
	tmp, err := os.CreateTemp(dir, ".kiosk-diag-*.tmp")
	if err != nil {
		return "", &NotWritableError{Dir: dir, Err: unwrapPath(err)}
	}
	ok := false
	defer func() {
		if !ok {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	gz := gzip.NewWriter(tmp)
	tw := tar.NewWriter(gz)
	stamp := b.Now.Format("20060102-150405")
	base := bundlePrefix + safeName(b.Config.Terminal.ID) + "-" + stamp
	add := func(name string, data []byte) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		data = []byte(logfile.Scrub(string(data)))
		hdr := &tar.Header{Name: base + "/" + name, Mode: 0o640, Size: int64(len(data)), ModTime: b.Now, Typeflag: tar.TypeReg}
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		_, err := tw.Write(data)
		return err
	}
	addJSON := func(name string, v any) error {
		raw, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			return fmt.Errorf("maint: bundle %s: %w", name, err)
		}
		return add(name, append(raw, '\n'))
	}
	versions := map[string]any{
		"kiosk":      b.Version,
		"go":         runtime.Version(),
		"os":         runtime.GOOS + "/" + runtime.GOARCH,
		"schema":     b.Schema,
		"terminal":   b.Config.Terminal.ID,
		"created_at": b.Now.Format(time.RFC3339),
	}
	status := map[string]any{"devices": b.Devices, "health": b.Health}
	steps := []struct {
		name string
		v    any
	}{
		{"versions.json", versions},
		{"config.json", ScrubConfig(b.Config)},
		{"devices.json", status},
		{"sync.json", map[string]any{"sync": b.Sync, "outbox": b.Outbox}},
		{"catalog.json", b.Catalog},
		{"audit.json", b.Audit},
	}
	for _, s := range steps {
		if err := addJSON(s.name, s.v); err != nil {
			return "", bundleErr(dir, err)
		}
	}
	problems := b.Problems
	files := b.LogFiles
	if len(files) > MaxLogFiles {
		files = files[:MaxLogFiles]
	}
	for _, f := range files {
		data, err := tailFile(f, MaxLogBytes)
		if err != nil {
			problems = append(problems, fmt.Sprintf("log %s: %v", filepath.Base(f), err))
			continue
		}
		if err := add("logs/"+filepath.Base(f), data); err != nil {
			return "", bundleErr(dir, err)
		}
	}
	if err := add("problems.txt", []byte(strings.Join(problems, "\n")+"\n")); err != nil {
		return "", bundleErr(dir, err)
	}
	if err := tw.Close(); err != nil {
		return "", bundleErr(dir, err)
	}
	if err := gz.Close(); err != nil {
		return "", bundleErr(dir, err)
	}
	if err := tmp.Sync(); err != nil {
		return "", bundleErr(dir, err)
	}
	if err := tmp.Close(); err != nil {
		return "", bundleErr(dir, err)
	}
	out := filepath.Join(dir, base+".tar.gz")
	if err := os.Rename(tmp.Name(), out); err != nil {
		return "", bundleErr(dir, err)
	}
	ok = true
	return out, nil
}

func bundleErr(dir string, err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("maint: bundle: %w", err)
	}
	var ne *NotWritableError
	if errors.As(err, &ne) {
		return err
	}
	return &NotWritableError{Dir: dir, Err: unwrapPath(err)}
}

func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func safeName(s string) string {
	if s == "" {
		return "terminal"
	}
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			return r
		}
		return '_'
	}, s)
}

// tailFile returns the last max bytes of a file, starting at a line.
func tailFile(path string, max int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, unwrapPath(err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if st.Size() > max {
		if _, err := f.Seek(st.Size()-max, io.SeekStart); err != nil {
			return nil, err
		}
		r := bufio.NewReader(io.LimitReader(f, max))
		if _, err := r.ReadBytes('\n'); err != nil { // a partial first line
			return nil, err
		}
		var buf bytes.Buffer
		_, err = buf.ReadFrom(r)
		return buf.Bytes(), err
	}
	return io.ReadAll(io.LimitReader(f, max))
}
