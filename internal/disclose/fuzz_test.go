package disclose_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/civiclink/civiclink/internal/disclose"
)

// FuzzApply controls tables built from arbitrary bytes (shape from the
// first bytes, counts from the rest, skewed small, the first dimension
// grouped when the first byte says so) and checks that Apply
// accepts them, writes every withheld cell as [c], and that the attacker
// recovers nothing.
func FuzzApply(f *testing.F) {
	f.Add([]byte{3, 4, 0, 1, 2, 3, 50, 60, 7, 8, 9, 0, 0, 1})
	f.Add([]byte{2, 2, 2, 9, 9, 1, 1, 80, 80, 3, 0})
	f.Add([]byte{1, 5, 0, 0, 0, 1, 0})
	f.Add([]byte{0x85, 3, 3, 0, 0, 0, 5, 20, 30, 0, 12, 40})
	f.Add([]byte{0x41, 4, 3, 3, 60, 5, 2, 40, 7, 30, 1, 9, 80, 2, 3, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) < 2 {
			return
		}
		nd := 1 + int(data[0])%3
		if len(data) < 1+nd {
			return
		}
		shape := make([]int, nd)
		for i := range shape {
			shape[i] = 1 + int(data[1+i])%5
		}
		tab := randomTableFromBytes(shape, data[1+nd:])
		if data[0]&0x40 != 0 { // group the first dimension's levels in pairs
			d := &tab.Dims[0]
			d.Groups = make([]string, len(d.Levels))
			for i := range d.Groups {
				d.Groups[i] = fmt.Sprint("g", i/2)
			}
		}
		threshold := int64(1 + int(data[0])%12)
		p := disclose.Policy{Threshold: threshold, SuppressZeros: data[0]&0x80 != 0}
		r, err := disclose.Apply(context.Background(), tab, p, disclose.Options{})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range r.Cells {
			if c.Status.Suppressed() != (c.Display() == disclose.Confidential) {
				t.Fatalf("cell %v status %s displayed %q", c.Levels, c.Status, c.Display())
			}
		}
		assertNothingRecovered(t, r, truthOf(tab))
	})
}

func randomTableFromBytes(shape []int, counts []byte) *disclose.Table {
	var dims []disclose.Dim
	for i, n := range shape {
		dims = append(dims, disclose.Dim{Name: string(rune('a' + i)), Levels: levels("l", n)})
	}
	t := disclose.NewTable("count", dims...)
	for i := range t.Cells {
		if i < len(counts) {
			b := counts[i]
			t.Cells[i].Count = int64(b % 16)
			if b >= 128 {
				t.Cells[i].Count = int64(b)
			}
		}
	}
	return t
}
