package govern

import (
	"slices"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/civiclink/civiclink/internal/fault"
)

// Owners maps a dataset id to the id of the partner that owns it.
type Owners map[string]string

// OwningPartners returns, sorted, the partners owning the agreement's
// datasets: each must approve it.
func (a *Agreement) OwningPartners(owners Owners) []string {
	set := map[string]bool{}
	for _, s := range a.Datasets {
		if p, ok := owners[s.Dataset]; ok {
			set[p] = true
		}
	}
	out := make([]string, 0, len(set))
	for p := range set {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// PendingApprovals returns the owning partners that have not yet approved.
func (a *Agreement) PendingApprovals(owners Owners) []string {
	var out []string
	for _, p := range a.OwningPartners(owners) {
		if !slices.ContainsFunc(a.Approvals, func(ap Approval) bool { return ap.Partner == p }) {
			out = append(out, p)
		}
	}
	return out
}

// CanCreate checks that u may propose agreement a: a partner admin or data
// owner of a partner that is a party to it.
func CanCreate(u *User, a *Agreement) error {
	if !u.HasAny(PartnerAdmin, DataOwner) {
		return fault.Errorf(fault.Forbidden, "user %q cannot create agreements: it needs the partner-admin or data-owner role", u.ID)
	}
	if a.Party(u.PartnerID) == nil {
		return fault.Errorf(fault.Forbidden, "user %q cannot create agreement %q: their partner %q is not a party to it", u.ID, a.ID, u.PartnerID)
	}
	return nil
}

// CanSeeAgreement checks that u may see agreement a: a user of one of its
// parties, or an auditor.
func CanSeeAgreement(u *User, a *Agreement) error {
	if u == nil || u.Disabled {
		return fault.Errorf(fault.Forbidden, "only a signed-in, enabled user can see agreement %q", a.ID)
	}
	if u.Has(Auditor) || a.Party(u.PartnerID) != nil {
		return nil
	}
	return fault.Errorf(fault.Forbidden, "user %q cannot see agreement %q: their partner %q is not a party to it and they are not an auditor", u.ID, a.ID, u.PartnerID)
}

// MaxNoteLength is the most characters a note on an agreement change (an
// approval's, a suspension's, ...) may have: a note is a reason for the
// record, not a document.
const MaxNoteLength = 500

// CheckNote checks a note on an agreement change: at most [MaxNoteLength]
// characters of UTF-8 text, with no control characters but line breaks and
// tabs.
func CheckNote(note string) error {
	if !utf8.ValidString(note) {
		return fault.Errorf(fault.Invalid, "the note is not UTF-8 text: write it as plain text")
	}
	if n := utf8.RuneCountInString(note); n > MaxNoteLength {
		return fault.Errorf(fault.Invalid, "the note is %d characters long; keep it to %d or fewer (put longer reasoning in the agreement's documents and refer to them)", n, MaxNoteLength)
	}
	for _, r := range note {
		if unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t' {
			return fault.Errorf(fault.Invalid, "the note contains the control character %U: write plain text (line breaks are fine)", r)
		}
	}
	return nil
}

// cleanNote trims a note and writes its line breaks as "\n" (a browser
// sends "\r\n"), so its length is what the writer typed.
func cleanNote(note string) string {
	return strings.TrimSpace(strings.ReplaceAll(note, "\r\n", "\n"))
}

// Create starts a new draft made by u at now.
func (a *Agreement) Create(u *User, now time.Time) error {
	if err := CanCreate(u, a); err != nil {
		return err
	}
	a.Status, a.CreatedBy, a.CreatedAt = Draft, u.ID, now
	a.Approvals, a.History = nil, nil
	a.record("create", "", Draft, u, now, "")
	return nil
}

// Approve records u's approval for their partner, with an optional note
// (see [CheckNote]) kept in the approval and its history entry. u must be a
// data owner of a partner owning one of the agreement's datasets; when every
// owning partner has approved, the agreement becomes [Approved].
func (a *Agreement) Approve(u *User, owners Owners, now time.Time, note string) error {
	if err := a.need("approve", now, Draft); err != nil {
		return err
	}
	if !u.Has(DataOwner) {
		return fault.Errorf(fault.Forbidden, "user %q cannot approve agreements: only a data owner (information governance) can", u.ID)
	}
	pending := a.PendingApprovals(owners)
	if !slices.Contains(a.OwningPartners(owners), u.PartnerID) {
		return fault.Errorf(fault.Forbidden, "user %q cannot approve agreement %q: their partner %q owns none of its datasets (approvals are needed from %s)", u.ID, a.ID, u.PartnerID, strings.Join(a.OwningPartners(owners), ", "))
	}
	if !slices.Contains(pending, u.PartnerID) {
		return fault.Errorf(fault.Conflict, "agreement %q is already approved for %q", a.ID, u.PartnerID)
	}
	note = cleanNote(note)
	if err := CheckNote(note); err != nil {
		return err
	}
	a.Approvals = append(a.Approvals, Approval{Partner: u.PartnerID, By: u.ID, At: now, Note: note})
	to := Draft
	if len(pending) == 1 {
		to = Approved
	}
	entry := "approved for " + u.PartnerID
	if note != "" {
		entry += ": " + note
	}
	a.record("approve", Draft, to, u, now, entry)
	return nil
}

// Activate makes an approved or suspended agreement active.
func (a *Agreement) Activate(u *User, now time.Time, note string) error {
	if err := a.need("activate", now, Approved, Suspended); err != nil {
		return err
	}
	if err := a.canManage(u, "activate"); err != nil {
		return err
	}
	note = cleanNote(note)
	if err := CheckNote(note); err != nil {
		return err
	}
	a.record("activate", a.Status, Active, u, now, note)
	return nil
}

// Suspend stops an active agreement allowing anything until it is
// activated again.
func (a *Agreement) Suspend(u *User, now time.Time, note string) error {
	if err := a.need("suspend", now, Active); err != nil {
		return err
	}
	if err := a.canManage(u, "suspend"); err != nil {
		return err
	}
	note = cleanNote(note)
	if err := CheckNote(note); err != nil {
		return err
	}
	a.record("suspend", a.Status, Suspended, u, now, note)
	return nil
}

// Terminate ends the agreement for good, from any state but ended.
func (a *Agreement) Terminate(u *User, now time.Time, note string) error {
	if a.Status == Ended {
		return fault.Errorf(fault.Conflict, "agreement %q has already ended", a.ID)
	}
	if err := a.canManage(u, "end"); err != nil {
		return err
	}
	note = cleanNote(note)
	if err := CheckNote(note); err != nil {
		return err
	}
	a.record("end", a.Status, Ended, u, now, note)
	return nil
}

// need checks the agreement is in one of the states (computed at now).
func (a *Agreement) need(action string, now time.Time, states ...Status) error {
	st := a.StatusAt(now)
	if slices.Contains(states, st) {
		return nil
	}
	want := make([]string, len(states))
	for i, s := range states {
		want[i] = string(s)
	}
	hint := ""
	if st == Expired {
		hint = ": it passed its end date " + a.End.String() + "; make a new agreement"
	}
	return fault.Errorf(fault.Conflict, "cannot %s agreement %q: it is %s, and this needs it %s%s", action, a.ID, st, strings.Join(want, " or "), hint)
}

// canManage checks u is a data owner of an owning party or a partner admin
// of any party.
func (a *Agreement) canManage(u *User, action string) error {
	p := a.Party(u.PartnerID)
	if p != nil && (u.Has(PartnerAdmin) || (p.Owner && u.Has(DataOwner))) {
		return nil
	}
	return fault.Errorf(fault.Forbidden, "user %q cannot %s agreement %q: it needs a partner admin of a party or a data owner of an owning party", u.ID, action, a.ID)
}

func (a *Agreement) record(action string, from, to Status, u *User, now time.Time, note string) {
	a.Status = to
	a.History = append(a.History, Transition{Action: action, From: from, To: to, By: u.ID, At: now, Note: note})
}
