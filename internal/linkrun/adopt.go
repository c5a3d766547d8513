package linkrun

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/govern"
)

// Adoption is one change of the partnership's current linkage run.
type Adoption struct {
	Seq   int64 `json:"seq"`
	RunID int64 `json:"run"`
	// Action is "first" (the store's first run, adopted as written),
	// "adopt" or "rollback".
	Action string    `json:"action"`
	By     string    `json:"by"`
	At     time.Time `json:"at"`
	Note   string    `json:"note,omitempty"`
}

// Comparison is a run against the current one, by the records they
// share: what adopting it would change.
type Comparison struct {
	Run     int64 `json:"run"`
	Current int64 `json:"current"`
	// Records and Entities of each run.
	Records         int `json:"records"`
	Entities        int `json:"entities"`
	CurrentRecords  int `json:"current_records"`
	CurrentEntities int `json:"current_entities"`
	// Unchanged entities hold the same records in both runs. Gained are
	// the run's entities none of whose records the current run holds;
	// Lost the current run's entities none of whose records the run
	// holds. Merged are the run's entities that join records of two or
	// more current entities; Split the current entities whose records
	// the run puts in two or more entities.
	Unchanged int `json:"unchanged"`
	Gained    int `json:"gained"`
	Lost      int `json:"lost"`
	Merged    int `json:"merged"`
	Split     int `json:"split"`
}

// Adopt makes run runID the partnership's current run, which cohorts,
// indicators, theme pages and safeguarding lists read. It needs a
// linkage steward, or a data owner of the partner that owns every dataset
// in the run. A refusal changes nothing and is recorded; an adoption is
// recorded with its comparison with the run it replaces.
func (s *Service) Adopt(ctx context.Context, u *govern.User, runID int64, note string) (*Comparison, error) {
	run, err := s.Store.LinkageRun(ctx, runID)
	if err != nil {
		return nil, err
	}
	if err := s.canAdopt(ctx, u, run); err != nil {
		return nil, s.refuse(ctx, u, "link.adopt", run, err)
	}
	hist, err := s.Store.Adoptions(ctx)
	if err != nil {
		return nil, err
	}
	return s.land(ctx, u, run, hist, note, nil)
}

// land makes run current after the adoption history hist (a Conflict if
// it changed meanwhile), recording link.adopt with extra details.
func (s *Service) land(ctx context.Context, u *govern.User, run *LinkageRun, hist []Adoption, note string, extra map[string]any) (*Comparison, error) {
	var err error
	var cur *LinkageRun
	next := int64(1)
	if len(hist) > 0 {
		last := hist[len(hist)-1]
		next = last.Seq + 1
		if cur, err = s.Store.LinkageRun(ctx, last.RunID); err != nil {
			return nil, err
		}
	}
	if cur != nil && cur.ID == run.ID {
		return nil, fault.Errorf(fault.Conflict, "linkage run %d is already the current run", run.ID)
	}
	cmp := &Comparison{Run: run.ID}
	if cur != nil {
		if cmp, err = s.compare(ctx, run, cur); err != nil {
			return nil, err
		}
	}
	if err := s.Store.AddAdoption(ctx, &Adoption{Seq: next, RunID: run.ID, Action: "adopt", By: u.ID, At: time.Now(), Note: note}); err != nil {
		return nil, err
	}
	details := map[string]any{"replaces": cmp.Current, "comparison": cmp, "note": note}
	maps.Copy(details, extra)
	e := s.event(ctx, u, "link.adopt", fmt.Sprintf("linkage-run:%d", run.ID), run.Purpose, run.Datasets, details)
	return cmp, s.record(ctx, e)
}

// Rollback makes the run that was current before the current one current
// again; it needs the same as [Service.Adopt] of that run.
func (s *Service) Rollback(ctx context.Context, u *govern.User, note string) (*LinkageRun, error) {
	hist, err := s.Store.Adoptions(ctx)
	if err != nil {
		return nil, err
	}
	if len(hist) < 2 {
		return nil, fault.Errorf(fault.Conflict, "there is no earlier current run to roll back to")
	}
	cur, prev := hist[len(hist)-1].RunID, hist[len(hist)-2].RunID
	run, err := s.Store.LinkageRun(ctx, prev)
	if err != nil {
		return nil, err
	}
	if err := s.canAdopt(ctx, u, run); err != nil {
		return nil, s.refuse(ctx, u, "link.rollback", run, err)
	}
	next := hist[len(hist)-1].Seq + 1
	if err := s.Store.AddAdoption(ctx, &Adoption{Seq: next, RunID: prev, Action: "rollback", By: u.ID, At: time.Now(), Note: note}); err != nil {
		return nil, err
	}
	e := s.event(ctx, u, "link.rollback", fmt.Sprintf("linkage-run:%d", prev), run.Purpose, run.Datasets, map[string]any{"replaces": cur, "note": note})
	return run, s.record(ctx, e)
}

// Compare compares run runID with the current run, for a user who may see
// the run (see [Service.Runs]).
func (s *Service) Compare(ctx context.Context, u *govern.User, runID int64) (*Comparison, error) {
	run, err := s.Store.LinkageRun(ctx, runID)
	if err != nil {
		return nil, err
	}
	if err := s.CheckVisible(ctx, u, run); err != nil {
		return nil, err
	}
	cur, err := s.Store.CurrentLinkageRun(ctx)
	if err != nil {
		return nil, err
	}
	return s.compare(ctx, run, cur)
}

// compare counts what changes from cur to run.
func (s *Service) compare(ctx context.Context, run, cur *LinkageRun) (*Comparison, error) {
	a, err := s.Store.EntityRows(ctx, run.ID)
	if err != nil {
		return nil, err
	}
	b, err := s.Store.EntityRows(ctx, cur.ID)
	if err != nil {
		return nil, err
	}
	c := &Comparison{Run: run.ID, Current: cur.ID, Records: len(a), CurrentRecords: len(b)}
	newOf, curOf := entityOf(a), entityOf(b)
	fwd, back := overlaps(a, curOf), overlaps(b, newOf)
	c.Entities, c.CurrentEntities = len(fwd), len(back)
	size := func(rows []EntityRow) map[string]int {
		n := map[string]int{}
		for _, r := range rows {
			n[r.EntityID]++
		}
		return n
	}
	sa, sb := size(a), size(b)
	for e, olds := range fwd {
		switch len(olds) {
		case 0:
			c.Gained++
		case 1:
			for o, n := range olds {
				if n == sa[e] && n == sb[o] && len(back[o]) == 1 {
					c.Unchanged++
				}
			}
		default:
			c.Merged++
		}
	}
	for _, news := range back {
		switch len(news) {
		case 0:
			c.Lost++
		case 1:
		default:
			c.Split++
		}
	}
	return c, nil
}

func entityOf(rows []EntityRow) map[RecordKey]string {
	m := make(map[RecordKey]string, len(rows))
	for _, r := range rows {
		m[RecordKey{DatasetID: r.DatasetID, RecordID: r.RecordID}] = r.EntityID
	}
	return m
}

// overlaps maps each entity of rows to the entities of other its records
// belong to, with how many records each.
func overlaps(rows []EntityRow, other map[RecordKey]string) map[string]map[string]int {
	out := map[string]map[string]int{}
	for _, r := range rows {
		m := out[r.EntityID]
		if m == nil {
			m = map[string]int{}
			out[r.EntityID] = m
		}
		if o, ok := other[RecordKey{DatasetID: r.DatasetID, RecordID: r.RecordID}]; ok {
			m[o]++
		}
	}
	return out
}

// canAdopt says whether u may make run current: a linkage steward, or a
// data owner at the partner owning every dataset in it.
func (s *Service) canAdopt(ctx context.Context, u *govern.User, run *LinkageRun) error {
	if u.Has(govern.LinkageSteward) {
		return nil
	}
	for _, v := range run.Datasets {
		d, err := s.Store.Dataset(ctx, v.DatasetID)
		if err != nil {
			return err
		}
		if d.PartnerID != u.PartnerID || !u.Has(govern.DataOwner) {
			return fault.Errorf(fault.Forbidden, "adopting linkage run %d as the partnership's current run needs a linkage steward, or a data owner of the partner owning every dataset in it (%s); user %q is neither. When its datasets belong to several partners, a data owner of each approves it (`civiclink link approve %d`, or Approve on the run's page) and the last approval adopts it",
				run.ID, strings.Join(ownersOf(ctx, s, run), ", "), u.ID, run.ID)
		}
	}
	return nil
}

func ownersOf(ctx context.Context, s *Service, run *LinkageRun) []string {
	var out []string
	for _, v := range run.Datasets {
		p := "?"
		if d, err := s.Store.Dataset(ctx, v.DatasetID); err == nil {
			p = d.PartnerID
		}
		out = append(out, v.DatasetID+" of "+p)
	}
	return out
}

// CheckVisible refuses (and records) a user who may not see run: a draft
// is seen by its creator, linkage stewards and the data owners of the
// partners whose datasets are in it (who approve it); a run ever adopted
// by everyone signed in.
func (s *Service) CheckVisible(ctx context.Context, u *govern.User, run *LinkageRun) error {
	if err := s.visible(ctx, u, run); err != nil {
		return s.refuse(ctx, u, "link.view", run, err)
	}
	return nil
}

func (s *Service) visible(ctx context.Context, u *govern.User, run *LinkageRun) error {
	if u == nil || u.Disabled {
		return fault.Errorf(fault.Forbidden, "sign in to see linkage runs")
	}
	if u.ID == run.CreatedBy || u.Has(govern.LinkageSteward) {
		return nil
	}
	if u.Has(govern.DataOwner) {
		// The data owners who approve a run see what they approve.
		if parts, err := s.partnersOf(ctx, run); err == nil && ownsPart(u, parts) {
			return nil
		}
	}
	hist, err := s.Store.Adoptions(ctx)
	if err != nil {
		return err
	}
	if slices.ContainsFunc(hist, func(a Adoption) bool { return a.RunID == run.ID }) {
		return nil
	}
	return fault.Errorf(fault.Forbidden, "linkage run %d is a draft: only its creator (%s), linkage stewards and the data owners of its datasets see it until it is adopted", run.ID, run.CreatedBy)
}

// refuse records a Forbidden err as a denied event and returns it.
func (s *Service) refuse(ctx context.Context, u *govern.User, action string, run *LinkageRun, err error) error {
	if fault.Code(err) != fault.Forbidden {
		return err
	}
	e := s.event(ctx, u, action, fmt.Sprintf("linkage-run:%d", run.ID), run.Purpose, run.Datasets, nil)
	e.Outcome, e.Reason = govern.OutcomeDenied, fault.Message(err)
	if rerr := s.record(ctx, e); rerr != nil {
		return rerr
	}
	return err
}

// Current returns the partnership's current (adopted) run.
func (s *Service) Current(ctx context.Context) (*LinkageRun, error) {
	return s.Store.CurrentLinkageRun(ctx)
}
