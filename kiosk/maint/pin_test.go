package maint

import (
	"errors"
	"os"
	"strings"
	"testing"

	"golang.org/x/crypto/argon2"
)

// cheap parameters keep the tests fast; the format is the same.
var cheap = Params{Time: 1, Memory: 64, Threads: 1, KeyLen: 32, SaltLen: 16}

func TestHashAndVerifyPIN(t *testing.T) {
	t.Parallel()
	h, err := HashPIN("135790", cheap)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=64,t=1,p=1,minlen=6$") {
		t.Errorf("hash %q is not in PHC format", h)
	}
	h2, _ := HashPIN("135790", cheap)
	if h == h2 {
		t.Error("two hashes of one PIN are equal: the salt is not random")
	}
	tests := []struct {
		pin  string
		want error
	}{
		{"135790", nil},
		{"135791", ErrWrongPIN},
		{"1357900", ErrWrongPIN},
		{"", ErrWrongPIN},
		{"13579０", ErrWrongPIN}, // a full-width digit
		{"abcdef", ErrWrongPIN},
		{"1357", ErrWrongPIN},
	}
	for _, tt := range tests {
		t.Run(tt.pin, func(t *testing.T) {
			t.Parallel()
			if err := VerifyPIN(h, tt.pin); !errors.Is(err, tt.want) {
				t.Errorf("VerifyPIN(%q) = %v, want %v", tt.pin, err, tt.want)
			}
			if err := VerifyPIN(h2, tt.pin); !errors.Is(err, tt.want) {
				t.Errorf("VerifyPIN(second hash, %q) = %v, want %v", tt.pin, err, tt.want)
			}
		})
	}
}

func TestDefaultParams(t *testing.T) {
	t.Parallel()
	h, err := HashPIN("246810", DefaultParams)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=65536,t=3,p=2,minlen=6$") {
		t.Errorf("default hash %q", h)
	}
	if err := VerifyPIN(h, "246810"); err != nil {
		t.Error(err)
	}
	if err := CheckHashPolicy(h); err != nil {
		t.Errorf("CheckHashPolicy(new hash) = %v", err)
	}
}

func TestHashPINRefuses(t *testing.T) {
	t.Parallel()
	for _, pin := range []string{"123", "1234", "12345", "1234567890123", "12a456", " 12345"} {
		if _, err := HashPIN(pin, cheap); !errors.Is(err, ErrBadPIN) {
			t.Errorf("HashPIN(%q) err = %v, want ErrBadPIN", pin, err)
		}
	}
	if _, err := HashPIN("123456", Params{Time: 0, Memory: 64, Threads: 1, KeyLen: 32, SaltLen: 16}); err == nil {
		t.Error("zero passes accepted")
	}
}

// TestStoredHash: a hash made once and kept in testdata still verifies
// (the format and the parameters are read back, not assumed).
func TestStoredHash(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("testdata/pin-246810.phc")
	if err != nil {
		t.Fatal(err)
	}
	h := strings.TrimSpace(string(b))
	if err := VerifyPIN(h, "246810"); err != nil {
		t.Errorf("stored hash: %v", err)
	}
	if err := VerifyPIN(h, "246811"); !errors.Is(err, ErrWrongPIN) {
		t.Errorf("stored hash, wrong PIN: %v", err)
	}
	// Made before the 6-digit rule: usable, but without the marker.
	if err := CheckHash(h); err != nil {
		t.Errorf("CheckHash(stored) = %v", err)
	}
	if err := CheckHashPolicy(h); !errors.Is(err, ErrWeakHash) {
		t.Errorf("CheckHashPolicy(stored, no marker) = %v, want ErrWeakHash", err)
	}
}

// A hash of a 4-digit PIN, as an older kiosk made it, never opens
// maintenance: VerifyPIN refuses a PIN of fewer than 6 digits before
// hashing it. A forged minlen marker changes nothing.
func TestOldFourDigitHash(t *testing.T) {
	t.Parallel()
	salt := []byte("0123456789abcdef")
	key := argon2.IDKey([]byte("2468"), salt, 1, 64, 1, 32)
	for _, params := range []string{"m=64,t=1,p=1", "m=64,t=1,p=1,minlen=6"} {
		h := "$argon2id$v=19$" + params + "$" + b64.EncodeToString(salt) + "$" + b64.EncodeToString(key)
		if err := VerifyPIN(h, "2468"); !errors.Is(err, ErrWrongPIN) {
			t.Errorf("%s: VerifyPIN(4 digits) = %v, want ErrWrongPIN", params, err)
		}
	}
}

func TestBadHashes(t *testing.T) {
	t.Parallel()
	good, _ := HashPIN("135790", cheap)
	parts := strings.Split(good, "$")
	salt, key := parts[4], parts[5]
	tests := map[string]string{
		"empty":          "",
		"plain pin":      "1234",
		"argon2i":        "$argon2i$v=19$m=64,t=1,p=1$" + salt + "$" + key,
		"old version":    "$argon2id$v=16$m=64,t=1,p=1$" + salt + "$" + key,
		"missing m":      "$argon2id$v=19$t=1,p=1$" + salt + "$" + key,
		"repeated t":     "$argon2id$v=19$m=64,t=1,t=2,p=1$" + salt + "$" + key,
		"unknown param":  "$argon2id$v=19$m=64,t=1,p=1,x=2$" + salt + "$" + key,
		"huge memory":    "$argon2id$v=19$m=4294967295,t=1,p=1$" + salt + "$" + key,
		"huge time":      "$argon2id$v=19$m=64,t=100000,p=1$" + salt + "$" + key,
		"zero threads":   "$argon2id$v=19$m=64,t=1,p=0$" + salt + "$" + key,
		"threads > 255":  "$argon2id$v=19$m=64,t=1,p=300$" + salt + "$" + key,
		"short salt":     "$argon2id$v=19$m=64,t=1,p=1$YWJj$" + key,
		"bad base64":     "$argon2id$v=19$m=64,t=1,p=1$" + salt + "$!!!",
		"short key":      "$argon2id$v=19$m=64,t=1,p=1$" + salt + "$YWJj",
		"extra field":    good + "$x",
		"negative":       "$argon2id$v=19$m=-64,t=1,p=1$" + salt + "$" + key,
		"minlen > 12":    "$argon2id$v=19$m=64,t=1,p=1,minlen=13$" + salt + "$" + key,
		"memory < 8 * p": "$argon2id$v=19$m=8,t=1,p=4$" + salt + "$" + key,
	}
	for name, h := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if err := VerifyPIN(h, "135790"); !errors.Is(err, ErrBadHash) {
				t.Errorf("VerifyPIN err = %v, want ErrBadHash", err)
			}
			if err := CheckHash(h); !errors.Is(err, ErrBadHash) {
				t.Errorf("CheckHash err = %v, want ErrBadHash", err)
			}
		})
	}
}

// FuzzParseHash: any string is refused cleanly or parsed within bounds,
// never a panic or a giant allocation.
func FuzzParseHash(f *testing.F) {
	if b, err := os.ReadFile("testdata/pin-246810.phc"); err == nil {
		f.Add(strings.TrimSpace(string(b)))
	}
	f.Add("$argon2id$v=19$m=65536,t=3,p=2$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA")
	f.Add("$argon2id$v=19$m=,t=,p=$$")
	f.Fuzz(func(t *testing.T, s string) {
		h, err := parseHash(s)
		if err != nil {
			if !errors.Is(err, ErrBadHash) {
				t.Fatalf("error %v does not wrap ErrBadHash", err)
			}
			return
		}
		if h.p.Memory > maxMemory || h.p.Time > maxTime || h.p.Threads > maxThreads || len(h.key) < 16 {
			t.Fatalf("accepted out-of-bounds %+v", h.p)
		}
	})
}
