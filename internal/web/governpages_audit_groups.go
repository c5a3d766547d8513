package web

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/civiclink/civiclink/internal/audit"
)

// usesGroupedPage is how many log entries one "who used my data" page
// reads; the page shows them grouped ([groupUses]), so a page of many
// near-identical uses is a few rows. The API pages by [usesPage].
const usesGroupedPage = 500

// UseGroup is the uses of one user for one purpose on one day (UTC), as
// one row of "who used my data", newest first; Uses holds them, newest
// first, for the row's expandable list.
type UseGroup struct {
	Day      time.Time
	User     string
	Purpose  string
	Partners []string
	Datasets []string
	Count    int
	Refused  int
	// Actions counts the group's uses by action ("query ×3, export").
	Actions string
	Rows    *int64
	Cells   *int64
	Uses    []Use
}

// groupUses groups uses (newest first) by user, purpose and day, keeping
// the order in which each group's newest use comes.
func groupUses(uses []Use) []*UseGroup {
	var out []*UseGroup
	at := map[string]*UseGroup{}
	actions := map[*UseGroup]map[string]int{}
	for _, u := range uses {
		d := u.Time.UTC().Truncate(24 * time.Hour)
		key := u.User + "\x00" + u.Purpose + "\x00" + d.Format(time.DateOnly)
		g := at[key]
		if g == nil {
			g = &UseGroup{Day: d, User: u.User, Purpose: u.Purpose}
			at[key], actions[g] = g, map[string]int{}
			out = append(out, g)
		}
		g.Count++
		g.Uses = append(g.Uses, u)
		if u.Outcome != audit.Allowed {
			g.Refused++
		}
		actions[g][u.Action]++
		g.Partners = addOnce(g.Partners, u.Partner)
		for _, ds := range u.Datasets {
			g.Datasets = addOnce(g.Datasets, ds)
		}
		g.Rows, g.Cells = sumCount(g.Rows, u.Rows), sumCount(g.Cells, u.Cells)
	}
	for _, g := range out {
		g.Actions = countList(actions[g])
		sort.Strings(g.Datasets)
	}
	return out
}

// addOnce appends s to list unless it is empty or already there.
func addOnce(list []string, s string) []string {
	if s == "" || slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}

// sumCount adds n to total; nil stays nil while nothing was counted.
func sumCount(total, n *int64) *int64 {
	if n == nil {
		return total
	}
	var t int64
	if total != nil {
		t = *total
	}
	t += *n
	return &t
}

// countList writes counts as "query ×3, export", commonest first.
func countList(counts map[string]int) string {
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if counts[keys[i]] != counts[keys[j]] {
			return counts[keys[i]] > counts[keys[j]]
		}
		return keys[i] < keys[j]
	})
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k
		if counts[k] > 1 {
			parts[i] = fmt.Sprintf("%s ×%d", k, counts[k])
		}
	}
	return strings.Join(parts, ", ")
}
