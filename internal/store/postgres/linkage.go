package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/linkrun"
	"github.com/civiclink/civiclink/internal/store"
)

// Linkage runs shared by every process (PostgreSQL migration 0060). A
// run's record is a row here, numbered by the database; its rows are three
// immutable Parquet files in the shared folder, written when the run
// completes ([store.Store.WriteSharedLinkageRun]). An engine copies a
// run's rows in from its files the first time it is asked for the run
// (ensureRun), so a run made through one process is read by every other.
// The adoption history, approvals and clerical decisions are read and
// written here only. docs/server-mode.md says why.

var _ linkrun.Store = (*Store)(nil)

// runColumns are the columns scanRun reads.
const runColumns = `id, datasets, created_by, created_at, params_json, quality_json, purpose, parent_id, mode, entities_file, pairs_file, review_file`

// WriteLinkageRun stores a run made in this process: its rows in this
// engine and as Parquet files in the shared folder, then its record here
// (adopted when it is the service's first run), setting its ID and
// CreatedAt. Every process is told, so figures reading the current run
// are computed again.
func (s *Store) WriteLinkageRun(ctx context.Context, run *linkrun.LinkageRun, w linkrun.LinkageWrite) error {
	if w.CarryFrom != 0 {
		if err := s.ensureRun(ctx, w.CarryFrom); err != nil { // its rows are copied into the new run
			return err
		}
	}
	if err := s.pool.QueryRow(ctx, `SELECT nextval('linkage_run_ids')`).Scan(&run.ID); err != nil {
		return fault.Wrap(err, fault.Internal, "cannot number a linkage run in PostgreSQL at %s", s.Path())
	}
	run.CreatedAt = s.now()
	if run.Mode == "" {
		run.Mode = "full"
	}
	if run.Params == nil {
		run.Params = json.RawMessage("{}")
	}
	if run.Quality == nil {
		run.Quality = json.RawMessage("{}")
	}
	err := s.Store.WriteSharedLinkageRun(ctx, run, w, func(ctx context.Context, files store.LinkageFiles) error {
		return s.inTx(ctx, func(tx pgx.Tx) error { return insertRun(ctx, tx, run, files, true) })
	})
	if err != nil {
		return err
	}
	s.changed()
	s.notify(noticeLinkage)
	return nil
}

// WarmCurrentRun has the engine copy the service's current linkage run in
// at once, now and whenever a run is stored or adopted through any
// process, so that a server's first figure after an adoption does not
// wait for the copy. `civiclink serve` asks for it; a CLI command copies
// a run in only when it needs it.
func (s *Store) WarmCurrentRun() {
	s.linkWarm.Store(true)
	s.askWarm()
}

// askWarm asks a serving process to copy the current run in; requests
// made while one is waiting share it.
func (s *Store) askWarm() {
	if !s.linkWarm.Load() {
		return
	}
	select {
	case s.linkSync <- struct{}{}:
	default:
	}
}

// warmOnNotice copies the current run in each time it is asked, until ctx
// is done, keeping the outcome for [Store.Ready]: a serving process that
// cannot read the current run's files is not ready, and says which.
func (s *Store) warmOnNotice(ctx context.Context) {
	defer close(s.linkDone)
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.linkSync:
		}
		run, files, err := s.currentRun(ctx)
		if err == nil {
			err = s.mirrorRun(ctx, run, files)
		}
		if errors.Is(err, pgx.ErrNoRows) {
			err = nil // no run adopted yet
		}
		if ctx.Err() != nil {
			return
		}
		s.linkWarmErr.Store(syncOutcome{err})
	}
}

// insertRun records run with its files on tx, adopting it when no run has
// been adopted yet and first is set.
func insertRun(ctx context.Context, tx pgx.Tx, run *linkrun.LinkageRun, files store.LinkageFiles, first bool) error {
	ds, err := json.Marshal(run.Datasets)
	if err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO linkage_runs (`+runColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
		run.ID, string(ds), run.CreatedBy, run.CreatedAt, string(run.Params), string(run.Quality), run.Purpose, run.ParentID, run.Mode,
		files.Entities, files.Pairs, files.Review); err != nil {
		return err
	}
	if !first {
		return nil
	}
	_, err = tx.Exec(ctx, `INSERT INTO linkage_adoptions (seq, run_id, action, by_user, at_time, note)
		SELECT 1, $1, 'first', $2, $3, 'the first linkage run of the store' WHERE NOT EXISTS (SELECT 1 FROM linkage_adoptions)
		ON CONFLICT (seq) DO NOTHING`, run.ID, run.CreatedBy, run.CreatedAt)
	return err
}

func scanRun(r pgx.Row) (*linkrun.LinkageRun, store.LinkageFiles, error) {
	var run linkrun.LinkageRun
	var f store.LinkageFiles
	var ds, params, quality string
	if err := r.Scan(&run.ID, &ds, &run.CreatedBy, &run.CreatedAt, &params, &quality, &run.Purpose, &run.ParentID, &run.Mode, &f.Entities, &f.Pairs, &f.Review); err != nil {
		return nil, f, err
	}
	if err := json.Unmarshal([]byte(ds), &run.Datasets); err != nil {
		return nil, f, fault.Wrap(err, fault.Internal, "the datasets of linkage run %d do not decode", run.ID)
	}
	run.CreatedAt = run.CreatedAt.UTC()
	run.Params, run.Quality = json.RawMessage(params), json.RawMessage(quality)
	return &run, f, nil
}

// LinkageRun returns a run by id (0: the latest), its rows in this engine.
func (s *Store) LinkageRun(ctx context.Context, id int64) (*linkrun.LinkageRun, error) {
	q, args := `SELECT `+runColumns+` FROM linkage_runs WHERE id = $1`, []any{id}
	if id == 0 {
		q, args = `SELECT `+runColumns+` FROM linkage_runs ORDER BY id DESC LIMIT 1`, nil
	}
	run, files, err := scanRun(s.pool.QueryRow(ctx, q, args...))
	if errors.Is(err, pgx.ErrNoRows) {
		if id == 0 {
			return nil, fault.Errorf(fault.NotFound, "no linkage run yet: run `civiclink link run` first")
		}
		return nil, fault.Errorf(fault.NotFound, "no linkage run %d", id)
	}
	if err != nil {
		return nil, err
	}
	return run, s.mirrorRun(ctx, run, files)
}

// CurrentLinkageRun returns the partnership's current run, its rows in
// this engine.
func (s *Store) CurrentLinkageRun(ctx context.Context) (*linkrun.LinkageRun, error) {
	run, files, err := s.currentRun(ctx)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fault.Errorf(fault.NotFound, "no linkage run has been adopted: run `civiclink link run`, then a linkage steward adopts it with `civiclink link adopt RUN`")
	}
	if err != nil {
		return nil, err
	}
	return run, s.mirrorRun(ctx, run, files)
}

// currentRun reads the current run's record (pgx.ErrNoRows when none).
func (s *Store) currentRun(ctx context.Context) (*linkrun.LinkageRun, store.LinkageFiles, error) {
	return scanRun(s.pool.QueryRow(ctx, `SELECT `+runColumns+` FROM linkage_runs
		WHERE id = (SELECT run_id FROM linkage_adoptions ORDER BY seq DESC LIMIT 1)`))
}

// LinkageRuns returns every run, newest first (their records only).
func (s *Store) LinkageRuns(ctx context.Context) ([]*linkrun.LinkageRun, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+runColumns+` FROM linkage_runs ORDER BY id DESC`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*linkrun.LinkageRun
	for rows.Next() {
		run, _, err := scanRun(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, run)
	}
	return out, rows.Err()
}

// ensureRun makes sure this engine holds run id's rows.
func (s *Store) ensureRun(ctx context.Context, id int64) error {
	if ok, err := s.Store.HasLinkageRun(ctx, id); err != nil || ok {
		return err
	}
	_, err := s.LinkageRun(ctx, id)
	return err
}

// mirrorRun copies run's rows into this engine from its files when the
// engine lacks them; one copy at a time.
func (s *Store) mirrorRun(ctx context.Context, run *linkrun.LinkageRun, files store.LinkageFiles) error {
	if ok, err := s.Store.HasLinkageRun(ctx, run.ID); err != nil || ok {
		return err
	}
	s.linkMu.Lock()
	defer s.linkMu.Unlock()
	return s.Store.MirrorLinkageRun(ctx, run, files)
}

// EntityRows returns every record's entity in a run.
func (s *Store) EntityRows(ctx context.Context, runID int64) ([]linkrun.EntityRow, error) {
	if err := s.ensureRun(ctx, runID); err != nil {
		return nil, err
	}
	return s.Store.EntityRows(ctx, runID)
}

// EntityRecords returns, for the given entities of a run, their record
// ids in the named datasets only.
func (s *Store) EntityRecords(ctx context.Context, runID int64, entities, datasets []string) ([][2]string, error) {
	if err := s.ensureRun(ctx, runID); err != nil {
		return nil, err
	}
	return s.Store.EntityRecords(ctx, runID, entities, datasets)
}

// LinkagePairStats summarises the pairs kept with a run.
func (s *Store) LinkagePairStats(ctx context.Context, runID int64) ([]linkrun.LinkagePairCount, []linkrun.LinkageWeightCount, error) {
	if err := s.ensureRun(ctx, runID); err != nil {
		return nil, nil, err
	}
	return s.Store.LinkagePairStats(ctx, runID)
}

// publishLinkage copies into the shared store the runs this engine holds
// and the database lacks (an engine staged by `civiclink migrate`, or one
// whose runs were its own before runs were shared), keeping their ids,
// with the engine's adoption history, approvals and decisions when the
// database has none. A run whose id the database gives to another run is
// refused: the engine is not one of this service's.
func (s *Store) publishLinkage(ctx context.Context) error {
	have, err := s.LinkageRuns(ctx)
	if err != nil {
		return fault.Wrap(err, fault.Internal, "cannot read the linkage runs from PostgreSQL at %s", s.Path())
	}
	shared := map[int64]bool{}
	byID := map[int64]*linkrun.LinkageRun{}
	for _, r := range have {
		shared[r.ID], byID[r.ID] = true, r
	}
	mine, err := s.Store.LinkageRuns(ctx)
	if err != nil {
		return err
	}
	for _, r := range mine {
		if o := byID[r.ID]; o != nil && (o.CreatedBy != r.CreatedBy || o.CreatedAt.Sub(r.CreatedAt).Abs() > time.Millisecond) {
			return s.notOurs(r.ID)
		}
	}
	runs, adoptions, approvals, labels, err := s.Store.UnsharedLinkage(ctx, shared)
	if err != nil || len(runs) == 0 {
		return err
	}
	files := make([]store.LinkageFiles, len(runs))
	for i, r := range runs {
		if files[i], err = s.Store.ExportLinkageRun(ctx, r.ID); err != nil {
			return err
		}
	}
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		for i, r := range runs {
			if err := insertRun(ctx, tx, r, files[i], false); err != nil {
				if isUnique(err) {
					return s.notOurs(r.ID)
				}
				return err
			}
		}
		if _, err := tx.Exec(ctx, `SELECT setval('linkage_run_ids', greatest((SELECT max(id) FROM linkage_runs), (SELECT last_value FROM linkage_run_ids)))`); err != nil {
			return err
		}
		var none bool
		if err := tx.QueryRow(ctx, `SELECT NOT EXISTS (SELECT 1 FROM linkage_adoptions) AND NOT EXISTS (SELECT 1 FROM linkage_labels)`).Scan(&none); err != nil || !none {
			return err
		}
		return copyReview(ctx, tx, adoptions, approvals, labels)
	})
	if err != nil {
		return err
	}
	s.changed()
	return nil
}

// notOurs refuses an engine holding a run id the database gives to
// another run.
func (s *Store) notOurs(id int64) error {
	return fault.Errorf(fault.Conflict, "the analytics engine %s holds linkage run %d, which the database at %s has as another run: "+
		"this engine is not one of this service's; give the process a new engine file (CIVICLINK_ENGINE)", s.Store.Path(), id, s.Path())
}

// copyReview writes an engine's adoption history, approvals and decisions
// on tx, keeping their numbers.
func copyReview(ctx context.Context, tx pgx.Tx, adoptions []linkrun.Adoption, approvals []linkrun.Approval, labels []linkrun.Label) error {
	for _, a := range adoptions {
		if _, err := tx.Exec(ctx, `INSERT INTO linkage_adoptions (seq, run_id, action, by_user, at_time, note) VALUES ($1, $2, $3, $4, $5, $6)`,
			a.Seq, a.RunID, a.Action, a.By, a.At.UTC(), a.Note); err != nil {
			return err
		}
	}
	for _, a := range approvals {
		if _, err := tx.Exec(ctx, `INSERT INTO linkage_approvals (`+store.ApprovalColumns+`) VALUES ($1, $2, $3, $4, $5, $6)`,
			a.RunID, a.PartnerID, a.Base, a.By, a.At.UTC(), a.Note); err != nil {
			return err
		}
	}
	for _, l := range labels {
		if _, err := tx.Exec(ctx, `INSERT INTO linkage_labels (`+store.LabelColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
			l.ID, l.RunID, l.Pair, l.DatasetL, l.RecordL, l.DatasetR, l.RecordR, l.Decision, l.Note, l.By, l.At.UTC()); err != nil {
			return err
		}
	}
	_, err := tx.Exec(ctx, `SELECT setval(pg_get_serial_sequence('linkage_labels', 'id'), coalesce(max(id), 0) + 1, false) FROM linkage_labels`)
	return err
}

// linkageFile matches the name of a linkage run's file in the shared
// folder, finished or being written.
var linkageFile = regexp.MustCompile(`^linkage_(\d+)_(entities|pairs|review)\.parquet(\.partial)?$`)

// SweepLinkageFiles removes from the shared folder the files of linkage
// runs that no run record names and that were last changed before
// before: what a process killed between writing a run's files and
// recording the run left (a run being written now is recorded within
// moments, so before should be an hour or more ago). It returns how many
// files it removed.
func (s *Store) SweepLinkageFiles(ctx context.Context, before time.Time) (int, error) {
	dir := s.Store.VersionsDir()
	entries, err := os.ReadDir(dir)
	if err != nil {
		return 0, err
	}
	runs, err := s.LinkageRuns(ctx)
	if err != nil {
		return 0, err
	}
	named := map[string]bool{}
	for _, r := range runs {
		named[strconv.FormatInt(r.ID, 10)] = true
	}
	removed := 0
	for _, e := range entries {
		m := linkageFile.FindStringSubmatch(e.Name())
		if m == nil || (named[m[1]] && m[3] == "") {
			continue
		}
		if info, err := e.Info(); err != nil || !info.ModTime().Before(before) {
			continue
		}
		if os.Remove(filepath.Join(dir, e.Name())) == nil {
			removed++
		}
	}
	return removed, nil
}
