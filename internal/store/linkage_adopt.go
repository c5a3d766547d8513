package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/linkrun"
)

// CurrentLinkageRun returns the partnership's current linkage run: the
// one adopted last (or rolled back to).
func (s *Store) CurrentLinkageRun(ctx context.Context) (*linkrun.LinkageRun, error) {
	r, err := scanRun(s.db.QueryRowContext(ctx, `SELECT `+runColumns+` FROM linkage_runs
		WHERE id = (SELECT run_id FROM linkage_adoptions ORDER BY seq DESC LIMIT 1)`))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fault.Errorf(fault.NotFound, "no linkage run has been adopted: run `civiclink link run`, then a linkage steward adopts it with `civiclink link adopt RUN`")
	}
	return r, err
}

// Adoptions returns the adoption history, oldest first.
func (s *Store) Adoptions(ctx context.Context) ([]linkrun.Adoption, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT seq, run_id, action, by_user, at_time, note FROM linkage_adoptions ORDER BY seq`)
	if err != nil {
		return nil, fault.Wrap(err, fault.Internal, "cannot read the adoptions of linkage runs")
	}
	defer rows.Close()
	out, err := ScanAdoptions(rows)
	if err != nil {
		return nil, fault.Wrap(err, fault.Internal, "cannot read the adoptions of linkage runs")
	}
	return out, nil
}

// AddAdoption records that a run became current (adopt or rollback) as
// adoption a.Seq, which must be the next one: a history changed since the
// caller read it (another adoption landed first) is a Conflict.
func (s *Store) AddAdoption(ctx context.Context, a *linkrun.Adoption) error {
	res, err := s.db.ExecContext(ctx, `INSERT INTO linkage_adoptions
		SELECT ?, ?, ?, ?, ?, ? WHERE (SELECT coalesce(max(seq), 0) FROM linkage_adoptions) = ?`,
		a.Seq, a.RunID, a.Action, a.By, a.At.UTC(), a.Note, a.Seq-1)
	if err != nil && (strings.Contains(err.Error(), "uplicate key") || strings.Contains(err.Error(), "onflict")) {
		err = nil // the other adoption's row holds a.Seq: nothing was stored
		res = nil
	}
	if err != nil {
		return fault.Wrap(err, fault.Internal, "cannot record the adoption of linkage run %d", a.RunID)
	}
	if res != nil {
		if n, _ := res.RowsAffected(); n == 1 {
			return nil
		}
	}
	return fault.Errorf(fault.Conflict, "the partnership's current linkage run changed while run %d was being adopted: look at the current run and compare again", a.RunID)
}

// adoptFirst makes run the current one if no run has been adopted yet;
// called in the transaction that writes the run.
func adoptFirst(ctx context.Context, conn *sql.Conn, run *linkrun.LinkageRun, at time.Time) error {
	_, err := conn.ExecContext(ctx, `INSERT INTO linkage_adoptions
		SELECT 1, ?, 'first', ?, ?, 'the first linkage run of the store' WHERE NOT EXISTS (SELECT 1 FROM linkage_adoptions)`,
		run.ID, run.CreatedBy, at.UTC())
	return err
}

// AddApproval records a partner's approval of a draft run against the
// adoption history at a.Base; a second approval by the same partner
// against the same history is a Conflict.
func (s *Store) AddApproval(ctx context.Context, a *linkrun.Approval) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO linkage_approvals VALUES (?, ?, ?, ?, ?, ?)`,
		a.RunID, a.PartnerID, a.Base, a.By, a.At.UTC(), a.Note)
	if err != nil && (isConstraint(err) || strings.Contains(err.Error(), "uplicate key") || strings.Contains(err.Error(), "onflict")) {
		return fault.Errorf(fault.Conflict, "a data owner of %s has already approved linkage run %d against the current run: nothing to add", a.PartnerID, a.RunID)
	}
	if err != nil {
		return fault.Wrap(err, fault.Internal, "cannot record %s's approval of linkage run %d", a.PartnerID, a.RunID)
	}
	return nil
}

// Approvals returns the approvals of run runID given against the adoption
// history at base, by partner.
func (s *Store) Approvals(ctx context.Context, runID, base int64) ([]linkrun.Approval, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+ApprovalColumns+` FROM linkage_approvals
		WHERE run_id = ? AND base = ? ORDER BY partner_id`, runID, base)
	if err != nil {
		return nil, fault.Wrap(err, fault.Internal, "cannot read the approvals of linkage run %d", runID)
	}
	defer rows.Close()
	out, err := ScanApprovals(rows)
	if err != nil {
		return nil, fault.Wrap(err, fault.Internal, "cannot read the approvals of linkage run %d", runID)
	}
	return out, nil
}
