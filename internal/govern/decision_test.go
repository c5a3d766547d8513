package govern

import (
	"fmt"
	"slices"
	"sort"
	"testing"
	"time"
)

// The matrix fixture: police owns police-ds, council owns council-ds; the
// user is always at council. Agreement "da" shares both for domestic-abuse,
// permitting aggregate and record-level output, with council an owner and a
// recipient.
var (
	matrixNow   = time.Date(2026, 6, 15, 12, 0, 0, 0, time.UTC)
	policeCols  = []string{"id", "lsoa", "offence"}
	councilCols = []string{"id", "ward"}
)

func matrixState() State {
	return State{
		Now:      matrixNow,
		Purposes: NewRegister(),
		Owners:   Owners{"police-ds": "police", "council-ds": "council"},
	}
}

func baseAgreement() *Agreement {
	return &Agreement{
		ID: "da", Title: "Domestic abuse", Purpose: "domestic-abuse",
		Parties: []Party{
			{Partner: "police", Owner: true, LawfulBasis: []string{"uk-gdpr-6-1-e"}},
			{Partner: "council", Owner: true, Recipient: true, LawfulBasis: []string{"uk-gdpr-6-1-e"}},
		},
		Datasets: []Share{
			{Dataset: "police-ds", Columns: policeCols},
			{Dataset: "council-ds", Columns: councilCols},
		},
		Outputs:   []OutputKind{Aggregate, RecordLevel},
		Threshold: 8, RetentionDays: 365,
		Start: mustDate("2026-01-01"), End: mustDate("2026-12-31"), Review: mustDate("2026-07-01"),
		Status: Active,
	}
}

func mustDate(s string) Date {
	d, err := ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

// Agreement states the matrix walks; "none" is no agreement at all.
var matrixStates = []string{"none", "draft", "approved", "active", "suspended", "ended", "expired", "not-started"}

// Coverage defects the matrix walks.
var matrixCoverage = []string{"full", "missing-column", "missing-dataset", "aggregate-only", "not-recipient"}

func agreementIn(state, coverage string) *Agreement {
	if state == "none" {
		return nil
	}
	a := baseAgreement()
	switch state {
	case "expired":
		a.Start, a.End, a.Review = mustDate("2025-01-01"), mustDate("2026-06-14"), mustDate("2025-06-01")
	case "not-started":
		a.Start, a.Review = mustDate("2026-07-01"), mustDate("2026-08-01")
	default:
		a.Status = Status(state)
	}
	switch coverage {
	case "missing-column":
		a.Datasets[0].Columns = []string{"id", "lsoa"} // no offence
	case "missing-dataset":
		a.Datasets = a.Datasets[1:]
	case "aggregate-only":
		a.Outputs = []OutputKind{Aggregate}
	case "not-recipient":
		a.Parties[1].Recipient = false
		a.Parties = append(a.Parties, Party{Partner: "fire", Recipient: true, LawfulBasis: []string{"uk-gdpr-6-1-e"}})
	}
	return a
}

// expect is the rule the matrix checks Decide against, written out case by
// case rather than from Decide's tables: it returns whether the request is
// allowed and the set of reason codes.
func expect(role Role, out OutputKind, own bool, state, coverage string) (bool, []string) {
	if out == AuditLog {
		if role == Auditor {
			return true, []string{ReasonAuditor}
		}
		return false, []string{ReasonRole}
	}
	if own {
		ok := false
		switch out {
		case Aggregate:
			ok = role == Analyst || role == DataOwner
		case RecordLevel:
			ok = role == Caseworker || role == Analyst || role == DataOwner
		case OutputCheck:
			ok = role == OutputChecker || role == DataOwner
		}
		if ok {
			return true, []string{ReasonOwnData}
		}
		return false, []string{ReasonRole}
	}
	// Another partner's data: the one role for the output, then an agreement.
	if (out == Aggregate && role != Analyst) || (out == RecordLevel && role != Caseworker) || (out == OutputCheck && role != OutputChecker) {
		return false, []string{ReasonRole}
	}
	if state == "none" || coverage == "not-recipient" {
		return false, []string{ReasonNoAgreement}
	}
	var codes []string
	if state != "active" {
		codes = append(codes, ReasonStatus)
	}
	switch {
	case coverage == "missing-column":
		codes = append(codes, ReasonColumns)
	case coverage == "missing-dataset":
		codes = append(codes, ReasonNotCovered)
	case coverage == "aggregate-only" && out == RecordLevel:
		codes = append(codes, ReasonOutput)
	}
	if len(codes) == 0 {
		return true, []string{ReasonAgreement}
	}
	return false, codes
}

func reasonCodes(d Decision) []string {
	var out []string
	for _, r := range d.Reasons {
		if !slices.Contains(out, r.Code) {
			out = append(out, r.Code)
		}
	}
	sort.Strings(out)
	return out
}

func TestDecideMatrix(t *testing.T) {
	n := 0
	for _, role := range AllRoles {
		for _, out := range OutputKinds {
			for _, own := range []bool{true, false} {
				for _, state := range matrixStates {
					for _, cov := range matrixCoverage {
						n++
						name := fmt.Sprintf("%s/%s/own=%t/%s/%s", role, out, own, state, cov)
						st := matrixState()
						if a := agreementIn(state, cov); a != nil {
							st.Agreements = []*Agreement{a}
						}
						u := &User{ID: "u", PartnerID: "council", Roles: []Role{role}}
						req := Request{Operation: "op", Purpose: "domestic-abuse", Output: out,
							Reads: []Read{{Dataset: "police-ds", Columns: policeCols}}}
						if own {
							req.Reads = []Read{{Dataset: "council-ds", Columns: councilCols}}
						}
						got := Decide(st, u, req)
						wantAllow, wantCodes := expect(role, out, own, state, cov)
						sort.Strings(wantCodes)
						if got.Allow != wantAllow || !slices.Equal(reasonCodes(got), wantCodes) {
							t.Errorf("%s: got allow=%t %v (%s), want allow=%t %v", name, got.Allow, reasonCodes(got), got, wantAllow, wantCodes)
							continue
						}
						checkDecisionShape(t, name, got, own, out)
					}
				}
			}
		}
	}
	if want := len(AllRoles) * len(OutputKinds) * 2 * len(matrixStates) * len(matrixCoverage); n != want {
		t.Fatalf("walked %d cases, want %d", n, want)
	}
}

// checkDecisionShape checks what goes with an outcome: the agreement relied
// on, the threshold, and that every agreement reason names its agreement.
func checkDecisionShape(t *testing.T, name string, d Decision, own bool, out OutputKind) {
	t.Helper()
	for _, r := range d.Reasons {
		if r.Message == "" {
			t.Errorf("%s: reason %s has no message", name, r.Code)
		}
		switch r.Code {
		case ReasonStatus, ReasonColumns, ReasonNotCovered, ReasonOutput, ReasonAgreement:
			if r.Agreement != "da" {
				t.Errorf("%s: reason %s names agreement %q, want da", name, r.Code, r.Agreement)
			}
		}
	}
	if !d.Allow {
		if d.Agreement != "" {
			t.Errorf("%s: denied decision relies on agreement %q", name, d.Agreement)
		}
		return
	}
	wantAgreement, wantThreshold := "da", 8
	if own || out == AuditLog {
		wantAgreement, wantThreshold = "", DefaultThreshold
	}
	if d.Agreement != wantAgreement || d.Threshold != wantThreshold {
		t.Errorf("%s: got agreement %q threshold %d, want %q %d", name, d.Agreement, d.Threshold, wantAgreement, wantThreshold)
	}
}

func TestDecideKeyCases(t *testing.T) {
	analyst := &User{ID: "ana", PartnerID: "council", Roles: []Role{Analyst}}
	caseworker := &User{ID: "cw", PartnerID: "fire", Roles: []Role{Caseworker}}
	police := Read{Dataset: "police-ds", Columns: []string{"id", "lsoa"}}
	council := Read{Dataset: "council-ds", Columns: []string{"ward"}}
	suspended := baseAgreement()
	suspended.ID, suspended.Status = "da-old", Suspended
	fireRecipient := baseAgreement()
	fireRecipient.Parties = append(fireRecipient.Parties, Party{Partner: "fire", Recipient: true, LawfulBasis: []string{"uk-gdpr-6-1-e"}})
	tests := []struct {
		name       string
		user       *User
		agreements []*Agreement
		req        Request
		allow      bool
		code       string
		clause     string
	}{
		{"own and other data under one agreement", analyst, []*Agreement{baseAgreement()},
			Request{Purpose: "domestic-abuse", Output: Aggregate, Reads: []Read{police, council}}, true, ReasonAgreement, ""},
		{"a suspended agreement is passed over for an active one", analyst, []*Agreement{suspended, baseAgreement()},
			Request{Purpose: "domestic-abuse", Output: Aggregate, Reads: []Read{police}}, true, ReasonAgreement, ""},
		{"another purpose is not covered", analyst, []*Agreement{baseAgreement()},
			Request{Purpose: "violence-and-vulnerability", Output: Aggregate, Reads: []Read{police}}, false, ReasonNoAgreement, ""},
		{"unknown purpose", analyst, nil,
			Request{Purpose: "curiosity", Output: Aggregate, Reads: []Read{council}}, false, ReasonPurpose, ""},
		{"unknown dataset", analyst, nil,
			Request{Purpose: "domestic-abuse", Output: Aggregate, Reads: []Read{{Dataset: "nope", Columns: []string{"x"}}}}, false, ReasonDataset, ""},
		{"a read must name its columns", analyst, nil,
			Request{Purpose: "domestic-abuse", Output: Aggregate, Reads: []Read{{Dataset: "council-ds"}}}, false, ReasonBadRequest, ""},
		{"nothing to read", analyst, nil,
			Request{Purpose: "domestic-abuse", Output: Aggregate}, false, ReasonBadRequest, ""},
		{"unknown output kind", analyst, nil,
			Request{Purpose: "domestic-abuse", Output: "export", Reads: []Read{council}}, false, ReasonBadRequest, ""},
		{"disabled user", &User{ID: "x", PartnerID: "council", Roles: []Role{Analyst}, Disabled: true}, nil,
			Request{Purpose: "domestic-abuse", Output: Aggregate, Reads: []Read{council}}, false, ReasonUser, ""},
		{"no user", nil, nil,
			Request{Purpose: "domestic-abuse", Output: Aggregate, Reads: []Read{council}}, false, ReasonUser, ""},
		{"record-level goes back only to an owning partner", caseworker, []*Agreement{fireRecipient},
			Request{Purpose: "domestic-abuse", Output: RecordLevel, Reads: []Read{police}}, false, ReasonNotOwningParty, "parties"},
		{"aggregate to a recipient-only partner is fine", &User{ID: "fa", PartnerID: "fire", Roles: []Role{Analyst}}, []*Agreement{fireRecipient},
			Request{Purpose: "domestic-abuse", Output: Aggregate, Reads: []Read{police}}, true, ReasonAgreement, ""},
		{"a column outside the agreement names the clause", analyst, []*Agreement{baseAgreement()},
			Request{Purpose: "domestic-abuse", Output: Aggregate, Reads: []Read{{Dataset: "police-ds", Columns: []string{"id", "name"}}}}, false, ReasonColumns, "datasets[police-ds].columns"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := matrixState()
			st.Owners["fire-ds"] = "fire"
			st.Agreements = tt.agreements
			got := Decide(st, tt.user, tt.req)
			if got.Allow != tt.allow || !slices.ContainsFunc(got.Reasons, func(r Reason) bool { return r.Code == tt.code && (tt.clause == "" || r.Clause == tt.clause) }) {
				t.Errorf("got %s %+v, want allow=%t with reason %s %s", got, got.Reasons, tt.allow, tt.code, tt.clause)
			}
		})
	}
}

func TestDecideIsPure(t *testing.T) {
	st := matrixState()
	st.Agreements = []*Agreement{baseAgreement()}
	u := &User{ID: "ana", PartnerID: "council", Roles: []Role{Analyst}}
	req := Request{Purpose: "domestic-abuse", Output: Aggregate, Reads: []Read{{Dataset: "police-ds", Columns: policeCols}}}
	first := Decide(st, u, req)
	for range 3 {
		if again := Decide(st, u, req); again.String() != first.String() || again.Agreement != first.Agreement {
			t.Fatalf("got %s, then %s", first, again)
		}
	}
	if st.Agreements[0].Status != Active || len(st.Agreements[0].History) != 0 {
		t.Errorf("Decide changed the agreement: %+v", st.Agreements[0])
	}
}
