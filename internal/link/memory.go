package link

import (
	"fmt"
	"os"
	"runtime/metrics"
	"strconv"
	"strings"

	"github.com/civiclink/civiclink/internal/fault"
)

// MemoryError refuses a run whose memory budget is too small for it at
// all, saying the least budget that would do.
type MemoryError struct {
	Budget, Minimum int64
	// What names what needs the minimum.
	What string
}

// As lets [fault.Code] and [fault.Message] see the refusal as invalid
// input, with its message shown to users.
func (m *MemoryError) As(target any) bool {
	if t, ok := target.(**fault.Error); ok {
		*t = &fault.Error{Code: fault.Invalid, Message: m.Error()}
		return true
	}
	return false
}

func (m *MemoryError) Error() string {
	return fmt.Sprintf("memory budget %s is too small: %s need at least %s; give a budget of at least that (--memory)", FormatBytes(m.Budget), m.What, FormatBytes(m.Minimum))
}

// DefaultMemory is the memory budget of a run that names none: half the
// machine's memory (or of the container's limit, when lower).
func DefaultMemory() int64 {
	total := physicalMemory()
	if b, err := os.ReadFile("/sys/fs/cgroup/memory.max"); err == nil {
		if n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64); err == nil && n > 0 && (total == 0 || n < total) {
			total = n
		}
	}
	if total <= 0 {
		return 4 << 30
	}
	return total / 2
}

// ParseBytes reads a memory size: a number of bytes, or one with a unit
// (KB, MB, GB, TB in powers of 1024, also KiB, MiB, GiB, TiB, and K, M, G).
func ParseBytes(s string) (int64, error) {
	t := strings.ToUpper(strings.TrimSpace(s))
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"TIB", 1 << 40}, {"GIB", 1 << 30}, {"MIB", 1 << 20}, {"KIB", 1 << 10}, {"TB", 1 << 40}, {"GB", 1 << 30}, {"MB", 1 << 20}, {"KB", 1 << 10}, {"T", 1 << 40}, {"G", 1 << 30}, {"M", 1 << 20}, {"K", 1 << 10}, {"B", 1}} {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.mult
			break
		}
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil || f <= 0 || f*float64(mult) >= 1<<62 {
		return 0, fmt.Errorf("memory size %q: give a positive number of bytes with a unit, e.g. 4GB or 512MB", s)
	}
	return int64(f * float64(mult)), nil
}

// FormatBytes writes a memory size with a binary unit.
func FormatBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.2f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%d KiB", (n+1023)/1024)
}

// liveHeap is the process's live heap as the last collection found it:
// the records the caller holds, among others.
func liveHeap() int64 {
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return int64(s[0].Value.Uint64())
}

// Memory a run needs, per record and per candidate pair, beyond the
// records the caller holds.
const (
	// Per record: its dataset and row (8), union-find, cluster name and
	// truth (20), and what each column and rule holds per record.
	recordBytes = 28
	// Per column: a code. Per rule: a block number and a member entry.
	columnBytes, ruleBytes = 4, 8
	// Per candidate pair, its weight (the pair itself is [Pairs.bytesPer]);
	// per match: its place among the matches, in clustering's order and in
	// the match graph.
	weightBytes, matchBytes = 8, 4 + 4 + 4
	// fixedBytes covers the model, dictionaries' overhead and buffers.
	fixedBytes = 32 << 20
)

// A memory budget is for the whole process, as the operating system
// counts it (resident set size), not only the Go heap: the program's own
// code and libraries (about 50 MiB resident) come first, and the
// collector, held at a soft limit, still lets the heap run past it for a
// moment when a large array is allocated while most of the heap is live
// (at Essex scale a limit of 3.6 GiB peaked at 4.05 GiB resident). So the
// heap is planned in, and limited to, a share of what is left.
const (
	processBytes = 64 << 20
	heapShare    = 0.85
)

// HeapLimit is the Go heap a run plans its arrays in, and the soft
// memory limit the runtime is given ([runtime/debug.SetMemoryLimit]),
// under a process memory budget, so that the process stays within the
// budget.
func HeapLimit(budget int64) int64 {
	return max(0, int64(float64(budget-processBytes)*heapShare))
}

// budgetFor is the least process budget whose [HeapLimit] is heap.
func budgetFor(heap int64) int64 {
	return int64(float64(heap)/heapShare) + processBytes + 1
}

// budget sets the run's memory budget and what follows from it, and
// refuses one too small for the records at all. It runs once the
// records are numbered and the rules expanded (so their number is known).
func (e *engine) budget(opt Options, columns, rules int) error {
	e.budgeted = opt.Memory
	if e.budgeted <= 0 {
		e.budgeted = DefaultMemory()
	}
	e.mem = HeapLimit(e.budgeted)
	e.tempDir = opt.TempDir
	n := int64(e.t.len())
	e.held = liveHeap()
	e.base = e.held + fixedBytes + n*(recordBytes+int64(columns)*columnBytes)
	need := e.base + n*int64(rules)*ruleBytes
	if need > e.mem {
		return &MemoryError{Budget: e.budgeted, Minimum: budgetFor(need), What: fmt.Sprintf("%d records under %d columns and %d blocking rules (with what the process already holds, %s)", n, columns, rules, FormatBytes(e.held))}
	}
	headroom := e.mem - need
	workers := int64(max(1, e.workerCount()))
	e.sortEntries = int(max(64, headroom/4/workers/keyedRecordBytes))
	e.pairMem = headroom / 8
	return nil
}

// checkPairs refuses, once the candidates (and then the matches) are
// known, a budget too small to score them (and to cluster the matches)
// beside what the records need. What the caller held at the start is
// not counted again: by now much of it may have been released.
func (e *engine) checkPairs(ps *Pairs, matches int) error {
	pairs := ps.Len()
	need := e.base - e.held + int64(pairs)*int64(ps.bytesPer()+weightBytes) + int64(matches)*matchBytes
	if need > e.mem {
		what := fmt.Sprintf("%d records and %d candidate pairs", e.t.len(), pairs)
		if matches > 0 {
			what += fmt.Sprintf(" of which %d match", matches)
		}
		return &MemoryError{Budget: e.budgeted, Minimum: budgetFor(need), What: what}
	}
	return nil
}

// Automatic blocking holds, per record, each candidate key part's key
// and the column it is read from, and each worker one candidate rule's
// keys, block order and block number at a time.
const autoPartBytes, autoWorkerBytes = 8 + columnBytes, 8 + 4 + 4

// checkAuto refuses a budget too small for automatic blocking to hold
// the keys of its candidate key parts beside what the records need.
func (e *engine) checkAuto(parts int) error {
	n := int64(e.t.len())
	workers := int64(max(1, e.workerCount()))
	need := e.base + n*(int64(parts)*autoPartBytes+workers*autoWorkerBytes)
	if need > e.mem {
		return &MemoryError{Budget: e.budgeted, Minimum: budgetFor(need), What: fmt.Sprintf("automatic blocking's %d candidate keys over %d records", parts, n)}
	}
	return nil
}

// codedKinds are the comparison kinds that compare by codes, or by what
// they parsed from each distinct value when built, never by the values'
// text.
var codedKinds = map[string]bool{"exact": true, "date": true, "postcode": true, "dice": true}

// dropColumnValues drops, once candidates are compared, the distinct
// values of every column no comparer reads as text (blocking is done, so
// blocking-only columns need none): at Essex scale the tokens' and
// filters' text is most of the memory the records take.
func (e *engine) dropColumnValues() {
	keep := map[*Column]bool{}
	for k, spec := range e.cfg.Comparisons {
		if !codedKinds[spec.Kind] || spec.SwapWith != "" {
			keep[e.cols[k]] = true
			if spec.SwapWith != "" {
				keep[e.t.columns[columnKey([]string{spec.SwapWith}, spec.Raw || spec.Kind == "dice")]] = true
			}
		}
	}
	for _, col := range e.t.columns {
		if !keep[col] {
			col.Values = nil
		}
	}
}
