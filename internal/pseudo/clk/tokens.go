package clk

import (
	"math"
	"math/big"
	"strconv"
	"strings"

	"github.com/civiclink/civiclink/internal/fault"
)

// Tokens returns the tokens clkhash makes from a formatted value under the
// feature's comparison. An empty value gives no tokens.
func (f *Feature) Tokens(v string) ([]string, error) {
	return f.appendTokens(nil, v)
}

func (f *Feature) appendTokens(dst []string, v string) ([]string, error) {
	if v == "" {
		return dst, nil
	}
	c := &f.Comparison
	switch c.Type {
	case "exact":
		return append(dst, v), nil
	case "ngram":
		return appendNgrams(dst, v, c.N, c.Positional), nil
	case "numeric":
		return appendNumeric(dst, v, c)
	}
	return dst, fault.Errorf(fault.Internal, "unknown comparison %q", c.Type)
}

// appendNgrams appends the n-grams of v over Unicode code points, padded
// with n-1 spaces on each side when n > 1, optionally prefixed with their
// 1-based position and a space. Repeats are kept.
func appendNgrams(dst []string, v string, n int, positional bool) []string {
	if n > 1 {
		pad := strings.Repeat(" ", n-1)
		v = pad + v + pad
	}
	// starts[i] is the byte offset of code point i; one extra for the end.
	var buf [64]int
	starts := buf[:0]
	for i := range v {
		starts = append(starts, i)
	}
	starts = append(starts, len(v))
	cps := len(starts) - 1
	for i := 0; i+n <= cps; i++ {
		g := v[starts[i]:starts[i+n]]
		if positional {
			g = strconv.Itoa(i+1) + " " + g
		}
		dst = append(dst, g)
	}
	return dst
}

// numericDistance is clkhash's int(round(td·10^fp)), rounding half to even.
func numericDistance(td float64, fp int) int64 {
	return int64(math.RoundToEven(td * math.Pow10(fp)))
}

// appendNumeric appends the 2r+1 tokens of clkhash's numeric comparison.
func appendNumeric(dst []string, v string, c *Comparison) ([]string, error) {
	d := big.NewInt(numericDistance(c.ThresholdDistance, c.FractionalPrecision))
	r := int64(c.Resolution)
	val, ok := new(big.Int), false
	if s, isInt := pyInt(v); isInt {
		val.SetString(s, 10)
		val.Mul(val, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(c.FractionalPrecision)), nil))
		ok = true
	} else if x, isFloat := pyFloat(v); isFloat && !math.IsInf(x, 0) && !math.IsNaN(x) {
		if c.FractionalPrecision > 0 {
			x = math.RoundToEven(x * math.Pow10(c.FractionalPrecision))
		} else {
			x = math.Trunc(x)
		}
		new(big.Float).SetFloat64(x).Int(val)
		ok = true
	}
	if !ok {
		return dst, fault.Errorf(fault.Invalid, "%s is not a number", quote(v))
	}
	val.Mul(val, big.NewInt(2*r))
	res := new(big.Int).Mod(val, d) // d > 0, so Mod is floor modulo here
	if res.Sign() != 0 {
		twice := new(big.Int).Lsh(res, 1)
		if twice.Cmp(d) < 0 {
			val.Sub(val, res)
		} else {
			val.Add(val, new(big.Int).Sub(d, res))
		}
	}
	t := new(big.Int)
	for i := -r; i <= r; i++ {
		t.Mul(d, big.NewInt(i))
		t.Add(t, val)
		dst = append(dst, t.String())
	}
	return dst, nil
}

// pyFloat parses v as Python's float() does for decimal strings: white
// space around, underscores between digits, inf and nan; no hex.
func pyFloat(v string) (float64, bool) {
	v = strings.TrimFunc(v, pyIsSpace)
	var b strings.Builder
	prevDigit := false
	for i, r := range v {
		if r == '_' {
			next := byte(0)
			if i+1 < len(v) {
				next = v[i+1]
			}
			if !prevDigit || next < '0' || next > '9' {
				return 0, false
			}
			continue
		}
		if d, ok := decimalDigit(r); ok {
			b.WriteByte(byte('0' + d))
			prevDigit = true
			continue
		}
		if r >= 0x80 {
			return 0, false
		}
		b.WriteRune(r)
		prevDigit = false
	}
	s := b.String()
	if strings.ContainsAny(s, "xXpP_") {
		return 0, false
	}
	x, err := strconv.ParseFloat(s, 64)
	if err != nil {
		// Python gives inf for a too-large literal; ParseFloat's range error
		// carries ±Inf, which the caller rejects as clkhash's int() does.
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return x, true
		}
		return 0, false
	}
	return x, true
}
