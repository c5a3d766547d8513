// Package noise samples the integer noise that differential privacy adds to
// published counts: the discrete Laplace (two-sided geometric) and discrete
// Gaussian distributions, sampled exactly with integer and rational
// arithmetic only, following Canonne, Kamath and Steinke, "The Discrete
// Gaussian for Differential Privacy" (NeurIPS 2020).
//
// No floating-point number is involved in any draw: a floating-point Laplace
// sampler leaks the true value through the pattern of representable outputs
// (Mironov, "On Significance of the Least Significant Bits for Differential
// Privacy", CCS 2012).
package noise

import (
	"crypto/rand"
	"encoding/binary"
	"math/bits"
)

// Source supplies uniformly random 64-bit words. Production code uses
// [Crypto]; tests may pass a seeded generator such as *rand.ChaCha8 from
// math/rand/v2 to make draws repeatable. A Source need not be safe for
// concurrent use.
type Source interface {
	Uint64() uint64
}

// cryptoSource reads crypto/rand in blocks.
type cryptoSource struct {
	buf [4096]byte
	off int
}

// Crypto returns a Source backed by the operating system's cryptographically
// secure generator (crypto/rand). It is not safe for concurrent use: make one
// per goroutine.
func Crypto() Source { return &cryptoSource{off: 4096} }

// Uint64 returns the next 64 random bits.
func (c *cryptoSource) Uint64() uint64 {
	if c.off+8 > len(c.buf) {
		// crypto/rand.Read never returns an error since Go 1.24; it
		// crashes the program rather than return weak randomness.
		rand.Read(c.buf[:])
		c.off = 0
	}
	v := binary.LittleEndian.Uint64(c.buf[c.off:])
	c.off += 8
	return v
}

// Uniform returns a uniform integer in [0, n) without bias (Lemire's
// multiply-and-reject method). n must be positive.
func Uniform(src Source, n uint64) uint64 {
	if n == 0 {
		panic("noise: Uniform of an empty range")
	}
	hi, lo := bits.Mul64(src.Uint64(), n)
	if lo < n {
		thresh := -n % n
		for lo < thresh {
			hi, lo = bits.Mul64(src.Uint64(), n)
		}
	}
	return hi
}

// Bernoulli returns true with probability num/den exactly. It needs
// 0 <= num <= den and den > 0.
func Bernoulli(src Source, num, den uint64) bool {
	switch {
	case num == 0:
		return false
	case num >= den:
		return true
	}
	return Uniform(src, den) < num
}
