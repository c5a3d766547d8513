package noise

import (
	"math"
	"math/big"
	"strconv"
	"strings"

	"github.com/civiclink/civiclink/internal/fault"
)

// Rat is a positive rational number Num/Den, the exact form a privacy
// parameter takes before it drives a sampler.
type Rat struct {
	Num, Den uint64
}

// maxDen bounds the denominator a decimal parameter may need.
const maxDen = 1_000_000_000_000

// RatFromDecimal returns x as the exact rational of its shortest decimal
// form, so 0.1 becomes 1/10 rather than the binary fraction a float64 holds.
// x must be positive, finite and have at most 12 decimal places.
func RatFromDecimal(x float64) (Rat, error) {
	if !(x > 0) || math.IsInf(x, 0) {
		return Rat{}, fault.Errorf(fault.Invalid, "privacy parameter %v must be a positive number", x)
	}
	s := strconv.FormatFloat(x, 'f', -1, 64)
	intPart, fracPart, _ := strings.Cut(s, ".")
	if len(fracPart) > 12 {
		return Rat{}, fault.Errorf(fault.Invalid, "privacy parameter %v has more than 12 decimal places; round it", x)
	}
	den := uint64(1)
	for range len(fracPart) {
		den *= 10
	}
	num, err := strconv.ParseUint(intPart+fracPart, 10, 64)
	if err != nil || num > math.MaxUint64/maxDen {
		return Rat{}, fault.Errorf(fault.Invalid, "privacy parameter %v is too large", x)
	}
	return Rat{Num: num, Den: den}.reduced(), nil
}

// RatCeil returns the smallest rational with denominator 10^6 that is at
// least x: rounding a noise variance up only ever adds privacy.
func RatCeil(x float64) (Rat, error) {
	if !(x > 0) || x > 1e12 {
		return Rat{}, fault.Errorf(fault.Invalid, "noise variance %v is out of range (0, 1e12]", x)
	}
	return Rat{Num: uint64(math.Ceil(x * 1e6)), Den: 1_000_000}.reduced(), nil
}

func (r Rat) reduced() Rat {
	g := new(big.Int).GCD(nil, nil, new(big.Int).SetUint64(r.Num), new(big.Int).SetUint64(r.Den)).Uint64()
	if g > 1 {
		r.Num /= g
		r.Den /= g
	}
	return r
}

// Float returns r as a float64, for reports and tests only.
func (r Rat) Float() float64 { return float64(r.Num) / float64(r.Den) }

// String formats r as "num/den".
func (r Rat) String() string {
	return strconv.FormatUint(r.Num, 10) + "/" + strconv.FormatUint(r.Den, 10)
}
