//go:build unix

package store

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/civiclink/civiclink/internal/audit"
)

// BenchmarkAuditAppend measures appends to a file store already holding
// `prefill` entries (each append: canonical bytes, leaf hash, O(log n) tree
// update, ed25519 signature, one transaction of two inserts) against a
// reference interleaved with it in the same loop, so both see the same load
// on a shared machine: a plain autocommit INSERT of the same bytes into a
// table with no Merkle work, holding as many rows. It reports entries/s for both and x-plain, the
// append's time as a multiple of the plain insert's.
func BenchmarkAuditAppend(b *testing.B) {
	for _, prefill := range []int{0, 5000} {
		b.Run(fmt.Sprintf("prefill=%d", prefill), func(b *testing.B) {
			ctx := context.Background()
			s, a := openAudit(b, filepath.Join(b.TempDir(), "bench.duckdb"), newKey(b))
			defer s.Close()
			prefillLog(b, a, prefill)
			// The reference table holds as many rows as the log, so both
			// insert into a primary-key index of the same size.
			for _, q := range []string{
				`CREATE TABLE plain_log (idx BIGINT PRIMARY KEY, entry BLOB NOT NULL)`,
				fmt.Sprintf(`INSERT INTO plain_log SELECT -1 - range, entry FROM range(%d), (SELECT entry FROM audit_leaves LIMIT 1)`, prefill),
			} {
				if _, err := s.db.ExecContext(ctx, q); err != nil {
					b.Fatal(err)
				}
			}
			var plain, merkle time.Duration
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				e := sampleEvent(i)
				t0 := time.Now()
				row, _ := audit.Encode(uint64(i), e)
				if _, err := s.db.ExecContext(ctx, `INSERT INTO plain_log VALUES (?, ?)`, i, row); err != nil {
					b.Fatal(err)
				}
				t1 := time.Now()
				if _, err := a.Append(ctx, e); err != nil {
					b.Fatal(err)
				}
				plain, merkle = plain+t1.Sub(t0), merkle+time.Since(t1)
				i++
			}
			b.ReportMetric(float64(i)/merkle.Seconds(), "entries/s")
			b.ReportMetric(float64(i)/plain.Seconds(), "plain-entries/s")
			b.ReportMetric(merkle.Seconds()/plain.Seconds(), "x-plain")
		})
	}
}

// prefillLog appends n entries (untimed) so appends run on a grown tree.
func prefillLog(tb testing.TB, a *Audit, n int) {
	tb.Helper()
	for i := range n {
		if _, err := a.Append(context.Background(), sampleEvent(i)); err != nil {
			tb.Fatal(err)
		}
	}
}

// BenchmarkAuditVerify measures a full verification (every leaf, root and
// head signature) in entries/s.
func BenchmarkAuditVerify(b *testing.B) {
	const n = 5000
	ctx := context.Background()
	s, a := openAudit(b, filepath.Join(b.TempDir(), "bench.duckdb"), newKey(b))
	defer s.Close()
	prefillLog(b, a, n)
	b.ReportAllocs()
	for b.Loop() {
		rep, err := a.Verify(ctx, audit.Options{})
		if err != nil || rep.Problem != nil {
			b.Fatal(err, rep.Problem)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "entries/s")
}

// BenchmarkAuditAppendConcurrent measures audit appends by 1 and by 50
// concurrent appenders, each appending `each` entries, with group commit
// (appends that arrive during a commit share the next transaction) against
// the one-by-one path (every append its own transaction, taking turns)
// in the same loop on a second file store, so both see the same machine
// load. It reports entries/s for both and x-one-by-one, the grouped
// throughput as a multiple of the one-by-one.
func BenchmarkAuditAppendConcurrent(b *testing.B) {
	const each = 8
	for _, appenders := range []int{1, 50} {
		b.Run(fmt.Sprintf("appenders=%d", appenders), func(b *testing.B) {
			key := newKey(b)
			s1, one := openAudit(b, filepath.Join(b.TempDir(), "one.duckdb"), key)
			defer s1.Close()
			s2, grouped := openAudit(b, filepath.Join(b.TempDir(), "grouped.duckdb"), key)
			defer s2.Close()
			one.share.maxGroup = 1
			var tOne, tGrouped time.Duration
			n := 0
			b.ReportAllocs()
			for b.Loop() {
				tOne += appendConcurrently(b, one, appenders, each)
				tGrouped += appendConcurrently(b, grouped, appenders, each)
				n += appenders * each
			}
			b.ReportMetric(float64(n)/tGrouped.Seconds(), "entries/s")
			b.ReportMetric(float64(n)/tOne.Seconds(), "one-by-one-entries/s")
			b.ReportMetric(tOne.Seconds()/tGrouped.Seconds(), "x-one-by-one")
		})
	}
}

// appendConcurrently has appenders goroutines append each entries at once
// and returns the wall time they took.
func appendConcurrently(b *testing.B, a *Audit, appenders, each int) time.Duration {
	d, _ := timedAppends(b, a, appenders, each)
	return d
}

// BenchmarkAuditAppendServeRequests measures the CPU time of group-committed
// appends by 5 and 50 concurrent appenders on a store tuned for serving
// ([Store.ServeRequests]: one DuckDB thread per query) against one with
// DuckDB's default threads, interleaved in the same loop. It reports the
// process's CPU µs per entry for both and x-default, the tuned store's CPU
// as a fraction of the default's.
func BenchmarkAuditAppendServeRequests(b *testing.B) {
	const each = 8
	for _, appenders := range []int{5, 50} {
		b.Run(fmt.Sprintf("appenders=%d", appenders), func(b *testing.B) {
			key := newKey(b)
			s1, def := openAudit(b, filepath.Join(b.TempDir(), "default.duckdb"), key)
			defer s1.Close()
			s2, tuned := openAudit(b, filepath.Join(b.TempDir(), "serving.duckdb"), key)
			defer s2.Close()
			if err := s2.ServeRequests(context.Background()); err != nil {
				b.Fatal(err)
			}
			var cDef, cTuned time.Duration
			n := 0
			for b.Loop() {
				c0 := cpuTime()
				appendConcurrently(b, def, appenders, each)
				c1 := cpuTime()
				appendConcurrently(b, tuned, appenders, each)
				cDef, cTuned, n = cDef+c1-c0, cTuned+cpuTime()-c1, n+appenders*each
			}
			b.ReportMetric(float64(cTuned.Microseconds())/float64(n), "cpu-µs/entry")
			b.ReportMetric(float64(cDef.Microseconds())/float64(n), "default-cpu-µs/entry")
			b.ReportMetric(cTuned.Seconds()/cDef.Seconds(), "x-default")
		})
	}
}

// cpuTime is the CPU time (user and system) the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// openDirectAudit opens a file store whose audit log writes each group in
// its own transaction, as before the journal: the reference of the
// journal benchmarks.
func openDirectAudit(tb testing.TB, path string, key ed25519.PrivateKey) (*Store, *Audit) {
	tb.Helper()
	s, err := Open(context.Background(), path)
	if err != nil {
		tb.Fatal(err)
	}
	sh := &auditShare{}
	sh.journalOnce.Do(func() {}) // no journal
	auditShares.Store(s, sh)
	a, err := s.AuditLog(context.Background(), key)
	if err != nil {
		tb.Fatal(err)
	}
	return s, a
}

// BenchmarkAuditAppendCheckpoints measures what 50 concurrent appenders
// wait while DuckDB checkpoints: each iteration appends 50×40 entries to
// a journaled file store and, in the same loop, to one writing each group
// in a transaction (the reference), both with DuckDB's checkpoint
// threshold lowered to 1 MiB so several checkpoints fall inside an
// iteration. A checkpoint holds back inserts into the table it writes, so
// the reference's appends stall behind it; the journal's do not wait for
// DuckDB. It reports each path's p99 and longest append, entries/s, and
// the reference's longest append as a multiple of the journal's.
func BenchmarkAuditAppendCheckpoints(b *testing.B) {
	const appenders, each = 50, 40
	key := newKey(b)
	js, journaled := openAudit(b, filepath.Join(b.TempDir(), "journal.duckdb"), key)
	defer js.Close()
	ds, direct := openDirectAudit(b, filepath.Join(b.TempDir(), "direct.duckdb"), key)
	defer ds.Close()
	for _, s := range []*Store{js, ds} {
		if err := s.ServeRequests(context.Background()); err != nil {
			b.Fatal(err)
		}
		if _, err := s.db.Exec(`SET checkpoint_threshold = '1MiB'`); err != nil {
			b.Fatal(err)
		}
	}
	var jl, dl []time.Duration
	var jt, dt time.Duration
	for b.Loop() {
		d, lat := timedAppends(b, journaled, appenders, each)
		jt, jl = jt+d, append(jl, lat...)
		d, lat = timedAppends(b, direct, appenders, each)
		dt, dl = dt+d, append(dl, lat...)
	}
	slices.Sort(jl)
	slices.Sort(dl)
	q := func(ls []time.Duration, p float64) float64 {
		return float64(ls[int(float64(len(ls)-1)*p)]) / float64(time.Millisecond)
	}
	b.ReportMetric(q(jl, 0.99), "journal-p99-ms")
	b.ReportMetric(q(jl, 1), "journal-max-ms")
	b.ReportMetric(q(dl, 0.99), "direct-p99-ms")
	b.ReportMetric(q(dl, 1), "direct-max-ms")
	b.ReportMetric(float64(len(jl))/jt.Seconds(), "journal-entries/s")
	b.ReportMetric(float64(len(dl))/dt.Seconds(), "direct-entries/s")
	b.ReportMetric(q(dl, 1)/q(jl, 1), "x-max")
}

// timedAppends has appenders goroutines append each entries at once and
// returns the wall time and every append's latency.
func timedAppends(b *testing.B, a *Audit, appenders, each int) (time.Duration, []time.Duration) {
	var mu sync.Mutex
	var lat []time.Duration
	var wg sync.WaitGroup
	errs := make(chan error, appenders)
	start := time.Now()
	for w := range appenders {
		wg.Go(func() {
			for i := range each {
				t0 := time.Now()
				if _, err := a.Append(context.Background(), sampleEvent(w*each+i)); err != nil {
					errs <- err
					return
				}
				d := time.Since(t0)
				mu.Lock()
				lat = append(lat, d)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	d := time.Since(start)
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
	return d, lat
}
