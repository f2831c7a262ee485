//go:build !linux

package ui

// releasePages is only implemented on Linux, the terminal's system.
func releasePages(b []byte) (int64, error) {
	if len(b) == 0 {
		return 0, nil
	}
	return 0, ErrFontPagesUnsupported
}
