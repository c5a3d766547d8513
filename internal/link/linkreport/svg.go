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

func (s *svg) rect(x, y, w, h float64, class, title string) {
	if w < 0 {
		x, w = x+w, -w
	}
	if h < 0 {
		y, h = y+h, -h
	}
	fmt.Fprintf(&s.sb, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" class="%s">`, x, y, math.Max(w, 0.5), math.Max(h, 0.5), class)
	if title != "" {
		fmt.Fprintf(&s.sb, `<title>%s</title>`, html.EscapeString(title))
	}
	s.sb.WriteString(`</rect>`)
}

func (s *svg) line(x1, y1, x2, y2 float64, class string) {
	fmt.Fprintf(&s.sb, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" class="%s"/>`, x1, y1, x2, y2, class)
}

// text writes text at (x, y); anchor is start, middle or end.
func (s *svg) text(x, y float64, anchor, class, t string) {
	fmt.Fprintf(&s.sb, `<text x="%.1f" y="%.1f" text-anchor="%s" class="%s">%s</text>`, x, y, anchor, class, html.EscapeString(t))
}

func (s *svg) html() template.HTML {
	return template.HTML(s.sb.String() + `</svg>`) // every text in it was escaped
}
