package disclose

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"hash"
	"sync"
)

// cellKeys returns each extended cell's key: an interior cell's records'
// key sum, and for a margin the sum of its cells' (a table is additive, so
// a margin's records are the disjoint union of its cells' and its key is
// the one any table counting the same records would compute).
func cellKeys(t *Table, g *grid) []uint64 {
	keys := make([]uint64, g.n)
	for i, c := range t.Cells {
		keys[g.extOf(i)] = c.Key
	}
	g.eachSum(func(tot, e int) { keys[tot] += keys[e] })
	return keys
}

// dominance withholds magnitude cells dominated by their largest
// contributors: the one primary rule that still applies under
// perturbation, since perturbing the count hides no single large value.
func (c *control) dominance(p Policy) {
	if !c.g.hasSum {
		return
	}
	for e := 0; e < c.g.n; e++ {
		if n := c.g.count[e]; n > 0 {
			if why := dominated(c.g.sum[e], c.g.top[e], n, p.Dominance); why != "" {
				c.suppress(e, SuppressedPrimary, RuleDominance, why)
			}
		}
	}
}

// perturb replaces every cell's count, margins included, by its perturbed
// value, each from its own records' keys (totals are perturbed in their
// own right, so a table need not add up), then withholds counts in
// (0, threshold) after perturbation, and zeros when the policy says so. A
// magnitude cell keeps its true mean, and its sum becomes the mean times
// the published count, so sum and mean do not give the true count back.
func (c *control) perturb(p Policy) {
	for e := 0; e < c.g.n; e++ {
		n := c.g.count[e]
		pub := max(0, n+p.Perturb.Perturbation(n, c.keys[e]))
		if c.g.hasSum {
			if n > 0 {
				c.g.sum[e] = c.g.sum[e] / float64(n) * float64(pub)
			} else {
				c.g.sum[e] = 0
			}
		}
		c.g.count[e] = pub
		if c.suppressed(e) {
			continue
		}
		switch {
		case pub > 0 && pub < c.th:
			c.suppress(e, SuppressedPrimary, RuleMinCount, fmt.Sprintf("count below the threshold of %d after perturbation", c.th))
		case pub == 0 && p.SuppressZeros:
			c.suppress(e, SuppressedPrimary, RuleZero, "zero, and the policy suppresses zeros")
		}
	}
}

// perturbedWhy is the reason a perturbed cell carries.
func perturbedWhy(p Policy) string {
	return "cell-key perturbation, table " + p.Perturb.Label()
}

// UnitKeys gives a fixed key to units that have no stored record key, such
// as the linked people a cohort counts: the first 32 bits of HMAC-SHA256
// of the unit's id under a secret the store keeps. The same person then
// always adds the same key to any cell, as a stored record key does.
type UnitKeys struct {
	mu  sync.Mutex
	mac hash.Hash
	buf []byte
}

// NewUnitKeys returns unit keys under secret, which must be at least 16
// random bytes kept from users.
func NewUnitKeys(secret []byte) *UnitKeys {
	return &UnitKeys{mac: hmac.New(sha256.New, append([]byte("civiclink cell key\x00"), secret...))}
}

// Key returns id's key, a number below [KeySpace].
func (u *UnitKeys) Key(id string) uint64 {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.mac.Reset()
	u.mac.Write([]byte(id))
	u.buf = u.mac.Sum(u.buf[:0])
	return uint64(binary.BigEndian.Uint32(u.buf))
}

// KeyOf returns the cell key of a population given by ids: the sum of
// their keys.
func (u *UnitKeys) KeyOf(ids []string) uint64 {
	var k uint64
	for _, id := range ids {
		k += u.Key(id)
	}
	return k
}
