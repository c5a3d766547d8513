package govern

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Read is one dataset a request reads and exactly the columns it touches.
type Read struct {
	Dataset string   `json:"dataset"`
	Columns []string `json:"columns"`
}

// Request is what a read operation asks to do.
type Request struct {
	// Operation is the name the read path registered with the [Gate].
	Operation string     `json:"operation"`
	Purpose   string     `json:"purpose,omitempty"`
	Output    OutputKind `json:"output"`
	Reads     []Read     `json:"reads,omitempty"`
	// Epsilon and Delta are the privacy budget a differentially private
	// read asks to spend, so the audit log shows every spend.
	Epsilon float64 `json:"epsilon,omitempty"`
	Delta   float64 `json:"delta,omitempty"`
	// Linkage marks a linkage run: its entities join records across
	// partners for everyone's figures, so every dataset read — the user's
	// partner's own included — must have the columns read shared by an
	// active agreement for the purpose to which its owner is a party as
	// owner (see [LinkageGaps]).
	Linkage bool `json:"linkage,omitempty"`
}

// State is everything a decision depends on, loaded once: the clock's time,
// the purpose register, who owns each dataset, and every agreement.
type State struct {
	Now        time.Time
	Purposes   Purposes
	Owners     Owners
	Agreements []*Agreement
}

// Reason codes, for programs; each [Reason] also carries a message.
const (
	ReasonOwnData        = "own-data"            // allowed: the user's own partner's data
	ReasonAgreement      = "agreement"           // allowed: an agreement covers the request
	ReasonAuditor        = "auditor"             // allowed: an auditor reading the audit log
	ReasonBadRequest     = "bad-request"         // the request is malformed
	ReasonUser           = "user"                // unknown or disabled user
	ReasonRole           = "role"                // the user lacks a role that fits the output
	ReasonPurpose        = "purpose"             // the purpose is not in the register
	ReasonDataset        = "dataset"             // the dataset is not in the catalogue
	ReasonNoAgreement    = "no-agreement"        // no agreement for this purpose names the user's partner as recipient
	ReasonStatus         = "status"              // the agreement is not active (or expired, or not started)
	ReasonNotCovered     = "dataset-not-covered" // the agreement does not share the dataset
	ReasonColumns        = "columns"             // the agreement does not share these columns
	ReasonOutput         = "output"              // the agreement does not permit this output
	ReasonNotOwningParty = "not-owning-party"    // record-level output only goes back to an owning partner
	ReasonLinkage        = "linkage"             // a linkage run lacks an agreement covering a dataset's identifiers
)

// Reason explains one part of a decision: which agreement, which clause,
// what is missing.
type Reason struct {
	Code      string `json:"code"`
	Agreement string `json:"agreement,omitempty"`
	Clause    string `json:"clause,omitempty"` // e.g. "status", "datasets[police-incidents].columns"
	Message   string `json:"message"`
}

// Decision is the answer to a [Request].
type Decision struct {
	Allow bool `json:"allow"`
	// Agreement is the agreement relied on for other partners' data, if any.
	Agreement string `json:"agreement,omitempty"`
	// Threshold is the disclosure threshold outputs must respect.
	Threshold int      `json:"threshold"`
	Reasons   []Reason `json:"reasons"`
	// Budgets are the privacy budgets the read datasets have for the
	// purpose (see [PrivacyBudget]); a dataset not listed has none.
	Budgets []DatasetBudget `json:"budgets,omitempty"`
}

// DatasetBudget is the privacy budget an agreement sets on a dataset.
type DatasetBudget struct {
	Dataset   string        `json:"dataset"`
	Agreement string        `json:"agreement"`
	Budget    PrivacyBudget `json:"budget"`
}

// BudgetOf returns the privacy budget the decision found for dataset.
func (d Decision) BudgetOf(dataset string) (DatasetBudget, bool) {
	for _, b := range d.Budgets {
		if b.Dataset == dataset {
			return b, true
		}
	}
	return DatasetBudget{}, false
}

// String summarises the decision for a person.
func (d Decision) String() string {
	verb := "denied"
	if d.Allow {
		verb = "allowed"
	}
	msgs := make([]string, len(d.Reasons))
	for i, r := range d.Reasons {
		msgs[i] = r.Message
	}
	return verb + ": " + strings.Join(msgs, "; ")
}

func deny(rs ...Reason) Decision { return Decision{Reasons: rs} }

// ownRoles are the roles that may read the user's own partner's data for
// each output; otherRoles for other partners' data under an agreement.
var (
	ownRoles = map[OutputKind][]Role{
		Aggregate:   {Analyst, DataOwner},
		RecordLevel: {Caseworker, Analyst, DataOwner},
		OutputCheck: {OutputChecker, DataOwner},
	}
	otherRoles = map[OutputKind][]Role{
		Aggregate:   {Analyst},
		RecordLevel: {Caseworker},
		OutputCheck: {OutputChecker},
	}
)

// Decide answers whether u may make request req, given the loaded state. It
// is a pure function: the same inputs always give the same answer.
//
// A user may read their own partner's datasets for any registered purpose
// with a role that fits the output. Other partners' datasets need one active,
// started, unexpired agreement for the purpose that shares every such
// dataset and column, permits the output, names the user's partner as a
// recipient (and, for record-level output, as an owner), and the user needs
// the role that fits the output under an agreement. Auditors may read the
// audit log.
func Decide(st State, u *User, req Request) Decision {
	d := decide(st, u, req)
	if d.Allow {
		d.Budgets = budgetsFor(st, req, d.Agreement)
	}
	return d
}

// budgetsFor finds each read dataset's privacy budget: the one the
// relied-on agreement sets, or, for a partner's own data, one an active
// agreement for the purpose sets.
func budgetsFor(st State, req Request, relied string) []DatasetBudget {
	var out []DatasetBudget
	for _, r := range req.Reads {
		for _, a := range st.Agreements {
			if relied != "" && a.ID != relied || relied == "" && (a.Purpose != req.Purpose || a.StatusAt(st.Now) != Active) {
				continue
			}
			if b, ok := a.Budget(r.Dataset); ok {
				out = append(out, DatasetBudget{Dataset: r.Dataset, Agreement: a.ID, Budget: b})
				break
			}
		}
	}
	return out
}

func decide(st State, u *User, req Request) Decision {
	if req.Linkage && req.Purpose == "" {
		return deny(LinkageGaps(st, req)...)
	}
	if d, done := precheck(st, u, req); done {
		return d
	}
	if req.Linkage {
		if why := LinkageGaps(st, req); len(why) > 0 {
			return deny(why...)
		}
	}
	var own, other []Read
	for _, r := range req.Reads {
		if st.Owners[r.Dataset] == u.PartnerID {
			own = append(own, r)
		} else {
			other = append(other, r)
		}
	}
	d := Decision{Allow: true, Threshold: DefaultThreshold}
	if len(own) > 0 {
		if !u.HasAny(ownRoles[req.Output]...) {
			return deny(roleReason(u, req.Output, ownRoles, "your partner's own data"))
		}
		d.Reasons = append(d.Reasons, Reason{Code: ReasonOwnData, Message: fmt.Sprintf("%s reads %s's own data as %s", u.ID, u.PartnerID, roleList(u, ownRoles[req.Output]))})
	}
	if len(other) == 0 {
		return d
	}
	if !u.HasAny(otherRoles[req.Output]...) {
		return deny(roleReason(u, req.Output, otherRoles, "other partners' data"))
	}
	a, why := coveringAgreement(st, u, req, other)
	if a == nil {
		return deny(why...)
	}
	d.Agreement, d.Threshold = a.ID, a.Threshold
	d.Reasons = append(d.Reasons, Reason{Code: ReasonAgreement, Agreement: a.ID,
		Message: fmt.Sprintf("agreement %s (%s) covers %s output of %s for %s", a.ID, a.Purpose, req.Output, datasetList(other), u.PartnerID)})
	return d
}

// precheck handles the user, the request's shape, the audit log, the
// purpose and unknown datasets; done is true when it decided.
func precheck(st State, u *User, req Request) (Decision, bool) {
	switch {
	case u == nil:
		return deny(Reason{Code: ReasonUser, Message: "no user: sign in, or name who is acting"}), true
	case u.Disabled:
		return deny(Reason{Code: ReasonUser, Message: fmt.Sprintf("user %q is disabled", u.ID)}), true
	case !slices.Contains(OutputKinds, req.Output):
		return deny(Reason{Code: ReasonBadRequest, Message: fmt.Sprintf("unknown output kind %q", req.Output)}), true
	case req.Output == AuditLog:
		if !u.Has(Auditor) {
			return deny(Reason{Code: ReasonRole, Message: fmt.Sprintf("user %q cannot read the audit log: it needs the auditor role", u.ID)}), true
		}
		return Decision{Allow: true, Threshold: DefaultThreshold, Reasons: []Reason{{Code: ReasonAuditor, Message: u.ID + " reads the audit log as auditor"}}}, true
	case len(req.Reads) == 0:
		return deny(Reason{Code: ReasonBadRequest, Message: "the request names no datasets to read"}), true
	}
	if _, ok := st.Purposes[req.Purpose]; !ok {
		return deny(Reason{Code: ReasonPurpose, Message: fmt.Sprintf("purpose %q is not in the purpose register (see `civiclink purpose list`)", req.Purpose)}), true
	}
	for _, r := range req.Reads {
		if _, ok := st.Owners[r.Dataset]; !ok {
			return deny(Reason{Code: ReasonDataset, Message: fmt.Sprintf("dataset %q is not in the catalogue", r.Dataset)}), true
		}
		if len(r.Columns) == 0 {
			return deny(Reason{Code: ReasonBadRequest, Message: fmt.Sprintf("the request reads dataset %q without naming its columns", r.Dataset)}), true
		}
	}
	return Decision{}, false
}

// coveringAgreement returns the first agreement (in state order) that covers
// every read, or the reasons each candidate falls short.
func coveringAgreement(st State, u *User, req Request, reads []Read) (*Agreement, []Reason) {
	var candidates []*Agreement
	for _, a := range st.Agreements {
		if a.Purpose != req.Purpose {
			continue
		}
		if p := a.Party(u.PartnerID); p == nil || !p.Recipient {
			continue
		}
		gaps := 0
		agreementGaps(st.Now, a, u, req, reads, func(string, string, string, ...any) { gaps++ })
		if gaps == 0 {
			return a, nil
		}
		candidates = append(candidates, a)
	}
	if len(candidates) == 0 {
		return nil, []Reason{{Code: ReasonNoAgreement, Message: fmt.Sprintf("no agreement for purpose %s names %s as a recipient of %s", req.Purpose, u.PartnerID, datasetList(reads))}}
	}
	var why []Reason
	for _, a := range candidates {
		agreementGaps(st.Now, a, u, req, reads, func(code, clause, format string, args ...any) {
			why = append(why, Reason{Code: code, Agreement: a.ID, Clause: clause, Message: "agreement " + a.ID + ": " + fmt.Sprintf(format, args...)})
		})
	}
	return nil, why
}

// agreementGaps calls gap for each thing agreement a lacks to cover the
// reads: the deciding pass only counts them, the explaining pass words them.
func agreementGaps(now time.Time, a *Agreement, u *User, req Request, reads []Read, gap func(code, clause, format string, args ...any)) {
	switch st := a.StatusAt(now); {
	case st == Expired:
		gap(ReasonStatus, "end", "expired after %s", a.End)
	case st != Active:
		gap(ReasonStatus, "status", "is %s, not active", st)
	case !a.Started(now):
		gap(ReasonStatus, "start", "does not start until %s", a.Start)
	}
	for _, r := range reads {
		s := a.Share(r.Dataset)
		if s == nil {
			gap(ReasonNotCovered, "datasets", "does not share dataset %s", r.Dataset)
			continue
		}
		for _, c := range r.Columns {
			if !slices.Contains(s.Columns, c) {
				gap(ReasonColumns, "datasets["+r.Dataset+"].columns", "does not share column(s) %s of %s", strings.Join(missingColumns(r.Columns, s.Columns), ", "), r.Dataset)
				break
			}
		}
	}
	if !a.Permits(req.Output) {
		gap(ReasonOutput, "outputs", "does not permit %s output", req.Output)
	}
	if req.Output == RecordLevel {
		if p := a.Party(u.PartnerID); p == nil || !p.Owner {
			gap(ReasonNotOwningParty, "parties", "record-level output goes back only to an owning partner, and %s is not one", u.PartnerID)
		}
	}
}

func missingColumns(want, have []string) []string {
	var out []string
	for _, c := range want {
		if !slices.Contains(have, c) {
			out = append(out, c)
		}
	}
	return out
}

func roleReason(u *User, k OutputKind, table map[OutputKind][]Role, what string) Reason {
	return Reason{Code: ReasonRole, Clause: "roles",
		Message: fmt.Sprintf("user %q (%s) cannot have %s output of %s: it needs the role %s", u.ID, joinRoles(u.Roles), k, what, joinOr(table[k]))}
}

func roleList(u *User, rs []Role) string {
	var held []Role
	for _, r := range rs {
		if u.Has(r) {
			held = append(held, r)
		}
	}
	return joinRoles(held)
}

func joinOr(rs []Role) string { return strings.ReplaceAll(joinRoles(rs), ", ", " or ") }

func datasetList(reads []Read) string {
	ids := make([]string, len(reads))
	for i, r := range reads {
		ids[i] = r.Dataset
	}
	return strings.Join(ids, ", ")
}

// LinkageGaps returns, for a linkage request, one reason per dataset whose
// identifier columns no active agreement for the purpose shares (with its
// owner a party as owner), naming what each candidate agreement lacks and
// what to do; none when every dataset is covered. A linkage run needs
// this even for the user's partner's own datasets: the run's entities
// become what every partner's figures are built on.
func LinkageGaps(st State, req Request) []Reason {
	if req.Purpose == "" {
		return []Reason{{Code: ReasonLinkage, Message: "a linkage run needs the registered purpose it serves (see `civiclink purpose list`), with an active agreement for it covering every dataset's identifiers"}}
	}
	var why []Reason
	var owners []string
	for _, r := range req.Reads {
		owner := st.Owners[r.Dataset]
		var lacks []string
		covered := false
		for _, a := range st.Agreements {
			if a.Purpose != req.Purpose {
				continue
			}
			sh := a.Share(r.Dataset)
			if sh == nil {
				continue
			}
			var gaps []string
			if status := a.StatusAt(st.Now); status != Active {
				gaps = append(gaps, "is "+string(status))
			}
			if p := a.Party(owner); p == nil || !p.Owner {
				gaps = append(gaps, "does not name "+owner+" as the dataset's owning party")
			}
			var missing []string
			for _, c := range r.Columns {
				if !slices.Contains(sh.Columns, c) {
					missing = append(missing, c)
				}
			}
			if len(missing) > 0 {
				gaps = append(gaps, "does not share "+strings.Join(missing, ", "))
			}
			if len(gaps) == 0 {
				covered = true
				break
			}
			lacks = append(lacks, "agreement "+a.ID+" "+strings.Join(gaps, " and "))
		}
		if covered {
			continue
		}
		msg := fmt.Sprintf("dataset %s (%s's) has no active agreement for %s sharing its identifiers (%s) for linking", r.Dataset, owner, req.Purpose, strings.Join(r.Columns, ", "))
		if len(lacks) > 0 {
			msg += ": " + strings.Join(lacks, "; ")
		}
		why = append(why, Reason{Code: ReasonLinkage, Message: msg})
		if !slices.Contains(owners, owner) {
			owners = append(owners, owner)
		}
	}
	if len(why) > 0 {
		why = append(why, Reason{Code: ReasonLinkage, Message: fmt.Sprintf("a linkage run needs every dataset's identifiers, your own partner's included, shared by an active agreement for its purpose: ask the data owners of %s to add them to an agreement for %s, or link for a purpose whose agreement does",
			strings.Join(owners, ", "), req.Purpose)})
	}
	return why
}
