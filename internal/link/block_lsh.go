package link

import (
	"encoding/base64"

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
		perCode, col, err := e.lshCodeKeys(*r.LSH)
		if err != nil {
			return nil, nil, err
		}
		for band := range r.LSH.Bands {
			br := r
			br.band = band
			rules = append(rules, br)
			keyFns = append(keyFns, func() []uint64 {
				keys := make([]uint64, len(col.Codes))
				for i, c := range col.Codes {
					if c != 0 {
						keys[i] = mix(perCode[int(c-1)*r.LSH.Bands+band]) | 1<<63
					}
				}
				return keys
			})
		}
	}
	return rules, keyFns, nil
}

// lshCodeKeys decodes each distinct Bloom filter of the rule's field once
// and returns its band keys, Bands per value code (code c at (c-1)*Bands).
func (e *engine) lshCodeKeys(spec LSHSpec) ([]uint64, *Column, error) {
	col := e.t.columns[columnKey([]string{spec.Field}, true)]
	bits := spec.Bits
	if bits == 0 && len(col.Values) > 1 {
		raw, err := base64.StdEncoding.DecodeString(col.Values[1])
		if err != nil {
			return nil, nil, fault.Errorf(fault.Invalid, "lsh blocking on %s: value is not base64 (%v): LSH blocks Bloom-filter encodings", spec.Field, err)
		}
		bits = 8 * len(raw)
	}
	if bits == 0 {
		return nil, col, nil // no values: no keys
	}
	enc, err := dice.DecodeBase64(bits, col.Values[1:])
	if err != nil {
		return nil, nil, fault.Wrap(err, fault.Invalid, "lsh blocking on %s: %s", spec.Field, fault.Message(err))
	}
	l, err := dice.NewLSH(bits, spec.Bands, spec.BandBits, spec.Seed)
	if err != nil {
		return nil, nil, err
	}
	out := make([]uint64, 0, enc.Len()*spec.Bands)
	for i := range enc.Len() {
		out = l.Keys(enc, i, out)
	}
	return out, col, nil
}
