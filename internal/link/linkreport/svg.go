package linkreport

import (
	"fmt"
	"html"
	"html/template"
	"math"
	"strings"
)

// svg builds one inline SVG chart.
type svg struct {
	sb   strings.Builder
	w, h int
}

func newSVG(w, h int, label string) *svg {
	s := &svg{w: w, h: h}
	fmt.Fprintf(&s.sb, `<svg viewBox="0 0 %d %d" width="%d" height="%d" role="img" aria-label="%s">`, w, h, w, h, html.EscapeString(label))
	return s
}

// styles are the charts' presentation attributes by class, written on
// each element so a chart looks the same wherever it is embedded (a page
// with its own style sheet, or one that allows no inline styles).
var styles = map[string]string{
	"m":         `fill="#1d70b8"`,
	"u":         `fill="#f47738"`,
	"bar":       `fill="#1d70b8"`,
	"pos":       `fill="#00703c"`,
	"neg":       `fill="#d4351c"`,
	"total":     `fill="#505a5f"`,
	"grid":      `stroke="#dddddd"`,
	"zero":      `stroke="#888888"`,
	"threshold": `stroke="#d4351c" stroke-dasharray="4 3" stroke-width="1.5"`,
	"head":      `font-size="12" font-weight="bold" fill="#1b1b1b"`,
	"label":     `font-size="11" fill="#1b1b1b"`,
	"axis":      `font-size="10" fill="#555555"`,
}

func (s *svg) rect(x, y, w, h float64, class, title string) {
	if w < 0 {
		x, w = x+w, -w
	}
	if h < 0 {
		y, h = y+h, -h
	}
	fmt.Fprintf(&s.sb, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" class="%s" %s>`, x, y, math.Max(w, 0.5), math.Max(h, 0.5), class, styles[class])
	if title != "" {
		fmt.Fprintf(&s.sb, `<title>%s</title>`, html.EscapeString(title))
	}
	s.sb.WriteString(`</rect>`)
}

func (s *svg) line(x1, y1, x2, y2 float64, class string) {
	fmt.Fprintf(&s.sb, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" class="%s" %s/>`, x1, y1, x2, y2, class, styles[class])
}

// text writes text at (x, y); anchor is start, middle or end.
func (s *svg) text(x, y float64, anchor, class, t string) {
	fmt.Fprintf(&s.sb, `<text x="%.1f" y="%.1f" text-anchor="%s" class="%s" font-family="system-ui, sans-serif" %s>%s</text>`, x, y, anchor, class, styles[class], html.EscapeString(t))
}

func (s *svg) html() template.HTML {
	return template.HTML(s.sb.String() + `</svg>`) // every text in it was escaped
}
