package web

import (
	"testing"

	"github.com/civiclink/civiclink/internal/voice"
)

func pct(v float64) *float64 { return &v }

func TestDivergingChart(t *testing.T) {
	row := func(shares ...float64) voice.ResultRow {
		r := voice.ResultRow{Labels: []string{"A"}, Total: voice.Figure{Count: 100, Display: "100"}}
		for _, s := range shares {
			r.Options = append(r.Options, voice.Figure{Count: int64(s), Share: pct(s)})
		}
		return r
	}
	withheld := row(10, 20, 20, 30, 20)
	withheld.Options[0] = voice.Figure{Suppressed: true, Display: "[c]"}
	opts := []string{"1", "2", "3", "4", "5"}
	tests := []struct {
		name     string
		kind     voice.Kind
		row      voice.ResultRow
		firstX   string
		withheld bool
	}{
		// 10 + 20 disagree and half of 20 neutral: the bar starts 40% left of the centre.
		{"scale", voice.Scale, row(10, 20, 20, 30, 20), px(float64(labelW+barSpace/2) - 40*float64(barSpace)/200), false},
		{"choice starts at the left", voice.Choice, row(10, 20, 20, 30, 20), px(labelW), false},
		{"a suppressed cell withholds the bar", voice.Scale, withheld, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newDivergingChart(&voice.Results{Kind: tt.kind, Options: opts, Rows: []voice.ResultRow{tt.row}})
			r := c.Rows[0]
			if r.Withheld != tt.withheld {
				t.Fatalf("withheld %v, want %v", r.Withheld, tt.withheld)
			}
			if tt.withheld {
				return
			}
			if len(r.Segs) != 5 || r.Segs[0].X != tt.firstX {
				t.Errorf("segments %+v, want 5 starting at %s", r.Segs, tt.firstX)
			}
		})
	}
}
