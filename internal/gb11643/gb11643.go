// Package gb11643 is the one implementation of the GB 11643-1999 citizen
// identity number check (ISO 7064 MOD 11-2) and of the number of the 2004
// foreign permanent resident card, which has no check character. Both the
// domain package (kiosk) and the card reader's driver (devices/idcard) use
// it; it imports only the standard library.
package gb11643

var weights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

const checkChars = "10X98765432"

// CheckChar returns the check character ('0'–'9' or 'X') of the first 17
// characters of s, and the position (1-based) of the first of them that is
// not a digit, 0 when all are. It needs at least 17 characters; with fewer
// it returns 0, -1.
func CheckChar(s string) (byte, int) {
	if len(s) < 17 {
		return 0, -1
	}
	sum := 0
	for i := 0; i < 17; i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, i + 1
		}
		sum += int(c-'0') * weights[i]
	}
	return checkChars[sum%11], 0
}

// Valid reports whether s is an 18-character number whose last character is
// the check character of the first 17 digits. A lower-case x is accepted.
// Resident cards, HMT residence permits and the 2023 foreign permanent
// resident cards all use it.
func Valid(s string) bool {
	if len(s) != 18 {
		return false
	}
	want, bad := CheckChar(s)
	if bad != 0 {
		return false
	}
	last := s[17]
	if last == 'x' {
		last = 'X'
	}
	return last == want
}

// OldForeignBadChar checks the 15-character number of the 2004 foreign
// permanent resident card: three upper-case letters (nationality) and twelve
// digits. It returns the position (1-based) of the first character out of
// place, 0 when the number is well formed, and -1 when it is not 15
// characters long.
func OldForeignBadChar(s string) int {
	if len(s) != 15 {
		return -1
	}
	for i := 0; i < 15; i++ {
		c := s[i]
		if i < 3 && (c < 'A' || c > 'Z') || i >= 3 && (c < '0' || c > '9') {
			return i + 1
		}
	}
	return 0
}

// ValidOldForeign reports whether s is a well-formed number of the 2004
// foreign permanent resident card.
func ValidOldForeign(s string) bool { return OldForeignBadChar(s) == 0 }
