package link

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
)

// autoPart is one candidate key part for automatic blocking: a key on a
// comparison's field(s) with a transform, or one LSH band of a
// Bloom-filter field, with every record's key under it.
type autoPart struct {
	fields []string
	key    *KeyPart
	lsh    *LSHSpec
	keys   []uint64
}

// autoCand is a candidate rule: one part, or two parts on different
// fields that must both agree.
type autoCand struct {
	parts []int
	rule  BlockingRule
	// n is the pairs of the pair space the rule proposes alone (blocks
	// over the cap left out), skipped the keys of the blocks over the cap,
	// s how many of its pairs were sampled.
	n       int64
	skipped map[uint64]bool
	s       int
}

// lshBands is how many LSH bands each Bloom-filter field offers, and
// lshBits how many bits each samples.
const (
	lshBands = 4
	lshBits  = 32
)

// autoParts lists the candidate key parts of the config's comparisons:
// the whole value of every field; year, year and month, and day and month
// of dates; the district of postcodes; Soundex and a 3-letter prefix of
// names, and the first half of numbers; names in either order for
// comparisons that allow a swap; and, for Bloom filters, the filter
// itself and a few LSH bands. Keyed tokens and filters are only keyed
// whole, as their parts mean nothing.
func (e *engine) autoParts() ([]autoPart, error) {
	var parts []autoPart
	addKey := func(k KeyPart) {
		parts = append(parts, autoPart{fields: k.FieldList(), key: &k})
	}
	for c, spec := range e.cfg.Comparisons {
		fs := spec.FieldList()
		raw := spec.Raw || spec.Kind == "dice"
		addKey(KeyPart{Fields: fs, Raw: raw})
		switch {
		case spec.Kind == "dice":
			for b := range lshBands {
				parts = append(parts, autoPart{fields: fs, lsh: &LSHSpec{Fields: fs, Bands: 1, BandBits: lshBits, Seed: uint64(b + 1)}})
			}
		case raw || spec.Kind == "exact":
		case spec.Kind == "date":
			for _, t := range []string{"year", "year_month", "month_day"} {
				addKey(KeyPart{Fields: fs, Transform: t})
			}
		case spec.Kind == "postcode":
			addKey(KeyPart{Fields: fs, Transform: "postcode_district"})
		case len(fs) > 1:
			addKey(KeyPart{Fields: fs, Transform: "sorted_tokens"})
		default:
			if n, numeric := numericLength(e.cols[c]); numeric {
				if n >= 4 {
					addKey(KeyPart{Fields: fs, Transform: "prefix", N: n / 2})
				}
				break
			}
			addKey(KeyPart{Fields: fs, Transform: "soundex"})
			addKey(KeyPart{Fields: fs, Transform: "prefix", N: 3})
		}
		if spec.SwapWith != "" && fs[0] < spec.SwapWith && !raw {
			addKey(KeyPart{Fields: []string{fs[0], spec.SwapWith}, Transform: "sorted_tokens"})
		}
	}
	if err := e.checkAuto(len(parts)); err != nil {
		return nil, err
	}
	for i := range parts {
		if err := e.partKeys(&parts[i]); err != nil {
			return nil, err
		}
	}
	return parts, nil
}

// partKeys computes every record's key under part p.
func (e *engine) partKeys(p *autoPart) error {
	if p.lsh != nil {
		if err := e.buildColumns([][]string{p.fields}, []bool{true}); err != nil {
			return err
		}
		h, err := e.newLSHRule(BlockingRule{LSH: p.lsh})
		if err != nil {
			return err
		}
		p.keys = h.keys(0)
		return nil
	}
	if err := e.buildColumns([][]string{p.fields}, []bool{p.key.Raw}); err != nil {
		return err
	}
	p.keys = e.ruleKeys(BlockingRule{Keys: []KeyPart{*p.key}})
	return nil
}

// numericLength reports whether a column's values are mostly digits and,
// if so, their usual length.
func numericLength(col *Column) (int, bool) {
	vals := col.Values[1:]
	if len(vals) == 0 {
		return 0, false
	}
	rng := rand.New(rand.NewPCG(1, 2))
	digits, lens := 0, []int{}
	for range min(200, len(vals)) {
		v := vals[rng.IntN(len(vals))]
		if strings.Trim(v, "0123456789 -") == "" {
			digits++
		}
		lens = append(lens, len(v))
	}
	slices.Sort(lens)
	return lens[len(lens)/2], digits*10 >= len(lens)*9
}

// autoCandidates returns every part alone and every two parts on
// different fields together (two LSH bands never: a rule has one).
func autoCandidates(parts []autoPart) []autoCand {
	var out []autoCand
	for i, p := range parts {
		out = append(out, autoCand{parts: []int{i}, rule: p.rule()})
	}
	for i, p := range parts {
		for j := i + 1; j < len(parts); j++ {
			q := parts[j]
			if overlaps(p.fields, q.fields) || (p.lsh != nil && q.lsh != nil) {
				continue
			}
			r := p.rule()
			if q.lsh != nil {
				r = q.rule()
				r.Keys = append(r.Keys, *p.key)
			} else {
				r.Keys = append(r.Keys, *q.key)
			}
			r.Name = ""
			if r.LSH != nil {
				r.Name = fmt.Sprintf("%s&%s", lshName(r.LSH), r.Keys[0].label())
			}
			out = append(out, autoCand{parts: []int{i, j}, rule: r})
		}
	}
	return out
}

// rule returns the blocking rule of the part alone.
func (p autoPart) rule() BlockingRule {
	if p.lsh != nil {
		spec := *p.lsh
		return BlockingRule{Name: lshName(&spec), LSH: &spec}
	}
	return BlockingRule{Keys: []KeyPart{*p.key}}
}

func lshName(s *LSHSpec) string {
	return fmt.Sprintf("lsh(%s,%d)", strings.Join(s.FieldList(), "+"), s.Seed)
}

// label writes a key part as Label writes it in a rule.
func (k KeyPart) label() string {
	return BlockingRule{Keys: []KeyPart{k}}.Label()
}

func overlaps(a, b []string) bool {
	for _, x := range a {
		if slices.Contains(b, x) {
			return true
		}
	}
	return false
}

// keys returns every record's key under the candidate: its part's keys,
// or the two parts' keys combined (0 when either is missing).
func (c *autoCand) keys(parts []autoPart) []uint64 {
	if len(c.parts) == 1 {
		return parts[c.parts[0]].keys
	}
	a, b := parts[c.parts[0]].keys, parts[c.parts[1]].keys
	out := make([]uint64, len(a))
	for i := range out {
		if a[i] != 0 && b[i] != 0 {
			out[i] = mix(a[i]*0x9e3779b97f4a7c15^b[i]) | 1<<63
		}
	}
	return out
}

// agree reports whether the candidate proposes records x and y: their
// keys agree and their block was not over the cap.
func (c *autoCand) agree(keys []uint64, x, y int32) bool {
	k := keys[x]
	return k != 0 && k == keys[y] && !c.skipped[k]
}

// autoBlock is a block of a candidate rule: order[from:to], and the
// pairs of the pair space in it.
type autoBlock struct {
	from, to int32
	pairs    int64
}

// group sorts records by key into blocks of two or more, leaving out (and
// returning) the keys of blocks over the cap, and counts the rule's pairs
// of the pair space: n(n-1)/2 per block, less the pairs within one
// dataset when only pairs across datasets are linked.
func (e *engine) group(keys []uint64, limit int) (order []int32, blocks []autoBlock, total int64, skipped map[uint64]bool) {
	ks := make([]keyed, 0, len(keys))
	for i, k := range keys {
		if k != 0 {
			ks = append(ks, keyed{k, int32(i)})
		}
	}
	sortKeyed(ks)
	order = make([]int32, len(ks))
	for j, x := range ks {
		order[j] = x.i
	}
	for from := 0; from < len(ks); {
		to := from + 1
		for to < len(ks) && ks[to].k == ks[from].k {
			to++
		}
		n := int64(to - from)
		switch {
		case n < 2:
		case n > int64(limit):
			if skipped == nil {
				skipped = map[uint64]bool{}
			}
			skipped[ks[from].k] = true
		default:
			pairs := n * (n - 1) / 2
			if !e.dedupe { // records come dataset by dataset, so a block's are too
				for a := from; a < to; {
					b := a + 1
					for b < to && e.t.source[ks[b].i] == e.t.source[ks[a].i] {
						b++
					}
					m := int64(b - a)
					pairs -= m * (m - 1) / 2
					a = b
				}
			}
			if pairs > 0 {
				blocks = append(blocks, autoBlock{int32(from), int32(to), pairs})
				total += pairs
			}
		}
		from = to
	}
	return order, blocks, total, skipped
}

// samplePairs draws about s pairs uniformly from the blocks' pairs of the
// pair space (with replacement), or returns them all when there are no
// more than s.
func (e *engine) samplePairs(order []int32, blocks []autoBlock, total int64, s int, rng *rand.Rand) [][2]int32 {
	var out [][2]int32
	if total <= int64(s) {
		for _, b := range blocks {
			m := order[b.from:b.to]
			for i, x := range m {
				for _, y := range m[i+1:] {
					if e.wanted(x, y) {
						out = append(out, [2]int32{min(x, y), max(x, y)})
					}
				}
			}
		}
		return out
	}
	cum := make([]int64, len(blocks))
	var acc int64
	for i, b := range blocks {
		acc += b.pairs
		cum[i] = acc
	}
	for len(out) < s {
		r := rng.Int64N(total)
		i, _ := slices.BinarySearch(cum, r+1)
		m := order[blocks[i].from:blocks[i].to]
		for {
			x, y := m[rng.IntN(len(m))], m[rng.IntN(len(m))]
			if e.wanted(x, y) {
				out = append(out, [2]int32{min(x, y), max(x, y)})
				break
			}
		}
	}
	return out
}

// randomPairs draws s pairs uniformly from the whole pair space.
func (e *engine) randomPairs(s int, rng *rand.Rand) [][2]int32 {
	n := e.t.len()
	var out [][2]int32
	for tries := 0; len(out) < s && tries < 50*s; tries++ {
		x, y := int32(rng.IntN(n)), int32(rng.IntN(n))
		if e.wanted(x, y) {
			out = append(out, [2]int32{min(x, y), max(x, y)})
		}
	}
	return out
}
