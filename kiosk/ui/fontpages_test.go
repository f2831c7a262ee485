//go:build linux

package ui

import (
	"bufio"
	"crypto/sha256"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unsafe"

	"github.com/pudong-community/kiosk/assets"
)

const mapsSample = `00400000-00403000 r--p 00000000 fe:00 1001 /usr/bin/kiosk
00403000-00917000 r-xp 00003000 fe:00 1001 /usr/bin/kiosk
00dc8000-00e31000 rw-p 009c7000 fe:00 1001 /usr/bin/kiosk
00e31000-00e40000 rw-p 00a30000 fe:00 1001 /usr/bin/kiosk
00e40000-00e60000 rw-p 00000000 00:00 0 
01000000-01100000 rw-p 00000000 00:00 0                                  [heap]
7f0000000000-7f0000100000 rw-s 00000000 00:05 77 /SYSV00000000 (deleted)
7f0000200000-7f0000300000 r--p 00000000 fe:00 2002 /usr/lib/libfoo.so (deleted)
`

func TestFileBacked(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		maps   string
		lo, hi uint64
		want   bool
		err    bool
	}{
		{name: "inside one file mapping", maps: mapsSample, lo: 0xdc9000, hi: 0xe00000, want: true},
		{name: "the whole mapping", maps: mapsSample, lo: 0xdc8000, hi: 0xe31000, want: true},
		{name: "across two touching file mappings", maps: mapsSample, lo: 0xe00000, hi: 0xe38000, want: true},
		{name: "runs into anonymous memory", maps: mapsSample, lo: 0xe30000, hi: 0xe41000},
		{name: "anonymous", maps: mapsSample, lo: 0xe40000, hi: 0xe50000},
		{name: "the heap", maps: mapsSample, lo: 0x1000000, hi: 0x1001000},
		{name: "shared mapping", maps: mapsSample, lo: 0x7f0000000000, hi: 0x7f0000001000},
		{name: "deleted file still backs it", maps: mapsSample, lo: 0x7f0000200000, hi: 0x7f0000201000, want: true},
		{name: "a gap between mappings", maps: mapsSample, lo: 0x00402000, hi: 0x00dc9000},
		{name: "nothing mapped", maps: mapsSample, lo: 0x2000000, hi: 0x2001000},
		{name: "empty listing", maps: "", lo: 0x1000, hi: 0x2000},
		{name: "bad address", maps: "zz-00403000 r--p 00000000 fe:00 1 /usr/bin/kiosk\n", lo: 0x1000, hi: 0x2000, err: true},
		{name: "end before start", maps: "00403000-00400000 r--p 00000000 fe:00 1 /usr/bin/kiosk\n", lo: 0x400000, hi: 0x401000, err: true},
		{name: "short lines are skipped", maps: "garbage\n00400000-00403000 r--p 0 fe:00 1 /usr/bin/kiosk\n", lo: 0x400000, hi: 0x401000, want: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := fileBacked(strings.NewReader(tc.maps), tc.lo, tc.hi)
			if (err != nil) != tc.err {
				t.Fatalf("fileBacked err = %v, want error %v", err, tc.err)
			}
			if err != nil && !strings.HasPrefix(err.Error(), "ui: ") {
				t.Errorf("error %q does not start with the package name", err)
			}
			if got != tc.want {
				t.Errorf("fileBacked(%#x, %#x) = %v, want %v", tc.lo, tc.hi, got, tc.want)
			}
		})
	}
}

func FuzzFileBacked(f *testing.F) {
	f.Add(mapsSample, uint64(0xdc9000), uint64(0xe00000))
	seeds, _ := filepath.Glob(filepath.Join("testdata", "maps", "*.txt"))
	for _, s := range seeds {
		b, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b), uint64(0x00dc8000), uint64(0x00e31000))
	}
	f.Fuzz(func(t *testing.T, maps string, lo, hi uint64) {
		ok, err := fileBacked(strings.NewReader(maps), lo, hi)
		if err != nil && ok {
			t.Fatalf("fileBacked says yes with an error: %v", err)
		}
		if ok && !strings.Contains(maps, "/") {
			t.Fatalf("fileBacked(%#x, %#x) = true for a listing without a single path", lo, hi)
		}
	})
}

func TestReleasePagesLeavesHeapAlone(t *testing.T) {
	t.Parallel()
	b := make([]byte, 1<<20)
	for i := range b {
		b[i] = byte(i*7 + 1)
	}
	n, err := releasePages(b)
	if !errors.Is(err, ErrFontPagesNotFile) {
		t.Fatalf("releasePages(heap) err = %v, want ErrFontPagesNotFile", err)
	}
	if n != 0 {
		t.Errorf("releasePages(heap) released %d bytes, want 0", n)
	}
	for i := range b {
		if b[i] != byte(i*7+1) {
			t.Fatalf("byte %d of the heap buffer changed to %d", i, b[i])
		}
	}
}

func fontSums(fonts [][]byte) [][32]byte {
	out := make([][32]byte, len(fonts))
	for i, b := range fonts {
		out[i] = sha256.Sum256(b)
	}
	return out
}

// TestReleaseFontPagesKeepsTheBytes: after the release every font reads the
// same as before, and the CJK faces the same as their files.
func TestReleaseFontPagesKeepsTheBytes(t *testing.T) {
	t.Parallel()
	fonts := bundledFonts()
	if len(fonts) < 5 {
		t.Fatalf("bundledFonts() = %d files, want the 3 CJK faces and Fyne's", len(fonts))
	}
	before := fontSums(fonts)
	n, err := ReleaseFontPages()
	if err != nil {
		t.Fatalf("ReleaseFontPages: %v", err)
	}
	if min := int64(len(assets.FontRegular()) + len(assets.FontBold()) + len(assets.FontFull()) - 6*os.Getpagesize()); n < min {
		t.Errorf("ReleaseFontPages released %d bytes, want at least %d (the CJK faces)", n, min)
	}
	if again, err := ReleaseFontPages(); err != nil || again != n {
		t.Errorf("second ReleaseFontPages = %d, %v; want %d, nil", again, err, n)
	}
	after := fontSums(bundledFonts())
	for i := range before {
		if before[i] != after[i] {
			t.Errorf("font %d reads differently after its pages were released", i)
		}
	}
	for name, b := range map[string][]byte{assets.FontRegularName: assets.FontRegular(), assets.FontBoldName: assets.FontBold(), assets.FontFullName: assets.FontFull()} {
		file, err := os.ReadFile(filepath.Join("..", "..", "assets", "fonts", name))
		if err != nil {
			t.Fatal(err)
		}
		if sha256.Sum256(file) != sha256.Sum256(b) {
			t.Errorf("%s differs from its file after the release", name)
		}
	}
}

// fontSink keeps the compiler from dropping the reads of the font.
var fontSink byte

// residentIn is the resident size, in bytes, of the mappings of this
// process that overlap b, from /proc/self/smaps.
func residentIn(t *testing.T, b []byte) int64 {
	t.Helper()
	lo := uint64(uintptr(unsafe.Pointer(unsafe.SliceData(b))))
	hi := lo + uint64(len(b))
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rss int64
	in := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		fs := strings.Fields(line)
		if len(fs) == 0 {
			continue
		}
		if a, z, ok := strings.Cut(fs[0], "-"); ok && len(fs) >= 5 {
			s, err1 := strconv.ParseUint(a, 16, 64)
			e, err2 := strconv.ParseUint(z, 16, 64)
			if err1 == nil && err2 == nil {
				in = s < hi && e > lo
				continue
			}
		}
		if in && fs[0] == "Rss:" && len(fs) >= 2 {
			kb, err := strconv.ParseInt(fs[1], 10, 64)
			if err != nil {
				t.Fatalf("smaps: %q", line)
			}
			rss += kb << 10
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return rss
}

// TestReleaseFontPagesShrinksTheResidentSet reads every byte of the full
// face (as Fyne's parser does), then checks that the release takes its pages
// out of the resident set. Not parallel: another test parsing the fonts at
// the same time would bring the pages back.
func TestReleaseFontPagesShrinksTheResidentSet(t *testing.T) {
	font := assets.FontFull()
	var sum byte
	for _, c := range font {
		sum ^= c
	}
	fontSink = sum
	before := residentIn(t, font)
	if before < int64(len(font))*9/10 {
		t.Fatalf("after reading the %d-byte face only %d bytes of its mapping are resident", len(font), before)
	}
	if _, err := ReleaseFontPages(); err != nil {
		t.Fatalf("ReleaseFontPages: %v", err)
	}
	after := residentIn(t, font)
	if drop := before - after; drop < int64(len(font))*8/10 {
		t.Errorf("resident set of the font's mapping went %d -> %d bytes, want a drop of at least 80%% of %d", before, after, len(font))
	}
}
