package bench

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/pprof"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/civiclink/civiclink/internal/catalog"
	"github.com/civiclink/civiclink/internal/govern"
	"github.com/civiclink/civiclink/internal/ingest"
	"github.com/civiclink/civiclink/internal/insight"
)

// IndicatorResult compares an indicator by district × month, governed and
// disclosure-controlled, with a bare DuckDB GROUP BY of the same data.
type IndicatorResult struct {
	Rows           int     `json:"rows"`
	Cells          int     `json:"cells"`
	BareSeconds    float64 `json:"bare_group_by_seconds"`
	ControlSeconds float64 `json:"controlled_seconds"` // governance + perturbation and threshold, no differencing audit
	// PlainSeconds is the same governed query without disclosure control:
	// no key sums, no perturbation, no threshold (insight.Unprotected).
	// ControlSeconds and PlainSeconds are medians of nine runs taken
	// alternately, so load on the machine falls on both alike.
	PlainSeconds float64 `json:"unprotected_seconds"`
	// PerturbRatio is ControlSeconds / PlainSeconds: what perturbation and
	// the checks add.
	PerturbRatio float64 `json:"controlled_over_unprotected"`
	// ControlCPU and PlainCPU are the median CPU seconds of the same runs
	// (the process's, the database's threads included), and
	// PerturbCPURatio their ratio: the work perturbation and the checks
	// add, steadier than wall time on a shared machine.
	ControlCPU      float64 `json:"controlled_cpu_seconds"`
	PlainCPU        float64 `json:"unprotected_cpu_seconds"`
	PerturbCPURatio float64 `json:"controlled_over_unprotected_cpu"`
	// FirstSeconds is the first full-control release: governance,
	// suppression and the persistent differencing audit, which digests
	// every cell's population in the database and records them.
	FirstSeconds float64 `json:"first_release_seconds"`
	// AuditedSeconds repeats the same indicator (the dashboard's case): each
	// cell matches its own earlier release.
	AuditedSeconds float64 `json:"controlled_audited_seconds"`
	// AuditedCPU is the CPU time of the repeat (median of the three), the
	// steadier measure on a shared machine.
	AuditedCPU float64 `json:"controlled_audited_cpu_seconds"`
	// OtherSeconds is a different indicator on the same data (violence
	// only), whose cells are compared with every release of the first.
	OtherSeconds float64 `json:"other_indicator_seconds"`
	// ReloadSeconds is the repeat by a new process: the release record is
	// read from the store before the check.
	ReloadSeconds float64 `json:"after_restart_seconds"`
	// SecondBareSeconds and SecondAuditedSeconds are the bare GROUP BY and
	// the full-control repeat in a second process sharing the first's
	// catalogue (IndicatorOptions.Second): in server mode it reads the
	// version from its Parquet file, not from a table of its own.
	SecondBareSeconds    float64 `json:"second_process_bare_seconds,omitempty"`
	SecondAuditedSeconds float64 `json:"second_process_audited_seconds,omitempty"`
	// SecondAuditedCPU is its CPU time; SecondLoadingSeconds and
	// SecondLoadingCPU are the loading process's repeat timed in
	// alternation with it (nine of each, medians), so that both meet the
	// same load on a shared machine.
	SecondAuditedCPU     float64 `json:"second_process_audited_cpu_seconds,omitempty"`
	SecondLoadingSeconds float64 `json:"loading_process_audited_seconds,omitempty"`
	SecondLoadingCPU     float64 `json:"loading_process_audited_cpu_seconds,omitempty"`
	Released             int     `json:"released_cells"`               // digests in the release record at the end
	Ratio                float64 `json:"controlled_over_bare"`         // ControlSeconds / BareSeconds
	AuditedRatio         float64 `json:"controlled_audited_over_bare"` // AuditedSeconds / BareSeconds
	FirstRatio           float64 `json:"first_release_over_bare"`      // FirstSeconds / BareSeconds
}

// IndicatorOptions tunes an [Indicator] run.
type IndicatorOptions struct {
	// Profile, when set, receives a Go CPU profile of the audited runs
	// (first release to after a restart), not of the load.
	Profile io.Writer
	// Second, when set, opens a second store on the same shared state
	// (server mode), where the repeat is timed again.
	Second Opener
}

// Indicator loads n generated rows into a store made by open and times the ways of counting them by
// district and month: a bare GROUP BY, governed control without and with
// the persistent differencing audit (first release, repeats, another
// indicator, after a restart); each repeated figure is the median of three.
func Indicator(ctx context.Context, open Opener, dir string, n int, opts IndicatorOptions) (*IndicatorResult, error) {
	csvPath := filepath.Join(dir, fmt.Sprintf("indicator_%d.csv", n))
	if err := WriteIngestCSV(csvPath, n); err != nil {
		return nil, err
	}
	st, log, err := open(ctx, filepath.Join(dir, "indicator.duckdb"))
	if err != nil {
		return nil, err
	}
	defer st.Close()
	sc, err := catalog.ParseSchema(strings.NewReader(IngestSchema))
	if err != nil {
		return nil, err
	}
	if err := st.CreatePartner(ctx, &catalog.Partner{ID: "bench", Name: "Bench"}); err != nil {
		return nil, err
	}
	if err := st.CreateDataset(ctx, &catalog.Dataset{ID: "bench", PartnerID: "bench", Schema: sc}); err != nil {
		return nil, err
	}
	res, err := ingest.Run(ctx, st, ingest.Request{DatasetID: "bench", Path: csvPath, User: "bench"})
	if err != nil {
		return nil, err
	}
	os.Remove(csvPath)
	gov := govern.NewService(st, govern.AuditRecorder{Log: log})
	u := &govern.User{ID: "analyst", PartnerID: "bench", Name: "Analyst", Roles: []govern.Role{govern.Analyst}}
	if err := gov.Bootstrap(ctx, u, "bench password long enough"); err != nil {
		return nil, err
	}
	out := &IndicatorResult{Rows: n}
	repeat, err := out.measure(ctx, st, gov, u, res.Version.Table, opts)
	if err != nil {
		return nil, err
	}
	if opts.Second != nil {
		if err := out.measureSecond(ctx, opts.Second, dir, q0, u, repeat); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// q0 is the indicator the benchmark times.
var q0 = insight.AggregateQuery{Dataset: "bench", By: []string{"district", "month"}, Purpose: "violence-and-vulnerability"}

// measureSecond times the bare query and the full-control repeat of q in
// a second process opened by open on the same shared state, the repeat in
// alternation with the loading process's (repeat).
func (out *IndicatorResult) measureSecond(ctx context.Context, open Opener, dir string, q insight.AggregateQuery, u *govern.User, repeat func() error) error {
	st, log, err := open(ctx, filepath.Join(dir, "indicator-second.duckdb"))
	if err != nil {
		return err
	}
	defer st.Close()
	v, err := st.Version(ctx, "bench", 0)
	if err != nil {
		return err
	}
	var cells int
	if out.SecondBareSeconds, err = median3(bareQuery(ctx, st, v.Table, &cells)); err != nil {
		return err
	}
	if cells != out.Cells {
		return fmt.Errorf("the second process counts %d cells, the first %d", cells, out.Cells)
	}
	auditor, err := st.Auditor(ctx)
	if err != nil {
		return err
	}
	ea := &insight.Engine{Store: st, Gov: govern.NewService(st, govern.AuditRecorder{Log: log}), Auditor: auditor}
	second := func() error { _, err := ea.Aggregate(ctx, u, q); return err }
	if err := second(); err != nil { // its first read of the file, untimed
		return err
	}
	out.SecondAuditedSeconds, out.SecondLoadingSeconds, out.SecondAuditedCPU, out.SecondLoadingCPU, err = alternate(9, second, repeat)
	return err
}

// bareQuery is the best plain DuckDB GROUP BY of the benchmark's table:
// group on the month's number (faster than on its first day), format once
// per cell. It counts the cells into cells.
func bareQuery(ctx context.Context, st Store, table string, cells *int) func() error {
	return func() error {
		rows, err := st.DB().QueryContext(ctx, `SELECT district, printf('%04d-%02d', m // 12, m % 12 + 1), count(*) FROM (SELECT district, CAST(year(event_date) * 12 + month(event_date) - 1 AS INTEGER) AS m FROM `+table+`) GROUP BY district, m`)
		if err != nil {
			return err
		}
		*cells = 0
		for rows.Next() {
			*cells++
		}
		return rows.Close()
	}
}

// measure runs the timings on the loaded store and returns the repeat.
func (out *IndicatorResult) measure(ctx context.Context, st Store, gov *govern.Service, u *govern.User, table string, opts IndicatorOptions) (func() error, error) {
	q := q0
	other := q
	other.Where = "category = 'violence'"
	bare := bareQuery(ctx, st, table, &out.Cells)
	// Settle the store after the load, and one untimed run of each kind
	// first (the audited one reads the record-id column), so that no figure
	// pays for writing the load out or reading the table in.
	if _, err := st.DB().ExecContext(ctx, `CHECKPOINT`); err != nil {
		return nil, err
	}
	warm := `SELECT count(DISTINCT district), count(DISTINCT event_date), max(record_id), max(category) FROM ` + table
	if _, err := st.DB().ExecContext(ctx, warm); err != nil {
		return nil, err
	}
	if err := bare(); err != nil {
		return nil, err
	}
	var err error
	if out.BareSeconds, err = median3(bare); err != nil {
		return nil, err
	}
	e := &insight.Engine{Store: st, Gov: gov}
	controlled := func() error { _, err := e.Aggregate(ctx, u, q); return err }
	plain := func() error { _, err := e.Unprotected(ctx, u, q, insight.Truth); return err }
	if out.ControlSeconds, out.PlainSeconds, out.ControlCPU, out.PlainCPU, err = alternate(perturbRounds, controlled, plain); err != nil {
		return nil, err
	}
	out.PerturbRatio = out.ControlSeconds / out.PlainSeconds
	if out.PlainCPU > 0 {
		out.PerturbCPURatio = out.ControlCPU / out.PlainCPU
	}
	auditor, err := st.Auditor(ctx)
	if err != nil {
		return nil, err
	}
	ea := &insight.Engine{Store: st, Gov: gov, Auditor: auditor}
	run := func(q insight.AggregateQuery) func() error {
		return func() error { _, err := ea.Aggregate(ctx, u, q); return err }
	}
	if opts.Profile != nil {
		if err := pprof.StartCPUProfile(opts.Profile); err != nil {
			return nil, err
		}
		defer pprof.StopCPUProfile()
	}
	if out.FirstSeconds, err = timed(run(q)); err != nil {
		return nil, err
	}
	if out.AuditedSeconds, out.AuditedCPU, err = median3CPU(run(q)); err != nil {
		return nil, err
	}
	if out.OtherSeconds, err = timed(run(other)); err != nil {
		return nil, err
	}
	out.ReloadSeconds, err = timed(func() error {
		a, err := st.Auditor(ctx)
		if err != nil {
			return err
		}
		ea.Auditor = a
		return run(q)()
	})
	if err != nil {
		return nil, err
	}
	out.Released = ea.Auditor.Released("bench")
	out.Ratio = out.ControlSeconds / out.BareSeconds
	out.AuditedRatio = out.AuditedSeconds / out.BareSeconds
	out.FirstRatio = out.FirstSeconds / out.BareSeconds
	return run(q), nil
}

func timed(f func() error) (float64, error) {
	t0 := time.Now()
	err := f()
	return time.Since(t0).Seconds(), err
}

// alternate runs a and b in turn n times (b first in every other round)
// and returns the median wall time of each, and the median CPU time the
// process spent on each (the database's threads included): on a machine shared with other work the
// CPU time is the steadier measure of the work each does.
func alternate(n int, a, b func() error) (wa, wb, ca, cb float64, err error) {
	var ta, tb, pa, pb []float64
	for i := range n {
		pair := []struct {
			f      func() error
			ts, cs *[]float64
		}{{a, &ta, &pa}, {b, &tb, &pb}}
		if i%2 == 1 {
			// Every other round runs b first, so neither side always
			// pays (or profits from) going first after the other.
			pair[0], pair[1] = pair[1], pair[0]
		}
		for _, x := range pair {
			c0 := cpuSeconds()
			t, err := timed(x.f)
			if err != nil {
				return 0, 0, 0, 0, err
			}
			*x.ts, *x.cs = append(*x.ts, t), append(*x.cs, cpuSeconds()-c0)
		}
	}
	for _, s := range [][]float64{ta, tb, pa, pb} {
		sort.Float64s(s)
	}
	return ta[n/2], tb[n/2], pa[n/2], pb[n/2], nil
}

// cpuSeconds is the CPU time (user and system) this process has used.
func cpuSeconds() float64 {
	var r syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &r); err != nil {
		return 0
	}
	return float64(r.Utime.Nano()+r.Stime.Nano()) / 1e9
}

// median3CPU is [median3] with the median CPU time of the three.
func median3CPU(f func() error) (wall, cpu float64, err error) {
	var ts, cs []float64
	for range 3 {
		c0 := cpuSeconds()
		t, err := timed(f)
		if err != nil {
			return 0, 0, err
		}
		ts, cs = append(ts, t), append(cs, cpuSeconds()-c0)
	}
	sort.Float64s(ts)
	sort.Float64s(cs)
	return ts[1], cs[1], nil
}

func median3(f func() error) (float64, error) {
	var ts []float64
	for range 3 {
		t0 := time.Now()
		if err := f(); err != nil {
			return 0, err
		}
		ts = append(ts, time.Since(t0).Seconds())
	}
	sort.Float64s(ts)
	return ts[1], nil
}

// perturbRounds is how many alternating pairs time the controlled query
// against the unprotected one: each takes a tenth of a second at 10M
// rows, so nine pairs left the median at the mercy of one busy moment
// (1.03 and 1.22 in two quiet runs a minute apart).
const perturbRounds = 41
