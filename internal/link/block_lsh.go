package link

import (
	"encoding/base64"
	"math/rand/v2"
	"slices"

	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/link/dice"
)

// expandRules returns the rules blocking runs: each plain rule once and
// each LSH rule once per band, with, for LSH bands, a function giving
// every record's key for that band.
func (e *engine) expandRules() ([]BlockingRule, []func() []uint64, error) {
	var rules []BlockingRule
	var keyFns []func() []uint64
	for _, r := range e.cfg.Blocking {
		if r.LSH == nil {
			rules, keyFns = append(rules, r), append(keyFns, nil)
			continue
		}
		h, err := e.newLSHRule(r)
		if err != nil {
			return nil, nil, err
		}
		for band := range r.LSH.Bands {
			br := r
			br.band = band
			rules = append(rules, br)
			keyFns = append(keyFns, func() []uint64 { return h.keys(band) })
		}
	}
	return rules, keyFns, nil
}

// lshRule computes the band keys of one LSH rule. The rule's filters are
// read as one concatenated bit string; a band samples BandBits positions
// of it. Each distinct filter value is decoded once and its bits of every
// band extracted once, so a record's band key is a few lookups.
type lshRule struct {
	spec   LSHSpec
	cols   []*Column
	anchor []uint64 // the rule's exact keys per record, nil without keys
	// parts[f][band][code] is filter f's value code's sampled bits of the
	// band, already at their place in the band's pattern.
	parts [][][]uint64
	salts []uint64
}

func (e *engine) newLSHRule(r BlockingRule) (*lshRule, error) {
	spec := *r.LSH
	fields := spec.FieldList()
	h := &lshRule{spec: spec, cols: make([]*Column, len(fields)), parts: make([][][]uint64, len(fields))}
	encs := make([]*dice.Encodings, len(fields))
	offsets := make([]int, len(fields)+1)
	for f, name := range fields {
		col := e.t.columns[columnKey([]string{name}, true)]
		enc, err := decodeFilters(name, spec.Bits, col)
		if err != nil {
			return nil, err
		}
		h.cols[f], encs[f] = col, enc
		offsets[f+1] = offsets[f]
		if enc != nil {
			offsets[f+1] += enc.Bits()
		}
	}
	total := offsets[len(fields)]
	if total == 0 {
		return h, nil // no values: no keys
	}
	if spec.BandBits > total {
		return nil, fault.Errorf(fault.Invalid, "lsh blocking on %s: %d bits per band but only %d bits of filters: use fewer band bits", r.Label(), spec.BandBits, total)
	}
	if len(r.Keys) > 0 {
		h.anchor = e.ruleKeys(BlockingRule{Keys: r.Keys})
	}
	rng := rand.New(rand.NewPCG(spec.Seed, 0x6c7368))
	for f := range fields {
		h.parts[f] = make([][]uint64, spec.Bands)
	}
	for b := range spec.Bands {
		pos := rng.Perm(total)[:spec.BandBits]
		slices.Sort(pos)
		h.salts = append(h.salts, rng.Uint64())
		for f, enc := range encs {
			if enc == nil {
				continue
			}
			var own []int // positions in filter f, and their bit in the pattern
			var out []uint
			for k, p := range pos {
				if p >= offsets[f] && p < offsets[f+1] {
					own, out = append(own, p-offsets[f]), append(out, uint(k))
				}
			}
			part := make([]uint64, enc.Len()+1) // code c at c; code 0 is missing
			for i := range enc.Len() {
				var v uint64
				for k, p := range own {
					if enc.Bit(i, p) {
						v |= 1 << out[k]
					}
				}
				part[i+1] = v
			}
			h.parts[f][b] = part
		}
	}
	return h, nil
}

// decodeFilters decodes a column's distinct base64 Bloom filters (nil when
// the column holds none).
func decodeFilters(field string, bits int, col *Column) (*dice.Encodings, error) {
	if bits == 0 && len(col.Values) > 1 {
		raw, err := base64.StdEncoding.DecodeString(col.Values[1])
		if err != nil {
			return nil, fault.Errorf(fault.Invalid, "lsh blocking on %s: value is not base64 (%v): LSH blocks Bloom-filter encodings", field, err)
		}
		bits = 8 * len(raw)
	}
	if bits == 0 {
		return nil, nil
	}
	enc, err := dice.DecodeBase64(bits, col.Values[1:])
	if err != nil {
		return nil, fault.Wrap(err, fault.Invalid, "lsh blocking on %s: %s", field, fault.Message(err))
	}
	return enc, nil
}

// keys returns every record's key in band b: 0 when a filter of the rule
// is missing or, for an anchored rule, when its exact key is.
func (h *lshRule) keys(b int) []uint64 {
	n := len(h.cols[0].Codes)
	keys := make([]uint64, n)
	if len(h.salts) == 0 {
		return keys
	}
	for i := range keys {
		v := h.salts[b]
		missing := false
		for f, col := range h.cols {
			c := col.Codes[i]
			if c == 0 {
				missing = true
				break
			}
			v ^= h.parts[f][b][c]
		}
		if missing {
			continue
		}
		k := mix(v)
		if h.anchor != nil {
			if h.anchor[i] == 0 {
				continue
			}
			k = mix(k*0x9e3779b97f4a7c15 ^ h.anchor[i])
		}
		keys[i] = k | 1<<63
	}
	return keys
}
