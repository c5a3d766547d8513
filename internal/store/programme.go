package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/programme"
)

var _ programme.Store = (*Store)(nil)
var _ programme.Catalog = (*Store)(nil)

// SaveProject creates or replaces a project with its deliverables and
// measures in one transaction.
func (s *Store) SaveProject(ctx context.Context, p *programme.Project) error {
	sum, _ := json.Marshal(p.Summary)
	sp, _ := json.Marshal(p.Sponsors)
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, q := range []string{`DELETE FROM programme_deliverables WHERE project = ?`, `DELETE FROM programme_measures WHERE project = ?`, `DELETE FROM programme_projects WHERE id = ?`} {
		if _, err := tx.ExecContext(ctx, q, p.ID); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO programme_projects (id, title, theme, summary_json, sponsors, status, updated_by, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		p.ID, p.Title, p.Theme, string(sum), string(sp), string(p.Status), p.UpdatedBy, p.UpdatedAt.UTC()); err != nil {
		return err
	}
	for i, d := range p.Deliverables {
		if _, err := tx.ExecContext(ctx, `INSERT INTO programme_deliverables (project, position, id, title, due, status, evidence) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			p.ID, i, d.ID, d.Title, d.Due, string(d.Status), d.Evidence); err != nil {
			return err
		}
	}
	for i, m := range p.Measures {
		if _, err := tx.ExecContext(ctx, `INSERT INTO programme_measures (project, position, id, title, indicator, baseline, target_percent, direction) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			p.ID, i, m.ID, m.Title, m.Indicator, m.Baseline, m.Target, string(m.Direction)); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// Project returns a project with its deliverables and measures.
func (s *Store) Project(ctx context.Context, id string) (*programme.Project, error) {
	ps, err := s.projects(ctx, id)
	if err != nil {
		return nil, err
	}
	if len(ps) == 0 {
		return nil, fault.FieldErrorf(fault.NotFound, "project", "no project %q in the programme", id)
	}
	return ps[0], nil
}

// Projects returns every project, by id.
func (s *Store) Projects(ctx context.Context) ([]*programme.Project, error) {
	return s.projects(ctx, "")
}

// projects reads one project (id) or all ("").
func (s *Store) projects(ctx context.Context, id string) ([]*programme.Project, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, title, theme, summary_json, sponsors, status, updated_by, updated_at
		FROM programme_projects WHERE ? = '' OR id = ? ORDER BY id`, id, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out, byID, err := ScanProjects(rows)
	if err != nil {
		return nil, err
	}
	if err := s.deliverables(ctx, id, byID); err != nil {
		return nil, err
	}
	return out, s.measures(ctx, id, byID)
}

func (s *Store) deliverables(ctx context.Context, id string, byID map[string]*programme.Project) error {
	rows, err := s.db.QueryContext(ctx, `SELECT project, id, title, strftime(due, '%Y-%m-%d'), status, evidence
		FROM programme_deliverables WHERE ? = '' OR project = ? ORDER BY project, position`, id, id)
	if err != nil {
		return err
	}
	defer rows.Close()
	return ScanDeliverables(rows, byID)
}

func (s *Store) measures(ctx context.Context, id string, byID map[string]*programme.Project) error {
	rows, err := s.db.QueryContext(ctx, `SELECT project, id, title, indicator, baseline, target_percent, direction
		FROM programme_measures WHERE ? = '' OR project = ? ORDER BY project, position`, id, id)
	if err != nil {
		return err
	}
	defer rows.Close()
	return ScanMeasures(rows, byID)
}

// AddUpdate stores an update and any deliverable status it changes, in
// one transaction: the change applies only if the deliverable is still in
// u.From, else nothing is stored (Conflict). A concurrent writer's
// conflict is retried, so it finds the status changed and says so.
func (s *Store) AddUpdate(ctx context.Context, u *programme.Update) error {
	for attempt := 0; ; attempt++ {
		err := s.tryTx(ctx, func(tx *sql.Tx) error { return addUpdate(ctx, tx, u) })
		if err == nil || !isTxConflict(err) {
			return err
		}
		if attempt == 4 {
			return fault.Wrap(err, fault.Conflict, "project %s changed while the update was stored: reload and try again", u.Project)
		}
	}
}

func addUpdate(ctx context.Context, tx *sql.Tx, u *programme.Update) error {
	if u.Deliverable != "" {
		res, err := tx.ExecContext(ctx, `UPDATE programme_deliverables SET status = ? WHERE project = ? AND id = ? AND status = ?`,
			string(u.To), u.Project, u.Deliverable, string(u.From))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return fault.FieldErrorf(fault.Conflict, "deliverable", "deliverable %s of project %s is no longer %s: someone changed it first; reload and try again", u.Deliverable, u.Project, u.From)
		}
	}
	if err := tx.QueryRowContext(ctx, `SELECT nextval('programme_update_ids')`).Scan(&u.ID); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO programme_updates (id, project, author, partner, posted_at, text, deliverable, from_status, to_status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		u.ID, u.Project, u.Author, u.Partner, u.At.UTC(), u.Text, u.Deliverable, string(u.From), string(u.To))
	return err
}

// Updates returns a project's updates ("" for every project's) at or
// after since, oldest first.
func (s *Store) Updates(ctx context.Context, project string, since time.Time) ([]*programme.Update, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, project, author, partner, posted_at, text, deliverable, from_status, to_status
		FROM programme_updates WHERE (? = '' OR project = ?) AND posted_at >= ? ORDER BY posted_at, id`, project, project, since.UTC())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	return ScanUpdates(rows)
}

// SaveClaim creates or replaces a claim.
func (s *Store) SaveClaim(ctx context.Context, c *programme.Claim) error {
	fs, err := json.Marshal(c.Figures)
	if err != nil {
		return err
	}
	_, err = s.db.ExecContext(ctx, `INSERT OR REPLACE INTO programme_claims (id, statement, origin, project, figures_json, updated_by, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		c.ID, c.Statement, c.Origin, c.Project, string(fs), c.UpdatedBy, c.UpdatedAt.UTC())
	return err
}

// Claims returns every claim, by id.
func (s *Store) Claims(ctx context.Context) ([]*programme.Claim, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, statement, origin, project, figures_json, updated_by, updated_at FROM programme_claims ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	return ScanClaims(rows)
}
