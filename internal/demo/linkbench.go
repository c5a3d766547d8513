package demo

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/civiclink/civiclink/internal/csvhead"
	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/link"
	"github.com/civiclink/civiclink/internal/linkrun"
	"github.com/civiclink/civiclink/internal/pseudo"
	"github.com/civiclink/civiclink/internal/pseudo/normalise"
	"github.com/civiclink/civiclink/internal/synth"
)

// LinkBenchOptions configure [LinkBench].
type LinkBenchOptions struct {
	People int
	Seed   uint64
	// Dir holds the county; it is generated (and pseudonymised) there
	// unless it already holds one of the same people and seed.
	Dir string
	// Encoded and Plain choose the runs: on the partners' tokens and Bloom
	// filters with [linkrun.DefaultConfig], and on the normalised plain
	// identifiers with PlainConfig.
	Encoded, Plain bool
	PlainConfig    link.Config
	Workers        int
	// Memory is each linkage's memory budget (0: link.DefaultMemory).
	Memory int64
	// AutoBlocking, when set, replaces both runs' blocking rules by rules
	// chosen from the data ("blocking": "auto") with these settings.
	AutoBlocking *link.AutoBlocking
	// Log hears what is done, and Progress how far each stage is.
	Log      io.Writer
	Progress func(stage string, done, total int)
	// MemProfile, when set, receives a heap profile taken after each
	// linkage, while its records and result are still live (a suffix
	// names the run).
	MemProfile string
}

// LinkBenchRun is one linkage of the county measured against its truth.
type LinkBenchRun struct {
	Identifiers    string  `json:"identifiers"`
	Records        int     `json:"records"`
	Candidates     int     `json:"candidate_pairs"`
	Matches        int     `json:"matches"`
	BlockingRecall float64 `json:"blocking_recall"`
	Precision      float64 `json:"precision"`
	Recall         float64 `json:"recall"`
	F1             float64 `json:"f1"`
	ReadSeconds    float64 `json:"read_seconds"`
	LinkSeconds    float64 `json:"link_seconds"`
	LinkCPUSeconds float64 `json:"link_cpu_seconds"`
	// PeakHeapMiB is the most live heap seen while linking (as the
	// garbage collector last measured it, sampled every 20 ms), and
	// PeakStage the stage it was seen in.
	PeakHeapMiB float64 `json:"peak_heap_mib"`
	PeakStage   string  `json:"peak_heap_stage"`
	// StageHeapMiB is the most live heap seen in each stage.
	StageHeapMiB map[string]float64 `json:"stage_heap_mib"`
	Timings      []link.StageTime   `json:"timings"`
	Blocking     []link.RuleReport  `json:"blocking_rules"`
	// AutoBlocking is how the rules were chosen, with AutoBlocking set.
	AutoBlocking *link.BlockingSuggestion `json:"auto_blocking,omitempty"`
}

// LinkBenchResult is the county's encoded and plain runs and the gap in
// F1 between them (plain minus encoded).
type LinkBenchResult struct {
	People         int           `json:"people"`
	PrepareSeconds float64       `json:"prepare_seconds"`
	Encoded        *LinkBenchRun `json:"encoded,omitempty"`
	Plain          *LinkBenchRun `json:"plain,omitempty"`
	Gap            float64       `json:"f1_gap,omitempty"`
	PeakRSSMiB     float64       `json:"peak_rss_mib"`
}

// LinkBench links a synthetic county's agency datasets on encoded
// identifiers (as the platform does) and on plain ones (as a partner
// could), and scores both against the county's truth.
func LinkBench(ctx context.Context, o LinkBenchOptions) (*LinkBenchResult, error) {
	start := time.Now()
	m, err := prepareCounty(ctx, o)
	if err != nil {
		return nil, err
	}
	res := &LinkBenchResult{People: m.People, PrepareSeconds: time.Since(start).Seconds()}
	var names []string
	files := map[string]string{}
	for _, id := range linked {
		for _, d := range m.Datasets {
			if d.ID == id && d.Rows > 0 {
				names = append(names, id)
				files[id] = m.Path(d.File)
			}
		}
	}
	run := func(kind string, read func(string) (link.Dataset, error), cfgOf func([]link.Dataset) link.Config) (*LinkBenchRun, error) {
		t0 := time.Now()
		ds, err := readAll(names, read)
		if err != nil {
			return nil, err
		}
		truth, err := readTruth(filepath.Join(m.Dir, "truth.csv"), ds)
		if err != nil {
			return nil, err
		}
		r := &LinkBenchRun{Identifiers: kind, ReadSeconds: time.Since(t0).Seconds()}
		logf(o.Log, "%s: read %d datasets in %.1fs; linking\n", kind, len(ds), r.ReadSeconds)
		t0, cpu := time.Now(), cpuSeconds()
		watch := watchHeap(o.MemProfile != "")
		progress := func(stage string, done, total int) {
			watch.stage.Store(&stage)
			if o.Progress != nil {
				o.Progress(stage, done, total)
			}
		}
		cfg := cfgOf(ds)
		if o.AutoBlocking != nil {
			cfg.Blocking, cfg.AutoBlocking = nil, o.AutoBlocking
		}
		lr, err := link.Link(ctx, ds, cfg, link.Options{Workers: o.Workers, Memory: o.Memory, ReleaseValues: true, Progress: progress,
			Truth: func(d string, rec *link.Record) string { return truth.of(d, rec.ID) }})
		if err != nil {
			return nil, err
		}
		r.LinkSeconds, r.LinkCPUSeconds = time.Since(t0).Seconds(), cpuSeconds()-cpu
		r.PeakHeapMiB, r.PeakStage = watch.stop()
		r.StageHeapMiB = watch.byStage
		if o.MemProfile != "" {
			if err := writeHeapProfile(o.MemProfile + "." + kind); err != nil {
				return nil, err
			}
			if err := os.WriteFile(o.MemProfile+"."+kind+".peak", watch.profile.Bytes(), 0o644); err != nil {
				return nil, err
			}
		}
		r.Records, r.Candidates, r.Matches = lr.Records(), lr.Pairs.Len(), len(lr.Matched)
		r.BlockingRecall, r.Timings, r.Blocking = lr.Blocking.Recall, lr.Timings, lr.Blocking.Rules
		truth.score(lr, r)
		if a := lr.AutoBlocking; a != nil {
			r.AutoBlocking = a
			logf(o.Log, "auto blocking (%s):\n%s", kind, a)
		}
		for _, rr := range r.Blocking {
			big := 0
			if len(rr.Largest) > 0 {
				big = rr.Largest[0].Size
			}
			logf(o.Log, "  rule %-28s adds %9d pairs, finds %.4f of true pairs alone; %d blocks, largest %d, %d skipped\n", rr.Rule, rr.Pairs, rr.Recall, rr.Blocks, big, rr.Skipped)
		}
		logf(o.Log, "%s: %d records, %d candidate pairs (blocking recall %.4f), %d matches in %.1fs (%.1f CPU-s): precision %.4f recall %.4f F1 %.4f\n",
			kind, r.Records, r.Candidates, r.BlockingRecall, r.Matches, r.LinkSeconds, r.LinkCPUSeconds, r.Precision, r.Recall, r.F1)
		runtime.GC()
		return r, nil
	}
	if o.Encoded {
		enc := filepath.Join(m.Dir, "encoded")
		if res.Encoded, err = run("encoded", func(id string) (link.Dataset, error) { return readEncoded(filepath.Join(enc, id+".csv"), id) }, linkrun.DefaultConfig); err != nil {
			return nil, err
		}
	}
	if o.Plain {
		if res.Plain, err = run("plain", func(id string) (link.Dataset, error) { return readPlain(files[id], id) }, func([]link.Dataset) link.Config { return o.PlainConfig }); err != nil {
			return nil, err
		}
	}
	if res.Encoded != nil && res.Plain != nil {
		res.Gap = res.Plain.F1 - res.Encoded.F1
	}
	res.PeakRSSMiB = peakRSSMiB()
	return res, nil
}

// PrepareCounty generates and pseudonymises the county of o in o.Dir, as
// [LinkBench] does first, and stops there.
func PrepareCounty(ctx context.Context, o LinkBenchOptions) error {
	_, err := prepareCounty(ctx, o)
	return err
}

func logf(w io.Writer, format string, args ...any) {
	if w != nil {
		fmt.Fprintf(w, format, args...)
	}
}

// prepareCounty generates the county in o.Dir unless one of the same
// size and seed is there, and pseudonymises its datasets as the partners
// would, unless that was done already.
func prepareCounty(ctx context.Context, o LinkBenchOptions) (*synth.Manifest, error) {
	m, err := synth.ReadManifest(o.Dir)
	if err != nil || m.People != o.People || m.Seed != o.Seed {
		logf(o.Log, "generating a county of %d people in %s\n", o.People, o.Dir)
		if m, _, err = synth.Generate(ctx, synth.DefaultConfig(o.People, o.Seed), o.Dir, synth.Options{}); err != nil {
			return nil, err
		}
		_ = os.RemoveAll(filepath.Join(o.Dir, "encoded"))
	}
	if !o.Encoded {
		return m, nil
	}
	enc := filepath.Join(o.Dir, "encoded")
	done := filepath.Join(enc, ".complete")
	if _, err := os.Stat(done); err == nil {
		return m, nil
	}
	secret, err := countySecret(o.Dir, "")
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(enc, 0o700); err != nil {
		return nil, err
	}
	for _, d := range m.Datasets {
		raw, err := m.ReadSchema(d)
		if err != nil {
			return nil, err
		}
		spec, ok := LinkageSpec(d.ID, raw)
		if !ok || !slices.Contains(linked, d.ID) {
			continue
		}
		logf(o.Log, "pseudonymising %s (%d rows)\n", d.ID, d.Rows)
		_, err = pseudo.Run(ctx, pseudo.Options{Spec: spec, Secret: secret, In: m.Path(d.File), Out: filepath.Join(enc, d.ID+".csv"),
			Rejects: filepath.Join(enc, d.ID+".rejects.csv"), Workers: o.Workers})
		if err != nil {
			return nil, fmt.Errorf("pseudonymise %s: %w", d.ID, err)
		}
	}
	return m, os.WriteFile(done, nil, 0o600)
}

// readAll reads the named datasets side by side (the largest, A&E, is most
// of the records, so the rest are read while it is).
func readAll(names []string, read func(string) (link.Dataset, error)) ([]link.Dataset, error) {
	ds := make([]link.Dataset, len(names))
	errs := make([]error, len(names))
	var wg sync.WaitGroup
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	for i, id := range names {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			if ds[i], errs[i] = read(id); errs[i] != nil {
				errs[i] = fmt.Errorf("dataset %s: %w", id, errs[i])
			}
		})
	}
	wg.Wait()
	return ds, errors.Join(errs...)
}

// csvTable reads a CSV's header and calls row for every record, with the
// cells of the wanted columns (absent ones empty). The cells are only
// valid during the call.
func csvTable(path string, want []string, row func(id string, vals []string) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	cr, err := csvhead.New(bufio.NewReaderSize(f, 1<<20), csvhead.Options{})
	if err != nil {
		return fault.Errorf(fault.Invalid, "%s: %v", path, err)
	}
	idx := make([]int, len(want))
	for i, w := range want {
		idx[i] = cr.Index(w)
	}
	rid := cr.Index("record_id")
	if rid < 0 {
		return fault.Errorf(fault.Invalid, "%s has no record_id column", path)
	}
	vals := make([]string, len(want))
	for cr.Next() {
		for i, c := range idx {
			vals[i] = cr.Field(c)
		}
		if err := row(cr.Field(rid), vals); err != nil {
			return fault.Errorf(fault.Invalid, "%s: %v", path, err)
		}
	}
	if err := cr.Err(); err != nil {
		return fault.Errorf(fault.Invalid, "%s: %v", path, err)
	}
	return nil
}

// readEncoded reads an encoded dataset's tokens and Bloom filters under
// the field names the store's identifier columns have, column by column.
func readEncoded(path, name string) (link.Dataset, error) {
	fields := append([]string(nil), encodedFields()...)
	ds := link.Dataset{Name: name, Fields: fields, Columns: link.NewColumns(len(fields))}
	err := csvTable(path, fields, ds.Columns.Append)
	ds.Columns.Done()
	return ds, err
}

// encodedFields are every token and filter column partners make, sorted
// as the store's linkage reads them.
func encodedFields() []string {
	var out []string
	for _, t := range Tokens {
		out = append(out, t.Column)
	}
	for _, f := range Filters {
		out = append(out, f.Column)
	}
	slices.Sort(out)
	return out
}

// PlainFields are the standard identifier fields of a plain county run.
var PlainFields = []string{"forename", "surname", "dob", "sex", "postcode", "nhs_number"}

// readPlain reads a raw agency file's identifiers under the standard
// field names, normalised as the partners normalise before encoding (an
// invalid value is missing, as in the encoded files).
func readPlain(path, name string) (link.Dataset, error) {
	ids := identifiers[name]
	cols := make([]string, len(PlainFields))
	for i, f := range PlainFields {
		cols[i] = ids[f] // "" when the agency lacks it
	}
	dates, err := normalise.NewDateParser(nil, "", "")
	if err != nil {
		return link.Dataset{}, err
	}
	norm := []func(string) (string, error){
		func(s string) (string, error) { return normalise.Name(s), nil },
		func(s string) (string, error) { return normalise.Name(s), nil },
		dates.Parse,
		func(s string) (string, error) { return normalise.Sex(s, nil) },
		normalise.Postcode,
		normalise.NHSNumber,
	}
	cache := make([]map[string]string, len(cols))
	for i := range cache {
		cache[i] = map[string]string{}
	}
	ds := link.Dataset{Name: name, Fields: PlainFields, Columns: link.NewColumns(len(PlainFields))}
	err = csvTable(path, cols, func(id string, vals []string) error {
		for i, v := range vals {
			if v == "" {
				continue
			}
			n, ok := cache[i][v]
			if !ok {
				var err error
				if n, err = norm[i](v); err != nil {
					n = ""
				}
				n = strings.Clone(n)
				cache[i][strings.Clone(v)] = n
			}
			vals[i] = n
		}
		return ds.Columns.Append(id, vals)
	})
	ds.Columns.Done()
	return ds, err
}

// heapWatch samples the heap until stopped, keeping the largest live heap
// (as the last collection found it) and the stage it was seen in, and,
// when profile is set, a heap profile taken at that peak.
type heapWatch struct {
	stage   atomic.Pointer[string]
	done    chan struct{}
	peak    float64
	at      string
	byStage map[string]float64
	profile *bytes.Buffer
}

func watchHeap(profile bool) *heapWatch {
	w := &heapWatch{done: make(chan struct{}), byStage: map[string]float64{}}
	if profile {
		w.profile = &bytes.Buffer{}
	}
	start := "read"
	w.stage.Store(&start)
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	go func() {
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			metrics.Read(sample)
			b := float64(sample[0].Value.Uint64()) / (1 << 20)
			if st := *w.stage.Load(); b > w.byStage[st] {
				w.byStage[st] = b
			}
			if b > w.peak {
				w.peak, w.at = b, *w.stage.Load()
				if w.profile != nil && b > 64 {
					w.profile.Reset()
					_ = pprof.WriteHeapProfile(w.profile)
				}
			}
			select {
			case <-w.done:
				close(w.done)
				return
			case <-tick.C:
			}
		}
	}()
	return w
}

// stop ends the sampling and returns the peak in MiB and its stage.
func (w *heapWatch) stop() (float64, string) {
	w.done <- struct{}{}
	<-w.done
	return w.peak, w.at
}

func writeHeapProfile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return pprof.WriteHeapProfile(f)
}

func cpuSeconds() float64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

func peakRSSMiB() float64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return float64(ru.Maxrss) / 1024
}
