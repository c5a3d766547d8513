package web

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/civiclink/civiclink/internal/catalog"
	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/govern"
	"github.com/civiclink/civiclink/internal/link"
	"github.com/civiclink/civiclink/internal/linkrun"
)

// linker reads stored linkage runs for a user, asking the access gate
// (operation [OpLinkQuality]) before it shows anything derived from the
// linked records.
type linker struct {
	st  linkrun.Store // the runs, with their summaries
	az  govern.Authorizer
	svc *linkrun.Service // runs and review; nil in the gate probe
}

// LinkageQuality is what a run's quality page shows. Nothing in it is a
// data value: counts, weights, probabilities and agreement levels only.
type LinkageQuality struct {
	Run     LinkageRunRow `json:"run"`
	Purpose string        `json:"purpose"`
	// Model is the fitted Fellegi–Sunter model: m, u and the weight of
	// every agreement level of every comparison.
	Model    *link.Model         `json:"model,omitempty"`
	Blocking link.BlockingReport `json:"blocking"`
	Clusters link.ClusterReport  `json:"clusters"`
	// Histogram is the match-weight distribution over HistogramScope.
	Histogram      []linkrun.WeightBin `json:"histogram"`
	HistogramScope string              `json:"histogram_scope"`
	// DatasetPairs counts links (matched pairs) between each pair of
	// datasets (a dataset with itself: duplicates within it).
	DatasetPairs []linkrun.DatasetPairLinks `json:"dataset_pairs"`
	// ClusterSizes counts the run's clusters (entities) by their number of
	// records, when the run kept it.
	ClusterSizes map[int]int `json:"cluster_sizes,omitempty"`
	// AutoBlocking says how the blocking rules were chosen, for a run
	// with "blocking": "auto".
	AutoBlocking *link.BlockingSuggestion `json:"auto_blocking,omitempty"`
	// Notes say what the page cannot show for this run, and why.
	Notes []string `json:"notes,omitempty"`
}

// storedQuality is the part of a run's stored quality JSON the web reads.
type storedQuality struct {
	Blocking   link.BlockingReport `json:"blocking"`
	Clusters   link.ClusterReport  `json:"clusters"`
	Records    int64               `json:"records"`
	Entities   int64               `json:"entities"`
	Evaluation *linkrun.Evaluation `json:"evaluation"`
	// ClusterSizes counts clusters by size (runs since issue 22).
	ClusterSizes map[int]int              `json:"cluster_sizes"`
	AutoBlocking *link.BlockingSuggestion `json:"auto_blocking"`
	// Summary is the run's histogram, estimate and dataset pairs (runs
	// since issue #16, and runs the web started before it).
	Summary *linkrun.Summary `json:"summary"`
}

// storedParams is the part of a run's stored parameters the web reads.
type storedParams struct {
	Model     *link.Model `json:"model"`
	Threshold float64     `json:"threshold"`
}

// reads are the columns a run read: each dataset's record id and
// identifier columns.
func (lk *linker) reads(ctx context.Context, run *linkrun.LinkageRun) ([]govern.Read, error) {
	var out []govern.Read
	for _, lv := range run.Datasets {
		d, err := lk.st.Dataset(ctx, lv.DatasetID)
		if err != nil {
			return nil, err
		}
		out = append(out, govern.Read{Dataset: d.ID, Columns: linkColumns(d)})
	}
	return out, nil
}

// linkColumns are a dataset's record-id and identifier columns, or nil
// when it cannot be linked.
func linkColumns(d *catalog.Dataset) []string {
	rid, ok := d.Schema.RecordID()
	if !ok {
		return nil
	}
	cols := []string{rid.Name}
	for _, c := range d.Schema.Columns {
		if c.Role == catalog.RoleIdentifier {
			cols = append(cols, c.Name)
		}
	}
	if len(cols) == 1 {
		return nil
	}
	return cols
}

// authorize asks the gate whether u may read run's quality for purpose.
func (lk *linker) authorize(ctx context.Context, u *govern.User, run *linkrun.LinkageRun, purpose string) error {
	reads, err := lk.reads(ctx, run)
	if err != nil {
		return err
	}
	_, err = lk.az.Authorize(ctx, u, govern.Request{Operation: OpLinkQuality, Purpose: purpose, Output: govern.Aggregate, Reads: reads})
	return err
}

// row is the list line of run: its counts and quality only when u may read them.
func (lk *linker) row(ctx context.Context, u *govern.User, run *linkrun.LinkageRun, purpose string) (LinkageRunRow, *storedQuality, *storedParams, error) {
	row := LinkageRunRow{ID: run.ID, CreatedBy: run.CreatedBy, CreatedAt: run.CreatedAt, Datasets: run.Datasets, Purpose: run.Purpose, Mode: run.Mode, ParentID: run.ParentID}
	if err := lk.authorize(ctx, u, run, purpose); err != nil {
		if fault.Code(err) != fault.Forbidden {
			return row, nil, nil, err
		}
		row.Restricted = webWords(fault.Message(err))
		return row, nil, nil, nil
	}
	var q storedQuality
	var p storedParams
	if err := json.Unmarshal(run.Quality, &q); err != nil {
		return row, nil, nil, fmt.Errorf("linkage run %d quality: %w", run.ID, err)
	}
	if err := json.Unmarshal(run.Params, &p); err != nil {
		return row, nil, nil, fmt.Errorf("linkage run %d parameters: %w", run.ID, err)
	}
	row.Records, row.Entities, row.Matches, row.Threshold = q.Records, q.Entities, int64(q.Clusters.Matches), p.Threshold
	if e := q.Evaluation; e != nil {
		row.Truth = truthScore(&e.Pairs, &e.Clusters)
	}
	if q.Summary != nil {
		row.Estimate = q.Summary.Estimate
	}
	return row, &q, &p, nil
}

// runs lists up to limit runs, newest first; each is one governed read
// (its counts are shown only if the gate allows it for the run's purpose,
// or for purpose when the run recorded none).
func (lk *linker) runs(ctx context.Context, u *govern.User, purpose string, limit int) ([]LinkageRunRow, error) {
	all, err := lk.svc.Runs(ctx, u)
	if err != nil {
		return nil, err
	}
	out := []LinkageRunRow{}
	for _, run := range all[:min(limit, len(all))] {
		p := run.Purpose
		if p == "" {
			p = purpose
		}
		row, _, _, err := lk.row(ctx, u, run, p)
		if err != nil {
			return nil, err
		}
		out = append(out, row)
	}
	return out, nil
}

// quality reads run id's quality for u, governed: a refusal is the gate's
// fault.Forbidden error with its reasons.
func (lk *linker) quality(ctx context.Context, u *govern.User, run *linkrun.LinkageRun, purpose string) (*LinkageQuality, error) {
	row, q, p, err := lk.row(ctx, u, run, purpose)
	if err != nil {
		return nil, err
	}
	if row.Restricted != "" {
		return nil, fault.Errorf(fault.Forbidden, "%s", row.Restricted)
	}
	sum, err := linkrun.StoredSummary(ctx, lk.st, run)
	if err != nil {
		return nil, err
	}
	out := &LinkageQuality{Run: row, Purpose: purpose, Model: p.Model, Blocking: q.Blocking, Clusters: q.Clusters,
		Histogram: sum.Histogram, HistogramScope: sum.HistogramScope, DatasetPairs: sum.DatasetPairs, ClusterSizes: q.ClusterSizes, AutoBlocking: q.AutoBlocking}
	if sum.HistogramScope == linkrun.ScopeMatched {
		out.Notes = append(out.Notes, "This run was stored before runs kept every candidate pair's weight (by the CLI or the demo): the distribution below is of its matched pairs only, and there is no estimate of precision and recall from the model.")
	}
	if row.Truth == nil {
		out.Notes = append(out.Notes, "No truth is known for these records, so the precision and recall are the model's own estimate.")
	}
	return out, nil
}
