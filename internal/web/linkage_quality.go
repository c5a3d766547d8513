package web

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

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
	st  linkageStore
	az  govern.Authorizer
	svc *linkrun.Service // runs and review; nil in the gate probe
}

// linkageStore is the linkage service's store as the linkage pages read
// it: the runs, and the summaries the web keeps of the runs it started.
type linkageStore interface {
	linkrun.Store
	Meta(ctx context.Context, key string) (string, error)
	SetMeta(ctx context.Context, key, value string) error
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
	Histogram      []WeightBin `json:"histogram"`
	HistogramScope string      `json:"histogram_scope"`
	// DatasetPairs counts links (matched pairs) between each pair of
	// datasets (a dataset with itself: duplicates within it).
	DatasetPairs []DatasetPairLinks `json:"dataset_pairs"`
	// ClusterSizes counts the run's clusters (entities) by their number of
	// records, when the run kept it.
	ClusterSizes map[int]int `json:"cluster_sizes,omitempty"`
	// AutoBlocking says how the blocking rules were chosen, for a run
	// with "blocking": "auto".
	AutoBlocking *link.BlockingSuggestion `json:"auto_blocking,omitempty"`
	// Notes say what the page cannot show for this run, and why.
	Notes []string `json:"notes,omitempty"`
}

// WeightBin is one bar of the match-weight histogram: pairs with weight in
// [From, To), and how many of them were matched.
type WeightBin struct {
	From    float64 `json:"from"`
	To      float64 `json:"to"`
	Pairs   int64   `json:"pairs"`
	Matched int64   `json:"matched"`
}

// DatasetPairLinks counts the links between two datasets.
type DatasetPairLinks struct {
	Left       string `json:"left"`
	Right      string `json:"right"`
	Candidates int64  `json:"candidates,omitempty"`
	Links      int64  `json:"links"`
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
}

// storedParams is the part of a run's stored parameters the web reads.
type storedParams struct {
	Model     *link.Model `json:"model"`
	Threshold float64     `json:"threshold"`
}

// summaryKey is the store fact holding what the web kept of run id.
func summaryKey(id int64) string { return "web.linkage-summary/" + strconv.FormatInt(id, 10) }

// summary returns what the web kept of a run it started; an empty summary
// for a run started elsewhere (the CLI, the demo).
func (lk *linker) summary(ctx context.Context, id int64) (*runSummary, error) {
	v, err := lk.st.Meta(ctx, summaryKey(id))
	if err != nil {
		return nil, err
	}
	sum := &runSummary{}
	if v != "" {
		if err := json.Unmarshal([]byte(v), sum); err != nil {
			return nil, fmt.Errorf("linkage run %d summary: %w", id, err)
		}
	}
	return sum, nil
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
		row.Restricted = fault.Message(err)
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
	sum, err := lk.summary(ctx, run.ID)
	if err != nil {
		return row, nil, nil, err
	}
	row.Estimate = sum.Estimate
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
	sum, err := lk.summary(ctx, run.ID)
	if err != nil {
		return nil, err
	}
	out := &LinkageQuality{Run: row, Purpose: purpose, Model: p.Model, Blocking: q.Blocking, Clusters: q.Clusters,
		Histogram: sum.Histogram, HistogramScope: "candidate pairs", DatasetPairs: sum.DatasetPairs, ClusterSizes: q.ClusterSizes, AutoBlocking: q.AutoBlocking}
	if sum.Histogram == nil {
		if err := lk.storedStats(ctx, run.ID, out); err != nil {
			return nil, err
		}
		out.Notes = append(out.Notes, "This run was made outside the web app (by the CLI or the demo), which keeps its matched pairs but not every candidate pair's weight: the distribution below is of the matched pairs only, and the model's own precision and recall estimate is kept for runs started here.")
	}
	if row.Truth == nil {
		out.Notes = append(out.Notes, "No truth is known for these records, so the precision and recall are the model's own estimate.")
	}
	return out, nil
}
