package store

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// KeySize is the size of the sealing key file: 32 raw bytes (AES-256).
const KeySize = 32

// Sealer seals personal data at rest with AES-256-GCM and derives keyed
// tags (HMAC-SHA256) of ID numbers, so that rows can be found by resident
// without the number ever being stored.
type Sealer struct {
	aead   cipher.AEAD
	tagKey []byte
}

// LoadOrCreateKey reads the key file at path, creating it with 0600 and 32
// bytes from crypto/rand when it does not exist. A file of the wrong size
// or readable by group or others is refused with ErrBadKey.
func LoadOrCreateKey(path string) ([]byte, error) {
	if path == "" {
		return nil, fmt.Errorf("%w: no key file named", ErrBadKey)
	}
	key, err := readKey(path)
	if err == nil || !errors.Is(err, os.ErrNotExist) {
		return key, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("store: key file directory: %w", err)
	}
	key = make([]byte, KeySize)
	if _, err := io.ReadFull(rand.Reader, key); err != nil {
		return nil, fmt.Errorf("store: make key: %w", err)
	}
	// Written whole to a temporary file, then linked into place: a crash
	// never leaves a short key file, and of two processes racing, the
	// second reads the first's key.
	f, err := os.CreateTemp(filepath.Dir(path), ".seal-key-*")
	if err != nil {
		return nil, fmt.Errorf("store: create key file %s: %w", path, err)
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return nil, fmt.Errorf("store: key file %s: %w", path, err)
	}
	if _, err := f.Write(key); err != nil {
		f.Close()
		return nil, fmt.Errorf("store: write key file %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return nil, fmt.Errorf("store: sync key file %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("store: close key file %s: %w", path, err)
	}
	if err := os.Link(tmp, path); err != nil {
		if errors.Is(err, os.ErrExist) {
			return readKey(path)
		}
		return nil, fmt.Errorf("store: create key file %s: %w", path, err)
	}
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return key, nil
}

// LoadKey reads an existing key file without ever creating one (for
// maintenance tools: a new key would not open what the old one sealed).
func LoadKey(path string) ([]byte, error) {
	key, err := readKey(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%w: %s does not exist", ErrBadKey, path)
	}
	return key, err
}

// LoadCredentialKey reads the key from a systemd credential (the file
// systemd decrypted into $CREDENTIALS_DIRECTORY). Its mode is not checked:
// systemd gives the credential to the service's user alone, in a private
// directory, and may grant it by an access list that shows in the group
// bits. It must hold exactly KeySize bytes.
func LoadCredentialKey(path string) ([]byte, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("%w: credential %s: %v", ErrBadKey, filepath.Base(path), errors.Unwrap(err))
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%w: credential %s is not a regular file", ErrBadKey, filepath.Base(path))
	}
	key, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w: credential %s: %v", ErrBadKey, filepath.Base(path), errors.Unwrap(err))
	}
	if len(key) != KeySize {
		return nil, fmt.Errorf("%w: credential %s holds %d bytes, want %d", ErrBadKey, filepath.Base(path), len(key), KeySize)
	}
	return key, nil
}

func readKey(path string) ([]byte, error) {
	st, err := os.Stat(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, err
		}
		return nil, fmt.Errorf("store: key file %s: %w", path, err)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%w: %s is not a regular file", ErrBadKey, path)
	}
	if st.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("%w: %s is readable by others (mode %04o); chmod 600 it", ErrBadKey, path, st.Mode().Perm())
	}
	if st.Size() != KeySize {
		return nil, fmt.Errorf("%w: %s holds %d bytes, want %d", ErrBadKey, path, st.Size(), KeySize)
	}
	key, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("store: read key file %s: %w", path, err)
	}
	if len(key) != KeySize {
		return nil, fmt.Errorf("%w: %s holds %d bytes, want %d", ErrBadKey, path, len(key), KeySize)
	}
	return key, nil
}

// NewSealer makes a Sealer from a 32-byte key.
func NewSealer(key []byte) (*Sealer, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("%w: key is %d bytes, want %d", ErrBadKey, len(key), KeySize)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadKey, err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadKey, err)
	}
	// The tag key is derived, so that the AES key itself is never used as
	// an HMAC key.
	m := hmac.New(sha256.New, key)
	m.Write([]byte("kiosk/store applicant tag v1"))
	return &Sealer{aead: aead, tagKey: m.Sum(nil)}, nil
}

// Seal encrypts plain, binding it to aad (the row's key), and returns
// nonce || ciphertext || tag.
func (s *Sealer) Seal(plain, aad []byte) []byte {
	nonce := make([]byte, s.aead.NonceSize(), s.aead.NonceSize()+len(plain)+s.aead.Overhead())
	rand.Read(nonce) // never fails (crypto/rand since Go 1.24)
	return s.aead.Seal(nonce, nonce, plain, aad)
}

// Open decrypts what Seal made with the same aad; ErrSealBroken when the
// data was altered, moved to another row, or sealed with another key.
func (s *Sealer) Open(sealed, aad []byte) ([]byte, error) {
	n := s.aead.NonceSize()
	if len(sealed) < n+s.aead.Overhead() {
		return nil, fmt.Errorf("%w: %d bytes is too short", ErrSealBroken, len(sealed))
	}
	plain, err := s.aead.Open(nil, sealed[:n], sealed[n:], aad)
	if err != nil {
		return nil, ErrSealBroken
	}
	return plain, nil
}

// Tag is the keyed hash (hex HMAC-SHA256 under a key derived from the
// sealing key) of an ID number: equal numbers give equal tags on this
// terminal, and the tag reveals nothing without the key. Letters are
// upper-cased first so that 'x' and 'X' check characters agree.
func (s *Sealer) Tag(idNumber string) string {
	m := hmac.New(sha256.New, s.tagKey)
	b := []byte(idNumber)
	for i, c := range b {
		if 'a' <= c && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
	}
	m.Write(b)
	return hex.EncodeToString(m.Sum(nil))
}
