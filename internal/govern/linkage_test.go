package govern

import (
	"strings"
	"testing"
)

// TestLinkageNeedsAgreementForEveryDataset tries to start linkage runs
// that one rule or another should stop: a linkage run needs, for its
// registered purpose, an active agreement sharing every dataset's
// identifier columns with the dataset's owner a party as owner — the
// user's partner's own datasets included, which an ordinary read of them
// does not need. Each refusal names the dataset and says what to do.
func TestLinkageNeedsAgreementForEveryDataset(t *testing.T) {
	council := &User{ID: "cath", PartnerID: "council", Roles: []Role{Analyst}}
	reads := []Read{{Dataset: "police-ds", Columns: []string{"id", "lsoa"}}, {Dataset: "council-ds", Columns: councilCols}}
	own := []Read{{Dataset: "council-ds", Columns: councilCols}}
	cases := []struct {
		name    string
		purpose string
		reads   []Read
		change  func(a *Agreement) *Agreement // nil agreement: none at all
		allow   bool
		want    []string // in the refusal
	}{
		{"covered", "domestic-abuse", reads, func(a *Agreement) *Agreement { return a }, true, nil},
		{"own dataset, no agreement", "domestic-abuse", own, func(*Agreement) *Agreement { return nil }, false,
			[]string{"dataset council-ds (council's) has no active agreement for domestic-abuse", "your own partner's included", "ask the data owners of council"}},
		{"own dataset not shared", "domestic-abuse", own, func(a *Agreement) *Agreement { a.Datasets = a.Datasets[:1]; return a }, false,
			[]string{"dataset council-ds (council's)"}},
		{"suspended", "domestic-abuse", reads, func(a *Agreement) *Agreement { a.Status = Suspended; return a }, false,
			[]string{"agreement da is suspended"}},
		{"expired", "domestic-abuse", reads, func(a *Agreement) *Agreement {
			a.Start, a.End, a.Review = mustDate("2025-01-01"), mustDate("2026-06-14"), mustDate("2025-06-01")
			return a
		}, false, []string{"agreement da is expired"}},
		{"an identifier column not shared", "domestic-abuse", reads, func(a *Agreement) *Agreement { a.Datasets[1].Columns = []string{"id"}; return a }, false,
			[]string{"dataset council-ds", "agreement da does not share ward"}},
		{"owner only a recipient", "domestic-abuse", reads, func(a *Agreement) *Agreement { a.Parties[0].Owner = false; return a }, false,
			[]string{"dataset police-ds (police's)", "does not name police as the dataset's owning party", "ask the data owners of police"}},
		{"agreement for another purpose", "violence-and-vulnerability", reads, func(a *Agreement) *Agreement { return a }, false,
			[]string{"dataset police-ds", "dataset council-ds", "for violence-and-vulnerability"}},
		{"no purpose", "", reads, func(a *Agreement) *Agreement { return a }, false,
			[]string{"a linkage run needs the registered purpose it serves"}},
		{"unregistered purpose", "curiosity", reads, func(a *Agreement) *Agreement { a.Purpose = "curiosity"; return a }, false,
			[]string{`purpose "curiosity" is not in the purpose register`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			st := matrixState()
			if a := c.change(baseAgreement()); a != nil {
				st.Agreements = []*Agreement{a}
			}
			req := Request{Operation: "link.run", Purpose: c.purpose, Output: Aggregate, Reads: c.reads, Linkage: true}
			d := Decide(st, council, req)
			msg := DenialMessage(req, d)
			if d.Allow != c.allow {
				t.Fatalf("allow %v, want %v: %s", d.Allow, c.allow, msg)
			}
			for _, w := range c.want {
				if !strings.Contains(msg, w) {
					t.Errorf("refusal %q lacks %q", msg, w)
				}
			}
			if !c.allow {
				t.Logf("attack %q refused: %s", c.name, msg)
			}
		})
	}
	// The same read of the user's own dataset outside a linkage run needs
	// no agreement: the rule is the linkage run's.
	st := matrixState()
	if d := Decide(st, council, Request{Operation: "insight.aggregate", Purpose: "domestic-abuse", Output: Aggregate, Reads: own}); !d.Allow {
		t.Errorf("an ordinary read of the partner's own data is refused: %v", d.Reasons)
	}
}
