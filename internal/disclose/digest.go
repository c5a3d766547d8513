package disclose

import (
	"encoding/binary"
	"fmt"
)

// Buckets is how many parts a [Digest] splits a population into by hash.
// More buckets make the differencing bound tighter (fewer needless
// suppressions) at 16 bytes a bucket per remembered cell.
const Buckets = 128

// bucketShift picks a hash's top bits as its bucket: 64 − log2(Buckets).
const bucketShift = 57

// MemberKey keys the hash of record ids into a population [Digest]. Keep it
// secret with the release record: without it nobody can compute a record's
// hash, let alone choose records whose hashes collide.
type MemberKey uint64

// Hash returns id's 64-bit membership hash: DuckDB's string hash of id,
// xored with the key, through DuckDB's 64-bit integer hash. It is exactly
// what the SQL expression hash(xor(hash(id), key)) gives, so the store can
// compute digests where the records are and the auditor can compute the
// same ones from ids; a store checks the two agree before it relies on it
// ([MemberHashProbes]).
func (k MemberKey) Hash(id string) uint64 {
	return murmur64(duckString(id) ^ uint64(k))
}

// murmur64 is DuckDB's hash of a 64-bit integer (MurmurHash3's finaliser
// with one constant).
func murmur64(x uint64) uint64 {
	x ^= x >> 32
	x *= 0xd6e8feb86659fd93
	x ^= x >> 32
	x *= 0xd6e8feb86659fd93
	x ^= x >> 32
	return x
}

// duckString is DuckDB's hash of a string (since 1.1): 8-byte blocks xored
// and multiplied into a length-seeded state, then finalised.
func duckString(s string) uint64 {
	h := uint64(0xe17a1465) ^ uint64(len(s))*0xc6a4a7935bd1e995
	for len(s) >= 8 {
		h ^= uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
			uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
		h *= 0xd6e8feb86659fd93
		s = s[8:]
	}
	if len(s) > 0 {
		var r uint64
		for i := len(s) - 1; i >= 0; i-- {
			r = r<<8 | uint64(s[i])
		}
		h ^= r
		h *= 0xd6e8feb86659fd93
	}
	return murmur64(h)
}

// MemberHashProbes are ids whose hashes a store compares with [MemberKey.Hash]
// before computing digests in SQL: every length class of the string hash
// (empty, short, a whole block, a block and a tail, several blocks, non-ASCII).
var MemberHashProbes = []string{"", "a", "r0000001", "r00000012", "POL-2018-000123", "é-ü 漢字 and a longer record id of many blocks"}

// Digest summarises a population — the record ids counted in a cell, as a
// multiset — in a fixed size whatever its size: how many units, the sum of
// their hashes modulo 2⁶⁴, and the same two figures in each of [Buckets]
// buckets chosen by hash. Digests add: a margin's digest is the sum of its
// cells'. Two equal populations have equal digests; two different ones have
// equal Units and Sum with probability 2⁻⁶⁴ for a random hash.
type Digest struct {
	Units uint64
	Sum   uint64
	// N and S are per-bucket units and hash sums. They may be left nil
	// when the digest is made (a unit count and sum are cheaper to compute
	// where the records are): [Apply] asks the table's FillMembers for them
	// only when a comparison or the release record needs them. A digest
	// read from a release record made before digests existed has none and
	// is Legacy.
	N, S   *[Buckets]uint64
	Legacy bool
}

// Bucketed reports whether d has its per-bucket figures.
func (d *Digest) Bucketed() bool { return d.N != nil }

// NewDigest returns an empty digest with its buckets.
func NewDigest() *Digest {
	return &Digest{N: new([Buckets]uint64), S: new([Buckets]uint64)}
}

// AddHash counts one unit with hash h.
func (d *Digest) AddHash(h uint64) {
	b := h >> bucketShift
	d.Units++
	d.Sum += h
	d.N[b]++
	d.S[b] += h
}

// AddBucket adds n units whose hashes fall in bucket b and sum to s.
func (d *Digest) AddBucket(b int, n, s uint64) {
	d.Units += n
	d.Sum += s
	d.N[b] += n
	d.S[b] += s
}

// Add adds o's units to d. The sum has buckets only if both had.
func (d *Digest) Add(o *Digest) {
	d.Units += o.Units
	d.Sum += o.Sum
	if d.N == nil || o.N == nil {
		d.N, d.S = nil, nil
		return
	}
	for b := range Buckets {
		d.N[b] += o.N[b]
		d.S[b] += o.S[b]
	}
}

// DigestOf returns the digest of ids under key.
func DigestOf(key MemberKey, ids []string) *Digest {
	d := NewDigest()
	for _, id := range ids {
		d.AddHash(key.Hash(id))
	}
	return d
}

// same reports whether a and b summarise the same population (up to the
// 2⁻⁶⁴ chance of a hash-sum collision). A legacy digest is never the same
// as anything: its hashes are of another kind.
func same(a, b *Digest) bool {
	return !a.Legacy && !b.Legacy && a.Units == b.Units && a.Sum == b.Sum
}

// differenceAtLeast returns a lower bound on the size of the symmetric
// difference of the populations a and b summarise, for a and b that are not
// [same]. In each bucket the populations differ by at least the difference
// of their unit counts, and by at least one unit when their hash sums
// differ; buckets hold disjoint parts of the hash space, so the bounds add.
// The bound is never above the true difference, so a pair closer than the
// threshold is always caught; it falls below the truth only when units of
// both differences share a bucket with equal counts (see docs/disclosure.md).
// Against a legacy digest, or one without buckets, only the unit counts
// are known.
func differenceAtLeast(a, b *Digest) uint64 {
	if a.N == nil || b.N == nil {
		return max(absDiff(a.Units, b.Units), 1)
	}
	var lb uint64
	for i := range Buckets {
		d := absDiff(a.N[i], b.N[i])
		if d == 0 && a.S[i] != b.S[i] {
			d = 1
		}
		lb += d
	}
	return max(lb, 1)
}

func absDiff(a, b uint64) uint64 {
	if a > b {
		return a - b
	}
	return b - a
}

// MarshalBinary encodes the digest compactly: units, sum, then each
// non-empty bucket as its index, units (varint) and sum.
func (d *Digest) MarshalBinary() ([]byte, error) {
	if d.N == nil {
		return nil, fmt.Errorf("a digest without buckets is not recorded")
	}
	out := binary.AppendUvarint(nil, d.Units)
	out = binary.LittleEndian.AppendUint64(out, d.Sum)
	for b := range Buckets {
		if d.N[b] == 0 && d.S[b] == 0 {
			continue
		}
		out = append(out, byte(b))
		out = binary.AppendUvarint(out, d.N[b])
		out = binary.LittleEndian.AppendUint64(out, d.S[b])
	}
	return out, nil
}

// UnmarshalBinary decodes what MarshalBinary wrote, checking that the
// buckets add up to the totals.
func (d *Digest) UnmarshalBinary(b []byte) error {
	*d = *NewDigest()
	units, n := binary.Uvarint(b)
	if n <= 0 || len(b[n:]) < 8 {
		return fmt.Errorf("digest: truncated header")
	}
	sum := binary.LittleEndian.Uint64(b[n:])
	b = b[n+8:]
	for len(b) > 0 {
		k := int(b[0])
		v, n := binary.Uvarint(b[1:])
		if k >= Buckets || n <= 0 || len(b[1+n:]) < 8 {
			return fmt.Errorf("digest: bad bucket")
		}
		d.AddBucket(k, v, binary.LittleEndian.Uint64(b[1+n:]))
		b = b[1+n+8:]
	}
	if d.Units != units || d.Sum != sum {
		return fmt.Errorf("digest: buckets do not add up to the totals")
	}
	return nil
}
