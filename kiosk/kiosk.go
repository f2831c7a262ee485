// Package kiosk holds the domain types of the 智能社工 terminal and the small
// interfaces the application consumes. It imports nothing but the standard
// library and the module's standard-library-only leaf helpers (the GB 11643
// check in internal/gb11643): no Fyne, no SQL, no device drivers.
package kiosk

import "strings"

// MaskID masks an identity document number for display, logs and audit
// subjects: the first four and last four characters stay, everything between
// becomes '*'. Short numbers keep at most their last character.
//
//	MaskID("310101199001011234") == "3101**********1234"
func MaskID(id string) string {
	r := []rune(strings.TrimSpace(id))
	n := len(r)
	switch {
	case n == 0:
		return ""
	case n <= 8:
		return strings.Repeat("*", n-1) + string(r[n-1])
	}
	return string(r[:4]) + strings.Repeat("*", n-8) + string(r[n-4:])
}

// MaskName masks a personal name for places where a bystander may look:
// the first character stays, the rest become '*'.
func MaskName(name string) string {
	r := []rune(strings.TrimSpace(name))
	if len(r) == 0 {
		return ""
	}
	return string(r[0]) + strings.Repeat("*", len(r)-1)
}
