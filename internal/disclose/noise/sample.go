package noise

import (
	"math/big"
	"math/bits"
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
// accepted with probability exp(-(|y| - σ²/t)² / (2σ²))). For many draws
// at one σ², make a [Gaussian] once.
func DiscreteGaussian(src Source, sigma2 Rat) int64 {
	return NewGaussian(sigma2).Draw(src)
}

// Gaussian samples the discrete Gaussian at one σ², with the constants of
// its acceptance test worked out once.
type Gaussian struct {
	p, q, t uint64 // σ² = p/q; proposals have scale t = ⌊σ⌋ + 1
	tq, den uint64 // t·q and 2·p·q·t², valid when small
	small   bool   // tq and den fit in 64 bits
	bp, btq *big.Int
	bden    *big.Int
}

// NewGaussian prepares a sampler for variance parameter sigma2.
func NewGaussian(sigma2 Rat) *Gaussian {
	p, q := sigma2.Num, sigma2.Den
	g := &Gaussian{p: p, q: q}
	g.t = new(big.Int).Sqrt(new(big.Int).SetUint64(p/q)).Uint64() + 1
	g.bp = new(big.Int).SetUint64(p)
	g.btq = new(big.Int).Mul(new(big.Int).SetUint64(g.t), new(big.Int).SetUint64(q))
	g.bden = new(big.Int).Mul(g.bp, g.btq)
	g.bden.Mul(g.bden, new(big.Int).SetUint64(g.t)).Lsh(g.bden, 1)
	if g.btq.IsUint64() && g.bden.IsUint64() {
		g.small, g.tq, g.den = true, g.btq.Uint64(), g.bden.Uint64()
	}
	return g
}

// Draw returns one sample.
func (g *Gaussian) Draw(src Source) int64 {
	for {
		y := DiscreteLaplace(src, Rat{Num: g.t, Den: 1})
		ay := uint64(y)
		if y < 0 {
			ay = uint64(-y)
		}
		// Accept with probability exp(−(|y|·t·q − p)² / (2·p·q·t²)).
		if num, ok := g.smallNum(ay); ok {
			if BernoulliExp(src, num, g.den) {
				return y
			}
			continue
		}
		num := new(big.Int).SetUint64(ay)
		num.Mul(num, g.btq).Sub(num, g.bp)
		num.Mul(num, num)
		if bernoulliExpBig(src, num, g.bden) {
			return y
		}
	}
}

// smallNum returns (|y|·t·q − p)² when it and the denominator fit in 64
// bits.
func (g *Gaussian) smallNum(ay uint64) (uint64, bool) {
	if !g.small {
		return 0, false
	}
	hi, a := bits.Mul64(ay, g.tq)
	if hi != 0 {
		return 0, false
	}
	d := a - g.p
	if a < g.p {
		d = g.p - a
	}
	hi, sq := bits.Mul64(d, d)
	return sq, hi == 0
}
