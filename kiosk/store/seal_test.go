package store

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

func TestLoadOrCreateKey(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "sub", "seal.key")
	k1, err := LoadOrCreateKey(path)
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 || st.Size() != KeySize {
		t.Fatalf("key file mode %04o size %d, want 0600 and %d", st.Mode().Perm(), st.Size(), KeySize)
	}
	k2, err := LoadOrCreateKey(path)
	if err != nil {
		t.Fatal(err)
	}
	k3, err := LoadKey(path)
	if err != nil || !bytes.Equal(k1, k3) {
		t.Fatalf("LoadKey: %v", err)
	}
	if _, err := LoadKey(filepath.Join(dir, "none")); !errors.Is(err, ErrBadKey) {
		t.Fatalf("LoadKey of a missing file: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "none")); err == nil {
		t.Fatal("LoadKey created a key")
	}
	if !bytes.Equal(k1, k2) {
		t.Fatal("second load gave another key")
	}
	if bytes.Equal(k1, make([]byte, KeySize)) {
		t.Fatal("key is all zero")
	}

	tests := []struct {
		name  string
		write []byte
		mode  os.FileMode
	}{
		{"short", make([]byte, 16), 0o600},
		{"long", make([]byte, 33), 0o600},
		{"empty", nil, 0o600},
		{"world readable", make([]byte, KeySize), 0o644},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := filepath.Join(t.TempDir(), "k")
			if err := os.WriteFile(p, tc.write, tc.mode); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(p, tc.mode); err != nil {
				t.Fatal(err)
			}
			_, err := LoadOrCreateKey(p)
			if !errors.Is(err, ErrBadKey) {
				t.Fatalf("got %v, want ErrBadKey", err)
			}
			got, _ := os.ReadFile(p)
			if !bytes.Equal(got, tc.write) {
				t.Fatal("a bad key file was overwritten")
			}
		})
	}
	if _, err := NewSealer(make([]byte, 31)); !errors.Is(err, ErrBadKey) {
		t.Fatalf("NewSealer(31 bytes) = %v, want ErrBadKey", err)
	}
}

func TestLoadOrCreateKeyRace(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "seal.key")
	keys := make([][]byte, 8)
	errs := make([]error, 8)
	var wg sync.WaitGroup
	for i := range keys {
		wg.Add(1)
		go func() {
			defer wg.Done()
			keys[i], errs[i] = LoadOrCreateKey(path)
		}()
	}
	wg.Wait()
	for i := range keys {
		if errs[i] != nil || !bytes.Equal(keys[i], keys[0]) {
			t.Fatalf("racer %d: %v, or a different key", i, errs[i])
		}
	}
	left, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".seal-key-*"))
	if len(left) != 0 {
		t.Fatalf("temporary key files left: %v", left)
	}
}

func TestSealOpen(t *testing.T) {
	t.Parallel()
	key := bytes.Repeat([]byte{7}, KeySize)
	s, err := NewSealer(key)
	if err != nil {
		t.Fatal(err)
	}
	other, _ := NewSealer(bytes.Repeat([]byte{8}, KeySize))
	plain := []byte(`{"name":"王秀英"}`)
	sealed := s.Seal(plain, []byte("row-1"))
	if bytes.Contains(sealed, plain) {
		t.Fatal("sealed data contains the plain text")
	}
	if bytes.Equal(sealed, s.Seal(plain, []byte("row-1"))) {
		t.Fatal("two seals of the same text are equal: nonce reused")
	}
	got, err := s.Open(sealed, []byte("row-1"))
	if err != nil || !bytes.Equal(got, plain) {
		t.Fatalf("Open = %q, %v", got, err)
	}
	flipped := bytes.Clone(sealed)
	flipped[len(flipped)-1] ^= 1
	tests := []struct {
		name   string
		s      *Sealer
		sealed []byte
		aad    string
	}{
		{"other row", s, sealed, "row-2"},
		{"other key", other, sealed, "row-1"},
		{"altered", s, flipped, "row-1"},
		{"truncated", s, sealed[:10], "row-1"},
		{"empty", s, nil, "row-1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if _, err := tc.s.Open(tc.sealed, []byte(tc.aad)); !errors.Is(err, ErrSealBroken) {
				t.Fatalf("got %v, want ErrSealBroken", err)
			}
		})
	}
	id := "31011519900000017X"
	if s.Tag(id) != s.Tag("31011519900000017x") {
		t.Fatal("tag differs by the case of X")
	}
	if s.Tag(id) == other.Tag(id) || s.Tag(id) == s.Tag("310115199000000181") {
		t.Fatal("tags collide")
	}
	if bytes.Contains([]byte(s.Tag(id)), []byte(id[:6])) {
		t.Fatal("tag shows the number")
	}
}

func FuzzOpen(f *testing.F) {
	s, _ := NewSealer(bytes.Repeat([]byte{7}, KeySize))
	f.Add(s.Seal([]byte("hello"), []byte("a")), "a")
	f.Add([]byte{}, "")
	f.Add(bytes.Repeat([]byte{0}, 40), "a")
	f.Fuzz(func(t *testing.T, sealed []byte, aad string) {
		plain, err := s.Open(sealed, []byte(aad))
		if err == nil && !bytes.Equal(s.mustOpen(t, s.Seal(plain, []byte(aad)), aad), plain) {
			t.Fatal("round trip differs")
		}
		if err != nil && !errors.Is(err, ErrSealBroken) {
			t.Fatalf("untyped error %v", err)
		}
	})
}

func (s *Sealer) mustOpen(t *testing.T, sealed []byte, aad string) []byte {
	t.Helper()
	p, err := s.Open(sealed, []byte(aad))
	if err != nil {
		t.Fatal(err)
	}
	return p
}
