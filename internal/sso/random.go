package sso

import (
	"crypto/rand"
	"encoding/base64"
)

// random returns 256 random bits, URL-safe: a state or nonce.
func random() string {
	b := make([]byte, 32)
	rand.Read(b) // never fails (crypto/rand panics rather than return short)
	return base64.RawURLEncoding.EncodeToString(b)
}
