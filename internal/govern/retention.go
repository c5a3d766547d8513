package govern

import (
	"sort"
	"time"

	"github.com/civiclink/civiclink/internal/catalog"
)

// Purge is one dataset version past its retention.
type Purge struct {
	Version     *catalog.Version `json:"version"`
	RetainUntil time.Time        `json:"retain_until"`
	// Agreement is the agreement whose retention was longest (the one that
	// kept the version longest).
	Agreement string `json:"agreement"`
}

// PurgeDue lists the versions past their retention at now, oldest first. A
// version of a dataset is kept for the longest retention of any agreement
// (in any state but draft) that shares the dataset, counted from when the
// version was loaded; a dataset no such agreement shares has no retention
// rule here and is never listed.
func PurgeDue(versions []*catalog.Version, agreements []*Agreement, now time.Time) []Purge {
	type rule struct {
		days      int
		agreement string
	}
	rules := map[string]rule{}
	for _, a := range agreements {
		if a.Status == Draft {
			continue
		}
		for _, s := range a.Datasets {
			if r, ok := rules[s.Dataset]; !ok || a.RetentionDays > r.days {
				rules[s.Dataset] = rule{a.RetentionDays, a.ID}
			}
		}
	}
	var out []Purge
	for _, v := range versions {
		r, ok := rules[v.DatasetID]
		if !ok {
			continue
		}
		until := v.LoadedAt.AddDate(0, 0, r.days)
		if !now.Before(until) {
			out = append(out, Purge{Version: v, RetainUntil: until, Agreement: r.agreement})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Version.LoadedAt.Before(out[j].Version.LoadedAt) })
	return out
}
