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

// Input is what a report shows: the run, a title, and optionally the
// evaluation against the truth as lines of text.
type Input struct {
	Title      string
	Result     *link.Result
	Evaluation []string
}

// band is a range of match probability with sample pairs' waterfalls.
type band struct {
	Name       string
	Waterfalls []template.HTML
}

// Write renders the report to w.
func Write(w io.Writer, in Input) error {
	r := in.Result
	data := struct {
		Title                           string
		Evaluation                      []string
		Summary                         string
		MU, Weights, Blocking, Clusters template.HTML
		Bands                           []band
		AutoNote                        string
	}{Title: in.Title, Evaluation: in.Evaluation}
	data.Summary = fmt.Sprintf("%d records, %d candidate pairs, %d matched at probability ≥ %.4f, %d clusters.",
		r.Records(), len(r.Pairs), len(r.Matched), r.Threshold, r.Clusters.Clusters)
	data.MU = muChart(r.Model)
	data.Weights = weightChart(r.Weights, r.Threshold)
	data.Blocking = blockingChart(r)
	data.Bands = bands(r)
	data.Clusters = clusterChart(r)
	if a := r.AutoBlocking; a != nil {
		data.AutoNote = fmt.Sprintf("Rules chosen from the data: %d comparisons, estimated recall %.4f (target %.4f).", a.Comparisons, a.EstimatedRecall, a.TargetRecall)
		if s := a.Shortfall(); s != "" {
			data.AutoNote += " " + s
		}
	}
	if err := page.Execute(w, data); err != nil {
		return fault.Wrap(err, fault.Internal, "write the linkage report")
	}
	return nil
}

// muChart draws each comparison level's m and u as bars on a log scale
// (1e-6 to 1), with the level's weight.
func muChart(md *link.Model) template.HTML {
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

// weightChart draws the histogram of the candidate pairs' match weights
// (one bar per unit of weight, heights on a log scale) with the threshold.
func weightChart(weights []float64, threshold float64) template.HTML {
	const w, h, pad = 760.0, 260.0, 40.0
	s := newSVG(int(w), int(h), "histogram of match weights with the threshold")
	if len(weights) == 0 {
		s.text(w/2, h/2, "middle", "label", "no candidate pairs")
		return s.html()
	}
	lo, hi := math.Floor(slices.Min(weights)), math.Ceil(slices.Max(weights))
	lo, hi = math.Max(lo, -40), math.Min(math.Max(hi, lo+1), 60)
	counts := make([]int, int(hi-lo)+1)
	for _, x := range weights {
		counts[int(math.Min(math.Max(x, lo), hi)-lo)]++
	}
	top := math.Log10(float64(slices.Max(counts)) + 1)
	bw := (w - 2*pad) / float64(len(counts))
	for i, c := range counts {
		bh := (h - 2*pad) * math.Log10(float64(c)+1) / top
		s.rect(pad+float64(i)*bw, h-pad-bh, bw-1, bh, "bar", fmt.Sprintf("weight %g to %g: %d pairs", lo+float64(i), lo+float64(i)+1, c))
	}
	tx := pad + (math.Log2(threshold/(1-threshold))-lo)*bw
	s.line(tx, pad/2, tx, h-pad, "threshold")
	s.text(tx+4, pad/2+10, "start", "label", fmt.Sprintf("threshold %.3g", threshold))
	for v := math.Ceil(lo/10) * 10; v <= hi; v += 10 {
		s.text(pad+(v-lo)*bw, h-pad+16, "middle", "axis", fmt.Sprintf("%g", v))
	}
	s.text(w/2, h-6, "middle", "axis", "match weight (pairs per unit, log scale)")
	return s.html()
}

// blockingChart draws each rule's new comparisons, with its recall.
func blockingChart(r *link.Result) template.HTML {
	rules := r.Blocking.Rules
	const left, barW, rowH = 300.0, 330.0, 22.0
	s := newSVG(int(left+barW+220), int(float64(len(rules))*rowH+40), "blocking rules: comparisons and recall")
	most := 1
	for _, x := range rules {
		most = max(most, x.Pairs)
	}
	s.text(left+barW+8, 14, "start", "head", "recall")
	for i, x := range rules {
		y := 22 + float64(i)*rowH
		s.text(left-8, y+13, "end", "label", x.Rule)
		s.rect(left, y+3, barW*float64(x.Pairs)/float64(most), 14, "bar", fmt.Sprintf("%s: %d new comparisons", x.Rule, x.Pairs))
		note := fmt.Sprintf("%d", x.Pairs)
		if a := r.AutoBlocking; a != nil && i < len(a.Rules) {
			note += fmt.Sprintf("  est. %.3f", a.Rules[i].EstimatedRecall)
		}
		if r.Blocking.TruePairs > 0 {
			note += fmt.Sprintf("  alone %.3f", x.Recall)
		}
		s.text(left+barW+8, y+13, "start", "label", note)
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

// bands picks pairs spread through each probability band and draws their
// waterfalls.
func bands(r *link.Result) []band {
	var out []band
	for _, b := range bandEdges {
		var ks []int
		for k := range r.Pairs {
			if p := r.Probability(k); p >= b.lo && p < b.hi {
				ks = append(ks, k)
			}
		}
		bd := band{Name: fmt.Sprintf("%s (%d pairs)", b.name, len(ks))}
		for i := range min(perBand, len(ks)) {
			k := ks[(2*i+1)*len(ks)/(2*perBand)]
			bd.Waterfalls = append(bd.Waterfalls, waterfall(r.Explain(k), r.Threshold))
		}
		out = append(out, bd)
	}
	return out
}

// waterfall draws a pair's weight: the prior, each comparison's term
// from the running total, and the final weight, against the threshold.
func waterfall(x link.Explanation, threshold float64) template.HTML {
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
	s := newSVG(int(w), int(h), fmt.Sprintf("waterfall of %s/%s and %s/%s", x.Left.Dataset, x.Left.ID, x.Right.Dataset, x.Right.ID))
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

// clusterChart draws how many clusters have each size (20 and over
// together).
func clusterChart(r *link.Result) template.HTML {
	size := map[link.RecordRef]int{}
	for i := range r.Records() {
		size[r.ClusterOf(i)]++
	}
	const cap = 20
	counts := make([]int, cap+1)
	for _, n := range size {
		counts[min(n, cap)]++
	}
	const w, h, pad = 760.0, 240.0, 40.0
	s := newSVG(int(w), int(h), "cluster sizes")
	top := math.Log10(float64(slices.Max(counts)) + 1)
	bw := (w - 2*pad) / cap
	for n := 1; n <= cap; n++ {
		bh := (h - 2*pad) * math.Log10(float64(counts[n])+1) / top
		x := pad + float64(n-1)*bw
		s.rect(x, h-pad-bh, bw-2, bh, "bar", fmt.Sprintf("%d clusters of %d records", counts[n], n))
		name := fmt.Sprint(n)
		if n == cap {
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
