// Package govern decides who may read which partner data for what purpose.
//
// It holds the partnership's users and their roles, the purpose register,
// data-sharing agreements with their lifecycle, per-record opt-outs and the
// retention rule, and one access decision, [Decide], that every read path
// asks through a [Gate]. The types here carry no SQL and no HTTP: [Store] is
// implemented by the store package and [Service] wires the pure decision to
// the loaded state, the clock and the audit log.
package govern

import (
	"slices"
	"strings"

	"github.com/civiclink/civiclink/internal/fault"
)

// Role is what a user may do for their partner.
type Role string

// The roles of the partnership.
const (
	// PartnerAdmin manages the partner's users and proposes agreements.
	PartnerAdmin Role = "partner-admin"
	// DataOwner is the partner's information-governance lead: approves
	// agreements over the partner's datasets, sets opt-outs, purges.
	DataOwner Role = "data-owner"
	// Analyst reads shared data for aggregate outputs.
	Analyst Role = "analyst"
	// OutputChecker reviews outputs before they are released.
	OutputChecker Role = "output-checker"
	// Caseworker receives record-level safeguarding output about the
	// partner's own records.
	Caseworker Role = "caseworker"
	// Auditor reads the audit log.
	Auditor Role = "auditor"
	// LinkageSteward adopts a linkage run as the partnership's current
	// one (and rolls back), and sees every draft run.
	LinkageSteward Role = "linkage-steward"
	// CommunityEditor edits the community-support directory for a
	// voluntary-sector partner and moderates its queue.
	CommunityEditor Role = "community-editor"
	// ProgrammeManager edits the partnership programme: projects,
	// deliverables, outcome measures and claims (package programme).
	ProgrammeManager Role = "programme-manager"
)

// AllRoles lists every [Role] in documentation order.
var AllRoles = []Role{PartnerAdmin, DataOwner, Analyst, OutputChecker, Caseworker, Auditor, LinkageSteward, CommunityEditor, ProgrammeManager}

// ParseRole returns the role named s (case-insensitive, "_" accepted for "-").
func ParseRole(s string) (Role, error) {
	r := Role(strings.ReplaceAll(strings.ToLower(strings.TrimSpace(s)), "_", "-"))
	if slices.Contains(AllRoles, r) {
		return r, nil
	}
	return "", fault.Errorf(fault.Invalid, "unknown role %q: use one of %s", s, joinRoles(AllRoles))
}

// ParseRoles parses a comma-separated list of roles, dropping repeats.
func ParseRoles(s string) ([]Role, error) {
	var out []Role
	for _, f := range strings.Split(s, ",") {
		if strings.TrimSpace(f) == "" {
			continue
		}
		r, err := ParseRole(f)
		if err != nil {
			return nil, err
		}
		if !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	if len(out) == 0 {
		return nil, fault.Errorf(fault.Invalid, "no roles given: use one or more of %s", joinRoles(AllRoles))
	}
	return out, nil
}

func joinRoles(rs []Role) string {
	s := make([]string, len(rs))
	for i, r := range rs {
		s[i] = string(r)
	}
	return strings.Join(s, ", ")
}
