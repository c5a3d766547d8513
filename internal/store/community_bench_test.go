package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/civiclink/civiclink/internal/community"
	"github.com/civiclink/civiclink/internal/store"
)

// BenchmarkCommunityImport stores an editor's published import of n
// services in one call (bulk: one transaction, rows appended), and
// reports it against the row-by-row reference (an INSERT a row, as the
// store did before) in the same run: go test -run XXX -bench
// BenchmarkCommunityImport -benchtime 3x ./internal/store/
func BenchmarkCommunityImport(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprintf("services=%d", n), func(b *testing.B) {
			var bulk time.Duration
			for b.Loop() {
				st, subs := benchCommunity(b, n)
				start := time.Now()
				if err := st.AddCommunitySubmissions(context.Background(), subs); err != nil {
					b.Fatal(err)
				}
				bulk += time.Since(start)
			}
			b.ReportMetric(float64(bulk.Milliseconds())/float64(b.N), "ms/import")
			if n > 1000 {
				return
			}
			st, subs := benchCommunity(b, n)
			start := time.Now()
			rowByRow(b, st, subs)
			ref := time.Since(start)
			b.ReportMetric(float64(ref.Milliseconds()), "ms/row-by-row")
			b.ReportMetric(float64(ref)/float64(bulk/time.Duration(b.N)), "×faster")
		})
	}
}

// benchCommunity is a fresh store and n published submissions.
func benchCommunity(b *testing.B, n int) (*store.Store, []*community.Submission) {
	b.Helper()
	st, err := store.Open(context.Background(), filepath.Join(b.TempDir(), "bench.duckdb"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	p, err := community.LoadPlacer()
	if err != nil {
		b.Fatal(err)
	}
	at := time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)
	var subs []*community.Submission
	for _, s := range community.Synthesise(p, n, 1) {
		subs = append(subs, &community.Submission{Service: s, SubmittedBy: "editor", SubmittedAt: at, Status: community.Published, DecidedBy: "editor", DecidedAt: at})
	}
	return st, subs
}

// rowByRow is the reference: the statements the store ran a row before
// the bulk path (an id, the latest version, two INSERTs), in one
// transaction.
func rowByRow(b *testing.B, st *store.Store, subs []*community.Submission) {
	ctx := context.Background()
	tx, err := st.DB().BeginTx(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer tx.Rollback()
	for _, sub := range subs {
		doc, _ := json.Marshal(sub.Service)
		var v int
		if err := tx.QueryRowContext(ctx, `SELECT nextval('community_submission_ids')`).Scan(&sub.ID); err != nil {
			b.Fatal(err)
		}
		if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) + 1 FROM community_versions WHERE service_id = ?`, sub.Service.ID).Scan(&v); err != nil {
			b.Fatal(err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO community_versions VALUES (?, ?, ?, ?, ?, ?)`, sub.Service.ID, v, string(doc), sub.ID, sub.DecidedBy, sub.DecidedAt); err != nil {
			b.Fatal(err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO community_submissions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			sub.ID, sub.Service.ID, false, string(doc), "", sub.SubmittedBy, sub.SubmittedAt, "published", "", sub.DecidedBy, sub.DecidedAt, v); err != nil {
			b.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
}
