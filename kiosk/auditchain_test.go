package kiosk

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestAuditHashKnownAnswer(t *testing.T) {
	t.Parallel()
	e := AuditEvent{Seq: 2, At: time.Date(2026, 11, 27, 9, 30, 0, 0, time.FixedZone("", 8*3600)),
		Kind: "submit", Subject: "3101**********1234", Detail: "事项 MZ-0101 <ok> & done", PrevHash: "ab"}
	canon := `{"at":"2026-11-27T09:30:00+08:00","detail":"事项 MZ-0101 <ok> & done","kind":"submit","prev_hash":"ab","seq":2,"subject":"3101**********1234"}`
	sum := sha256.Sum256([]byte("ab" + canon))
	want := hex.EncodeToString(sum[:])
	if got := e.ComputeHash(); got != want {
		t.Fatalf("ComputeHash = %s, want %s", got, want)
	}
	// Raw JSON with other key order, spaces and escapes hashes the same.
	raw := `{ "subject":"3101**********1234", "seq": 2, "kind":"submit", "hash":"zz",
	  "detail":"\u4e8b\u9879 MZ-0101 \u003cok\u003e \u0026 done", "at":"2026-11-27T09:30:00+08:00", "prev_hash":"ab"}`
	got, err := AuditHash([]byte(raw))
	if err != nil || got != want {
		t.Fatalf("AuditHash = %s, %v; want %s", got, err, want)
	}
	sealed := e.Seal()
	if sealed.Hash != want {
		t.Error("Seal did not set the hash")
	}
	// The hash field never feeds the hash.
	if sealed.ComputeHash() != want {
		t.Error("hash depends on the hash field")
	}
}

// The seed event in testdata verifies: its stored hash is its computed one.
func TestAuditHashTestdata(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("testdata/audit_event.json")
	if err != nil {
		t.Fatal(err)
	}
	var e AuditEvent
	if err := json.Unmarshal(raw, &e); err != nil {
		t.Fatal(err)
	}
	h, err := AuditHash(raw)
	if err != nil || h != e.Hash || e.ComputeHash() != e.Hash {
		t.Fatalf("hash %s / %s, stored %s (%v)", h, e.ComputeHash(), e.Hash, err)
	}
}

func TestAuditHashBadInput(t *testing.T) {
	t.Parallel()
	for _, raw := range []string{``, `[]`, `null`, `{"prev_hash":1}`, `{"a":1} x`, `{`} {
		t.Run(raw, func(t *testing.T) {
			t.Parallel()
			if _, err := AuditHash([]byte(raw)); !errors.Is(err, ErrCanonical) {
				t.Errorf("AuditHash(%q) err = %v", raw, err)
			}
		})
	}
}

func TestCanonicalJSON(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{`{"b":1,"a":[true,false,null,"x"]}`, `{"a":[true,false,null,"x"],"b":1}`},
		{`{"n":1.50e3}`, `{"n":1.50e3}`},
		{` "\u00e9" `, `"é"`},
		{`{"z":{"y":1,"x":2}}`, `{"z":{"x":2,"y":1}}`},
	}
	for _, tt := range tests {
		got, err := CanonicalJSON([]byte(tt.in))
		if err != nil || string(got) != tt.want {
			t.Errorf("CanonicalJSON(%s) = %s, %v; want %s", tt.in, got, err, tt.want)
		}
	}
}

func FuzzAuditHash(f *testing.F) {
	files, _ := filepath.Glob("testdata/audit*.json")
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"seq":1,"at":"2026-11-27T09:30:00+08:00","kind":"k","subject":"","detail":"","prev_hash":"","hash":""}`))
	f.Add([]byte(`{"a":[1,2,{"b":"\u4e2d"}]}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		h, err := AuditHash(raw)
		if err != nil {
			return
		}
		var obj map[string]json.RawMessage
		_ = json.Unmarshal(raw, &obj)
		delete(obj, "hash")
		again, _ := json.Marshal(obj)
		h2, err := AuditHash(again)
		if err != nil || h2 != h {
			t.Fatalf("hash not stable under re-encoding: %s vs %s (%v)", h, h2, err)
		}
	})
}
