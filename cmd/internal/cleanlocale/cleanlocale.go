// Package cleanlocale keeps Fyne from logging an error at start-up when
// the locale is C.UTF-8, the default of a Debian console or SSH session
// (and of systemd without LANG): Fyne's language package reads the locale
// in its init and takes "C.UTF-8" for a language tag "C", which it cannot
// parse ("Fyne error: Error parsing user locale C"), three lines before
// every `kiosk diag` or `kiosk version`.
//
// Imported for its side effect by the commands that link Fyne:
//
//	import _ "github.com/pudong-community/kiosk/cmd/internal/cleanlocale"
//
// It depends on nothing outside the standard library, so Go initialises it
// before Fyne's language package (which waits for golang.org/x/text, whose
// import path sorts after this one; the Go spec orders package
// initialisation by import path among packages ready to initialise).
package cleanlocale

import (
	"os"
	"strings"
)

func init() { Apply() }

// Apply sets LANGUAGE=en when the locale in force (the first of LC_ALL,
// LC_MESSAGES and LANG that is set) is C or POSIX with a codeset
// ("C.UTF-8") and LANGUAGE is unset. LANGUAGE only picks the language of
// translated messages, and under a C locale there is nothing else to read.
func Apply() {
	if os.Getenv("LANGUAGE") != "" {
		return
	}
	if locale := Effective(); strings.HasPrefix(locale, "C.") || strings.HasPrefix(locale, "POSIX.") {
		os.Setenv("LANGUAGE", "en")
	}
}

// Effective is the locale in force for messages: the first of LC_ALL,
// LC_MESSAGES and LANG that is set.
func Effective() string {
	for _, v := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if s := os.Getenv(v); s != "" {
			return s
		}
	}
	return ""
}
