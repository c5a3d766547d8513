// Package linkreport draws a linkage run as one self-contained HTML page
// of charts (inline SVG, no scripts or resources from elsewhere): the
// model's m and u per comparison level, the match weights against the
// threshold, the blocking rules' comparisons and recall, waterfalls of
// sample pairs in each probability band, and the cluster sizes.
package linkreport

import (
	"embed"
	"fmt"
	"html/template"
	"io"
	"math"
	"slices"

	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/link"
)

//go:embed report.html.tmpl
var files embed.FS

var page = template.Must(template.ParseFS(files, "report.html.tmpl"))

// Input is what a report shows, as plain figures, so that a run in
// memory ([FromResult]) and a stored run can both be drawn.
type Input struct {
	Title string
	// Lines are sentences shown under the title (a summary, the
	// evaluation against the truth).
	Lines        []string
	Model        *link.Model
	Threshold    float64
	Weights      []Bin
	Blocking     link.BlockingReport
	AutoBlocking *link.BlockingSuggestion
	Bands        []Band
	// ClusterSizes counts clusters by their number of records.
	ClusterSizes map[int]int
}

// Bin is one bar of the match-weight histogram: Pairs pairs with weight
// in [From, To).
type Bin struct {
	From, To float64
	Pairs    int64
}

// Band is a range of match probability and sample pairs from it.
type Band struct {
	Name  string
	Pairs []link.Explanation
}

// FromResult gathers a finished run's figures for a report.
func FromResult(r *link.Result, title string) Input {
	in := Input{Title: title, Model: r.Model, Threshold: r.Threshold, Blocking: r.Blocking, AutoBlocking: r.AutoBlocking,
		Weights: Histogram(r.Weights), ClusterSizes: r.ClusterSizes()}
	in.Lines = append(in.Lines, fmt.Sprintf("%d records, %d candidate pairs, %d matched at probability ≥ %.4f, %d clusters.",
		r.Records(), r.Pairs.Len(), len(r.Matched), r.Threshold, r.Clusters.Clusters))
	for _, b := range bandEdges {
		var ks []int
		for k := range r.Pairs.Len() {
			if p := r.Probability(k); p >= b.lo && p < b.hi {
				ks = append(ks, k)
			}
		}
		bd := Band{Name: fmt.Sprintf("%s (%d pairs)", b.name, len(ks))}
		for i := range min(perBand, len(ks)) {
			bd.Pairs = append(bd.Pairs, r.Explain(ks[(2*i+1)*len(ks)/(2*perBand)]))
		}
		in.Bands = append(in.Bands, bd)
	}
	return in
}

// Histogram bins match weights by whole units, from -40 to 60 at most
// (weights beyond fall in the end bins).
func Histogram(weights []float64) []Bin {
	if len(weights) == 0 {
		return nil
	}
	lo, hi := math.Floor(slices.Min(weights)), math.Ceil(slices.Max(weights))
	lo, hi = math.Max(lo, -40), math.Min(math.Max(hi, lo+1), 60)
	bins := make([]Bin, int(hi-lo)+1)
	for i := range bins {
		bins[i] = Bin{From: lo + float64(i), To: lo + float64(i) + 1}
	}
	for _, x := range weights {
		bins[int(math.Min(math.Max(x, lo), hi)-lo)].Pairs++
	}
	return bins
}

// band is a probability band's name and waterfalls, as the page shows it.
type band struct {
	Name       string
	Waterfalls []template.HTML
}

// Write renders the report to w.
func Write(w io.Writer, in Input) error {
	data := struct {
		Title                           string
		Lines                           []string
		MU, Weights, Blocking, Clusters template.HTML
		Bands                           []band
		AutoNote                        string
	}{Title: in.Title, Lines: in.Lines}
	if in.Model != nil {
		data.MU = MUChart(in.Model)
	}
	data.Weights = WeightChart(in.Weights, in.Threshold)
	data.Blocking = BlockingChart(in.Blocking, in.AutoBlocking)
	for _, b := range in.Bands {
		bd := band{Name: b.Name}
		for _, x := range b.Pairs {
			bd.Waterfalls = append(bd.Waterfalls, Waterfall(x, in.Threshold))
		}
		data.Bands = append(data.Bands, bd)
	}
	data.Clusters = ClusterChart(in.ClusterSizes)
	if a := in.AutoBlocking; a != nil {
		data.AutoNote = AutoNote(a)
	}
	if err := page.Execute(w, data); err != nil {
		return fault.Wrap(err, fault.Internal, "write the linkage report")
	}
	return nil
}

// AutoNote says how automatic blocking chose the rules.
func AutoNote(a *link.BlockingSuggestion) string {
	note := fmt.Sprintf("Rules chosen from the data: %d comparisons, estimated recall %.4f (target %.4f).", a.Comparisons, a.EstimatedRecall, a.TargetRecall)
	if s := a.Shortfall(); s != "" {
		note += " " + s
	}
	return note
}

// MUChart draws each comparison level's m and u as bars on a log scale
// (1e-6 to 1), with the level's weight.
func MUChart(md *link.Model) template.HTML {
	rows := 0
	for _, c := range md.Comparisons {
		rows += len(c.Levels) // a heading row and the non-null levels
	}
	const left, barW, rowH = 250.0, 420.0, 22.0
	s := newSVG(int(left+barW+120), int(float64(rows)*rowH+40), "m and u probabilities per comparison level")
	x := func(p float64) float64 { return barW * (math.Log10(math.Max(p, 1e-6)) + 6) / 6 }
	y := 24.0
	for _, d := range []float64{1e-6, 1e-4, 1e-2, 1} {
		s.line(left+x(d), 14, left+x(d), float64(rows)*rowH+24, "grid")
		s.text(left+x(d), 12, "middle", "axis", fmt.Sprintf("%g", d))
	}
	for _, c := range md.Comparisons {
		s.text(4, y+14, "start", "head", c.Name)
		y += rowH
		for _, l := range c.Levels[1:] {
			s.text(left-8, y+14, "end", "label", l.Label)
			s.rect(left, y+2, x(l.M), 8, "m", fmt.Sprintf("%s %s: m = %.4g", c.Name, l.Label, l.M))
			s.rect(left, y+11, x(l.U), 8, "u", fmt.Sprintf("%s %s: u = %.4g", c.Name, l.Label, l.U))
			s.text(left+barW+8, y+14, "start", "label", fmt.Sprintf("%+.2f", l.Weight))
			y += rowH
		}
	}
	return s.html()
}

// WeightChart draws the match-weight histogram (heights on a log scale)
// with the threshold.
func WeightChart(bins []Bin, threshold float64) template.HTML {
	const w, h, pad = 760.0, 260.0, 40.0
	s := newSVG(int(w), int(h), "histogram of match weights with the threshold")
	if len(bins) == 0 {
		s.text(w/2, h/2, "middle", "label", "no candidate pairs")
		return s.html()
	}
	var most int64 = 1
	for _, b := range bins {
		most = max(most, b.Pairs)
	}
	lo, hi := bins[0].From, bins[len(bins)-1].To
	scale := (w - 2*pad) / (hi - lo)
	top := math.Log10(float64(most) + 1)
	for _, b := range bins {
		bh := (h - 2*pad) * math.Log10(float64(b.Pairs)+1) / top
		s.rect(pad+(b.From-lo)*scale, h-pad-bh, (b.To-b.From)*scale-1, bh, "bar", fmt.Sprintf("weight %g to %g: %d pairs", b.From, b.To, b.Pairs))
	}
	tx := pad + (math.Log2(threshold/(1-threshold))-lo)*scale
	s.line(tx, pad/2, tx, h-pad, "threshold")
	s.text(tx+4, pad/2+10, "start", "label", fmt.Sprintf("threshold %.3g", threshold))
	for v := math.Ceil(lo/10) * 10; v <= hi; v += 10 {
		s.text(pad+(v-lo)*scale, h-pad+16, "middle", "axis", fmt.Sprintf("%g", v))
	}
	s.text(w/2, h-6, "middle", "axis", "match weight (pairs, log scale)")
	return s.html()
}

// BlockingChart draws each rule's new comparisons, with its recall:
// estimated (after it and the rules before it) when the rules were chosen
// automatically, and alone against the truth when that was known.
func BlockingChart(rep link.BlockingReport, auto *link.BlockingSuggestion) template.HTML {
	rules := rep.Rules
	const left, barW, rowH, colW = 300.0, 330.0, 22.0, 90.0
	type column struct {
		head  string
		value func(i int, x link.RuleReport) string
	}
	cols := []column{{"new pairs", func(_ int, x link.RuleReport) string { return fmt.Sprint(x.Pairs) }}}
	if auto != nil {
		cols = append(cols, column{"est. recall", func(i int, _ link.RuleReport) string {
			if i < len(auto.Rules) {
				return fmt.Sprintf("%.3f", auto.Rules[i].EstimatedRecall)
			}
			return ""
		}})
	}
	if rep.TruePairs > 0 {
		cols = append(cols, column{"recall alone", func(_ int, x link.RuleReport) string { return fmt.Sprintf("%.3f", x.Recall) }})
	}
	s := newSVG(int(left+barW+16+colW*float64(len(cols))), int(float64(len(rules))*rowH+40), "blocking rules: comparisons and recall")
	most := 1
	for _, x := range rules {
		most = max(most, x.Pairs)
	}
	for c, col := range cols {
		s.text(left+barW+8+colW*float64(c+1)-12, 14, "end", "head", col.head)
	}
	for i, x := range rules {
		y := 22 + float64(i)*rowH
		s.text(left-8, y+13, "end", "label", x.Rule)
		s.rect(left, y+3, barW*float64(x.Pairs)/float64(most), 14, "bar", fmt.Sprintf("%s: %d new comparisons", x.Rule, x.Pairs))
		for c, col := range cols {
			s.text(left+barW+8+colW*float64(c+1)-12, y+13, "end", "label", col.value(i, x))
		}
	}
	return s.html()
}

// bandEdges split pairs by match probability for the waterfalls.
var bandEdges = []struct {
	name   string
	lo, hi float64
}{
	{"probability below 0.05", 0, 0.05},
	{"probability 0.05 to 0.5", 0.05, 0.5},
	{"probability 0.5 to 0.95", 0.5, 0.95},
	{"probability 0.95 and above", 0.95, 1.01},
}

// perBand is how many sample pairs each band shows.
const perBand = 2

// Waterfall draws a pair's weight: the prior, each comparison's term
// from the running total, and the final weight, against the threshold.
func Waterfall(x link.Explanation, threshold float64) template.HTML {
	steps := []struct {
		name, label string
		w           float64
	}{{"prior", "", x.PriorWeight}}
	for _, t := range x.Terms {
		steps = append(steps, struct {
			name, label string
			w           float64
		}{t.Comparison, t.Label, t.Weight + t.TFAdjustment})
	}
	run, lo, hi := 0.0, 0.0, 0.0
	for _, st := range steps {
		run += st.w
		lo, hi = math.Min(lo, run), math.Max(hi, run)
	}
	tw := math.Log2(threshold / (1 - threshold))
	lo, hi = math.Min(lo, tw)-1, math.Max(hi, tw)+1
	const colW, h, top, bottom = 74.0, 300.0, 40.0, 70.0
	w := colW*float64(len(steps)+1) + 60
	s := newSVG(int(w), int(h), fmt.Sprintf("waterfall of %s and %s", refName(x.Left), refName(x.Right)))
	y := func(v float64) float64 { return top + (hi-v)/(hi-lo)*(h-top-bottom) }
	s.text(4, 16, "start", "head", fmt.Sprintf("%s ~ %s: weight %.2f, probability %.4f", x.Left.ID, x.Right.ID, x.Weight, x.Probability))
	s.line(40, y(0), w-10, y(0), "zero")
	s.line(40, y(tw), w-10, y(tw), "threshold")
	run = 0
	for i, st := range steps {
		cx := 50 + float64(i)*colW
		class := "pos"
		if st.w < 0 {
			class = "neg"
		}
		s.rect(cx, y(run), colW-12, y(run+st.w)-y(run), class, fmt.Sprintf("%s %s: %+.2f", st.name, st.label, st.w))
		run += st.w
		s.text(cx+(colW-12)/2, h-bottom+14, "middle", "label", st.name)
		s.text(cx+(colW-12)/2, h-bottom+28, "middle", "axis", st.label)
		s.text(cx+(colW-12)/2, h-bottom+42, "middle", "axis", fmt.Sprintf("%+.1f", st.w))
	}
	cx := 50 + float64(len(steps))*colW
	s.rect(cx, y(0), colW-12, y(run)-y(0), "total", fmt.Sprintf("total %.2f", run))
	s.text(cx+(colW-12)/2, h-bottom+14, "middle", "label", "total")
	return s.html()
}

// ClusterChart draws how many clusters have each size (20 records and
// over together), from a count of clusters by size.
func ClusterChart(sizes map[int]int) template.HTML {
	const most = 20
	counts := make([]int, most+1)
	for n, c := range sizes {
		if n > 0 {
			counts[min(n, most)] += c
		}
	}
	const w, h, pad = 760.0, 240.0, 40.0
	s := newSVG(int(w), int(h), "cluster sizes")
	top := math.Log10(float64(slices.Max(counts)) + 1)
	bw := (w - 2*pad) / most
	for n := 1; n <= most; n++ {
		bh := (h - 2*pad) * math.Log10(float64(counts[n])+1) / math.Max(top, 1e-9)
		x := pad + float64(n-1)*bw
		s.rect(x, h-pad-bh, bw-2, bh, "bar", fmt.Sprintf("%d clusters of %d records", counts[n], n))
		name := fmt.Sprint(n)
		if n == most {
			name += "+"
		}
		s.text(x+bw/2, h-pad+16, "middle", "axis", name)
		if counts[n] > 0 {
			s.text(x+bw/2, h-pad-bh-4, "middle", "axis", fmt.Sprint(counts[n]))
		}
	}
	s.text(w/2, h-6, "middle", "axis", "records per cluster (clusters, log scale)")
	return s.html()
}

// refName writes a record as DATASET/ID, or ID alone without a dataset.
func refName(r link.RecordRef) string {
	if r.Dataset == "" {
		return r.ID
	}
	return r.Dataset + "/" + r.ID
}
