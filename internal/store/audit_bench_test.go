package store

import (
	"context"
	"fmt"
	"path/filepath"
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
