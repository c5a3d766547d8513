package programme

import (
	"embed"
	"fmt"
	"html/template"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/civiclink/civiclink/internal/disclose"
)

//go:embed report/assembly.html
var reportFS embed.FS

var assemblyTmpl = template.Must(template.New("assembly.html").Funcs(template.FuncMap{
	"date":     func(t time.Time) string { return t.UTC().Format("2 Jan 2006 15:04") },
	"day":      func(t time.Time) string { return t.UTC().Format("2 Jan 2006") },
	"join":     func(s []string) string { return strings.Join(s, ", ") },
	"progress": progressText,
	"signed":   func(f float64) string { return strconv.FormatFloat(f, 'f', 1, 64) },
	"chart":    chart,
	"change":   func(f *float64) string { return strconv.FormatFloat(*f, 'f', 1, 64) },
}).ParseFS(reportFS, "report/assembly.html"))

// Draft is the banner of a report not yet released.
const Draft = "DRAFT for output checking: not for publication until an output checker has released it."

// WriteHTML writes the report as one self-contained HTML page (styles and
// charts inline, so it prints to PDF as it is); status is the banner:
// [Draft], or who released it.
func (a *Assembly) WriteHTML(w io.Writer, status string) error {
	return assemblyTmpl.Execute(w, map[string]any{"A": a, "Status": status})
}

func progressText(p *Project) string {
	n := map[Status]int{}
	for _, d := range p.Deliverables {
		n[d.Status]++
	}
	var s []string
	for _, st := range Statuses {
		if n[st] > 0 {
			s = append(s, fmt.Sprintf("%d %s", n[st], st))
		}
	}
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ", ")
}

// chart draws a measure's published rates per 1,000 residents with their
// 95% intervals as an SVG; a withheld period is marked [c], never drawn
// as 0.
func chart(m MeasureResult) template.HTML {
	if len(m.Points) == 0 {
		return ""
	}
	const w, h, left, bottom, top = 640.0, 200.0, 48.0, 28.0, 12.0
	hi := 0.0
	for _, p := range m.Points {
		if p.Rate != nil {
			hi = math.Max(hi, p.Rate.Upper)
		}
	}
	if hi == 0 {
		hi = 1
	}
	step := (w - left - 8) / float64(len(m.Points))
	y := func(v float64) float64 { return top + (h-top-bottom)*(1-v/hi) }
	var b strings.Builder
	fmt.Fprintf(&b, `<svg role="img" aria-label="%s: rate per 1,000 residents by %s with 95%% intervals" viewBox="0 0 %.0f %.0f" width="100%%" xmlns="http://www.w3.org/2000/svg">`,
		template.HTMLEscapeString(m.Title), template.HTMLEscapeString(m.Period), w, h)
	fmt.Fprintf(&b, `<line x1="%.0f" y1="%.0f" x2="%.0f" y2="%.0f" stroke="#111"/>`, left, h-bottom, w-8, h-bottom)
	fmt.Fprintf(&b, `<text x="2" y="%.0f">%s</text><text x="2" y="%.0f">0</text>`, top+4, strconv.FormatFloat(hi, 'g', 3, 64), h-bottom)
	every := max(1, len(m.Points)/12)
	for i, p := range m.Points {
		x := left + step*(float64(i)+0.5)
		if i%every == 0 {
			fmt.Fprintf(&b, `<text x="%.1f" y="%.0f" text-anchor="middle">%s</text>`, x, h-8, template.HTMLEscapeString(p.Period))
		}
		if p.Rate == nil {
			if p.Count == disclose.Confidential {
				fmt.Fprintf(&b, `<text x="%.1f" y="%.0f" text-anchor="middle">[c]</text>`, x, h-bottom-4)
			}
			continue
		}
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#444" stroke-width="1.5"/>`, x, y(p.Rate.Lower), x, y(p.Rate.Upper))
		fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="3" fill="#003a70"><title>%s: %s (rate %.2f, 95%% CI %.2f–%.2f)</title></circle>`,
			x, y(p.Rate.Value), template.HTMLEscapeString(p.Period), p.Count, p.Rate.Value, p.Rate.Lower, p.Rate.Upper)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}
