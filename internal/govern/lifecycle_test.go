package govern

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/civiclink/civiclink/internal/clock"
	"github.com/civiclink/civiclink/internal/fault"
)

func draftAgreement(t *testing.T, at time.Time) *Agreement {
	t.Helper()
	a := baseAgreement()
	a.Status = ""
	if err := a.Create(&User{ID: "c.admin", PartnerID: "council", Roles: []Role{PartnerAdmin}}, at); err != nil {
		t.Fatal(err)
	}
	return a
}

var (
	policeOwner  = &User{ID: "p.owner", PartnerID: "police", Roles: []Role{DataOwner}}
	councilOwner = &User{ID: "c.owner", PartnerID: "council", Roles: []Role{DataOwner}}
	fireOwner    = &User{ID: "f.owner", PartnerID: "fire", Roles: []Role{DataOwner}}
	councilAdmin = &User{ID: "c.admin", PartnerID: "council", Roles: []Role{PartnerAdmin}}
	policeAnalys = &User{ID: "p.analyst", PartnerID: "police", Roles: []Role{Analyst}}
)

func TestLifecycle(t *testing.T) {
	owners := matrixState().Owners
	at := matrixNow
	a := draftAgreement(t, at)
	steps := []struct {
		name string
		do   func() error
		code string
		want Status
	}{
		{"activate a draft", func() error { return a.Activate(councilAdmin, at, "") }, fault.Conflict, Draft},
		{"analyst cannot approve", func() error { return a.Approve(policeAnalys, owners, at, "") }, fault.Forbidden, Draft},
		{"a non-owning partner cannot approve", func() error { return a.Approve(fireOwner, owners, at, "") }, fault.Forbidden, Draft},
		{"a note too long is refused", func() error { return a.Approve(policeOwner, owners, at, strings.Repeat("x", MaxNoteLength+1)) }, fault.Invalid, Draft},
		{"police approves", func() error { return a.Approve(policeOwner, owners, at, "  columns checked against the DPIA ") }, "", Draft},
		{"police cannot approve twice", func() error { return a.Approve(policeOwner, owners, at, "") }, fault.Conflict, Draft},
		{"council approves: all owners have", func() error { return a.Approve(councilOwner, owners, at, "") }, "", Approved},
		{"an outsider cannot activate", func() error { return a.Activate(fireOwner, at, "") }, fault.Forbidden, Approved},
		{"council admin activates", func() error { return a.Activate(councilAdmin, at, "signed") }, "", Active},
		{"police suspends", func() error { return a.Suspend(policeOwner, at, "breach review") }, "", Suspended},
		{"cannot suspend twice", func() error { return a.Suspend(policeOwner, at, "") }, fault.Conflict, Suspended},
		{"reactivate", func() error { return a.Activate(policeOwner, at, "review done") }, "", Active},
		{"end", func() error { return a.Terminate(councilOwner, at, "project closed") }, "", Ended},
		{"cannot end twice", func() error { return a.Terminate(councilOwner, at, "") }, fault.Conflict, Ended},
		{"cannot reactivate an ended agreement", func() error { return a.Activate(councilAdmin, at, "") }, fault.Conflict, Ended},
	}
	for _, s := range steps {
		at = at.Add(time.Hour)
		err := s.do()
		if fault.Code(err) != s.code || a.Status != s.want {
			t.Fatalf("%s: got %v (code %q) and status %s, want code %q and %s", s.name, err, fault.Code(err), a.Status, s.code, s.want)
		}
	}
	want := []Transition{
		{Action: "create", To: Draft, By: "c.admin", At: matrixNow},
		{Action: "approve", From: Draft, To: Draft, By: "p.owner", At: matrixNow.Add(5 * time.Hour), Note: "approved for police: columns checked against the DPIA"},
		{Action: "approve", From: Draft, To: Approved, By: "c.owner", At: matrixNow.Add(7 * time.Hour), Note: "approved for council"},
		{Action: "activate", From: Approved, To: Active, By: "c.admin", At: matrixNow.Add(9 * time.Hour), Note: "signed"},
		{Action: "suspend", From: Active, To: Suspended, By: "p.owner", At: matrixNow.Add(10 * time.Hour), Note: "breach review"},
		{Action: "activate", From: Suspended, To: Active, By: "p.owner", At: matrixNow.Add(12 * time.Hour), Note: "review done"},
		{Action: "end", From: Active, To: Ended, By: "c.owner", At: matrixNow.Add(13 * time.Hour), Note: "project closed"},
	}
	if len(a.History) != len(want) {
		t.Fatalf("history: got %d transitions %+v, want %d", len(a.History), a.History, len(want))
	}
	for i := range want {
		if a.History[i] != want[i] {
			t.Errorf("transition %d: got %+v, want %+v", i, a.History[i], want[i])
		}
	}
	wantApprovals := []Approval{
		{Partner: "police", By: "p.owner", At: matrixNow.Add(5 * time.Hour), Note: "columns checked against the DPIA"},
		{Partner: "council", By: "c.owner", At: matrixNow.Add(7 * time.Hour)},
	}
	if !slices.Equal(a.Approvals, wantApprovals) {
		t.Errorf("approvals: got %+v, want %+v", a.Approvals, wantApprovals)
	}
}

func TestCheckNote(t *testing.T) {
	tests := []struct {
		name, note string
		code       string
	}{
		{"empty", "", ""},
		{"a line", "checked against the DPIA", ""},
		{"line breaks and tabs", "checked:\n\t- columns\r\n\t- dates", ""},
		{"exactly the limit", strings.Repeat("x", MaxNoteLength), ""},
		{"the limit in multi-byte characters", strings.Repeat("é", MaxNoteLength), ""},
		{"one over the limit", strings.Repeat("x", MaxNoteLength+1), fault.Invalid},
		{"a control character", "ok\x1b[31m", fault.Invalid},
		{"not UTF-8", "ok\xff", fault.Invalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := fault.Code(CheckNote(tt.note)); got != tt.code {
				t.Errorf("CheckNote: got code %q, want %q", got, tt.code)
			}
		})
	}
}

// TestNoteRefusedChangesNothing checks a lifecycle action with a bad note
// leaves the agreement as it was.
func TestNoteRefusedChangesNothing(t *testing.T) {
	long := strings.Repeat("x", MaxNoteLength+1)
	a := draftAgreement(t, matrixNow)
	if err := a.Approve(policeOwner, matrixState().Owners, matrixNow, long); fault.Code(err) != fault.Invalid || !strings.Contains(err.Error(), "keep it to 500") {
		t.Errorf("approve with a long note: got %v, want invalid saying the limit", err)
	}
	if len(a.Approvals) != 0 || len(a.History) != 1 || a.Status != Draft {
		t.Errorf("after a refused approval: %d approvals, %d history entries, status %s", len(a.Approvals), len(a.History), a.Status)
	}
	a.Status = Active
	if err := a.Suspend(policeOwner, matrixNow, long); fault.Code(err) != fault.Invalid || a.Status != Active || len(a.History) != 1 {
		t.Errorf("suspend with a long note: got %v and status %s", err, a.Status)
	}
}

// TestNoteLineBreaks checks a browser's "\r\n" line breaks count as one
// character each and are stored as "\n".
func TestNoteLineBreaks(t *testing.T) {
	note := strings.Repeat("x\r\n", 200) + "x" // 601 bytes as sent, 401 characters as typed
	a := draftAgreement(t, matrixNow)
	if err := a.Approve(policeOwner, matrixState().Owners, matrixNow, note); err != nil {
		t.Fatalf("approve with %d lines: %v", 201, err)
	}
	if got, want := a.Approvals[0].Note, strings.Repeat("x\n", 200)+"x"; got != want {
		t.Errorf("stored note: got %q, want %q", got, want)
	}
}

func TestCanSeeAgreement(t *testing.T) {
	a := baseAgreement()
	tests := []struct {
		name string
		u    *User
		ok   bool
	}{
		{"a party's analyst", policeAnalys, true},
		{"an outsider's data owner", fireOwner, false},
		{"an outsider's auditor", &User{ID: "f.aud", PartnerID: "fire", Roles: []Role{Auditor}}, true},
		{"a disabled party user", &User{ID: "p.old", PartnerID: "police", Roles: []Role{Analyst}, Disabled: true}, false},
		{"nobody", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CanSeeAgreement(tt.u, a)
			if (err == nil) != tt.ok || (err != nil && fault.Code(err) != fault.Forbidden) {
				t.Errorf("got %v, want allowed=%v", err, tt.ok)
			}
		})
	}
}

func TestCreateNeedsAPartyAdminOrOwner(t *testing.T) {
	a := baseAgreement()
	for _, u := range []*User{fireOwner, policeAnalys} {
		if err := a.Create(u, matrixNow); fault.Code(err) != fault.Forbidden {
			t.Errorf("%s creates: got %v, want forbidden", u.ID, err)
		}
	}
}

// TestExpiry moves a manual clock across an agreement's end date: it allows
// access through the last day and nothing from the next midnight, and can no
// longer be suspended or reactivated.
func TestExpiry(t *testing.T) {
	clk := clock.NewManual(time.Date(2026, 12, 31, 23, 59, 59, 0, time.UTC))
	a := baseAgreement()
	st := matrixState()
	st.Agreements = []*Agreement{a}
	u := &User{ID: "ana", PartnerID: "council", Roles: []Role{Analyst}}
	req := Request{Purpose: "domestic-abuse", Output: Aggregate, Reads: []Read{{Dataset: "police-ds", Columns: policeCols}}}

	st.Now = clk.Now()
	if d := Decide(st, u, req); !d.Allow || a.StatusAt(st.Now) != Active {
		t.Fatalf("on the last day: got %s (status %s), want allowed and active", d, a.StatusAt(st.Now))
	}
	clk.Advance(time.Second)
	st.Now = clk.Now()
	d := Decide(st, u, req)
	if d.Allow || a.StatusAt(st.Now) != Expired || reasonCodes(d)[0] != ReasonStatus || d.Reasons[0].Clause != "end" {
		t.Fatalf("the day after: got %s %+v (status %s), want denied by the end clause, expired", d, d.Reasons, a.StatusAt(st.Now))
	}
	if a.Status != Active {
		t.Errorf("expiry is computed, but the stored status changed to %s", a.Status)
	}
	if err := a.Suspend(policeOwner, st.Now, ""); fault.Code(err) != fault.Conflict {
		t.Errorf("suspend an expired agreement: got %v, want conflict", err)
	}
	if err := a.Terminate(policeOwner, st.Now, "tidy"); err != nil {
		t.Errorf("end an expired agreement: %v", err)
	}
	clk.Set(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(-time.Nanosecond))
	a.Status = Active
	st.Now = clk.Now()
	if d := Decide(st, u, req); d.Allow || d.Reasons[0].Clause != "start" {
		t.Errorf("before the start: got %s, want denied by the start clause", d)
	}
}

func TestReviewDue(t *testing.T) {
	a := baseAgreement() // review 2026-07-01, end 2026-12-31
	for _, tt := range []struct {
		at     string
		status Status
		want   bool
	}{
		{"2026-07-01T23:59:59Z", Active, false},
		{"2026-07-02T00:00:00Z", Active, true},
		{"2026-07-02T00:00:00Z", Suspended, true},
		{"2026-07-02T00:00:00Z", Draft, false},
		{"2027-01-01T00:00:00Z", Active, false}, // expired: no review, a new agreement
	} {
		now, _ := time.Parse(time.RFC3339, tt.at)
		a.Status = tt.status
		if got := a.ReviewDue(now); got != tt.want {
			t.Errorf("%s at %s: got %t, want %t", tt.status, tt.at, got, tt.want)
		}
	}
}

func TestParseAgreementExamples(t *testing.T) {
	files, err := filepath.Glob("../../examples/agreements/*.json")
	if err != nil || len(files) < 2 {
		t.Fatalf("examples: got %v, %v", files, err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		a, err := ParseAgreement(bytes.NewReader(b))
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		if a.Status != Draft || a.Threshold < MinThreshold || len(a.Parties) < 2 || len(a.Datasets) == 0 || NewRegister()[a.Purpose].ID == "" {
			t.Errorf("%s: got %+v", f, a)
		}
	}
}

func TestAgreementValidation(t *testing.T) {
	tests := []struct {
		name   string
		change func(a *Agreement)
	}{
		{"bad id", func(a *Agreement) { a.ID = "Bad Id" }},
		{"no title", func(a *Agreement) { a.Title = "" }},
		{"no purpose", func(a *Agreement) { a.Purpose = "" }},
		{"no recipient", func(a *Agreement) { a.Parties[1].Recipient = false }},
		{"party twice", func(a *Agreement) { a.Parties = append(a.Parties, a.Parties[0]) }},
		{"party neither owner nor recipient", func(a *Agreement) { a.Parties[0].Owner = false }},
		{"no article 6 basis", func(a *Agreement) { a.Parties[0].LawfulBasis = []string{"uk-gdpr-9-2-g"} }},
		{"unknown basis", func(a *Agreement) { a.Parties[0].LawfulBasis = []string{"because"} }},
		{"no datasets", func(a *Agreement) { a.Datasets = nil }},
		{"no columns", func(a *Agreement) { a.Datasets[0].Columns = nil }},
		{"column twice", func(a *Agreement) { a.Datasets[0].Columns = []string{"id", "id"} }},
		{"dataset twice", func(a *Agreement) { a.Datasets = append(a.Datasets, a.Datasets[0]) }},
		{"no outputs", func(a *Agreement) { a.Outputs = nil }},
		{"audit is not an agreement output", func(a *Agreement) { a.Outputs = []OutputKind{AuditLog} }},
		{"record-level with no owner-recipient", func(a *Agreement) { a.Parties[1].Owner = false }},
		{"threshold too low", func(a *Agreement) { a.Threshold = 3 }},
		{"no retention", func(a *Agreement) { a.RetentionDays = 0 }},
		{"ends before it starts", func(a *Agreement) { a.End = mustDate("2025-12-31") }},
		{"review after end", func(a *Agreement) { a.Review = mustDate("2027-01-01") }},
		{"no start", func(a *Agreement) { a.Start = Date{} }},
	}
	if err := baseAgreement().Validate(); err != nil {
		t.Fatalf("base agreement: %v", err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := baseAgreement()
			tt.change(a)
			if err := a.Validate(); fault.Code(err) != fault.Invalid {
				t.Errorf("got %v, want an invalid error", err)
			}
		})
	}
}

// expectLifecycle is the rule TestLifecycleMatrix checks against: the state
// is checked first (conflict), then who may act (forbidden).
func expectLifecycle(role Role, action, state, relation string) string {
	okStates := map[string][]string{
		ActionApprove:  {"draft"},
		ActionActivate: {"approved", "suspended"},
		ActionSuspend:  {"active"},
		ActionEnd:      {"draft", "approved", "active", "suspended", "expired"},
	}[action]
	inState := false
	for _, s := range okStates {
		inState = inState || s == state
	}
	if !inState {
		return fault.Conflict
	}
	if action == ActionApprove {
		if role == DataOwner && relation == "owner-party" {
			return ""
		}
		return fault.Forbidden
	}
	switch {
	case relation == "outsider":
		return fault.Forbidden
	case role == PartnerAdmin:
		return ""
	case role == DataOwner && relation == "owner-party":
		return ""
	}
	return fault.Forbidden
}

func TestLifecycleMatrix(t *testing.T) {
	partnerOf := map[string]string{"owner-party": "police", "recipient-party": "fire", "outsider": "uni"}
	for _, role := range AllRoles {
		for _, action := range []string{ActionApprove, ActionActivate, ActionSuspend, ActionEnd} {
			for _, state := range []string{"draft", "approved", "active", "suspended", "ended", "expired"} {
				for _, relation := range []string{"owner-party", "recipient-party", "outsider"} {
					a := baseAgreement()
					a.Parties = append(a.Parties, Party{Partner: "fire", Recipient: true, LawfulBasis: []string{"uk-gdpr-6-1-e"}})
					now := matrixNow
					a.Status = Status(state)
					if state == "expired" {
						a.Status, now = Active, a.End.DayAfter()
					}
					before := len(a.History)
					u := &User{ID: "u", PartnerID: partnerOf[relation], Roles: []Role{role}}
					var err error
					switch action {
					case ActionApprove:
						err = a.Approve(u, matrixState().Owners, now, "")
					case ActionActivate:
						err = a.Activate(u, now, "")
					case ActionSuspend:
						err = a.Suspend(u, now, "")
					case ActionEnd:
						err = a.Terminate(u, now, "")
					}
					want := expectLifecycle(role, action, state, relation)
					if fault.Code(err) != want {
						t.Errorf("%s %s a %s agreement as %s: got %v (code %q), want code %q", role, action, state, relation, err, fault.Code(err), want)
					}
					if recorded := len(a.History) - before; (err == nil) != (recorded == 1) {
						t.Errorf("%s %s %s %s: err %v but %d transitions recorded", role, action, state, relation, err, recorded)
					}
				}
			}
		}
	}
}

// TestParseAgreementFileNamesFileAndLine: an agreement file that is not
// JSON, has a field of the wrong type, or a disclosure threshold under the
// minimum is refused naming the file, the line and the reason.
func TestParseAgreementFileNamesFileAndLine(t *testing.T) {
	files, _ := filepath.Glob("../../examples/agreements/*.json")
	if len(files) == 0 {
		t.Fatal("no example agreements")
	}
	good, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ParseAgreementFile("good.json", good); err != nil {
		t.Fatalf("the example is refused: %v", err)
	}
	// The example without its threshold, which is then put on line 2.
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(good, &fields); err != nil {
		t.Fatal(err)
	}
	delete(fields, "threshold")
	rest, _ := json.MarshalIndent(fields, "", "  ")
	withThreshold := func(v string) []byte {
		return append([]byte("{\n  \"threshold\": "+v+",\n"), bytes.TrimPrefix(rest, []byte("{"))...)
	}
	for _, tc := range []struct {
		name string
		b    []byte
		want string
	}{
		{"syntax", []byte("{\n  \"id\": \"x\",\n  oops\n}"), "agreement file syntax.json, line 3: agreement is not valid JSON"},
		{"type", withThreshold(`"ten"`), "agreement file type.json, line 2: agreement is not valid JSON"},
		{"low", withThreshold("3"), "agreement file low.json, line 2: "},
	} {
		_, err := ParseAgreementFile(tc.name+".json", tc.b)
		if err == nil || !strings.HasPrefix(fault.Message(err), tc.want) || fault.Code(err) != fault.Invalid {
			t.Errorf("%s: got %v, want a refusal starting %q", tc.name, err, tc.want)
		}
	}
	_, err = ParseAgreementFile("low.json", withThreshold("3"))
	if !strings.Contains(fault.Message(err), "disclosure threshold 3 is below the minimum 5") {
		t.Errorf("the reason is missing: %v", err)
	}
}
