package idcard_test

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pudong-community/kiosk/devices/idcard"
	"github.com/pudong-community/kiosk/devices/sim/sammodule"
)

var update = flag.Bool("update", false, "rewrite testdata/*.bin from the sample cards")

// fixtureFiles builds the contents of testdata: frames and text blocks.
func fixtureFiles(t testing.TB) map[string][]byte {
	files := map[string][]byte{
		"frame-find-ok.bin":         h("AA AA AA 96 69 00 08 00 00 9F 00 00 00 00 97"),
		"frame-find-failed.bin":     h("AA AA AA 96 69 00 04 00 00 80 84"),
		"frame-select-ok.bin":       h("AA AA AA 96 69 00 0C 00 00 90 00 00 00 00 00 00 00 00 9C"),
		"frame-broken-c-usb.bin":    h("AA AA AA 96 69 00 03 20 01 21"),
		"frame-broken-csharp.bin":   h("AA AA AA 96 69 00 03 20 00 22"),
		"frame-impossible-len.bin":  h("AA AA AA 96 69 FF F0 00 00 90"),
		"stream-noise-between.bin":  append(append(h("13 37 AA AA 00"), h("AA AA AA 96 69 00 04 00 00 80 84")...), h("FF AA AA AA 96 69 00 08 00 00 9F 00 00 00 00 97 01")...),
		"stream-broken-then-ok.bin": append(h("AA AA AA 96 69 00 03 20 01 21"), h("AA AA AA 96 69 00 04 00 00 41 45")...),
	}
	for _, s := range sammodule.Samples() {
		c, _ := sammodule.Sample(s.Key)
		id, err := c.Identity()
		if err != nil {
			t.Fatal(err)
		}
		text, err := idcard.EncodeText(id)
		if err != nil {
			t.Fatal(err)
		}
		files["text-"+s.Key+".bin"] = text
		if s.Key == "resident" || s.Key == "foreign-2023" {
			files["frame-read-"+s.Key+".bin"] = idcard.AppendResponse(nil, 0, 0, 0x90, idcard.EncodeReadBase(text, id.Photo))
		}
	}
	return files
}

// TestTestdata checks the stored streams decode as expected and that they
// match what the current sample cards produce (rewrite with -update).
func TestTestdata(t *testing.T) {
	files := fixtureFiles(t)
	if *update {
		for name, b := range files {
			if err := os.WriteFile(filepath.Join("testdata", name), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	for name, want := range files {
		t.Run(name, func(t *testing.T) {
			got, err := os.ReadFile(filepath.Join("testdata", name))
			if err != nil {
				t.Fatalf("%v (run go test -run TestTestdata -update)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("testdata/%s is stale (run go test -run TestTestdata -update)", name)
			}
			switch {
			case strings.HasPrefix(name, "text-"):
				if _, err := idcard.ParseText(got); err != nil {
					t.Errorf("ParseText: %v", err)
				}
			case strings.Contains(name, "broken") || strings.Contains(name, "impossible"):
				_, _, err := idcard.Scan(got)
				if !errors.Is(err, idcard.ErrChecksum) && !errors.Is(err, idcard.ErrLength) {
					t.Errorf("Scan: %v, want a framing error", err)
				}
			default:
				frames, _ := scanAll(got)
				if len(frames) == 0 {
					t.Errorf("no frame decoded")
				}
			}
		})
	}
}

// scanAll decodes every frame of a stream.
func scanAll(b []byte) (frames [][]byte, errs []error) {
	for len(b) > 0 {
		body, n, err := idcard.Scan(b)
		if n == 0 && err != nil {
			break
		}
		b = b[n:]
		if err == nil {
			frames = append(frames, body)
		} else if !errors.Is(err, idcard.ErrIncomplete) {
			errs = append(errs, err)
		}
	}
	return frames, errs
}

func seeds(f *testing.F, prefix string) {
	m, _ := filepath.Glob(filepath.Join("testdata", prefix+"*.bin"))
	for _, name := range m {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
}

func FuzzScan(f *testing.F) {
	seeds(f, "frame-")
	seeds(f, "stream-")
	f.Fuzz(func(t *testing.T, b []byte) {
		rest := b
		for steps := 0; len(rest) > 0; steps++ {
			body, n, err := idcard.Scan(rest)
			if n < 0 || n > len(rest) {
				t.Fatalf("consumed %d of %d", n, len(rest))
			}
			if err == nil {
				if len(body) > idcard.MaxFrameLen {
					t.Fatalf("body of %d bytes", len(body))
				}
				if _, err := idcard.ParseResponse(body); err != nil && len(body) >= 3 {
					t.Fatal(err)
				}
			}
			if n == 0 {
				if !errors.Is(err, idcard.ErrIncomplete) {
					t.Fatalf("no progress with %v", err)
				}
				break
			}
			rest = rest[n:]
		}
	})
}

func FuzzParseText(f *testing.F) {
	seeds(f, "text-")
	f.Fuzz(func(t *testing.T, b []byte) {
		id, err := idcard.ParseText(b)
		if err != nil {
			if len(b) == idcard.TextLen && strings.Contains(err.Error(), id.IDNumber) && id.IDNumber != "" {
				t.Fatal("error reveals an ID number")
			}
			return
		}
		enc, err := idcard.EncodeText(id)
		if err != nil {
			return // e.g. a name with surrogate pairs longer than the field
		}
		again, err := idcard.ParseText(enc)
		if err != nil {
			t.Fatalf("re-encoded block fails: %v", err)
		}
		if again.IDNumber != id.IDNumber || again.Name != id.Name || again.CardType != id.CardType ||
			!again.ValidUntil.Equal(id.ValidUntil) || again.LongTerm != id.LongTerm {
			t.Fatalf("round trip: %+v != %+v", again, id)
		}
	})
}

func FuzzParseReadBase(f *testing.F) {
	seeds(f, "frame-read-")
	f.Fuzz(func(t *testing.T, b []byte) {
		if body, _, err := idcard.Scan(b); err == nil {
			if r, err := idcard.ParseResponse(body); err == nil {
				idcard.ParseReadBase(r.Data, false)
				idcard.ParseReadBase(r.Data, true)
			}
		}
		idcard.ParseReadBase(b, false)
		idcard.ParseAppended(b)
	})
}
