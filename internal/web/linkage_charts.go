package web

import (
	"html/template"

	"github.com/civiclink/civiclink/internal/link"
	"github.com/civiclink/civiclink/internal/link/linkreport"
	"github.com/civiclink/civiclink/internal/linkrun"
)

// linkageCharts are a stored run's charts as the CLI's report draws them
// (inline SVG, drawn on the server from figures the quality page already
// read under its one access decision): m and u per comparison level, the
// blocking rules' comparisons and recall, and the cluster sizes when the
// run kept them.
type linkageCharts struct {
	MU, Blocking, Clusters template.HTML
}

func chartsOf(q *LinkageQuality) linkageCharts {
	var c linkageCharts
	if q.Model != nil {
		c.MU = linkreport.MUChart(q.Model)
	}
	if len(q.Blocking.Rules) > 0 {
		c.Blocking = linkreport.BlockingChart(q.Blocking, q.AutoBlocking)
	}
	if len(q.ClusterSizes) > 0 {
		c.Clusters = linkreport.ClusterChart(q.ClusterSizes)
	}
	return c
}

// reviewWaterfalls draws each borderline pair's weight as a waterfall,
// by pair number: the prior (the weight less its comparisons' terms),
// then each comparison's level and weight, against the threshold.
func reviewWaterfalls(l *linkrun.ReviewList) map[int]template.HTML {
	out := map[int]template.HTML{}
	for _, p := range l.Pairs {
		x := link.Explanation{Left: link.RecordRef{ID: p.DatasetLeft}, Right: link.RecordRef{ID: p.DatasetRight}, // no record ids on this page
			Weight: p.Weight, Probability: p.Probability, PriorWeight: p.Weight}
		for _, f := range p.Fields {
			x.Terms = append(x.Terms, link.Term{Comparison: f.Comparison, Label: f.Level, Weight: f.Weight})
			x.PriorWeight -= f.Weight
		}
		out[p.Pair] = linkreport.Waterfall(x, l.Threshold)
	}
	return out
}
