package govern

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"strings"

	"github.com/civiclink/civiclink/internal/fault"
)

// sealedPrefix marks a TOTP secret sealed with the MFA key (AES-256-GCM,
// the user id as additional data, so a sealed secret moved to another
// user's row does not open).
const sealedPrefix = "sealed:v1:"

// MFAKeySize is the length of [Service.MFAKey]: AES-256.
const MFAKeySize = 32

// NewMFAKey returns a new random key for sealing TOTP secrets.
func NewMFAKey() []byte {
	k := make([]byte, MFAKeySize)
	rand.Read(k) // never fails (crypto/rand panics rather than return short)
	return k
}

// sealedMFA is an [MFAStore] that seals secrets before they are stored and
// opens them as they are read. Without a key it stores them as they are
// and refuses to read a sealed one.
type sealedMFA struct {
	MFAStore
	aead cipher.AEAD // nil: no key
}

func newSealedMFA(ms MFAStore, key []byte) (*sealedMFA, error) {
	w := &sealedMFA{MFAStore: ms}
	if key == nil {
		return w, nil
	}
	if len(key) != MFAKeySize {
		return nil, fault.Errorf(fault.Invalid, "the second-factor key must be %d bytes, not %d: docs/web.md says how to make one", MFAKeySize, len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fault.Wrap(err, fault.Internal, "cannot use the second-factor key")
	}
	if w.aead, err = cipher.NewGCM(block); err != nil {
		return nil, fault.Wrap(err, fault.Internal, "cannot use the second-factor key")
	}
	return w, nil
}

// UserMFA reads a second factor and opens its secret; a secret still
// stored in the clear is sealed now.
func (w *sealedMFA) UserMFA(ctx context.Context, userID string) (*MFA, error) {
	m, err := w.MFAStore.UserMFA(ctx, userID)
	if err != nil {
		return nil, err
	}
	if !strings.HasPrefix(m.Secret, sealedPrefix) {
		if w.aead != nil {
			if err := w.SaveUserMFA(ctx, m); err != nil {
				return nil, err
			}
		}
		return m, nil
	}
	if w.aead == nil {
		return nil, fault.Errorf(fault.Internal, "the second factor of %q is sealed, but no second-factor key is configured: give the key file (CIVICLINK_MFA_KEY_FILE)", userID)
	}
	raw, err := base64.RawStdEncoding.DecodeString(strings.TrimPrefix(m.Secret, sealedPrefix))
	ns := w.aead.NonceSize()
	if err != nil || len(raw) < ns {
		return nil, fault.Errorf(fault.Internal, "the sealed second factor of %q is damaged: reset it (`civiclink user mfa reset %s`)", userID, userID)
	}
	plain, err := w.aead.Open(nil, raw[:ns], raw[ns:], []byte(userID))
	if err != nil {
		return nil, fault.Errorf(fault.Internal, "the second factor of %q does not open with the configured key (another key, or a row moved between users): restore the key it was sealed with, or reset it (`civiclink user mfa reset %s`)", userID, userID)
	}
	m.Secret = string(plain)
	return m, nil
}

// SaveUserMFA seals the secret (when there is a key) and stores m.
func (w *sealedMFA) SaveUserMFA(ctx context.Context, m *MFA) error {
	if w.aead == nil || strings.HasPrefix(m.Secret, sealedPrefix) {
		return w.MFAStore.SaveUserMFA(ctx, m)
	}
	nonce := make([]byte, w.aead.NonceSize())
	rand.Read(nonce)
	sealed := w.aead.Seal(nonce, nonce, []byte(m.Secret), []byte(m.UserID))
	c := *m
	c.Secret = sealedPrefix + base64.RawStdEncoding.EncodeToString(sealed)
	return w.MFAStore.SaveUserMFA(ctx, &c)
}

// SealMFASecrets seals every second-factor secret still stored in the
// clear (those enrolled before a key was configured), returning how many.
// `civiclink serve` runs it at start.
func (s *Service) SealMFASecrets(ctx context.Context) (int, error) {
	if s.MFAKey == nil {
		return 0, nil
	}
	ms, err := s.mfaStore()
	if err != nil {
		return 0, err
	}
	users, err := s.Store.Users(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, u := range users {
		m, err := ms.MFAStore.UserMFA(ctx, u.ID)
		if fault.Code(err) == fault.NotFound {
			continue
		}
		if err != nil {
			return n, err
		}
		if strings.HasPrefix(m.Secret, sealedPrefix) {
			continue
		}
		if err := ms.SaveUserMFA(ctx, m); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}
