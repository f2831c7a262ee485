//go:build linux

package ui

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"syscall"
	"unsafe"
)

// releasePages drops the whole pages inside b with MADV_DONTNEED after
// checking, in /proc/self/maps, that every one of them lies in a private
// file-backed mapping: there a dropped clean page is read back from the
// file, whereas in anonymous memory (the heap) it would come back as zeros.
// Partial pages at either end are kept, so neighbouring data is untouched.
func releasePages(b []byte) (int64, error) {
	if len(b) == 0 {
		return 0, nil
	}
	pg := uintptr(os.Getpagesize())
	start := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	lo := (start + pg - 1) &^ (pg - 1)
	hi := (start + uintptr(len(b))) &^ (pg - 1)
	if hi <= lo {
		return 0, nil
	}
	f, err := os.Open("/proc/self/maps")
	if err != nil {
		return 0, fmt.Errorf("ui: release font pages: %w", err)
	}
	defer f.Close()
	ok, err := fileBacked(f, uint64(lo), uint64(hi))
	if err != nil {
		return 0, err
	}
	if !ok {
		return 0, ErrFontPagesNotFile
	}
	region := b[lo-start : hi-start]
	if err := syscall.Madvise(region, syscall.MADV_DONTNEED); err != nil {
		return 0, fmt.Errorf("ui: release font pages: madvise: %w", err)
	}
	return int64(hi - lo), nil
}

// fileBacked reports whether [lo, hi) is covered, without a gap, by private
// mappings of a file (an inode and an absolute path) in a /proc/PID/maps
// listing.
func fileBacked(maps io.Reader, lo, hi uint64) (bool, error) {
	sc := bufio.NewScanner(maps)
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	next := lo // first address not yet known to be covered
	for sc.Scan() {
		// start-end perms offset dev inode path
		fs := strings.Fields(sc.Text())
		if len(fs) < 6 {
			continue
		}
		a, b, found := strings.Cut(fs[0], "-")
		if !found {
			return false, fmt.Errorf("ui: release font pages: bad maps line %q", sc.Text())
		}
		s, err1 := strconv.ParseUint(a, 16, 64)
		e, err2 := strconv.ParseUint(b, 16, 64)
		if err1 != nil || err2 != nil || e < s {
			return false, fmt.Errorf("ui: release font pages: bad maps line %q", sc.Text())
		}
		if e <= next || s >= hi {
			continue
		}
		if s > next {
			return false, nil // a gap
		}
		private := len(fs[1]) == 4 && fs[1][3] == 'p'
		if !private || fs[4] == "0" || !strings.HasPrefix(fs[5], "/") {
			return false, nil
		}
		next = e
		if next >= hi {
			return true, nil
		}
	}
	if err := sc.Err(); err != nil {
		return false, fmt.Errorf("ui: release font pages: %w", err)
	}
	return false, nil
}
