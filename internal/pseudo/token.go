package pseudo

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"hash"
	"strings"
	"sync"

	"github.com/civiclink/civiclink/internal/pseudo/clk"
)

// TokenKey makes exact-match tokens for one combination of fields in one
// project: HMAC-SHA256, keyed by HKDF-SHA256 of the secret with the project
// and the field names as context, over the normalised values joined by the
// unit separator U+001F. Equal inputs give equal tokens; another secret,
// project or combination gives unrelated ones. It is safe for concurrent use.
type TokenKey struct {
	fields []string
	keyID  string
	pool   sync.Pool
}

// NewTokenKey derives the key for the named fields (in this order) in the
// project.
func NewTokenKey(secret *Secret, project string, fields []string) *TokenKey {
	info := "civiclink token v1\x00" + project + "\x00" + strings.Join(fields, "+")
	key := secret.derive("civiclink/token/v1", info, 32)
	t := &TokenKey{fields: append([]string(nil), fields...), keyID: keyID(key)}
	t.pool.New = func() any { return &tokenMAC{h: hmac.New(sha256.New, key)} }
	return t
}

type tokenMAC struct {
	h        hash.Hash
	msg, sum []byte
}

// KeyID identifies the token key without revealing it.
func (t *TokenKey) KeyID() string { return t.keyID }

// Token returns the token of the normalised values, one per field, as 64
// lowercase hex digits, or "" when any value is missing ("").
func (t *TokenKey) Token(values ...string) string {
	var buf [sha256.Size]byte
	sum, ok := t.appendSum(buf[:0], values)
	if !ok {
		return ""
	}
	return hex.EncodeToString(sum)
}

// appendSum appends the MAC of the values to dst; false when one is missing.
func (t *TokenKey) appendSum(dst []byte, values []string) ([]byte, bool) {
	for _, v := range values {
		if v == "" {
			return dst, false
		}
	}
	m := t.pool.Get().(*tokenMAC)
	defer t.pool.Put(m)
	m.msg = m.msg[:0]
	for i, v := range values {
		if i > 0 {
			m.msg = append(m.msg, 0x1f)
		}
		m.msg = append(m.msg, v...)
	}
	m.h.Reset()
	m.h.Write(m.msg)
	m.sum = m.h.Sum(m.sum[:0])
	return append(dst, m.sum...), true
}

// ClkhashSchema returns the one-feature clkhash v3 schema that the filter
// applies to a normalised value in the project (defaults filled in by
// [Spec.Validate] or [NewFieldFilter]). With the same secret,
// clkhash itself makes the same encodings from it.
func (f *FilterSpec) ClkhashSchema(project string) []byte {
	salt := sha256.Sum256([]byte("civiclink/field-filter/v1\x00" + project))
	strategy := map[string]int{"bitsPerToken": f.BitsPerToken}
	if f.BitsPerFeature > 0 {
		strategy = map[string]int{"bitsPerFeature": f.BitsPerFeature}
	}
	h := map[string]any{"type": f.Hash}
	if f.Hash == "doubleHash" {
		h["prevent_singularity"] = true
	}
	schema := map[string]any{
		"version": 3,
		"clkConfig": map[string]any{
			"l": f.L, "xor_folds": f.XorFolds,
			"kdf": map[string]any{"type": "HKDF", "hash": "SHA256", "keySize": 64,
				"salt": base64.StdEncoding.EncodeToString(salt[:]),
				"info": base64.StdEncoding.EncodeToString([]byte("civiclink field filter v1\x00" + f.Field))},
		},
		"features": []any{map[string]any{
			"identifier": f.Field,
			"format":     map[string]any{"type": "string", "encoding": "utf-8"},
			"hashing": map[string]any{
				"comparison": map[string]any{"type": "ngram", "n": f.N, "positional": f.Positional},
				"strategy":   strategy,
				"hash":       h,
			},
		}},
	}
	b, _ := json.MarshalIndent(schema, "", "  ")
	return b
}

func (f *FilterSpec) clkSchema(project string) (*clk.Schema, error) {
	return clk.ParseSchema(bytes.NewReader(f.ClkhashSchema(project)))
}

// NewFieldFilter returns the encoder of a per-field Bloom filter: call its
// EncodeBase64 with a one-element slice holding the normalised value. An
// empty value gives an all-zero filter; pseudonymise writes an empty cell
// for a missing value instead.
func NewFieldFilter(secret *Secret, project string, f FilterSpec) (*clk.Encoder, error) {
	f.setDefaults()
	cs, err := f.clkSchema(project)
	if err != nil {
		return nil, err
	}
	e, err := clk.NewEncoder(cs, secret.b)
	if err != nil {
		return nil, err
	}
	e.SkipEmpty = true
	return e, nil
}
