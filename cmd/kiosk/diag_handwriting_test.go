package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pudong-community/kiosk/devices/handwriting"
)

func TestDiagHandwriting(t *testing.T) {
	if _, err := os.Stat(handwriting.DefaultModel); errors.Is(err, os.ErrNotExist) {
		t.Skipf("handwriting model %s is not installed (apt-get install tegaki-zinnia-simplified-chinese; make deps does)", handwriting.DefaultModel)
	}
	fixture := filepath.Join("..", "..", "devices", "handwriting", "testdata", "strokes", "U+4F4E.json") // 低
	var out, errb bytes.Buffer
	if code := run([]string{"diag", "handwriting", "--strokes", fixture, "--top", "5"}, &out, &errb); code != exitOK {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	lines := strings.Split(out.String(), "\n")
	if len(lines) < 7 || !strings.Contains(lines[0], "strokes: 7") || !strings.HasPrefix(strings.TrimSpace(lines[1]), "1  低  +") {
		t.Errorf("output:\n%s", out.String())
	}

	out.Reset()
	if code := run([]string{"diag", "handwriting", "--strokes", fixture, "--json"}, &out, &errb); code != exitOK {
		t.Fatalf("--json: exit %d: %s", code, errb.String())
	}
	var res struct {
		Strokes    int
		Candidates []handwriting.Candidate
	}
	if err := json.Unmarshal(out.Bytes(), &res); err != nil || res.Strokes != 7 || len(res.Candidates) != 10 || res.Candidates[0].Char != "低" {
		t.Errorf("--json: %v %+v\n%s", err, res, out.String())
	}
}

func TestDiagHandwritingErrors(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.json")
	os.WriteFile(good, []byte(`[[[10,10],[200,200]]]`), 0o644)
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"strokes": 1}`), 0o644)
	model := filepath.Join(dir, "short.model")
	os.WriteFile(model, []byte("not a model"), 0o644)
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{}, exitUsage, "usage: kiosk diag handwriting"},
		{[]string{"--strokes", filepath.Join(dir, "none.json")}, exitFailure, "none.json"},
		{[]string{"--strokes", bad}, exitFailure, "not strokes"},
		{[]string{"--strokes", good, "--model", filepath.Join(dir, "none.model")}, exitFailure, "model not installed"},
		{[]string{"--strokes", good, "--model", model}, exitFailure, "model damaged"},
	} {
		var out, errb bytes.Buffer
		code := run(append([]string{"diag", "handwriting"}, c.args...), &out, &errb)
		if code != c.code || !strings.Contains(errb.String(), c.want) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", c.args, code, errb.String(), c.code, c.want)
		}
	}
}

func TestCheckHandwriting(t *testing.T) {
	h := checkHandwriting(filepath.Join(t.TempDir(), "none.model"))
	if h.OK || !strings.Contains(h.String(), "NOT AVAILABLE") || !strings.Contains(h.Error, "none.model") {
		t.Errorf("missing model: %+v %s", h, h)
	}
	if _, err := os.Stat(handwriting.DefaultModel); errors.Is(err, os.ErrNotExist) {
		t.Skipf("handwriting model %s is not installed", handwriting.DefaultModel)
	}
	h = checkHandwriting(handwriting.DefaultModel)
	if !h.OK || h.Characters < 6000 {
		t.Errorf("installed model: %+v", h)
	}
}
