package noise

import (
	"math/big"
)

// BernoulliExp returns true with probability exp(-num/den) exactly
// (Canonne–Kamath–Steinke 2020, Algorithm 1). den must be positive.
func BernoulliExp(src Source, num, den uint64) bool {
	if den == 0 {
		panic("noise: BernoulliExp with a zero denominator")
	}
	for whole := num / den; whole > 0; whole-- {
		if !bernoulliExpFrac(src, 1, 1) {
			return false
		}
	}
	return bernoulliExpFrac(src, num%den, den)
}

// bernoulliExpFrac returns true with probability exp(-γ) for γ = num/den in
// [0, 1]: it counts K, the first k for which Bernoulli(γ/k) fails, and
// answers whether K is odd; P(K odd) = Σ (-γ)^j / j! = exp(-γ).
// Bernoulli(γ/k) is drawn as Bernoulli(γ) ∧ Bernoulli(1/k), which avoids
// forming den·k.
func bernoulliExpFrac(src Source, num, den uint64) bool {
	k := uint64(1)
	for Bernoulli(src, num, den) && Bernoulli(src, 1, k) {
		k++
	}
	return k%2 == 1
}

// uniformBig returns a uniform integer in [0, n) for a positive n, by
// rejection from the smallest power of two above n.
func uniformBig(src Source, n *big.Int) *big.Int {
	nbits := n.BitLen()
	words := (nbits + 63) / 64
	ws := make([]big.Word, 0, words*2)
	v := new(big.Int)
	for {
		ws = ws[:0]
		for i := 0; i < words; i++ {
			w := src.Uint64()
			if i == words-1 && nbits%64 != 0 {
				w &= (1 << (nbits % 64)) - 1
			}
			ws = appendWord(ws, w)
		}
		v.SetBits(ws)
		if v.Cmp(n) < 0 {
			return new(big.Int).Set(v)
		}
	}
}

// appendWord appends a 64-bit value as big.Words (one on 64-bit platforms,
// two on 32-bit ones), least significant first.
func appendWord(ws []big.Word, w uint64) []big.Word {
	if bitsPerWord == 64 {
		return append(ws, big.Word(w))
	}
	return append(ws, big.Word(uint32(w)), big.Word(w>>32))
}

const bitsPerWord = 32 << (^big.Word(0) >> 63)

// bernoulliBig returns true with probability num/den for big integers,
// 0 <= num <= den.
func bernoulliBig(src Source, num, den *big.Int) bool {
	if den.IsUint64() {
		return Bernoulli(src, num.Uint64(), den.Uint64())
	}
	return uniformBig(src, den).Cmp(num) < 0
}

// bernoulliExpBig is [BernoulliExp] for a γ = num/den whose parts may not fit
// in 64 bits (the discrete Gaussian's acceptance test).
func bernoulliExpBig(src Source, num, den *big.Int) bool {
	if num.IsUint64() && den.IsUint64() {
		return BernoulliExp(src, num.Uint64(), den.Uint64())
	}
	whole, frac := new(big.Int).QuoRem(num, den, new(big.Int))
	one := big.NewInt(1)
	for ; whole.Sign() > 0; whole.Sub(whole, one) {
		if !bernoulliExpFrac(src, 1, 1) {
			return false
		}
	}
	k := uint64(1)
	for bernoulliBig(src, frac, den) && Bernoulli(src, 1, k) {
		k++
	}
	return k%2 == 1
}
