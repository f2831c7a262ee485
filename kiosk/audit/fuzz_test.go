package audit_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"regexp"
	"testing"

	"github.com/pudong-community/kiosk/kiosk"
	"github.com/pudong-community/kiosk/kiosk/audit"
)

func sha256hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// FuzzCheck feeds arbitrary event lists (as an upload batch would arrive)
// to the chain checker: it must never panic, and whatever it accepts must
// really chain.
func FuzzCheck(f *testing.F) {
	if raw, err := os.ReadFile("testdata/chain.json"); err == nil {
		f.Add(raw)
	}
	f.Add([]byte(`[]`))
	f.Add([]byte(`[{"seq":1,"at":"2026-11-27T09:30:00+08:00","kind":"visit_start","subject":"","detail":"","prev_hash":"","hash":"00"}]`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		var evs []kiosk.AuditEvent
		if json.Unmarshal(raw, &evs) != nil {
			return
		}
		err := audit.Check(kiosk.AuditEvent{}, evs)
		if err != nil {
			if !errors.Is(err, audit.ErrBroken) {
				t.Fatalf("error not typed: %v", err)
			}
			return
		}
		prev := ""
		for i, ev := range evs {
			if ev.Seq != int64(i+1) || ev.PrevHash != prev || ev.Hash != ev.ComputeHash() {
				t.Fatalf("accepted a broken chain at %d", i)
			}
			prev = ev.Hash
		}
	})
}

// idLike is an independent statement of what CheckText refuses: a word of
// 15 or more digits, optionally ending in X.
var idLike = regexp.MustCompile(`(?:^|[^0-9A-Za-z\p{Nd}])\p{Nd}{15,}[Xx]?(?:$|[^0-9A-Za-z\p{Nd}])`)

// FuzzCheckText: no input panics, and no accepted text holds an ID-like
// word.
func FuzzCheckText(f *testing.F) {
	for _, s := range []string{"", "3101**********1234", "11010519491231002X", "１１０１０５１９４９１２３１００２", "13800138000"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if audit.CheckText(s, audit.MaxDetail) != nil {
			return
		}
		if idLike.MatchString(s) {
			t.Fatalf("accepted an ID-like word in %q", s)
		}
	})
}

// FuzzClean: no input panics; what Clean gives back always passes
// CheckText, is no longer than the limit and holds no ID-like word; a text
// that passes CheckText comes back unchanged.
func FuzzClean(f *testing.F) {
	for _, s := range []string{"", "3101**********1234", "11010519491231002X", "ref 110105194912310021.", "１１０１０５１９４９１２３１００２",
		"\xff\xfe1101051949123100211", "长长长长长长长长长长长长长长长长长长长长长长长长长长长长长长长长长长长长长长长长110105194912310021"} {
		f.Add(s, 64)
		f.Add(s, 128)
	}
	f.Fuzz(func(t *testing.T, s string, max int) {
		if max < 64 || max > 1<<16 {
			return
		}
		got := audit.Clean(s, max)
		if err := audit.CheckText(got, max); err != nil {
			t.Fatalf("Clean(%q, %d) = %q refused: %v", s, max, got, err)
		}
		if idLike.MatchString(got) {
			t.Fatalf("Clean(%q) = %q holds an ID-like word", s, got)
		}
		if audit.CheckText(s, max) == nil && got != s {
			t.Fatalf("Clean changed an acceptable text %q to %q", s, got)
		}
	})
}
