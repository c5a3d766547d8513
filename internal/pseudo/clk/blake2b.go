package clk

import (
	"encoding"
	"encoding/binary"
	"hash"
	"math/bits"

	"golang.org/x/crypto/blake2b"
)

// BLAKE2b (RFC 7693) with the salt of its parameter block, which clkhash's
// blakeHash sets and golang.org/x/crypto/blake2b does not expose. Only what
// blakeHash needs is here: a key of at most 64 bytes, a salt of at most 16
// bytes, a digest of 64 bytes.

var blakeIV = [8]uint64{
	0x6a09e667f3bcc908, 0xbb67ae8584caa73b, 0x3c6ef372fe94f82b, 0xa54ff53a5f1d36f1,
	0x510e527fade682d1, 0x9b05688c2b3e6c1f, 0x1f83d9abfb41bd6b, 0x5be0cd19137e2179,
}

var blakeSigma = [12][16]byte{
	{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15},
	{14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3},
	{11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4},
	{7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8},
	{9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13},
	{2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9},
	{12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11},
	{13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10},
	{6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5},
	{10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0},
	{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15},
	{14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3},
}

// blakeState is a keyed, salted BLAKE2b-512 state after its key block has
// been compressed. It is immutable once made, so one state serves every
// token hashed with that key and salt, and the per-token cost is only the
// compression of the token's own blocks.
type blakeState struct {
	h     [8]uint64 // chaining value after the key block, if any
	t     uint64    // bytes compressed so far
	h0    [8]uint64 // chaining value before the key block
	key   [128]byte // the key block, kept for the empty message
	keyed bool
	// resume is the state after the key block in the BinaryMarshaler form of
	// golang.org/x/crypto/blake2b, whose compression uses SIMD. Loading it
	// into an unkeyed digest resumes this keyed, salted hash there.
	resume []byte
}

// newBlakeState returns the state of BLAKE2b with a 64-byte digest, the
// given key (at most 64 bytes) and salt (at most 16 bytes, zero padded).
func newBlakeState(key, salt []byte) blakeState {
	var s blakeState
	s.h = blakeIV
	s.h[0] ^= 0x01010000 | uint64(len(key))<<8 | 64
	var sb [16]byte
	copy(sb[:], salt)
	s.h[4] ^= binary.LittleEndian.Uint64(sb[0:8])
	s.h[5] ^= binary.LittleEndian.Uint64(sb[8:16])
	s.h0 = s.h
	if len(key) > 0 {
		copy(s.key[:], key)
		block := s.key
		s.t = 128
		blakeCompress(&s.h, &block, s.t, false)
		s.keyed = true
	}
	s.resume = s.marshal()
	return s
}

// marshal returns the state in x/crypto/blake2b's marshalled layout: magic
// "b2b", h[0..7], counter t (two words), digest size, a 128-byte block
// buffer and its fill, all integers big-endian.
func (s *blakeState) marshal() []byte {
	b := make([]byte, 0, 3+8*8+2*8+1+128+1)
	b = append(b, "b2b"...)
	for _, w := range s.h {
		b = binary.BigEndian.AppendUint64(b, w)
	}
	b = binary.BigEndian.AppendUint64(b, s.t)
	b = binary.BigEndian.AppendUint64(b, 0)
	b = append(b, 64)
	b = append(b, make([]byte, 128)...)
	return append(b, 0)
}

// fastBlake is an x/crypto BLAKE2b-512 digest that resumes blakeStates, or
// nil when that package's marshalled layout is not the expected one (then
// the portable compression here is used).
type fastBlake struct {
	h hash.Hash
	u encoding.BinaryUnmarshaler
}

func newFastBlake() *fastBlake {
	h, err := blake2b.New512(nil)
	if err != nil {
		return nil
	}
	u, ok := h.(encoding.BinaryUnmarshaler)
	if !ok || !fastBlakeWorks(h, u) {
		return nil
	}
	return &fastBlake{h: h, u: u}
}

// fastBlakeWorks checks, once per digest, that resuming a salted state in
// x/crypto gives the portable implementation's digest.
func fastBlakeWorks(h hash.Hash, u encoding.BinaryUnmarshaler) bool {
	st := newBlakeState([]byte("check key"), []byte("7"))
	var want [64]byte
	st.sum([]byte("check token"), &want)
	if u.UnmarshalBinary(st.resume) != nil {
		return false
	}
	h.Write([]byte("check token"))
	return string(h.Sum(nil)) == string(want[:])
}

// sum writes the digest of msg under s to out, with x/crypto's compression
// when f is not nil and msg fits in one block after the key block.
func (f *fastBlake) sum(s *blakeState, msg []byte, out *[64]byte) {
	if f == nil || len(msg) == 0 || len(msg) > 128 || f.u.UnmarshalBinary(s.resume) != nil {
		s.sum(msg, out)
		return
	}
	f.h.Write(msg)
	f.h.Sum(out[:0])
}

// sum returns the 64-byte digest of msg under the state's key and salt.
func (s *blakeState) sum(msg []byte, out *[64]byte) {
	h := s.h
	t := s.t
	var block [128]byte
	// Every full block but the last is compressed as not final. A keyed
	// hash of an empty message ends with the key block, which the state has
	// already compressed as not final; RFC 7693 then needs it final, so
	// that case is recomputed from the start.
	if len(msg) == 0 {
		h = s.h0
		if s.keyed {
			block = s.key
		}
		blakeCompress(&h, &block, t, true)
	}
	for len(msg) > 128 {
		copy(block[:], msg[:128])
		t += 128
		blakeCompress(&h, &block, t, false)
		msg = msg[128:]
	}
	if len(msg) > 0 {
		block = [128]byte{}
		copy(block[:], msg)
		t += uint64(len(msg))
		blakeCompress(&h, &block, t, true)
	}
	for i := range 8 {
		binary.LittleEndian.PutUint64(out[8*i:], h[i])
	}
}

func blakeCompress(h *[8]uint64, block *[128]byte, t uint64, final bool) {
	var m [16]uint64
	for i := range 16 {
		m[i] = binary.LittleEndian.Uint64(block[8*i:])
	}
	v0, v1, v2, v3, v4, v5, v6, v7 := h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7]
	v8, v9, v10, v11 := blakeIV[0], blakeIV[1], blakeIV[2], blakeIV[3]
	v12, v13, v14, v15 := blakeIV[4]^t, blakeIV[5], blakeIV[6], blakeIV[7]
	if final {
		v14 = ^v14
	}
	for r := range 12 {
		s := &blakeSigma[r]
		v0, v4, v8, v12 = g(v0, v4, v8, v12, m[s[0]], m[s[1]])
		v1, v5, v9, v13 = g(v1, v5, v9, v13, m[s[2]], m[s[3]])
		v2, v6, v10, v14 = g(v2, v6, v10, v14, m[s[4]], m[s[5]])
		v3, v7, v11, v15 = g(v3, v7, v11, v15, m[s[6]], m[s[7]])
		v0, v5, v10, v15 = g(v0, v5, v10, v15, m[s[8]], m[s[9]])
		v1, v6, v11, v12 = g(v1, v6, v11, v12, m[s[10]], m[s[11]])
		v2, v7, v8, v13 = g(v2, v7, v8, v13, m[s[12]], m[s[13]])
		v3, v4, v9, v14 = g(v3, v4, v9, v14, m[s[14]], m[s[15]])
	}
	h[0] ^= v0 ^ v8
	h[1] ^= v1 ^ v9
	h[2] ^= v2 ^ v10
	h[3] ^= v3 ^ v11
	h[4] ^= v4 ^ v12
	h[5] ^= v5 ^ v13
	h[6] ^= v6 ^ v14
	h[7] ^= v7 ^ v15
}

func g(a, b, c, d, x, y uint64) (uint64, uint64, uint64, uint64) {
	a += b + x
	d = bits.RotateLeft64(d^a, -32)
	c += d
	b = bits.RotateLeft64(b^c, -24)
	a += b + y
	d = bits.RotateLeft64(d^a, -16)
	c += d
	b = bits.RotateLeft64(b^c, -63)
	return a, b, c, d
}
