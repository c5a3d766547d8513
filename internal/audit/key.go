package audit

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"io/fs"
	"os"

	"github.com/civiclink/civiclink/internal/fault"
)

// LoadKey reads the ed25519 private key (PKCS#8 PEM) at path.
func LoadKey(path string) (ed25519.PrivateKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fault.Wrap(err, fault.NotFound, "no audit signing key at %s", path)
		}
		return nil, fault.Wrap(err, fault.Invalid, "cannot read the audit signing key %s", path)
	}
	blk, _ := pem.Decode(b)
	if blk == nil || blk.Type != "PRIVATE KEY" {
		return nil, fault.Errorf(fault.Invalid, "%s is not a PEM \"PRIVATE KEY\" file; the audit key is an ed25519 PKCS#8 key", path)
	}
	k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		return nil, fault.Wrap(err, fault.Invalid, "%s does not hold a readable private key", path)
	}
	ek, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, fault.Errorf(fault.Invalid, "%s holds a %T, not an ed25519 key", path, k)
	}
	return ek, nil
}

// LoadOrCreateKey reads the key at path, or, when there is no file, makes a
// new key and writes it there with mode 0600. It reports whether it made one.
func LoadOrCreateKey(path string) (ed25519.PrivateKey, bool, error) {
	k, err := LoadKey(path)
	if fault.Code(err) != fault.NotFound {
		return k, false, err
	}
	_, k, err = ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, false, fault.Wrap(err, fault.Internal, "cannot generate an audit signing key")
	}
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		return nil, false, fault.Wrap(err, fault.Internal, "cannot encode the audit signing key")
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, false, fault.Wrap(err, fault.Invalid, "cannot create the audit signing key %s: is its folder writable?", path)
	}
	if err := pem.Encode(f, &pem.Block{Type: "PRIVATE KEY", Bytes: der}); err != nil {
		f.Close()
		return nil, false, fault.Wrap(err, fault.Internal, "cannot write the audit signing key %s", path)
	}
	if err := f.Close(); err != nil {
		return nil, false, fault.Wrap(err, fault.Internal, "cannot write the audit signing key %s", path)
	}
	return k, true, nil
}

// EncodePublicKey returns pub as a PEM "PUBLIC KEY" (PKIX) block, the form
// partners keep to check heads.
func EncodePublicKey(pub ed25519.PublicKey) []byte {
	der, _ := x509.MarshalPKIXPublicKey(pub)
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}

// ParsePublicKey reads a PEM "PUBLIC KEY" block holding an ed25519 key.
func ParsePublicKey(b []byte) (ed25519.PublicKey, error) {
	blk, _ := pem.Decode(b)
	if blk == nil || blk.Type != "PUBLIC KEY" {
		return nil, fault.Errorf(fault.Invalid, "not a PEM \"PUBLIC KEY\"; export one with `civiclink audit key`")
	}
	k, err := x509.ParsePKIXPublicKey(blk.Bytes)
	if err != nil {
		return nil, fault.Wrap(err, fault.Invalid, "the public key cannot be read")
	}
	ek, ok := k.(ed25519.PublicKey)
	if !ok {
		return nil, fault.Errorf(fault.Invalid, "the public key is a %T, not ed25519", k)
	}
	return ek, nil
}
