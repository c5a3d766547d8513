package store

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"

	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/linkrun"
)

// Linkage runs in server mode (docs/server-mode.md). A run's record is
// kept by PostgreSQL; its rows (entities, matched pairs, review list) are
// written once, when the run completes, as three immutable Parquet files
// in the shared folder beside the versions' files. Every engine holds the
// rows of the runs it made or has read, in its own tables, so cohorts,
// indicators and review read them as before; an engine that lacks a run
// copies its rows in from the files ([Store.MirrorLinkageRun]) the first
// time it is asked for it.

// LinkageFiles names the Parquet files of a run's rows in the shared
// folder.
type LinkageFiles struct {
	Entities, Pairs, Review string
}

// linkageFiles are the file names of run id's rows.
func linkageFiles(id int64) LinkageFiles {
	base := fmt.Sprintf("linkage_%d_", id)
	return LinkageFiles{Entities: base + "entities.parquet", Pairs: base + "pairs.parquet", Review: base + "review.parquet"}
}

// each pairs each file with the engine table its rows belong in.
func (f LinkageFiles) each() [][2]string {
	return [][2]string{{"linkage_entities", f.Entities}, {"linkage_pairs", f.Pairs}, {"linkage_review", f.Review}}
}

// WriteSharedLinkageRun stores run, whose ID and CreatedAt the caller
// set (the shared store numbers runs), with its rows, as
// [Store.WriteLinkageRun] does, and in between writes the rows as the
// run's Parquet files in the shared folder and hands their names to
// publish, which records the run where every process reads it. Only then
// is the run recorded here. A failure before publish returns removes the
// files and the rows; a kill leaves at most rows no record names (removed
// on the next open) and files no run names.
func (s *Store) WriteSharedLinkageRun(ctx context.Context, run *linkrun.LinkageRun, w linkrun.LinkageWrite, publish func(context.Context, LinkageFiles) error) error {
	defer s.changed()
	if s.versionsDir == "" {
		return fault.Errorf(fault.Internal, "the analytics engine has no shared folder to write linkage run %d to", run.ID)
	}
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if err := s.writeRunRows(ctx, conn, run.ID, w); err != nil {
		return err
	}
	files, err := s.exportRun(ctx, conn, run.ID)
	if err == nil {
		err = publish(ctx, files)
	}
	if err != nil {
		s.removeRunFiles(files)
		s.dropRunRows(context.Background(), run.ID)
		return err
	}
	return s.recordRun(ctx, conn, run, false)
}

// ExportLinkageRun writes the rows of a run this engine holds as its
// Parquet files in the shared folder and returns their names: for a run
// made before the engine joined a shared store.
func (s *Store) ExportLinkageRun(ctx context.Context, id int64) (LinkageFiles, error) {
	if s.versionsDir == "" {
		return LinkageFiles{}, fmt.Errorf("the catalogue is not shared")
	}
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return LinkageFiles{}, err
	}
	defer conn.Close()
	return s.exportRun(ctx, conn, id)
}

// exportRun writes run id's rows to their files, each whole or not at all
// (written aside, synced, renamed into place).
func (s *Store) exportRun(ctx context.Context, conn *sql.Conn, id int64) (LinkageFiles, error) {
	files := linkageFiles(id)
	for _, tf := range files.each() {
		final := filepath.Join(s.versionsDir, tf[1])
		tmp := final + ".partial"
		q := `COPY (SELECT * FROM ` + tf[0] + ` WHERE run_id = ` + fmt.Sprint(id) + `) TO ` + sqlQuote(tmp) + ` (FORMAT parquet, COMPRESSION zstd)`
		if _, err := conn.ExecContext(ctx, q); err != nil {
			os.Remove(tmp)
			return files, fault.Wrap(err, fault.Internal, "cannot write linkage run %d's rows to %s: is the shared folder writable and is there space?", id, tmp)
		}
		if err := syncRename(tmp, final); err != nil {
			return files, fault.Wrap(err, fault.Internal, "cannot put linkage run %d's rows in place at %s", id, final)
		}
	}
	return files, nil
}

// syncRename syncs the file at tmp and renames it to final, removing it
// when either fails.
func syncRename(tmp, final string) error {
	f, err := os.Open(tmp)
	if err == nil {
		err = f.Sync()
		f.Close()
	}
	if err == nil {
		err = os.Rename(tmp, final)
	}
	if err != nil {
		os.Remove(tmp)
	}
	return err
}

// removeRunFiles removes a run's files after a failed write.
func (s *Store) removeRunFiles(files LinkageFiles) {
	for _, tf := range files.each() {
		if tf[1] != "" {
			os.Remove(filepath.Join(s.versionsDir, tf[1]))
		}
	}
}

// HasLinkageRun reports whether this engine holds run id's record (and so
// its rows).
func (s *Store) HasLinkageRun(ctx context.Context, id int64) (bool, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM linkage_runs WHERE id = ?`, id).Scan(&n)
	return n > 0, err
}

// MirrorLinkageRun copies a run another process made into this engine:
// its rows from its Parquet files in the shared folder, then its record,
// as a write of its own would (a kill between leaves rows that the next
// open removes). A run this engine holds already is left as it is.
func (s *Store) MirrorLinkageRun(ctx context.Context, run *linkrun.LinkageRun, files LinkageFiles) error {
	if ok, err := s.HasLinkageRun(ctx, run.ID); err != nil || ok {
		return err
	}
	defer s.changed()
	for _, tf := range files.each() {
		if _, err := os.Stat(filepath.Join(s.versionsDir, tf[1])); err != nil {
			return fault.Errorf(fault.NotFound, "the rows of linkage run %d are not in the shared folder %s (%s): every civiclink process on the database must see the same folder (CIVICLINK_VERSIONS)",
				run.ID, s.versionsDir, tf[1])
		}
	}
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	s.dropRunRows(ctx, run.ID) // what an interrupted mirror left
	if _, err := conn.ExecContext(ctx, `INSERT OR REPLACE INTO store_meta VALUES (?, '')`, linkageWriteKey(run.ID)); err != nil {
		return err
	}
	err = inTx(ctx, conn, func() error {
		for _, tf := range files.each() {
			path := filepath.Join(s.versionsDir, tf[1])
			if _, err := conn.ExecContext(ctx, `INSERT INTO `+tf[0]+` SELECT * FROM `+readParquet(path)); err != nil {
				return fault.Wrap(err, fault.Internal, "cannot read linkage run %d's rows from %s", run.ID, path)
			}
		}
		return nil
	})
	if err != nil {
		s.dropRunRows(context.Background(), run.ID)
		return err
	}
	return s.recordRun(ctx, conn, run, false)
}

// UnsharedLinkage returns the runs this engine holds whose ids are not in
// shared, oldest first, with the engine's adoption history, approvals and
// labels: what an engine staged by `civiclink migrate` brings to a shared
// store.
func (s *Store) UnsharedLinkage(ctx context.Context, shared map[int64]bool) ([]*linkrun.LinkageRun, []linkrun.Adoption, []linkrun.Approval, []linkrun.Label, error) {
	runs, err := s.LinkageRuns(ctx)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	var out []*linkrun.LinkageRun
	for i := len(runs) - 1; i >= 0; i-- {
		if !shared[runs[i].ID] {
			out = append(out, runs[i])
		}
	}
	if len(out) == 0 {
		return nil, nil, nil, nil, nil
	}
	adoptions, err := s.Adoptions(ctx)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+ApprovalColumns+` FROM linkage_approvals ORDER BY run_id, base, partner_id`)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	approvals, err := ScanApprovals(rows)
	rows.Close()
	if err != nil {
		return nil, nil, nil, nil, err
	}
	rows, err = s.db.QueryContext(ctx, `SELECT `+LabelColumns+` FROM linkage_labels ORDER BY id`)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	defer rows.Close()
	labels, err := ScanLabels(rows)
	return out, adoptions, approvals, labels, err
}
