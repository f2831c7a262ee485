package main

import (
	"strings"
	"testing"
)

func TestRunRefusesBadFlags(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no terminal", []string{"-data", t.TempDir()}, "-terminal"},
		{"terminal without token", []string{"-terminal", "PD-T01"}, "ID:TOKEN"},
		{"share over 1", []string{"-data", t.TempDir(), "-terminal", "A:b", "-error500", "1.5"}, "error_500"},
		{"shares add over 1", []string{"-data", t.TempDir(), "-terminal", "A:b", "-reset", "0.6", "-timeout", "0.6"}, "add up"},
		{"unknown flag", []string{"-bogus"}, "bogus"},
		{"bad centre mode", []string{"-data", t.TempDir(), "-terminal", "A:b", "-center-mode", "sometimes"}, "centre mode"},
		{"bad assistance", []string{"-data", t.TempDir(), "-terminal", "A:b", "-assistance", "maybe"}, "assistance mode"},
		{"bad listen", []string{"-data", t.TempDir(), "-terminal", "A:b", "-listen", "256.0.0.1:1", "-admin", ""}, "listen"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := run(tt.args)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("run(%v) = %v, want an error about %q", tt.args, err, tt.want)
			}
		})
	}
}

func TestTerminalsFlagHidesTokens(t *testing.T) {
	t.Parallel()
	ts := terminals{}
	if err := ts.Set("PD-T01:secret"); err != nil {
		t.Fatal(err)
	}
	if s := ts.String(); strings.Contains(s, "secret") || !strings.Contains(s, "PD-T01") {
		t.Errorf("String() = %q", s)
	}
}
