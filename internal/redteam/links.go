package redteam

import "strings"

// TotalLevel is the level margins carry.
const TotalLevel = "Total"

// Margins links each cell of table t to its totals along every dimension:
// along dimension d, the cells that differ only there sum to the cell with
// Total there.
func Margins(t int, tab *Table) []Link {
	var out []Link
	for d := range tab.Dims {
		groups := map[string][]Ref{}
		for _, k := range keys(tab) {
			lv := strings.Split(k, "|")
			if lv[d] == TotalLevel {
				continue
			}
			lv[d] = TotalLevel
			tot := strings.Join(lv, "|")
			groups[tot] = append(groups[tot], Ref{t, k})
		}
		for tot, parts := range groups {
			if _, ok := tab.Figures[tot]; ok {
				out = append(out, Link{Total: Ref{t, tot}, Parts: parts})
			}
		}
	}
	return out
}

// Nested links a coarse table to a fine one along dimension d: each
// coarse cell is the sum of the fine cells whose level there lies in it
// (parent gives a fine level's coarse level) and whose other levels are
// the same. The two tables have the same dimensions in the same order.
func Nested(coarse, fine int, tabs []*Table, d int, parent func(string) string) []Link {
	parts := map[string][]Ref{}
	for _, k := range keys(tabs[fine]) {
		lv := strings.Split(k, "|")
		if lv[d] == TotalLevel {
			continue
		}
		p := parent(lv[d])
		if p == "" {
			continue
		}
		lv[d] = p
		ck := strings.Join(lv, "|")
		parts[ck] = append(parts[ck], Ref{fine, k})
	}
	var out []Link
	for ck, ps := range parts {
		if _, ok := tabs[coarse].Figures[ck]; ok {
			out = append(out, Link{Total: Ref{coarse, ck}, Parts: ps})
		}
	}
	return out
}

// Split links a table counted under a filter F to the tables under
// "F AND G" and "F AND NOT (G)": each cell of the first is the sum of the
// same cells of the other two.
func Split(all, yes, no int, tabs []*Table) []Link {
	var out []Link
	for _, k := range keys(tabs[all]) {
		out = append(out, Link{Total: Ref{all, k}, Parts: []Ref{{yes, k}, {no, k}}})
	}
	return out
}

// Same links the cells two tables share: the same records, so the same
// true count (another threshold or rounding, the same query again, or
// months an accumulating dataset's later version still holds).
func Same(a, b int, tabs []*Table, keep func(key string) bool) []Link {
	var out []Link
	for _, k := range keys(tabs[a]) {
		if _, ok := tabs[b].Figures[k]; ok && (keep == nil || keep(k)) {
			out = append(out, Link{Total: Ref{a, k}, Parts: []Ref{{b, k}}})
		}
	}
	return out
}

// WithMargins adds every table's margins to links.
func WithMargins(tabs []*Table, links []Link) []Link {
	for i, t := range tabs {
		links = append(links, Margins(i, t)...)
	}
	return links
}

// Quarter returns the quarter of a month level ("2024-05" → "2024-Q2").
func Quarter(month string) string {
	if len(month) != 7 || month[4] != '-' {
		return ""
	}
	m := (int(month[5]-'0')*10 + int(month[6]-'0') - 1) / 3
	return month[:4] + "-Q" + string(rune('1'+m))
}

// Year returns the year of a month or quarter level.
func Year(period string) string {
	if len(period) < 4 {
		return ""
	}
	return period[:4]
}
