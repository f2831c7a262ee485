// Package maint is the logic of staff maintenance, apart from any screen:
// the PIN (an argon2id hash in PHC string format), the lockout after wrong
// tries, staff cards, the idle limit of a maintenance session, the
// diagnostics bundle and the log files. It uses the standard library,
// golang.org/x/crypto and the kiosk packages without Fyne or SQL.
package maint

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"golang.org/x/crypto/argon2"
)

// Sentinel errors of the package.
var (
	ErrBadPIN      = errors.New("maint: a PIN is 6 to 12 digits")
	ErrWeakHash    = errors.New("maint: the PIN hash carries no minlen=6 marker: it was made by an older kiosk that allowed 4-digit PINs")
	ErrBadHash     = errors.New("maint: not an argon2id PHC hash")
	ErrWrongPIN    = errors.New("maint: wrong PIN")
	ErrLocked      = errors.New("maint: entry locked after too many wrong PINs")
	ErrNoPIN       = errors.New("maint: no PIN configured (maintenance.pin_hash)")
	ErrNotStaff    = errors.New("maint: not a staff card")
	ErrNotWritable = errors.New("maint: folder is not writable")
	ErrNoSession   = errors.New("maint: no maintenance session")
)

// Params are argon2id's cost parameters.
type Params struct {
	Time    uint32 // passes
	Memory  uint32 // KiB
	Threads uint8
	KeyLen  uint32
	SaltLen uint32
}

// DefaultParams follow RFC 9106's second recommended option (64 MiB, three
// passes), with two lanes for the terminal's two cores.
var DefaultParams = Params{Time: 3, Memory: 64 * 1024, Threads: 2, KeyLen: 32, SaltLen: 16}

// Bounds on what a stored hash may ask for, so a bad config cannot make
// the terminal spend minutes or gigabytes on one PIN check.
const (
	maxTime    = 16
	maxMemory  = 1 << 20 // 1 GiB in KiB
	maxThreads = 16
)

// MinPINDigits is the shortest PIN: a million choices, so that with the
// doubling lock a guesser gets about 50 tries a day (1 in 20,000).
const MinPINDigits = 6

// CheckPIN reports whether pin has the PIN's shape: 6 to 12 ASCII digits.
func CheckPIN(pin string) error {
	if len(pin) < MinPINDigits || len(pin) > 12 {
		return ErrBadPIN
	}
	for i := 0; i < len(pin); i++ {
		if pin[i] < '0' || pin[i] > '9' {
			return ErrBadPIN
		}
	}
	return nil
}

var b64 = base64.RawStdEncoding

// HashPIN returns pin's argon2id hash in PHC string format:
//
//	$argon2id$v=19$m=65536,t=3,p=2,minlen=6$<salt>$<hash>
//
// A hash does not reveal the length of its PIN. The minlen parameter (not
// part of argon2 itself; only this terminal reads it) records the policy
// HashPIN enforced when it made the hash, so that check-config can refuse
// a hash made by an older kiosk, which allowed 4 digits. It is a marker,
// not a proof: whoever edits the configuration can write it by hand. What
// holds regardless is VerifyPIN, which never accepts a PIN shorter than
// MinPINDigits, so a 4-digit PIN cannot open maintenance whatever the hash.
func HashPIN(pin string, p Params) (string, error) {
	if err := CheckPIN(pin); err != nil {
		return "", err
	}
	if p.Time == 0 || p.Time > maxTime || p.Memory < 8*uint32(p.Threads) || p.Memory > maxMemory ||
		p.Threads == 0 || p.Threads > maxThreads || p.KeyLen < 16 || p.KeyLen > 64 || p.SaltLen < 8 || p.SaltLen > 64 {
		return "", fmt.Errorf("maint: argon2id parameters out of range: %+v", p)
	}
	salt := make([]byte, p.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("maint: salt: %w", err)
	}
	key := argon2.IDKey([]byte(pin), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d,minlen=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads, MinPINDigits, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// phc is a parsed hash.
type phc struct {
	p      Params
	minLen int // the minlen marker; 0 when absent
	salt   []byte
	key    []byte
}

// parseHash reads a PHC string, refusing anything but argon2id version 19
// with parameters in bounds.
func parseHash(s string) (phc, error) {
	var h phc
	parts := strings.Split(s, "$")
	// "", "argon2id", "v=19", "m=..,t=..,p=..", salt, hash
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return h, ErrBadHash
	}
	if parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return h, fmt.Errorf("%w: version %q, want v=%d", ErrBadHash, parts[2], argon2.Version)
	}
	seen := map[string]bool{}
	for _, kv := range strings.Split(parts[3], ",") {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || seen[k] {
			return h, fmt.Errorf("%w: parameters %q", ErrBadHash, parts[3])
		}
		seen[k] = true
		n, err := strconv.ParseUint(v, 10, 32)
		if err != nil {
			return h, fmt.Errorf("%w: parameter %s=%q", ErrBadHash, k, v)
		}
		switch k {
		case "m":
			h.p.Memory = uint32(n)
		case "t":
			h.p.Time = uint32(n)
		case "minlen":
			if n > 12 {
				return h, fmt.Errorf("%w: minlen %d", ErrBadHash, n)
			}
			h.minLen = int(n)
		case "p":
			if n > 255 {
				return h, fmt.Errorf("%w: parallelism %d", ErrBadHash, n)
			}
			h.p.Threads = uint8(n)
		default:
			return h, fmt.Errorf("%w: unknown parameter %q", ErrBadHash, k)
		}
	}
	if !seen["m"] || !seen["t"] || !seen["p"] {
		return h, fmt.Errorf("%w: parameters %q need m, t and p", ErrBadHash, parts[3])
	}
	if h.p.Time == 0 || h.p.Time > maxTime || h.p.Threads == 0 || h.p.Threads > maxThreads ||
		h.p.Memory < 8*uint32(h.p.Threads) || h.p.Memory > maxMemory {
		return h, fmt.Errorf("%w: parameters m=%d,t=%d,p=%d out of range", ErrBadHash, h.p.Memory, h.p.Time, h.p.Threads)
	}
	var err error
	if h.salt, err = b64.DecodeString(parts[4]); err != nil || len(h.salt) < 8 || len(h.salt) > 64 {
		return h, fmt.Errorf("%w: salt", ErrBadHash)
	}
	if h.key, err = b64.DecodeString(parts[5]); err != nil || len(h.key) < 16 || len(h.key) > 64 {
		return h, fmt.Errorf("%w: hash", ErrBadHash)
	}
	h.p.KeyLen, h.p.SaltLen = uint32(len(h.key)), uint32(len(h.salt))
	return h, nil
}

// CheckHash reports whether hash is a usable argon2id PHC string.
func CheckHash(hash string) error {
	_, err := parseHash(hash)
	return err
}

// CheckHashPolicy reports whether hash is usable and was made under the
// 6-digit rule (its minlen marker): ErrWeakHash when not.
func CheckHashPolicy(hash string) error {
	h, err := parseHash(hash)
	if err != nil {
		return err
	}
	if h.minLen < MinPINDigits {
		return ErrWeakHash
	}
	return nil
}

// VerifyPIN checks pin against a PHC hash in constant time. It returns nil
// for the right PIN, ErrWrongPIN for a wrong one (and for one of the wrong
// shape), and ErrBadHash when the hash itself is unusable.
func VerifyPIN(hash, pin string) error {
	h, err := parseHash(hash)
	if err != nil {
		return err
	}
	if CheckPIN(pin) != nil {
		return ErrWrongPIN
	}
	key := argon2.IDKey([]byte(pin), h.salt, h.p.Time, h.p.Memory, h.p.Threads, uint32(len(h.key)))
	if subtle.ConstantTimeCompare(key, h.key) != 1 {
		return ErrWrongPIN
	}
	return nil
}

// LockedError says until when entry is locked.
type LockedError struct {
	Until time.Time
}

func (e *LockedError) Error() string {
	return "maint: entry locked after too many wrong PINs until " + e.Until.Format("15:04:05")
}

// Unwrap makes errors.Is(err, ErrLocked) true.
func (e *LockedError) Unwrap() error { return ErrLocked }
