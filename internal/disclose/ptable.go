package disclose

import (
	"bufio"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/civiclink/civiclink/internal/fault"
)

// KeySpace is the size of the cell-key space: record keys are uniform
// 32-bit numbers, and a cell's key is the sum of its records' keys modulo
// KeySpace, read as a point of [0, 1) that picks the cell's perturbation
// from its row of the [PTable]. Records loaded since the keys were
// narrowed are drawn as 16-bit numbers, each standing for the 32-bit key
// with that high half (and a zero low half), so a cell of them falls on
// one of 2¹⁶ evenly spaced points; see [MinProbability].
const KeySpace = 1 << 32

// MinProbability is the smallest non-zero probability a perturbation
// table may give, 2⁻¹⁶: with 16-bit record keys a cell's key is one of
// 2¹⁶ points, so a smaller probability could not be drawn as written.
const MinProbability = 1.0 / (1 << 16)

// PTable is a perturbation table for the cell-key method (ABS TableBuilder;
// ONS Census 2021 custom tables). For each true count it gives the
// probabilities of the published counts; a cell's key picks one, so the
// same set of records always gets the same published value in any table,
// however often it is asked. Counts above the largest row use that row's
// perturbations (published − count), shifted.
type PTable struct {
	// Name is where the table came from: a file name or "default".
	Name string
	// SHA256 is the hex digest of the table's text, so a release can say
	// exactly which table protected it.
	SHA256 string
	rows   [][]pEntry // per count 0…len−1
}

// pEntry is one possible perturbation of a count with the upper end of its
// interval of the key space; the intervals of a row tile [0, KeySpace).
type pEntry struct {
	v  int64
	ub uint64
}

//go:embed ptables/default.csv
var defaultPTable string

// DefaultPTable returns the perturbation table shipped with civiclink (see
// docs/disclosure.md): zeros stay zero, 1 and 2 spread evenly over 0…2 and
// 0…4, and every count from 3 moves by −3…+3 with mean 0 and variance 3.3.
func DefaultPTable() *PTable {
	t, err := ParsePTable("default", strings.NewReader(defaultPTable))
	if err != nil {
		panic("the shipped perturbation table is malformed: " + err.Error())
	}
	return t
}

// LoadPTable reads a perturbation table file (format: [ParsePTable]).
func LoadPTable(path string) (*PTable, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fault.Wrap(err, fault.Invalid, "cannot read the perturbation table %s", path)
	}
	defer f.Close()
	return ParsePTable(filepath.Base(path), f)
}

// probTolerance is how far a row's probabilities may sum from one
// (decimal rounding in a published table).
const probTolerance = 1e-6

// ParsePTable reads a perturbation table: CSV with the header
// count,perturbed,probability, then one line per (count, published count)
// with its probability. Lines starting with # are comments. Counts run
// from 0 with none missing; each count's probabilities are in [0, 1] and
// sum to one, none of them below [MinProbability] but 0; a published
// count is never negative. Anything else is
// refused naming the file, the line and the reason.
func ParsePTable(name string, r io.Reader) (*PTable, error) {
	h := sha256.New()
	sc := bufio.NewScanner(io.TeeReader(r, h))
	bad := func(line int, format string, args ...any) error {
		return fault.Errorf(fault.Invalid, "perturbation table %s line %d: %s", name, line, fmt.Sprintf(format, args...))
	}
	type prob struct {
		v    int64
		p    float64
		line int
	}
	var byCount [][]prob
	header, line := false, 0
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		f := strings.Split(text, ",")
		for i := range f {
			f[i] = strings.TrimSpace(f[i])
		}
		if !header {
			if strings.Join(f, ",") != "count,perturbed,probability" {
				return nil, bad(line, "the header must be count,perturbed,probability (got %q)", text)
			}
			header = true
			continue
		}
		if len(f) != 3 {
			return nil, bad(line, "want 3 fields (count, perturbed, probability), got %d", len(f))
		}
		i, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil || i < 0 {
			return nil, bad(line, "count %q is not a whole number ≥ 0", f[0])
		}
		j, err := strconv.ParseInt(f[1], 10, 64)
		if err != nil || j < 0 {
			return nil, bad(line, "perturbed count %q is not a whole number ≥ 0", f[1])
		}
		p, err := strconv.ParseFloat(f[2], 64)
		if err != nil || math.IsNaN(p) || p < 0 || p > 1 {
			return nil, bad(line, "probability %q is not a number in [0, 1]", f[2])
		}
		if p > 0 && p < MinProbability {
			return nil, bad(line, "probability %s is below 1/65,536, the finest a cell's key (a sum of 16-bit record keys) can draw; give 0 or at least 0.0000153", f[2])
		}
		switch {
		case i == int64(len(byCount)):
			byCount = append(byCount, nil)
		case i == int64(len(byCount))-1:
		default:
			return nil, bad(line, "count %d is out of order: counts run 0, 1, 2, … with each count's lines together (expected %d or %d)", i, len(byCount)-1, len(byCount))
		}
		for _, q := range byCount[i] {
			if q.v == j-i {
				return nil, bad(line, "count %d, perturbed %d is repeated (first on line %d)", i, j, q.line)
			}
		}
		byCount[i] = append(byCount[i], prob{v: j - i, p: p, line: line})
	}
	if err := sc.Err(); err != nil {
		return nil, fault.Wrap(err, fault.Invalid, "cannot read the perturbation table %s", name)
	}
	if !header {
		return nil, bad(line, "empty: want the header count,perturbed,probability and rows for counts 0, 1, 2, …")
	}
	if len(byCount) == 0 {
		return nil, bad(line, "no rows: give each count's published values and probabilities, from count 0")
	}
	t := &PTable{Name: name, rows: make([][]pEntry, len(byCount))}
	for i, ps := range byCount {
		total := 0.0
		for _, q := range ps {
			total += q.p
		}
		if math.Abs(total-1) > probTolerance {
			return nil, bad(ps[0].line, "the probabilities of count %d sum to %.9g, not 1", i, total)
		}
		cum := 0.0
		for k, q := range ps {
			if q.p == 0 {
				continue
			}
			cum += q.p / total
			ub := uint64(math.Round(cum * KeySpace))
			if k == len(ps)-1 || ub > KeySpace {
				ub = KeySpace
			}
			t.rows[i] = append(t.rows[i], pEntry{v: q.v, ub: ub})
		}
		if n := len(t.rows[i]); n > 0 {
			t.rows[i][n-1].ub = KeySpace
		}
	}
	t.SHA256 = hex.EncodeToString(h.Sum(nil))
	return t, nil
}

// Perturbation returns what the table adds to a true count whose records'
// keys sum to keySum (mod [KeySpace]).
func (t *PTable) Perturbation(count int64, keySum uint64) int64 {
	row := t.rows[min(count, int64(len(t.rows)-1))]
	ck := keySum % KeySpace
	for _, e := range row {
		if ck < e.ub {
			return e.v
		}
	}
	return row[len(row)-1].v
}

// MaxPerturbation returns the largest change, either way, the table can
// make to any count: what an attacker who knows the table can bound.
func (t *PTable) MaxPerturbation() int64 {
	var m int64
	for _, row := range t.rows {
		for _, e := range row {
			m = max(m, e.v, -e.v)
		}
	}
	return m
}

// Label names the table in a release: its name and the start of its
// digest.
func (t *PTable) Label() string { return t.Name + " (sha256 " + t.SHA256[:12] + ")" }

// Preimage returns the smallest and largest true counts the table can
// publish as a count in [lo, hi], and false when none can: what an
// attacker who knows the table learns from a published figure (a shown
// count, or the range a withheld one lies in). The range is finite.
func (t *PTable) Preimage(lo, hi int64) (minCount, maxCount int64, ok bool) {
	hits := func(c int64) bool {
		for _, e := range t.rows[min(c, int64(len(t.rows)-1))] {
			if p := max(0, c+e.v); p >= lo && p <= hi {
				return true
			}
		}
		return false
	}
	reach := t.MaxPerturbation()
	for c := max(0, lo-reach); c <= hi+reach; c++ {
		if hits(c) {
			minCount, ok = c, true
			break
		}
	}
	if !ok {
		return 0, 0, false
	}
	for c := hi + reach; c > minCount; c-- {
		if hits(c) {
			return minCount, c, true
		}
	}
	return minCount, minCount, true
}

// Likely returns the table without the perturbations drawn less often
// than minP: what an attacker would take as the plausible range of a
// figure when estimating it (its [PTable.Preimage] is narrower), as
// opposed to the certain range the full table gives. Its draws are not
// for publishing.
func (t *PTable) Likely(minP float64) *PTable {
	out := &PTable{Name: t.Name + " (likely)", SHA256: t.SHA256, rows: make([][]pEntry, len(t.rows))}
	for i, row := range t.rows {
		prev := uint64(0)
		for _, e := range row {
			if float64(e.ub-prev)/KeySpace >= minP {
				out.rows[i] = append(out.rows[i], e)
			}
			prev = e.ub
		}
		if len(out.rows[i]) == 0 {
			out.rows[i] = row
		}
	}
	return out
}

// ExposureLimit is the chance of an exact recovery the differencing
// audit allows an attacker who averages every noisy difference it
// publishes of one set of records (see [PTable.ExposureBudget]).
const ExposureLimit = 0.25

// ExposureBudget returns how many times the differencing audit lets one
// set of records be exposed as the difference of two published counts
// (two overlapping filters): the largest k for which an attacker who
// averages k+1 such differences, each the difference of two independent
// perturbations from the table's steady row (counts at or above its
// last), rounds to the true size with probability at most
// [ExposureLimit] (ties split evenly). The one exposure of headroom is
// for a derivation the audit does not count (a withheld cell shown
// perturbed above the threshold, a margin). One exposure is what a single
// pair of overlapping filters gives; more let the noise be averaged away.
// It is at least 1; for the shipped table it is 2 (an attacker averaging
// 1, 2, 3 differences is exact 15%, 20%, 25% of the time).
func (t *PTable) ExposureBudget() int {
	k := 1
	for k < 64 && t.ExactAfter(k+2) <= ExposureLimit {
		k++
	}
	return k
}

// ExactAfter returns the probability that the mean of k independent
// differences of two perturbations drawn from the table's steady row,
// rounded to the nearest whole number (ties split evenly), is exactly
// zero: the chance an attacker averaging k exposures of one difference
// recovers it exactly.
func (t *PTable) ExactAfter(k int) float64 {
	row := t.rows[len(t.rows)-1]
	p := map[int64]float64{}
	prev := uint64(0)
	for _, e := range row {
		p[e.v] += float64(e.ub-prev) / KeySpace
		prev = e.ub
	}
	diff := map[int64]float64{}
	for a, pa := range p {
		for b, pb := range p {
			diff[a-b] += pa * pb
		}
	}
	sum := map[int64]float64{0: 1}
	for range k {
		next := map[int64]float64{}
		for s, ps := range sum {
			for d, pd := range diff {
				next[s+d] += ps * pd
			}
		}
		sum = next
	}
	var exact float64
	for s, ps := range sum {
		switch twice := 2 * max(s, -s); {
		case twice < int64(k):
			exact += ps
		case twice == int64(k):
			exact += ps / 2
		}
	}
	return exact
}

// ZeroStays reports whether the table always publishes a true 0 as 0.
func (t *PTable) ZeroStays() bool {
	prev := uint64(0)
	for _, e := range t.rows[0] {
		if e.v != 0 && e.ub > prev {
			return false
		}
		prev = e.ub
	}
	return true
}
