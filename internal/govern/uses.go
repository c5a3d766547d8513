package govern

import "github.com/civiclink/civiclink/internal/fault"

// CanSeeUses checks that u may see who used partner's data: the entries of
// the audit log that touched its datasets. A partner's data owners and
// partner admins may, for their own partner; auditors may for every
// partner (partner "" means all of them).
func CanSeeUses(u *User, partner string) error {
	if u.Has(Auditor) {
		return nil
	}
	if !u.HasAny(DataOwner, PartnerAdmin) {
		return fault.Errorf(fault.Forbidden, "user %q cannot see who used partner data: it needs the data-owner or partner-admin role (or auditor for every partner)", u.ID)
	}
	if partner != u.PartnerID {
		return fault.Errorf(fault.Forbidden, "user %q can see the uses of %q's data only, not %q's: ask an auditor", u.ID, u.PartnerID, orAll(partner))
	}
	return nil
}

func orAll(p string) string {
	if p == "" {
		return "every partner"
	}
	return p
}
