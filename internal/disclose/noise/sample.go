package noise

import (
	"math/big"
)

// DiscreteLaplace draws from the discrete Laplace distribution with the
// given scale b: P(y) ∝ exp(-|y|/b) over all integers y (Canonne–Kamath–
// Steinke 2020, Algorithm 2). Adding it to a count of L1 sensitivity Δ with
// b = Δ/ε gives ε-differential privacy.
func DiscreteLaplace(src Source, scale Rat) int64 {
	t, s := scale.Num, scale.Den // scale = t/s
	for {
		u := Uniform(src, t)
		if !BernoulliExp(src, u, t) {
			continue
		}
		v := uint64(0)
		for BernoulliExp(src, 1, 1) {
			v++
		}
		y := int64((u + t*v) / s)
		neg := src.Uint64()&1 == 1
		if neg && y == 0 {
			continue
		}
		if neg {
			return -y
		}
		return y
	}
}

// DiscreteGaussian draws from the discrete Gaussian distribution with the
// given variance parameter σ²: P(y) ∝ exp(-y²/(2σ²)) over all integers y
// (Canonne–Kamath–Steinke 2020, Algorithm 3: discrete Laplace proposals
// accepted with probability exp(-(|y| - σ²/t)² / (2σ²))).
func DiscreteGaussian(src Source, sigma2 Rat) int64 {
	p, q := sigma2.Num, sigma2.Den // σ² = p/q
	t := new(big.Int).Sqrt(new(big.Int).SetUint64(p/q)).Uint64() + 1
	bp := new(big.Int).SetUint64(p)
	bq := new(big.Int).SetUint64(q)
	bt := new(big.Int).SetUint64(t)
	// den = 2·p·q·t² is fixed for all proposals.
	den := new(big.Int).Mul(bp, bq)
	den.Mul(den, bt).Mul(den, bt).Lsh(den, 1)
	tq := new(big.Int).Mul(bt, bq)
	num := new(big.Int)
	for {
		y := DiscreteLaplace(src, Rat{Num: t, Den: 1})
		ay := y
		if ay < 0 {
			ay = -ay
		}
		// num = (|y|·t·q − p)²
		num.SetInt64(ay)
		num.Mul(num, tq).Sub(num, bp)
		num.Mul(num, num)
		if bernoulliExpBig(src, num, den) {
			return y
		}
	}
}
