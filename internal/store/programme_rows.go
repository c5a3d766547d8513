package store

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/civiclink/civiclink/internal/programme"
)

// Rows is what both backends' query results offer (database/sql's and
// pgx's): the programme's tables have the same columns in both, so one
// scanner per table reads either.
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
}

// ScanProjects reads rows of (id, title, theme, summary_json, sponsors,
// status, updated_by, updated_at) into projects with empty deliverables
// and measures, in order and by id.
func ScanProjects(rows Rows) ([]*programme.Project, map[string]*programme.Project, error) {
	var out []*programme.Project
	byID := map[string]*programme.Project{}
	for rows.Next() {
		p := &programme.Project{Deliverables: []programme.Deliverable{}, Measures: []programme.Measure{}}
		var sum, sp, status string
		if err := rows.Scan(&p.ID, &p.Title, &p.Theme, &sum, &sp, &status, &p.UpdatedBy, &p.UpdatedAt); err != nil {
			return nil, nil, err
		}
		p.Status, p.UpdatedAt = programme.Status(status), p.UpdatedAt.UTC()
		if err := errors.Join(json.Unmarshal([]byte(sum), &p.Summary), json.Unmarshal([]byte(sp), &p.Sponsors)); err != nil {
			return nil, nil, fmt.Errorf("project %s: %w", p.ID, err)
		}
		out = append(out, p)
		byID[p.ID] = p
	}
	return out, byID, rows.Err()
}

// ScanDeliverables appends rows of (project, id, title, due as
// YYYY-MM-DD, status, evidence), in position order, to their projects.
func ScanDeliverables(rows Rows, byID map[string]*programme.Project) error {
	for rows.Next() {
		var project, status string
		var d programme.Deliverable
		if err := rows.Scan(&project, &d.ID, &d.Title, &d.Due, &status, &d.Evidence); err != nil {
			return err
		}
		d.Status = programme.Status(status)
		if p := byID[project]; p != nil {
			p.Deliverables = append(p.Deliverables, d)
		}
	}
	return rows.Err()
}

// ScanMeasures appends rows of (project, id, title, indicator, baseline,
// target_percent, direction), in position order, to their projects.
func ScanMeasures(rows Rows, byID map[string]*programme.Project) error {
	for rows.Next() {
		var project, dir string
		var m programme.Measure
		if err := rows.Scan(&project, &m.ID, &m.Title, &m.Indicator, &m.Baseline, &m.Target, &dir); err != nil {
			return err
		}
		m.Direction = programme.Direction(dir)
		if p := byID[project]; p != nil {
			p.Measures = append(p.Measures, m)
		}
	}
	return rows.Err()
}

// ScanUpdates reads rows of (id, project, author, partner, posted_at,
// text, deliverable, from_status, to_status).
func ScanUpdates(rows Rows) ([]*programme.Update, error) {
	var out []*programme.Update
	for rows.Next() {
		var u programme.Update
		var from, to string
		if err := rows.Scan(&u.ID, &u.Project, &u.Author, &u.Partner, &u.At, &u.Text, &u.Deliverable, &from, &to); err != nil {
			return nil, err
		}
		u.From, u.To, u.At = programme.Status(from), programme.Status(to), u.At.UTC()
		out = append(out, &u)
	}
	return out, rows.Err()
}

// ScanClaims reads rows of (id, statement, origin, project, figures_json,
// updated_by, updated_at).
func ScanClaims(rows Rows) ([]*programme.Claim, error) {
	var out []*programme.Claim
	for rows.Next() {
		var c programme.Claim
		var fs string
		var at sql.NullTime
		if err := rows.Scan(&c.ID, &c.Statement, &c.Origin, &c.Project, &fs, &c.UpdatedBy, &at); err != nil {
			return nil, err
		}
		c.UpdatedAt = at.Time.UTC()
		if err := json.Unmarshal([]byte(fs), &c.Figures); err != nil {
			return nil, fmt.Errorf("claim %s has unreadable figures: %w", c.ID, err)
		}
		out = append(out, &c)
	}
	return out, rows.Err()
}

// ScanAssessments reads rows of (id, partner, round, answers_json,
// answered_by, answered_at).
func ScanAssessments(rows Rows) ([]*programme.Assessment, error) {
	var out []*programme.Assessment
	for rows.Next() {
		var a programme.Assessment
		var ans string
		var at time.Time
		if err := rows.Scan(&a.ID, &a.Partner, &a.Round, &ans, &a.By, &at); err != nil {
			return nil, err
		}
		a.At = at.UTC()
		if err := json.Unmarshal([]byte(ans), &a.Answers); err != nil {
			return nil, fmt.Errorf("self-assessment %d has unreadable answers: %w", a.ID, err)
		}
		out = append(out, &a)
	}
	return out, rows.Err()
}
