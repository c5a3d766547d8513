package govern

import (
	"context"
	"encoding/json"
	"time"

	"github.com/civiclink/civiclink/internal/audit"
	"github.com/civiclink/civiclink/internal/catalog"
)

// A write whose audit entry is appended after its own transaction commits
// (a load, a purge) is noted as pending in that transaction; the note is
// cleared once the entry is on the log. A crash in between leaves the
// note, and the next opening appends the missing entry ([Service.RecoverAudit],
// ingest's Service.RecoverAudit), unless the entry made it to the log
// before the crash.

// PurgedVersion is a purged version as the store keeps it.
type PurgedVersion struct {
	Version *catalog.Version
	By      string    // who purged it
	At      time.Time // when
}

// PendingPurges is the store's note of purges whose audit entry may be
// missing.
type PendingPurges interface {
	UnauditedPurges(ctx context.Context) ([]PurgedVersion, error)
	MarkPurgeAudited(ctx context.Context, versionID int64) error
}

// EntryFinder reads entries of the audit log.
type EntryFinder interface {
	Entries(ctx context.Context, f audit.Filter) ([]audit.Entry, error)
}

// Recovered is the detail a recovered entry carries.
const Recovered = "recorded when the store was next opened: a crash cut in between the change and its audit entry"

// OnLog reports whether log holds an entry that passes f and match.
func OnLog(ctx context.Context, log EntryFinder, f audit.Filter, match func(audit.Event) bool) (bool, error) {
	es, err := log.Entries(ctx, f)
	if err != nil {
		return false, err
	}
	for _, e := range es {
		if match(e.Event) {
			return true, nil
		}
	}
	return false, nil
}

// RecoverAudit appends the audit entry of every purge a crash left
// without one, and returns how many it appended.
func (s *Service) RecoverAudit(ctx context.Context) (int, error) {
	if s.Pending == nil || s.Log == nil {
		return 0, nil
	}
	ps, err := s.Pending.UnauditedPurges(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, p := range ps {
		v := p.Version
		on, err := OnLog(ctx, s.Log, audit.Filter{Action: "retention.purge", Dataset: v.DatasetID, Since: p.At.Add(-time.Minute)},
			func(e audit.Event) bool {
				return e.Target == v.DatasetID && e.User == p.By && detailIs(e, "version", v.Number)
			})
		if err != nil {
			return n, err
		}
		if !on {
			u := &User{ID: p.By}
			if known, err := s.Store.User(ctx, p.By); err == nil {
				u = known
			}
			detail := map[string]any{"version": v.Number, "rows": v.Rows, "sha256": v.SHA256, "loaded_at": v.LoadedAt,
				"purged_at": p.At, "recovered": Recovered}
			if err := s.record(ctx, s.touching(ctx, event(u, "retention.purge", v.DatasetID, detail), v.DatasetID)); err != nil {
				return n, err
			}
			n++
		}
		if err := s.Pending.MarkPurgeAudited(ctx, v.ID); err != nil {
			return n, err
		}
	}
	return n, nil
}

// detailIs reports whether e's details hold key with the value want.
func detailIs(e audit.Event, key string, want int) bool {
	var d map[string]any
	if json.Unmarshal(e.Details, &d) != nil {
		return false
	}
	f, ok := d[key].(float64)
	return ok && int(f) == want
}
