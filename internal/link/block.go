package link

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/civiclink/civiclink/internal/link/strsim"
)

// BlockingReport says what blocking did: how many candidate pairs each
// rule added, which blocks were largest, which were skipped by the cap,
// and, when truth is known, how many true pairs blocking kept (recall).
type BlockingReport struct {
	Rules []RuleReport `json:"rules"`
	// CandidatePairs is the size of the union of the rules' pairs.
	CandidatePairs int `json:"candidate_pairs"`
	// AllPairs is the number of pairs without blocking.
	AllPairs float64 `json:"all_pairs"`
	// MaxBlockSize is the cap in force.
	MaxBlockSize int `json:"max_block_size"`
	// SpilledRuns and SpilledPairs say how much of blocking's sort and of
	// the candidate pairs waited on disk to keep within the memory budget.
	SpilledRuns  int `json:"spilled_runs,omitempty"`
	SpilledPairs int `json:"spilled_pairs,omitempty"`
	// TruePairs and Recall are set when truth was given: the true pairs in
	// the pair space and the share of them among the candidates.
	TruePairs int     `json:"true_pairs,omitempty"`
	Recall    float64 `json:"recall,omitempty"`
}

// RuleReport is one blocking rule's part of a [BlockingReport].
type RuleReport struct {
	Rule string `json:"rule"`
	// Pairs is the number of candidate pairs this rule added that no
	// earlier rule had proposed.
	Pairs int `json:"pairs"`
	// Blocks counts keys held by two records or more.
	Blocks int `json:"blocks"`
	// Skipped counts blocks over the cap and SkippedRecords their records:
	// their pairs were not compared under this rule.
	Skipped        int `json:"skipped_blocks"`
	SkippedRecords int `json:"skipped_records"`
	// Largest lists the biggest blocks, skipped ones included.
	Largest []BlockSize `json:"largest"`
	// Recall is the share of true pairs this rule finds alone (with truth).
	Recall float64 `json:"recall,omitempty"`
}

// BlockSize is one block's key (as text) and number of records.
type BlockSize struct {
	Key     string `json:"key"`
	Size    int    `json:"size"`
	Skipped bool   `json:"skipped,omitempty"`
}

// blocking holds every rule's blocks: each record's block number under
// each rule (what the union and the recall need) and the members of each
// rule's compared blocks (what enumeration needs). 64-bit keys live only
// while their rule is grouped.
type blocking struct {
	// ids[r][i] is record i's block under rule r, numbered from 1; 0 when
	// its key is missing, held by no other record, or in a skipped block.
	// Two records share a compared block exactly when their ids are equal
	// and not 0.
	ids [][]uint32
	// members[r] is rule r's compared blocks' records, block after block
	// (ascending block number), each block's records in record order.
	members [][]int32
	report  BlockingReport
}

// keyText returns record i's key under rule r, "" when a part is missing.
func (t *table) keyText(i int, r BlockingRule) string {
	var sb strings.Builder
	for p, k := range r.Keys {
		var v string
		if col := t.columns[columnKey(k.FieldList(), k.Raw)]; col != nil && col.Values != nil {
			v = col.Values[col.Codes[i]] // the same value, from the run's own column
		} else {
			v = t.value(i, k.FieldList(), k.Raw)
		}
		v = transform(v, k)
		if v == "" {
			return ""
		}
		if p > 0 {
			sb.WriteByte(0x1f)
		}
		sb.WriteString(v)
	}
	return sb.String()
}

// transform applies a key part's transform to a normalised value.
func transform(v string, k KeyPart) string {
	if v == "" {
		return ""
	}
	switch k.Transform {
	case "prefix":
		r := []rune(v)
		return string(r[:min(k.N, len(r))])
	case "soundex":
		return strsim.Soundex(v)
	case "year", "year_month", "month_day":
		d := parseDay(v)
		if !d.has {
			return ""
		}
		switch k.Transform {
		case "year":
			return d.digits[:4]
		case "year_month":
			return d.digits[:6]
		}
		return d.digits[4:]
	case "postcode_district":
		return District(v, k.N)
	case "sorted_tokens":
		f := strings.Fields(v)
		slices.Sort(f)
		return strings.Join(f, " ")
	}
	return v
}

// hashKey hashes a key part (FNV-1a, then mixed); 0 means no key.
func hashKey(s string) uint64 {
	if s == "" {
		return 0
	}
	k := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		k ^= uint64(s[i])
		k *= 1099511628211
	}
	if k = mix(k); k == 0 {
		k = 1
	}
	return k
}

// mix is a 64-bit finaliser (MurmurHash3's), spreading every input bit.
func mix(k uint64) uint64 {
	k ^= k >> 33
	k *= 0xff51afd7ed558ccd
	k ^= k >> 33
	k *= 0xc4ceb9fe1a85ec53
	k ^= k >> 33
	return k
}

// block computes every rule's keys and blocks, applying the size cap. An
// LSH rule counts as one rule per band.
func (e *engine) block() (*blocking, error) {
	cfg := e.cfg
	b := &blocking{report: BlockingReport{MaxBlockSize: cfg.MaxBlockSize, AllPairs: e.allPairs()}}
	var fields [][]string
	var raws []bool
	for _, r := range cfg.Blocking {
		for _, k := range r.Keys {
			fields, raws = append(fields, k.FieldList()), append(raws, k.Raw)
		}
		if r.LSH != nil {
			for _, f := range r.LSH.FieldList() {
				fields, raws = append(fields, []string{f}), append(raws, true)
			}
		}
	}
	if err := e.buildColumns(fields, raws); err != nil {
		return nil, err
	}
	if e.releaseValues { // every column is built: the engine reads its own from here
		for _, ds := range e.t.datasets {
			if ds.Columns != nil {
				ds.Columns.release()
			}
		}
	}
	rules, lshKeys, err := e.expandRules()
	if err != nil {
		return nil, err
	}
	e.rules = rules
	b.ids = make([][]uint32, len(rules))
	b.members = make([][]int32, len(rules))
	reps := make([]RuleReport, len(rules))
	spills, errs := make([]int, len(rules)), make([]error, len(rules))
	var done atomic.Int64
	parallelFor(len(rules), e.workers, func(ri int) {
		var keys []uint64
		if k := lshKeys[ri]; k != nil {
			keys = k()
		} else {
			keys = e.ruleKeys(rules[ri])
		}
		e.focusKeys(keys)
		reps[ri], b.ids[ri], b.members[ri], spills[ri], errs[ri] = e.groupRule(ri, keys)
		reps[ri].Rule = rules[ri].Label()
		e.progress("block", int(done.Add(1)), len(rules))
	})
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	b.report.Rules = reps
	for _, n := range spills {
		b.report.SpilledRuns += n
	}
	return b, nil
}

// ruleKeys hashes every record's key under r. Each distinct value of a
// key field is transformed and hashed once; a record's key combines its
// parts' hashes, so no key text is built per record.
func (e *engine) ruleKeys(r BlockingRule) []uint64 {
	t := e.t
	keys := make([]uint64, t.len())
	cols := make([]*Column, len(r.Keys))
	parts := make([][]uint64, len(r.Keys))
	for p, k := range r.Keys {
		cols[p] = t.columns[columnKey(k.FieldList(), k.Raw)] // built by block before keys are hashed
		parts[p] = make([]uint64, len(cols[p].Values))
		for c, v := range cols[p].Values {
			parts[p][c] = hashKey(transform(v, k))
		}
	}
	for i := range keys {
		var k uint64
		for p := range parts {
			h := parts[p][cols[p].Codes[i]]
			if h == 0 {
				k = 0
				break
			}
			k = mix(k*0x9e3779b97f4a7c15 ^ h)
		}
		keys[i] = k | 1<<63 // never 0 for a present key
		if k == 0 {
			keys[i] = 0
		}
	}
	return keys
}

// groupRule sorts rule ri's records by key (spilling to disk past the
// engine's sort budget) into blocks, numbers the blocks that are compared
// and lists their members. Blocks over the cap are skipped: their records
// get no block number, so later rules do not count their pairs as found.
func (e *engine) groupRule(ri int, keys []uint64) (RuleReport, []uint32, []int32, int, error) {
	limit := e.cfg.MaxBlockSize
	if c := e.rules[ri].MaxBlockSize; c > 0 {
		limit = c
	}
	ids := make([]uint32, len(keys))
	var members []int32
	var rep RuleReport
	type sized struct {
		BlockSize
		first int32
	}
	var sizes []sized
	var cur uint64
	var block uint32
	n := 0
	recs := make([]int32, 0, min(limit, 1024)+1) // the current block's records, up to the cap
	flush := func() {
		if n < 2 {
			return
		}
		skipped := n > limit
		sizes = keepLargest(sizes, sized{BlockSize{Size: n, Skipped: skipped}, recs[0]}, func(x sized) int { return x.Size })
		if skipped {
			rep.Skipped++
			rep.SkippedRecords += n
			return
		}
		rep.Blocks++
		block++
		for _, i := range recs {
			ids[i] = block
		}
		members = append(members, recs...)
	}
	spilled, err := sortedKeys(keys, e.sortEntries, e.tempDir, func(k uint64, i int32) {
		if k != cur {
			flush()
			cur, n, recs = k, 0, recs[:0]
		}
		if n++; n <= limit+1 {
			recs = append(recs, i)
		}
	})
	if err != nil {
		return rep, nil, nil, 0, err
	}
	flush()
	slices.SortStableFunc(sizes, func(x, y sized) int { return cmp.Compare(y.Size, x.Size) })
	for _, s := range sizes {
		if e.rules[ri].LSH == nil {
			s.Key = strings.ReplaceAll(e.t.keyText(int(s.first), e.rules[ri]), "\x1f", "|")
		} else {
			s.Key = fmt.Sprintf("%016x", keys[s.first])
		}
		rep.Largest = append(rep.Largest, s.BlockSize)
	}
	return rep, ids, slices.Clip(members), spilled, nil
}

// keyed is a record and its key under one rule.
type keyed struct {
	k uint64
	i int32
}

// sortKeyed sorts by key, records in order among equal keys (they come in
// record order). Large inputs take a stable LSD radix sort on 16-bit
// digits: four linear passes instead of n log n comparisons, which made
// sorting most of blocking's time at millions of records.
func sortKeyed(ks []keyed) {
	if len(ks) < 1<<12 {
		slices.SortFunc(ks, func(x, y keyed) int {
			return cmp.Or(cmp.Compare(x.k, y.k), cmp.Compare(x.i, y.i))
		})
		return
	}
	radixKeyed(ks)
}

// radixKeyed is a stable LSD radix sort by key on 16-bit digits.
func radixKeyed(ks []keyed) {
	src, dst := ks, make([]keyed, len(ks))
	count := make([]int, 1<<16)
	for shift := uint(0); shift < 64; shift += 16 {
		clear(count)
		for _, x := range src {
			count[x.k>>shift&0xffff]++
		}
		sum := 0
		for d, c := range count {
			count[d], sum = sum, sum+c
		}
		for _, x := range src {
			d := x.k >> shift & 0xffff
			dst[count[d]] = x
			count[d]++
		}
		src, dst = dst, src
	} // four passes: the sorted records are back in ks
}

// largestBlocks is how many of a rule's biggest blocks are reported.
const largestBlocks = 5

// keepLargest adds x to the few largest kept so far (at most
// largestBlocks), without sorting every block.
func keepLargest[T any](kept []T, x T, size func(T) int) []T {
	if len(kept) < largestBlocks {
		return append(kept, x)
	}
	small := 0
	for i := range kept {
		if size(kept[i]) < size(kept[small]) {
			small = i
		}
	}
	if size(x) > size(kept[small]) {
		kept[small] = x
	}
	return kept
}

// allPairs is the number of pairs in the pair space: all pairs within
// one dataset, or cross-dataset pairs (plus within-dataset with Dedupe).
func (e *engine) allPairs() float64 {
	n := float64(e.t.len())
	total := n * (n - 1) / 2
	if e.dedupe {
		return total
	}
	for _, ds := range e.t.datasets {
		k := float64(len(ds.Records))
		total -= k * (k - 1) / 2
	}
	return total
}

// wanted reports whether records a and b form a pair of the pair space.
func (e *engine) wanted(a, b int32) bool {
	return a != b && (e.dedupe || e.t.source[a] != e.t.source[b]) && e.focused(a, b)
}

// coveredEarlier reports whether a rule before ri already proposes (a, b).
func (b *blocking) coveredEarlier(ri int, x, y int32) bool {
	for r := range ri {
		if k := b.ids[r][x]; k != 0 && k == b.ids[r][y] {
			return true
		}
	}
	return false
}
