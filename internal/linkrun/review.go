package linkrun

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/govern"
	"github.com/civiclink/civiclink/internal/link"
)

// OpReview is the read operation of a run's clerical review: listing its
// borderline pairs (agreement levels and weights) and deciding them.
const OpReview = "link.review"

// ActionDecide is the audit action of a clerical decision.
const ActionDecide = "link.review.decide"

// Verdict is a clerical decision on a pair.
type Verdict string

// The verdicts a reviewer can give. Match and NonMatch become labels for
// later runs; Unsure is kept but not used.
const (
	Match    Verdict = "match"
	NonMatch Verdict = "non-match"
	Unsure   Verdict = "unsure"
)

// ParseVerdict returns the verdict named s.
func ParseVerdict(s string) (Verdict, error) {
	switch v := Verdict(strings.ToLower(strings.TrimSpace(s))); v {
	case Match, NonMatch, Unsure:
		return v, nil
	case "nonmatch", "non_match":
		return NonMatch, nil
	}
	return "", fault.Errorf(fault.Invalid, "unknown decision %q: use match, non-match or unsure", s)
}

// maxNote caps a decision's note.
const maxNote = 1000

// reviewPairs is how many borderline pairs a run keeps for review, and
// reviewLow and reviewHigh the match probabilities counted as borderline.
const (
	reviewPairs = 500
	reviewLow   = 0.05
	reviewHigh  = 0.999
)

// ReviewPageSize is how many borderline pairs one page of a run's review
// shows: a reviewer works through them nearest the threshold first.
const ReviewPageSize = 50

// ReviewList is a run's borderline pairs as a reviewer sees them: one page
// of them (all of them when Pages is 0), nearest the threshold first.
type ReviewList struct {
	Run       *LinkageRun  `json:"run"`
	Threshold float64      `json:"threshold"`
	Pairs     []ReviewPair `json:"pairs"`
	// Total counts the run's borderline pairs; Page (from 1) and Pages
	// say which page of ReviewPageSize pairs Pairs is.
	Total int `json:"total"`
	Page  int `json:"page,omitempty"`
	Pages int `json:"pages,omitempty"`
	// Decided counts the pairs with a decision in force.
	Decided int `json:"decided"`
}

// ReviewPair is one borderline pair in encoded form: which datasets, the
// score, and each comparison's agreement level and weight. It never
// carries identifying values, tokens or record ids.
type ReviewPair struct {
	// Pair numbers the pair within its run, from 1, nearest the threshold
	// first; decisions name it with the run.
	Pair         int           `json:"pair"`
	DatasetLeft  string        `json:"dataset_left"`
	DatasetRight string        `json:"dataset_right"`
	Probability  float64       `json:"probability"`
	Weight       float64       `json:"weight"`
	Fields       []ReviewField `json:"fields"`
	// Decision is the latest decision on this pair of records (made in
	// this run's review or an earlier one), if any.
	Decision *Label `json:"decision,omitempty"`
}

func reviewPair(r ReviewRow) ReviewPair {
	return ReviewPair{Pair: r.Pair, DatasetLeft: r.DatasetL, DatasetRight: r.DatasetR, Probability: r.Probability, Weight: r.Weight, Fields: r.Fields, Decision: r.Decision}
}

// Review returns up to limit (0: all) of run's borderline pairs, after
// governance allows u to read the run's datasets for its purpose.
func (s *Service) Review(ctx context.Context, u *govern.User, runID int64, limit int) (*ReviewList, error) {
	run, err := s.authorizeReview(ctx, u, runID)
	if err != nil {
		return nil, err
	}
	rows, err := s.Store.ReviewRows(ctx, run.ID, limit)
	if err != nil {
		return nil, err
	}
	out := &ReviewList{Run: run, Threshold: runThreshold(run), Pairs: []ReviewPair{}, Total: len(rows)}
	for _, r := range rows {
		out.Pairs = append(out.Pairs, reviewPair(r))
		if r.Decision != nil {
			out.Decided++
		}
	}
	return out, nil
}

// ReviewPage returns page (from 1) of run's borderline pairs,
// [ReviewPageSize] to a page, nearest the threshold first, with the same
// access check as [Service.Review]. A page past the last is refused with
// the pages there are.
func (s *Service) ReviewPage(ctx context.Context, u *govern.User, runID int64, page int) (*ReviewList, error) {
	l, err := s.Review(ctx, u, runID, 0)
	if err != nil {
		return nil, err
	}
	l.Pages = max(1, (l.Total+ReviewPageSize-1)/ReviewPageSize)
	if page < 1 || page > l.Pages {
		return nil, fault.FieldErrorf(fault.Invalid, "page", "run %d's review has pages 1 to %d (%d pairs, %d to a page); page %d is not one of them", runID, l.Pages, l.Total, ReviewPageSize, page)
	}
	l.Page = page
	from := (page - 1) * ReviewPageSize
	l.Pairs = l.Pairs[from:min(from+ReviewPageSize, l.Total)]
	return l, nil
}

// Decide records u's decision on pair of run, with an optional note, as
// a label that later runs over the same datasets use (m from labels;
// the pair forced together or apart). It needs the same access as
// [Service.Review] and is recorded in the audit log.
func (s *Service) Decide(ctx context.Context, u *govern.User, runID int64, pair int, v Verdict, note string) (*ReviewPair, error) {
	if _, err := ParseVerdict(string(v)); err != nil {
		return nil, err
	}
	if !utf8.ValidString(note) || len(note) > maxNote {
		return nil, fault.Errorf(fault.Invalid, "a note is at most %d bytes of text", maxNote)
	}
	run, err := s.authorizeReview(ctx, u, runID)
	if err != nil {
		return nil, err
	}
	r, err := s.Store.ReviewPair(ctx, run.ID, pair)
	if err != nil {
		return nil, err
	}
	l := &Label{RunID: run.ID, Pair: pair, DatasetL: r.DatasetL, RecordL: r.RecordL, DatasetR: r.DatasetR, RecordR: r.RecordR, Decision: string(v), Note: strings.TrimSpace(note), By: u.ID}
	e := s.event(ctx, u, ActionDecide, fmt.Sprintf("linkage-run:%d/pair:%d", run.ID, pair), run.Purpose, run.Datasets, map[string]any{"decision": v})
	if err := s.record(ctx, e); err != nil {
		return nil, err
	}
	if err := s.Store.SaveLabel(ctx, l); err != nil {
		return nil, fmt.Errorf("save decision: %w", err)
	}
	r.Decision = l
	p := reviewPair(*r)
	return &p, nil
}

// authorizeReview loads the run and asks governance whether u may read its
// datasets' identifiers for its purpose.
func (s *Service) authorizeReview(ctx context.Context, u *govern.User, runID int64) (*LinkageRun, error) {
	run, err := s.Store.LinkageRun(ctx, runID)
	if err != nil {
		return nil, err
	}
	if run.Purpose == "" {
		return nil, fault.Errorf(fault.Invalid, "linkage run %d predates clerical review (no purpose recorded): link again with `civiclink link run`", run.ID)
	}
	var ids []string
	for _, d := range run.Datasets {
		ids = append(ids, d.DatasetID)
	}
	inputs, err := loadInputs(ctx, s.Store, ids)
	if err != nil {
		return nil, err
	}
	if _, err := s.Gov.Authorize(ctx, u, govern.Request{Operation: OpReview, Purpose: run.Purpose, Output: govern.Aggregate, Reads: reads(inputs)}); err != nil {
		return nil, err
	}
	return run, nil
}

// reviewRows picks a result's borderline pairs for the store, numbered
// from 1, with each comparison's level and weight. Only pairs touching a
// focus record are candidates in an incremental run, so only they are
// listed.
func reviewRows(res *link.Result) []ReviewRow {
	var out []ReviewRow
	for i, r := range res.Review(reviewLow, reviewHigh, reviewPairs) {
		x := res.Explain(r.Index)
		row := ReviewRow{Pair: i + 1, DatasetL: r.Left.Dataset, RecordL: r.Left.ID, DatasetR: r.Right.Dataset, RecordR: r.Right.ID, Probability: r.Probability, Weight: r.Weight}
		for _, t := range x.Terms {
			row.Fields = append(row.Fields, ReviewField{Comparison: t.Comparison, Level: t.Label, Weight: t.Weight + t.TFAdjustment})
		}
		out = append(out, row)
	}
	return out
}
