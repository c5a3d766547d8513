// Package dice scores Bloom-filter encodings of identifiers against each
// other with the Sørensen–Dice coefficient, the similarity used by
// privacy-preserving record linkage (clkhash/anonlink).
//
// Encodings of one length are held in an [Encodings] arena: one flat
// []uint64 with a fixed stride per record, so that scanning many records is a
// sequential walk through memory. The kernel that counts |A∩B| is chosen at
// start-up from the CPU (AVX-512 VPOPCNTDQ, AVX2, or the POPCNT scalar loop;
// a pure-Go loop elsewhere); every kernel gives exactly the same counts, and
// scores are computed from those counts by one formula, so results do not
// depend on the machine.
//
// [Candidates] and [Search] compare many records against many and return the
// pairs at or above a threshold (as anonlink's candidate generation does),
// optionally only the best k per query, using all cores. [LSH] cuts the work
// for large inputs by proposing only pairs that share a band of sampled bits.
package dice

import (
	"encoding/base64"
	"math/bits"

	"github.com/civiclink/civiclink/internal/fault"
)

// laneWords is the number of 64-bit words in one 512-bit vector. Every record
// in an arena is padded with zero words to a multiple of it so the vector
// kernels never need a partial load.
const laneWords = 8

// MaxBits is the longest encoding accepted. It keeps every count and every
// sum of two counts exact in the kernels' 32-bit lanes and in float32.
const MaxBits = 1 << 20

// Encodings is an arena of Bloom-filter encodings that all have the same
// length in bits. Records are numbered from 0 in the order they were added.
// The zero value is not usable; make one with [NewEncodings]. Any number of
// goroutines may read an arena at once; appending needs exclusive use.
//
// Bit i of a record is bit 7-(i%8) of byte i/8 of its byte form: the
// big-endian bit order that clkhash writes and base64-encodes.
type Encodings struct {
	bits   int      // length of every record in bits
	words  int      // ceil(bits/64): words that can hold set bits
	stride int      // words per record in data, a multiple of laneWords
	data   []uint64 // record r is data[r*stride : r*stride+stride]
	counts []uint32 // popcount of each record
}

// NewEncodings returns an empty arena for encodings of the given length in
// bits. It fails if bits is not between 1 and [MaxBits].
func NewEncodings(bits int) (*Encodings, error) {
	if bits < 1 || bits > MaxBits {
		return nil, fault.Errorf(fault.Invalid, "encoding length %d bits is out of range: use a length from 1 to %d bits (clkhash encodings are usually 1024)", bits, MaxBits)
	}
	words := (bits + 63) / 64
	stride := (words + laneWords - 1) / laneWords * laneWords
	return &Encodings{bits: bits, words: words, stride: stride}, nil
}

// DecodeBase64 returns an arena holding the given base64 encodings (standard
// alphabet, padded, as clkhash writes them), each of the given length in
// bits. The error names the first record that does not decode.
func DecodeBase64(bits int, encoded []string) (*Encodings, error) {
	e, err := NewEncodings(bits)
	if err != nil {
		return nil, err
	}
	e.Grow(len(encoded))
	for i, s := range encoded {
		if err := e.AppendBase64(s); err != nil {
			return nil, fault.Wrap(err, fault.Code(err), "encoding %d: %s", i, fault.Message(err))
		}
	}
	return e, nil
}

// Bits returns the length in bits of every record.
func (e *Encodings) Bits() int { return e.bits }

// Len returns the number of records.
func (e *Encodings) Len() int { return len(e.counts) }

// Grow makes room for n more records without reallocating.
func (e *Encodings) Grow(n int) {
	if need := (len(e.counts) + n) * e.stride; need > cap(e.data) {
		data := make([]uint64, len(e.data), need)
		copy(data, e.data)
		e.data = data
	}
	if need := len(e.counts) + n; need > cap(e.counts) {
		counts := make([]uint32, len(e.counts), need)
		copy(counts, e.counts)
		e.counts = counts
	}
}

// AppendBase64 decodes one base64 encoding and adds it as the next record.
func (e *Encodings) AppendBase64(s string) error {
	var buf [256]byte
	raw := buf[:0]
	if n := base64.StdEncoding.DecodedLen(len(s)); n > len(buf) {
		raw = make([]byte, 0, n)
	}
	raw, err := base64.StdEncoding.AppendDecode(raw, []byte(s))
	if err != nil {
		return fault.Errorf(fault.Invalid, "encoding is not valid base64: %v; expect standard base64 with padding, as clkhash writes it", err)
	}
	return e.AppendBytes(raw)
}

// AppendBytes adds one encoding given in its byte form (big-endian bit
// order) as the next record. The slice must hold exactly ceil(Bits/8) bytes
// and any padding bits past Bits in the last byte must be zero.
func (e *Encodings) AppendBytes(b []byte) error {
	nbytes := (e.bits + 7) / 8
	if len(b) != nbytes {
		return fault.Errorf(fault.Invalid, "encoding has %d bits, want %d: check that every partner used the same Bloom-filter length", len(b)*8, e.bits)
	}
	if pad := nbytes*8 - e.bits; pad > 0 && b[nbytes-1]&(1<<pad-1) != 0 {
		return fault.Errorf(fault.Invalid, "encoding has bits set past its length of %d bits: check the Bloom-filter length setting", e.bits)
	}
	start := len(e.data)
	e.data = append(e.data, make([]uint64, e.stride)...)
	rec := e.data[start : start+e.stride]
	for i, v := range b {
		rec[i/8] |= uint64(bits.Reverse8(v)) << (8 * (i % 8))
	}
	e.counts = append(e.counts, uint32(popcount(rec)))
	return nil
}

// Bytes returns record i in its byte form (big-endian bit order).
func (e *Encodings) Bytes(i int) []byte {
	rec := e.record(i)
	out := make([]byte, (e.bits+7)/8)
	for k := range out {
		out[k] = bits.Reverse8(uint8(rec[k/8] >> (8 * (k % 8))))
	}
	return out
}

// Base64 returns record i as standard padded base64 of its byte form.
func (e *Encodings) Base64(i int) string {
	return base64.StdEncoding.EncodeToString(e.Bytes(i))
}

// Bit reports whether bit j of record i is set (bit 0 is the most
// significant bit of the first byte).
func (e *Encodings) Bit(i, j int) bool {
	return e.record(i)[j/64]>>wordShift(j)&1 != 0
}

// Count returns the number of set bits in record i.
func (e *Encodings) Count(i int) int { return int(e.counts[i]) }

// Slice returns an arena viewing records [from, to) of e without copying.
// Appending to the result copies it first, so e is never changed through it.
func (e *Encodings) Slice(from, to int) *Encodings {
	s := *e
	s.data = e.data[from*e.stride : to*e.stride : to*e.stride]
	s.counts = e.counts[from:to:to]
	return &s
}

// record returns the padded words of record i.
func (e *Encodings) record(i int) []uint64 {
	return e.data[i*e.stride : (i+1)*e.stride : (i+1)*e.stride]
}

// wordShift returns the position inside its 64-bit word of encoding bit j.
// Byte k of the encoding is byte k%8 of word k/8 (little-endian), bit-reversed
// so that encoding bit j sits at position j%64.
func wordShift(j int) uint { return uint(j % 64) }

// popcount returns the number of set bits in ws.
func popcount(ws []uint64) int {
	n := 0
	for _, w := range ws {
		n += bits.OnesCount64(w)
	}
	return n
}
