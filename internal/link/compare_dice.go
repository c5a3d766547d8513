package link

import (
	"encoding/base64"
	"fmt"

	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/link/dice"
)

// diceCmp levels per-field Bloom-filter encodings (base64, as clkhash
// writes them) by Dice coefficient at or above each threshold. It is how
// encoded names and dates are compared without seeing them. With TF, an
// exact level (identical filters: the same value) comes first, so agreeing
// on a common name's filter counts for less than on a rare one's.
type diceCmp struct {
	coded
	enc        *dice.Encodings
	thresholds []float64
	// first is the level of the first threshold: 2 when an exact level
	// (identical filters, so the same value) comes first for
	// term-frequency adjustment, else 1.
	first int
}

func newDice(spec ComparisonSpec, col *Column) (Comparer, error) {
	th := spec.Thresholds
	if len(th) == 0 {
		th = []float64{0.9, 0.8, 0.7}
	}
	bits := spec.Bits
	if bits == 0 && len(col.Values) > 1 {
		n, err := base64.StdEncoding.DecodeString(col.Values[1])
		if err != nil {
			return nil, fault.Errorf(fault.Invalid, "comparison %s: value is not base64 (%v): dice compares Bloom-filter encodings", spec.Label(), err)
		}
		bits = 8 * len(n)
	}
	if bits == 0 {
		bits = 1024
	}
	enc, err := dice.DecodeBase64(bits, col.Values[1:])
	if err != nil {
		return nil, fault.Wrap(err, fault.Invalid, "comparison %s: %s", spec.Label(), fault.Message(err))
	}
	labels := []string{"null"}
	if spec.TF {
		labels = append(labels, "exact")
	}
	for i, t := range th {
		if t > 1 || (i > 0 && t >= th[i-1]) {
			return nil, fault.Errorf(fault.Invalid, "comparison %s: Dice thresholds must be at most 1 and decreasing, got %v", spec.Label(), th)
		}
		labels = append(labels, fmt.Sprintf("dice>=%g", t))
	}
	levels := make([]Level, 0, len(labels)+1)
	for _, l := range labels {
		levels = append(levels, Level{Label: l, Exact: l == "exact"})
	}
	levels = append(levels, Level{Label: "else"})
	first := 1
	if spec.TF {
		first = 2
	}
	return &diceCmp{coded{col, levels}, enc, th, first}, nil
}

func (c *diceCmp) Compare(a, b int) int {
	ca, cb := c.col.Codes[a], c.col.Codes[b]
	if ca == 0 || cb == 0 {
		return 0
	}
	s := 1.0
	if ca != cb {
		s = dice.Score(c.enc, int(ca-1), c.enc, int(cb-1))
	} else if c.first == 2 {
		return 1
	}
	for i, t := range c.thresholds {
		if s >= t {
			return c.first + i
		}
	}
	return c.first + len(c.thresholds)
}
