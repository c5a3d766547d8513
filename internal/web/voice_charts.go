package web

import (
	"fmt"
	"strconv"

	"github.com/civiclink/civiclink/internal/voice"
)

// divergingChart is an agreement scale as diverging stacked bars, drawn
// on the server as SVG: disagreeing options left of the centre line,
// agreeing ones right, a neutral middle option split across it. The table
// beside it is its accessible equivalent.
type divergingChart struct {
	Width, Height, Mid, LabelW int
	Rows                       []barRow
	Legend                     []legendItem
}

type barRow struct {
	Label    string
	Y        int
	Withheld bool
	Segs     []barSeg
}

type barSeg struct {
	X, W  string
	Color string
	Title string
}

type legendItem struct{ Label, Color string }

// divergingColors are a 5-class diverging palette (red to blue) with a
// grey middle; other scale lengths take colours from the ends inwards.
var divergingColors = []string{"#b2182b", "#ef8a62", "#bdbdbd", "#67a9cf", "#2166ac"}

func optionColors(n int) []string {
	if n == len(divergingColors) {
		return divergingColors
	}
	out := make([]string, n)
	for i := range out {
		// spread across the palette by position
		out[i] = divergingColors[i*(len(divergingColors)-1)/max(1, n-1)]
	}
	return out
}

const (
	barH     = 22
	barGap   = 8
	chartW   = 640
	labelW   = 150
	barSpace = chartW - labelW - 10
)

func newDivergingChart(res *voice.Results) divergingChart {
	n := len(res.Options)
	colors := optionColors(n)
	c := divergingChart{Width: chartW, LabelW: labelW, Mid: labelW + barSpace/2}
	for i, o := range res.Options {
		c.Legend = append(c.Legend, legendItem{Label: o, Color: colors[i]})
	}
	scale := float64(barSpace) / 200 // percent to pixels: 100% either side
	if res.Kind != voice.Scale {
		// a choice has no centre: a plain 100% stacked bar
		scale, c.Mid = float64(barSpace)/100, labelW
	}
	for i, row := range res.Rows {
		br := barRow{Label: joinLabels(row.Labels), Y: 30 + i*(barH+barGap)}
		if row.Total.Suppressed || row.Total.Count == 0 || anySuppressed(row.Options) {
			br.Withheld = true
			c.Rows = append(c.Rows, br)
			continue
		}
		// left edge: the disagreeing share plus half the neutral one
		left := 0.0
		for k := 0; k < n/2 && res.Kind == voice.Scale; k++ {
			left += *row.Options[k].Share
		}
		if n%2 == 1 && res.Kind == voice.Scale {
			left += *row.Options[n/2].Share / 2
		}
		x := float64(c.Mid) - left*scale
		for k, f := range row.Options {
			w := *f.Share * scale
			br.Segs = append(br.Segs, barSeg{X: px(x), W: px(w), Color: colors[k],
				Title: fmt.Sprintf("%s: %s (%s%%)", res.Options[k], f.Display, strconv.FormatFloat(*f.Share, 'f', 1, 64))})
			x += w
		}
		c.Rows = append(c.Rows, br)
	}
	c.Height = 30 + len(res.Rows)*(barH+barGap) + 10
	return c
}

func joinLabels(ls []string) string {
	out := ""
	for i, l := range ls {
		if i > 0 {
			out += ", "
		}
		out += l
	}
	return out
}

func anySuppressed(fs []voice.Figure) bool {
	for _, f := range fs {
		if f.Suppressed || f.Share == nil {
			return true
		}
	}
	return false
}

func px(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }

// trendChart is a repeated question's share agreeing per wave with its
// 95% interval, as SVG.
type trendChart struct {
	Width, Height int
	Label         string
	Points        []trendDot
	Line          string
	Ticks         []trendTick
}

type trendDot struct {
	X, Y, Lo, Hi string
	Wave         int
	Text         string
	Withheld     bool
}

type trendTick struct {
	Y     string
	Label string
}

func newTrendChart(tr *voice.Trend) *trendChart {
	const w, h, left, top, plotH = 480, 220, 50, 15, 170
	c := &trendChart{Width: w, Height: h, Label: tr.AgreeLabel}
	y := func(v float64) float64 { return top + plotH*(1-v/100) }
	for _, t := range []float64{0, 25, 50, 75, 100} {
		c.Ticks = append(c.Ticks, trendTick{Y: px(y(t)), Label: strconv.Itoa(int(t)) + "%"})
	}
	step := float64(w-left-30) / float64(max(1, len(tr.Points)-1))
	for i, p := range tr.Points {
		x := float64(left+10) + float64(i)*step
		d := trendDot{X: px(x), Wave: p.Wave}
		if p.Share == nil {
			d.Withheld, d.Text = true, fmt.Sprintf("Wave %d: withheld ([c])", p.Wave)
		} else {
			d.Y, d.Lo, d.Hi = px(y(*p.Share)), px(y(*p.Low)), px(y(*p.High))
			d.Text = fmt.Sprintf("Wave %d: %.1f%% (95%% interval %.1f–%.1f%%, n = %s)", p.Wave, *p.Share, *p.Low, *p.High, p.N.Display)
			if c.Line != "" {
				c.Line += " "
			}
			c.Line += d.X + "," + d.Y
		}
		c.Points = append(c.Points, d)
	}
	return c
}
