package linkrun

import (
	"context"
	"encoding/json"

	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/link"
)

// IncrementalReport says what an incremental run re-linked. Records are
// compared with the parent run by a fingerprint of their identifiers.
type IncrementalReport struct {
	Parent int64 `json:"parent"`
	// Unchanged records kept their entity; Changed (same record id, new
	// identifiers) and Added records were linked; Removed records are
	// gone from the datasets and so from the run.
	Unchanged int `json:"unchanged"`
	Changed   int `json:"changed"`
	Added     int `json:"added"`
	Removed   int `json:"removed"`
	// Joined counts linked records that joined an existing entity;
	// NewEntities the entities made only of linked records.
	Joined      int `json:"joined"`
	NewEntities int `json:"new_entities"`
	// Relabelled counts unchanged records linked again because a reviewer
	// decided a pair of theirs after the parent run.
	Relabelled int `json:"relabelled"`
}

// incremental links the records added or changed since parent against
// parent's entities, with parent's config, model and threshold (no
// retraining), and carries the rest over.
func (j *job) incremental(ctx context.Context, parent *LinkageRun, opt link.Options) (*Result, error) {
	var p params
	if err := json.Unmarshal(parent.Params, &p); err != nil || p.Model == nil || p.Threshold <= 0 {
		return nil, fault.Errorf(fault.Invalid, "linkage run %d kept no model to reuse: run a full linkage instead", parent.ID)
	}
	cfg := p.Config
	cfg.Threshold, cfg.TargetPrecision = p.Threshold, 0
	if err := j.checkKeyIDs(cfg); err != nil {
		return nil, err
	}
	prev, err := j.entityMap(ctx, parent.ID)
	if err != nil {
		return nil, err
	}
	rep := &IncrementalReport{Parent: parent.ID}
	fps := j.fps
	kept := map[RecordKey]string{}
	present := make(map[RecordKey]bool, len(fps))
	var dropped []RecordKey
	i := 0
	for _, d := range j.datasets {
		for r := range d.Len() {
			key := RecordKey{DatasetID: d.Name, RecordID: d.ID(r)}
			present[key] = true
			switch e, ok := prev[key]; {
			case !ok:
				rep.Added++
			case e.Fingerprint != 0 && e.Fingerprint == fps[i]:
				kept[key] = e.EntityID
				rep.Unchanged++
			default:
				rep.Changed++
				dropped = append(dropped, key)
			}
			i++
		}
	}
	for _, l := range j.decisions {
		if !l.At.After(parent.CreatedAt) {
			continue
		}
		for _, key := range []RecordKey{{DatasetID: l.DatasetL, RecordID: l.RecordL}, {DatasetID: l.DatasetR, RecordID: l.RecordR}} {
			if _, ok := kept[key]; ok {
				delete(kept, key)
				rep.Unchanged--
				rep.Relabelled++
				dropped = append(dropped, key)
			}
		}
	}
	for key := range prev {
		if !present[key] {
			rep.Removed++
			dropped = append(dropped, key)
		}
	}
	opt.Model = p.Model
	opt.Existing = func(ds string, r *link.Record) string { return kept[RecordKey{DatasetID: ds, RecordID: r.ID}] }
	res, err := link.Link(ctx, j.datasets, cfg, opt)
	if err != nil {
		return nil, err
	}
	names, carried := nameIncremental(res, kept, prev, rep)
	j.incr = rep
	j.kept = kept
	out, err := j.save(ctx, &LinkageRun{Mode: "incremental", ParentID: parent.ID}, cfg, res, names, LinkageWrite{CarryFrom: parent.ID, CarryEntities: true, Dropped: dropped})
	if err != nil {
		return nil, err
	}
	out.Carried = carried
	return out, nil
}

// nameIncremental names each record's entity: a cluster holding kept
// records has their entity; a cluster of linked records only takes the
// former entity of one of them when no other cluster has it, else a new
// id.
func nameIncremental(res *link.Result, kept map[RecordKey]string, prev map[RecordKey]EntityRow, rep *IncrementalReport) ([]string, int) {
	n := res.Records()
	cluster := make([]string, n)
	name := map[string]string{}
	taken, keptEnt := map[string]bool{}, map[string]bool{}
	keys := make([]RecordKey, n)
	for i := range n {
		r := res.Ref(i)
		keys[i] = RecordKey{DatasetID: r.Dataset, RecordID: r.ID}
		cluster[i] = clusterName(res, i)
		if e := kept[keys[i]]; e != "" {
			name[cluster[i]], taken[e], keptEnt[e] = e, true, true
		}
	}
	carried := len(taken)
	for i := range n {
		if c := cluster[i]; name[c] == "" {
			if e, ok := prev[keys[i]]; ok && !taken[e.EntityID] {
				name[c], taken[e.EntityID] = e.EntityID, true
				carried++
			}
		}
	}
	for _, e := range prev {
		taken[e.EntityID] = true
	}
	out := make([]string, n)
	fresh := map[string]bool{}
	for i := range n {
		c := cluster[i]
		if name[c] == "" {
			name[c] = freshName(c, taken)
			fresh[name[c]] = true
		}
		out[i] = name[c]
		if kept[keys[i]] == "" && keptEnt[out[i]] {
			rep.Joined++
		}
	}
	rep.NewEntities = len(fresh)
	return out, carried
}
