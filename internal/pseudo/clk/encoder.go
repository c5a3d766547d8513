package clk

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"hash"
	"io"
	"strconv"
	"sync"
	"unicode/utf8"

	"golang.org/x/crypto/hkdf"

	"github.com/civiclink/civiclink/internal/fault"
)

// Encoder turns records into CLKs under one schema and one secret. It is
// safe for concurrent use: the keys and pre-keyed hash states are shared,
// each call takes its scratch space from a pool.
type Encoder struct {
	schema  *Schema
	feats   []featureKeys
	modulus int
	keyID   string
	// SkipEmpty makes an empty cell hash to nothing without validation when
	// its feature has no missingValue for it. clkhash would reject it; a
	// civiclink linkage schema uses this for an absent optional identifier.
	SkipEmpty bool
	pool      sync.Pool
}

type featureKeys struct {
	key0, key1 []byte
	blake      []blakeState // salted with "0", "1", … as blakeHash needs
}

// FeatureError says which feature of a record could not be encoded.
type FeatureError struct {
	Feature string
	Err     error
}

// Error names the column and says what is wrong with its value.
func (e *FeatureError) Error() string { return "column " + e.Feature + ": " + fault.Message(e.Err) }

// Unwrap returns the cause.
func (e *FeatureError) Unwrap() error { return e.Err }

// NewEncoder derives the per-feature keys from the secret with HKDF as
// clkhash does and returns an encoder for the schema.
func NewEncoder(s *Schema, secret []byte) (*Encoder, error) {
	if len(secret) == 0 {
		return nil, fault.Errorf(fault.Invalid, "the secret is empty")
	}
	keys, err := DeriveKeys(s, secret)
	if err != nil {
		return nil, err
	}
	e := &Encoder{schema: s, modulus: s.Modulus()}
	ks := s.KDF.KeySize
	for i, f := range s.Features {
		fk := featureKeys{key0: keys[2*i*ks : (2*i+1)*ks], key1: keys[(2*i+1)*ks : (2*i+2)*ks]}
		if !f.Ignored && f.Hash.Type == "blakeHash" {
			for j := range maxBlakeCalls(f) {
				fk.blake = append(fk.blake, newBlakeState(fk.key0, []byte(itoa(j))))
			}
		}
		e.feats = append(e.feats, fk)
	}
	h := sha256.New()
	h.Write([]byte("civiclink clk key id v2\x00"))
	h.Write(keys)
	h.Write([]byte(s.settings()))
	e.keyID = hex.EncodeToString(h.Sum(nil)[:8])
	e.pool.New = func() any { return e.newScratch() }
	return e, nil
}

// DeriveKeys returns clkhash's HKDF output for the schema: two keys of
// keySize bytes for every feature, ignored ones included, in order.
func DeriveKeys(s *Schema, secret []byte) ([]byte, error) {
	h := sha256.New
	if s.KDF.Hash == "SHA512" {
		h = sha512.New
	}
	out := make([]byte, 2*s.KDF.KeySize*len(s.Features))
	if _, err := io.ReadFull(hkdf.New(h, secret, s.KDF.Salt, s.KDF.Info), out); err != nil {
		return nil, fault.Wrap(err, fault.Invalid, "cannot derive %d key bytes with HKDF", len(out))
	}
	return out, nil
}

// maxBlakeCalls is how many 64-byte BLAKE2b digests the largest k of the
// feature needs (32 indices each). bitsPerFeature can give one token all of
// its bits.
func maxBlakeCalls(f Feature) int {
	k := f.Strategy.BitsPerToken
	if f.Strategy.PerFeature {
		k = f.Strategy.BitsPerFeature
	}
	return max(1, (k+31)/32)
}

// Schema returns the schema the encoder was made for.
func (e *Encoder) Schema() *Schema { return e.schema }

// KeyID identifies the derived keys and the settings that place bits
// without revealing the keys: the first 8 bytes, in hex, of a SHA-256 of
// the keys and the settings that place bits (l, folds, and per feature its
// format, comparison, strategy, hash and missing value; not its name).
// Encodings with different key ids were made
// under different secrets, key derivations or layouts and must not be
// compared; equal key ids mean comparable encodings.
func (e *Encoder) KeyID() string { return e.keyID }

// Bytes returns the length of an encoding in bytes (l/8).
func (e *Encoder) Bytes() int { return e.schema.L / 8 }

type scratch struct {
	filter []byte
	tokens []string
	tok    []byte
	sha1   []hash.Hash // per feature, keyed with key0; nil when not doubleHash
	md5    []hash.Hash // keyed with key1
	digest [64]byte
	mac    []byte
	blake  *fastBlake
	pad    []byte
	starts []int
	idx    []uint32
	cache  []map[string][]uint32 // per feature: token bytes → bit indices
}

func (e *Encoder) newScratch() *scratch {
	s := &scratch{filter: make([]byte, e.modulus/8), sha1: make([]hash.Hash, len(e.feats)), md5: make([]hash.Hash, len(e.feats)),
		blake: newFastBlake(), cache: make([]map[string][]uint32, len(e.feats))}
	for i := range s.cache {
		s.cache[i] = map[string][]uint32{}
	}
	for i, f := range e.schema.Features {
		if !f.Ignored && f.Hash.Type == "doubleHash" {
			s.sha1[i] = hmac.New(sha1.New, e.feats[i].key0)
			s.md5[i] = hmac.New(md5.New, e.feats[i].key1)
		}
	}
	return s
}

// Encode returns the CLK of one record as l/8 bytes. values holds one cell
// per schema feature, in schema order; ignored features' cells are not read.
func (e *Encoder) Encode(values []string) ([]byte, error) {
	return e.AppendEncoding(nil, values)
}

// EncodeBase64 returns the CLK of one record in clkhash's serialisation:
// standard base64 with padding.
func (e *Encoder) EncodeBase64(values []string) (string, error) {
	b, err := e.Encode(values)
	if err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(b), nil
}

// AppendEncoding appends the CLK of one record (l/8 bytes) to dst.
func (e *Encoder) AppendEncoding(dst []byte, values []string) ([]byte, error) {
	s := e.pool.Get().(*scratch)
	defer e.pool.Put(s)
	return e.appendEncoding(s, dst, values)
}

// Worker encodes records for one goroutine with its own scratch space and
// token cache, which then stay warm for the goroutine's whole run. It is
// not safe for concurrent use; make one per goroutine.
type Worker struct {
	e *Encoder
	s *scratch
}

// NewWorker returns a [Worker] of the encoder.
func (e *Encoder) NewWorker() *Worker { return &Worker{e: e, s: e.newScratch()} }

// AppendEncoding appends the CLK of one record (l/8 bytes) to dst.
func (w *Worker) AppendEncoding(dst []byte, values []string) ([]byte, error) {
	return w.e.appendEncoding(w.s, dst, values)
}

func (e *Encoder) appendEncoding(s *scratch, dst []byte, values []string) ([]byte, error) {
	if len(values) != len(e.feats) {
		return dst, fault.Errorf(fault.Invalid, "a record has %d values but the schema has %d features", len(values), len(e.feats))
	}
	clear(s.filter)
	for i := range e.schema.Features {
		if err := e.hashFeature(s, i, values[i]); err != nil {
			return dst, err
		}
	}
	f := s.filter
	for range e.schema.XorFolds {
		half := len(f) / 2
		for j := range half {
			f[j] ^= f[half+j]
		}
		f = f[:half]
	}
	return append(dst, f...), nil
}

func (e *Encoder) hashFeature(s *scratch, i int, raw string) error {
	f := &e.schema.Features[i]
	if f.Ignored {
		return nil
	}
	if !utf8.ValidString(raw) {
		// clkhash reads its input as UTF-8 and would stop at such a cell.
		return &FeatureError{Feature: f.Identifier, Err: fault.Errorf(fault.Invalid, "the value is not valid UTF-8 text")}
	}
	v := raw
	switch {
	case f.Missing != nil && raw == f.Missing.Sentinel:
		v = f.Missing.ReplaceWith
	case e.SkipEmpty && raw == "":
		return nil
	default:
		var err error
		if v, err = f.FormatValue(raw); err != nil {
			return &FeatureError{Feature: f.Identifier, Err: err}
		}
	}
	if v == "" {
		return nil
	}
	switch f.Comparison.Type {
	case "ngram":
		e.hashNgrams(s, i, v)
	case "exact":
		s.tok = encodeToken(s.tok[:0], f, v)
		e.hashToken(s, i, e.bitsFor(f, 0, 1))
	default:
		var err error
		s.tokens, err = f.appendTokens(s.tokens[:0], v)
		if err != nil {
			return &FeatureError{Feature: f.Identifier, Err: err}
		}
		for t, tok := range s.tokens {
			s.tok = encodeToken(s.tok[:0], f, tok)
			e.hashToken(s, i, e.bitsFor(f, t, len(s.tokens)))
		}
	}
	return nil
}

// bitsFor returns k for token t of n under the feature's strategy.
func (e *Encoder) bitsFor(f *Feature, t, n int) int {
	if !f.Strategy.PerFeature {
		return f.Strategy.BitsPerToken
	}
	k := f.Strategy.BitsPerFeature / n
	if t < f.Strategy.BitsPerFeature%n {
		k++
	}
	return k
}

// hashNgrams hashes the n-grams of v as [appendNgrams] makes them, built in
// place as bytes so that no string is made per token.
func (e *Encoder) hashNgrams(s *scratch, i int, v string) {
	f := &e.schema.Features[i]
	n, positional := f.Comparison.N, f.Comparison.Positional
	s.pad = s.pad[:0]
	for range n - 1 {
		s.pad = append(s.pad, ' ')
	}
	s.pad = append(s.pad, v...)
	for range n - 1 {
		s.pad = append(s.pad, ' ')
	}
	s.starts = s.starts[:0]
	for j := 0; j < len(s.pad); {
		s.starts = append(s.starts, j)
		_, size := utf8.DecodeRune(s.pad[j:])
		j += size
	}
	s.starts = append(s.starts, len(s.pad))
	count := len(s.starts) - n // windows of n code points
	plain := f.Format.Type != "string" || f.Format.Encoding == "utf-8" || f.Format.Encoding == "ascii"
	for t := range count {
		s.tok = s.tok[:0]
		if positional {
			s.tok = strconv.AppendInt(s.tok, int64(t+1), 10)
			s.tok = append(s.tok, ' ')
		}
		s.tok = append(s.tok, s.pad[s.starts[t]:s.starts[t+n]]...)
		if !plain {
			s.tok = encodeToken(s.tok[len(s.tok):], f, string(s.tok))
		}
		e.hashToken(s, i, e.bitsFor(f, t, count))
	}
}

// cacheLimit bounds each feature's token cache in one scratch space.
const cacheLimit = 1 << 15

// hashToken sets the k bits of the token in s.tok. Tokens repeat a great
// deal (the bigrams of names, the digits of dates at each position), so the
// indices are cached per feature; the first k indices of a token do not
// depend on k, so a longer cached list serves a smaller k.
func (e *Encoder) hashToken(s *scratch, i, k int) {
	c := s.cache[i]
	idx, ok := c[string(s.tok)]
	if !ok || len(idx) < k {
		if len(c) >= cacheLimit {
			clear(c)
		}
		s.idx = s.idx[:0]
		if e.schema.Features[i].Hash.Type == "blakeHash" {
			e.blakeIndices(s, i, k)
		} else {
			e.doubleIndices(s, i, k, e.schema.Features[i].Hash.PreventSingularity)
		}
		idx = append([]uint32(nil), s.idx...)
		c[string(s.tok)] = idx
	}
	for _, x := range idx[:k] {
		s.filter[x>>3] |= 0x80 >> (x & 7)
	}
}

func encodeToken(dst []byte, f *Feature, tok string) []byte {
	if f.Format.Type == "string" {
		if enc := encoders[f.Format.Encoding]; enc != nil {
			return enc(dst, tok)
		}
	}
	return append(dst, tok...)
}

// blakeIndices appends to s.idx the k indices of blakeHash: BLAKE2b(token, key0, salt j)
// read as little-endian uint16s, each modulo the (power of two) modulus.
func (e *Encoder) blakeIndices(s *scratch, i, k int) {
	mask := uint32(e.modulus - 1) // a power of two; above 2^16 every uint16 is its own index
	states := e.feats[i].blake
	for j := 0; k > 0; j++ {
		s.blake.sum(&states[j], s.tok, &s.digest)
		for t := 0; t < 32 && k > 0; t++ {
			s.idx = append(s.idx, uint32(binary.LittleEndian.Uint16(s.digest[2*t:]))&mask)
			k--
		}
	}
}

// doubleIndices appends to s.idx the k indices (h1 + i·h2) mod L of doubleHash.
func (e *Encoder) doubleIndices(s *scratch, i, k int, preventSingularity bool) {
	L := uint64(e.modulus)
	h1 := s.macMod(s.sha1[i], s.tok, L)
	h2 := s.macMod(s.md5[i], s.tok, L)
	if preventSingularity {
		for j := 0; h2 == 0; j++ {
			n := len(s.tok)
			s.tok = utf8.AppendRune(s.tok, rune(j))
			h2 = s.macMod(s.md5[i], s.tok, L)
			s.tok = s.tok[:n]
		}
	}
	for t := range uint64(k) {
		s.idx = append(s.idx, uint32((h1+t*h2)%L))
	}
}

// macMod returns the big-endian integer of the MAC of msg, modulo L.
func (s *scratch) macMod(h hash.Hash, msg []byte, L uint64) uint64 {
	h.Reset()
	h.Write(msg)
	s.mac = h.Sum(s.mac[:0])
	var r uint64
	for _, b := range s.mac {
		r = (r<<8 | uint64(b)) % L
	}
	return r
}

func itoa(j int) string {
	if j < 10 {
		return string(rune('0' + j))
	}
	return itoa(j/10) + string(rune('0'+j%10))
}
