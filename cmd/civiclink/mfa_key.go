package main

import (
	"encoding/base64"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/govern"
)

// mfaKeyPath is the file of the key that seals second-factor secrets:
// $CIVICLINK_MFA_KEY_FILE, else beside the data (<data>.mfa-key); "" for
// an in-memory store.
func (m *Main) mfaKeyPath() string {
	switch {
	case os.Getenv("CIVICLINK_MFA_KEY_FILE") != "":
		return os.Getenv("CIVICLINK_MFA_KEY_FILE")
	case m.DataPath == "":
		return ""
	case m.onPostgres():
		return enginePath() + ".mfa-key"
	}
	return m.DataPath + ".mfa-key"
}

// mfaKey returns the key that seals second-factor secrets at rest:
// $CIVICLINK_MFA_KEY (base64), else the key file, created with a new key
// when missing; an in-memory store gets a throw-away key.
func (m *Main) mfaKey() ([]byte, error) {
	if text := os.Getenv("CIVICLINK_MFA_KEY"); text != "" {
		return decodeMFAKey(text, "CIVICLINK_MFA_KEY")
	}
	path := m.mfaKeyPath()
	if path == "" {
		return govern.NewMFAKey(), nil
	}
	b, err := os.ReadFile(path)
	if err == nil {
		return decodeMFAKey(string(b), path)
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, fault.Wrap(err, fault.Invalid, "cannot read the second-factor key %s", path)
	}
	k := govern.NewMFAKey()
	if err := createWhole(path, []byte(base64.StdEncoding.EncodeToString(k)+"\n")); err != nil {
		if errors.Is(err, fs.ErrExist) { // another command made it first: use theirs
			if b, err := os.ReadFile(path); err == nil {
				return decodeMFAKey(string(b), path)
			}
		}
		return nil, fault.Wrap(err, fault.Invalid, "cannot create the second-factor key %s: set CIVICLINK_MFA_KEY_FILE to a writable place", path)
	}
	// Said in docs/web.md, not here: every command may be the first, and a
	// line on stderr would break the server's JSON log and scripts' output.
	return k, nil
}

// decodeMFAKey reads a base64 key of the right length from where.
func decodeMFAKey(text, where string) ([]byte, error) {
	k, err := base64.StdEncoding.DecodeString(strings.TrimSpace(text))
	if err != nil || len(k) != govern.MFAKeySize {
		return nil, fault.Errorf(fault.Invalid, "the second-factor key in %s must be %d random bytes in base64 (e.g. `head -c 32 /dev/urandom | base64`)", where, govern.MFAKeySize)
	}
	return k, nil
}

// createWhole creates path holding b, whole or not at all: written and
// synced under a temporary name, then linked into place (fs.ErrExist if
// path appeared meanwhile). A full disk or a kill never leaves a short
// file at path.
func createWhole(path string, b []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".new-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Link(tmp, path)
}
