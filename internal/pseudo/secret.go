// Package pseudo pseudonymises records at the partner, before they leave:
// identifiers are normalised (package normalise), turned into keyed
// HMAC-SHA256 tokens for exact matching and into Bloom-filter encodings for
// approximate matching (package clk, byte-compatible with clkhash), and the
// raw identifiers are dropped. It needs no network and no store: the secret
// key stays with the partner and the platform only ever sees the output.
//
// A linkage schema ([Spec]) says which columns are identifiers, how each is
// normalised, which token combinations and encodings to make, and which
// non-identifying columns pass through. [Run] applies it to a CSV file;
// [Encoder] applies it to single records.
package pseudo

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"

	"golang.org/x/crypto/hkdf"

	"github.com/civiclink/civiclink/internal/fault"

	"github.com/civiclink/civiclink/internal/catalog"
)

// Secret is a partner's linkage secret. It cannot be printed, logged or
// marshalled: every text form of it is "[secret]".
type Secret struct {
	b []byte
}

// NewSecret returns a Secret holding a copy of b. It is for tests and
// programs that hold the secret already; partners use [ReadSecretFile].
func NewSecret(b []byte) (*Secret, error) {
	if len(b) == 0 {
		return nil, fault.Errorf(fault.Invalid, "the secret is empty: use at least 16 random bytes")
	}
	return &Secret{b: bytes.Clone(b)}, nil
}

// ReadSecretFile reads a secret from a file: its bytes are the secret, less
// one trailing newline (\n or \r\n). A file that group or others may read
// or write is refused, so that a secret that has leaked on the machine is
// not used; make it with `umask 077` or fix it with `chmod 600 FILE`.
func ReadSecretFile(path string) (*Secret, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fault.Errorf(fault.Invalid, "cannot open the secret file %s: %v", path, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fault.Errorf(fault.Invalid, "cannot read the secret file %s: %v", path, err)
	}
	if st.IsDir() {
		return nil, fault.Errorf(fault.Invalid, "the secret file %s is a folder", path)
	}
	if runtime.GOOS != "windows" && st.Mode().Perm()&0o077 != 0 {
		return nil, fault.Errorf(fault.Forbidden, "the secret file %s can be read or written by other users (mode %04o): run `chmod 600 %s`, and if others may have read it, make a new secret", path, st.Mode().Perm(), path)
	}
	b, err := io.ReadAll(io.LimitReader(f, 1<<20))
	if err != nil {
		return nil, fault.Errorf(fault.Invalid, "cannot read the secret file %s: %v", path, err)
	}
	if bytes.HasSuffix(b, []byte("\r\n")) {
		b = b[:len(b)-2]
	} else if bytes.HasSuffix(b, []byte("\n")) {
		b = b[:len(b)-1]
	}
	if len(b) == 0 {
		return nil, fault.Errorf(fault.Invalid, "the secret file %s is empty: put at least 16 random bytes in it, e.g. `head -c 32 /dev/urandom | base64 > %s`", path, path)
	}
	return &Secret{b: b}, nil
}

// String returns "[secret]".
func (s *Secret) String() string { return "[secret]" }

// GoString returns "[secret]", so %#v does not show the bytes either.
func (s *Secret) GoString() string { return "[secret]" }

// Format prints "[secret]" for every verb.
func (s *Secret) Format(f fmt.State, _ rune) { io.WriteString(f, "[secret]") }

// MarshalText returns "[secret]", so JSON and other encoders never carry it.
func (s *Secret) MarshalText() ([]byte, error) { return []byte("[secret]"), nil }

// derive returns n bytes of HKDF-SHA256 of the secret with the given salt
// and info: one key per purpose, so that a token key, a Bloom-filter key and
// a key of another project are unrelated.
func (s *Secret) derive(salt, info string, n int) []byte {
	out := make([]byte, n)
	if _, err := io.ReadFull(hkdf.New(sha256.New, s.b, []byte(salt), []byte(info)), out); err != nil {
		panic("pseudo: HKDF cannot fail for short outputs: " + err.Error())
	}
	return out
}

// keyID names a derived key without revealing it: the first 8 bytes, in
// hex, of SHA-256 over a label and the key. Two outputs with the same key id
// were made with the same key; different ids must not be compared.
func keyID(key []byte) string {
	h := sha256.New()
	h.Write([]byte("civiclink key id v1\x00"))
	h.Write(key)
	return hex.EncodeToString(h.Sum(nil)[:8])
}

// keyIDTag is how a key id appears in a column description.
const keyIDTag = "key-id="

// ColumnKeyID returns the key id recorded in a token or encoding column's
// description by civiclink pseudonymise. Linkage must refuse to compare
// columns whose key ids differ: they were made with different secrets,
// projects or settings and cannot match.
func ColumnKeyID(description string) (string, bool) {
	i := strings.LastIndex(description, keyIDTag)
	if i < 0 {
		return "", false
	}
	id := description[i+len(keyIDTag):]
	if j := strings.IndexAny(id, " ;,)"); j >= 0 {
		id = id[:j]
	}
	return id, id != ""
}

// SchemaKeyIDs returns the key id of every column of s whose description
// records one (see [ColumnKeyID]), by column name.
func SchemaKeyIDs(s *catalog.Schema) map[string]string {
	ids := map[string]string{}
	for _, c := range s.Columns {
		if id, ok := ColumnKeyID(c.Description); ok {
			ids[c.Name] = id
		}
	}
	return ids
}
