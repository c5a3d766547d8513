package bench

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/civiclink/civiclink/internal/catalog"
	"github.com/civiclink/civiclink/internal/govern"
	"github.com/civiclink/civiclink/internal/ingest"
	"github.com/civiclink/civiclink/internal/insight"
	"github.com/civiclink/civiclink/internal/store"
)

// IndicatorResult compares an indicator by district × month, governed and
// disclosure-controlled, with a bare DuckDB GROUP BY of the same data.
type IndicatorResult struct {
	Rows           int     `json:"rows"`
	BareSeconds    float64 `json:"bare_group_by_seconds"`
	ControlSeconds float64 `json:"controlled_seconds"`           // governance + suppression, no differencing audit
	AuditedSeconds float64 `json:"controlled_audited_seconds"`   // plus the per-record differencing audit
	Ratio          float64 `json:"controlled_over_bare"`         // ControlSeconds / BareSeconds
	AuditedRatio   float64 `json:"controlled_audited_over_bare"` // AuditedSeconds / BareSeconds
	Cells          int     `json:"cells"`
}

// Indicator loads n generated rows and times the three ways of counting
// them by district and month, each the median of three runs.
func Indicator(ctx context.Context, dir string, n int) (*IndicatorResult, error) {
	csvPath := filepath.Join(dir, fmt.Sprintf("indicator_%d.csv", n))
	if err := WriteIngestCSV(csvPath, n); err != nil {
		return nil, err
	}
	st, err := store.Open(ctx, filepath.Join(dir, "indicator.duckdb"))
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
	_, key, _ := ed25519.GenerateKey(nil)
	log, err := st.AuditLog(ctx, key)
	if err != nil {
		return nil, err
	}
	gov := govern.NewService(st, govern.AuditRecorder{Log: log})
	u := &govern.User{ID: "analyst", PartnerID: "bench", Name: "Analyst", Roles: []govern.Role{govern.Analyst}}
	if err := gov.Bootstrap(ctx, u, "bench password long enough"); err != nil {
		return nil, err
	}
	q := insight.AggregateQuery{Dataset: "bench", By: []string{"district", "month"}, Purpose: "violence-and-vulnerability"}
	out := &IndicatorResult{Rows: n}
	out.BareSeconds, err = median3(func() error {
		rows, err := st.DB().QueryContext(ctx, `SELECT district, strftime(event_date, '%Y-%m'), count(*) FROM `+res.Version.Table+` GROUP BY 1, 2`)
		if err != nil {
			return err
		}
		for rows.Next() {
			out.Cells++
		}
		return rows.Close()
	})
	if err != nil {
		return nil, err
	}
	e := &insight.Engine{Store: st, Gov: gov}
	if out.ControlSeconds, err = median3(func() error { _, err := e.Aggregate(ctx, u, q); return err }); err != nil {
		return nil, err
	}
	auditor, err := st.Auditor(ctx)
	if err != nil {
		return nil, err
	}
	ea := &insight.Engine{Store: st, Gov: gov, Auditor: auditor}
	if out.AuditedSeconds, err = median3(func() error { _, err := ea.Aggregate(ctx, u, q); return err }); err != nil {
		return nil, err
	}
	out.Cells /= 3
	out.Ratio = out.ControlSeconds / out.BareSeconds
	out.AuditedRatio = out.AuditedSeconds / out.BareSeconds
	return out, nil
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
