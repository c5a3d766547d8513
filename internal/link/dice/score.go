package dice

import "github.com/civiclink/civiclink/internal/fault"

// dice returns the Dice coefficient for c common bits out of s set bits in
// the two filters together. Two empty filters score 0: an empty encoding
// carries no evidence that two records agree. Every path in the package
// scores through this function, so every kernel gives identical scores.
func dice(c, s uint32) float64 {
	if s == 0 {
		return 0
	}
	return float64(2*c) / float64(s)
}

// Score returns the Dice coefficient 2|A∩B|/(|A|+|B|) of record i of a and
// record j of b, between 0 and 1. It panics if the arenas hold encodings of
// different lengths, which is a programming error.
func Score(a *Encodings, i int, b *Encodings, j int) float64 {
	mustMatch(a, b)
	c := popcountAnd(a.record(i)[:a.words], b.record(j)[:a.words])
	return dice(uint32(c), a.counts[i]+b.counts[j])
}

// ScoreBase64 returns the Dice coefficient of two base64 encodings of the
// given length in bits. It is for one-off comparisons; to compare many
// records, decode them once into [Encodings].
func ScoreBase64(bits int, a, b string) (float64, error) {
	e, err := DecodeBase64(bits, []string{a, b})
	if err != nil {
		return 0, err
	}
	return Score(e, 0, e, 1), nil
}

// Scores sets dst[j] to the Dice coefficient of record i of queries against
// record j of refs, for every record of refs, and returns dst (grown if it
// is too short). It is the one-against-many kernel.
func Scores(queries *Encodings, i int, refs *Encodings, dst []float64) ([]float64, error) {
	if err := checkMatch(queries, refs); err != nil {
		return nil, err
	}
	n := refs.Len()
	if cap(dst) < n {
		dst = make([]float64, n)
	}
	dst = dst[:n]
	k := active.Load()
	q, qc := queries.record(i), queries.counts[i]
	var buf [512]uint32
	for from := 0; from < n; from += len(buf) {
		out := buf[:min(len(buf), n-from)]
		k.counts(q, refs.data[from*refs.stride:], refs.stride, refs.words, out)
		for j, c := range out {
			dst[from+j] = dice(c, qc+refs.counts[from+j])
		}
	}
	return dst, nil
}

// popcountAnd returns the number of bits set in both a and b.
func popcountAnd(a, b []uint64) int {
	var out [1]uint32
	countsScalar(a, b, len(b), len(a), out[:])
	return int(out[0])
}

// checkMatch returns an error if a and b hold encodings of different lengths.
func checkMatch(a, b *Encodings) error {
	if a.bits != b.bits {
		return fault.Errorf(fault.Invalid, "cannot compare %d-bit encodings with %d-bit encodings: both sides must use the same Bloom-filter length", a.bits, b.bits)
	}
	return nil
}

func mustMatch(a, b *Encodings) {
	if err := checkMatch(a, b); err != nil {
		panic(err)
	}
}

// ScorePairs sets the Score of every pair to the Dice coefficient of its
// Query record in queries and its Ref record in refs, for pairs proposed
// by some other blocking. It fails if an index is out of range.
func ScorePairs(queries, refs *Encodings, pairs []Pair) error {
	if err := checkMatch(queries, refs); err != nil {
		return err
	}
	for k, p := range pairs {
		if p.Query < 0 || p.Query >= queries.Len() || p.Ref < 0 || p.Ref >= refs.Len() {
			return fault.Errorf(fault.Invalid, "pair %d (%d, %d) is out of range for %d queries and %d references", k, p.Query, p.Ref, queries.Len(), refs.Len())
		}
		pairs[k].Score = Score(queries, p.Query, refs, p.Ref)
	}
	return nil
}
