package main

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// Every logger of kiosk (its diag commands, the demo, the terminal) goes
// through the redactor: no slog handler is made outside redactedLogger
// and logfile.New.
func TestEveryLoggerRedacts(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	handler := regexp.MustCompile(`slog\.New(Text|JSON)Handler\(|slog\.New\(`)
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") || f == "redactlog.go" {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(b), "\n") {
			if handler.MatchString(line) {
				t.Errorf("%s:%d makes a logger outside redactedLogger: %s", f, i+1, strings.TrimSpace(line))
			}
		}
	}
	var buf bytes.Buffer
	redactedLogger(&buf, slog.LevelInfo, false).Info("card 310115 19900101 1234", "name", "王秀英", "raw", []byte("13800138000"))
	if out := buf.String(); strings.Contains(out, "19900101") || strings.Contains(out, "秀英") || strings.Contains(out, "00138") {
		t.Errorf("diag log leaks: %s", out)
	}
}
