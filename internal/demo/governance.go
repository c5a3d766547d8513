package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/civiclink/civiclink/internal/catalog"
	"github.com/civiclink/civiclink/internal/govern"
)

// Password is the demo accounts' password; demo stores hold no real data.
const Password = "demo password for a synthetic county"

// lawfulBases are each demo partner's lawful bases for sharing.
var lawfulBases = map[string][]string{
	"police":     {"uk-gdpr-6-1-e", "dpa-2018-s10", "cda-1998-s115", "pcsc-2022-s9"},
	"nhs":        {"uk-gdpr-6-1-e", "uk-gdpr-9-2-h"},
	"county":     {"uk-gdpr-6-1-e", "uk-gdpr-9-2-g", "dpa-2018-sch1-18", "children-act-2004-s10", "care-act-2014-s45"},
	"districts":  {"uk-gdpr-6-1-e", "hra-2017"},
	"fire":       {"uk-gdpr-6-1-e", "fra-2004-s6"},
	"university": {"uk-gdpr-6-1-e"},
	"voluntary":  {"uk-gdpr-6-1-e"},
}

// AgreementPurposes are the partnership's priorities the demo's
// agreements cover.
var AgreementPurposes = []string{"violence-and-vulnerability", "domestic-abuse", "homelessness-prevention",
	"mental-health-crisis", "avoidable-emergency-care", "school-readiness", "road-safety", "fire-prevention", "physical-activity"}

// Staff are the demo's accounts, by id.
type Staff map[string]*govern.User

// SetUpGovernance creates, for each partner, a partner admin who is also
// its data owner (<partner>.admin), an analyst (<partner>.analyst) and a
// caseworker (<partner>.caseworker), plus the county's output checker and
// auditor; then one agreement per purpose in AgreementPurposes sharing the
// datasets among their owners, approved by every owner and active from
// now for two years.
func SetUpGovernance(ctx context.Context, svc *govern.Service, partners []catalog.Partner, datasets []*catalog.Dataset, now time.Time) (Staff, error) {
	staff := Staff{}
	if err := createStaff(ctx, svc, partners, staff); err != nil {
		return nil, err
	}
	for _, purpose := range AgreementPurposes {
		a := agreement(purpose, partners, datasets, now)
		if a == nil {
			continue
		}
		lead := staff[firstOwner(a)+".admin"]
		if err := svc.CreateAgreement(ctx, lead, a); err != nil {
			return nil, fmt.Errorf("agreement %s: %w", a.ID, err)
		}
		for _, p := range a.Parties {
			if p.Owner {
				if _, err := svc.ChangeAgreement(ctx, staff[p.Partner+".admin"], a.ID, govern.ActionApprove, "approved for the demo"); err != nil {
					return nil, fmt.Errorf("agreement %s: %w", a.ID, err)
				}
			}
		}
		if _, err := svc.ChangeAgreement(ctx, lead, a.ID, govern.ActionActivate, "live"); err != nil {
			return nil, fmt.Errorf("agreement %s: %w", a.ID, err)
		}
	}
	return staff, nil
}

func createStaff(ctx context.Context, svc *govern.Service, partners []catalog.Partner, staff Staff) error {
	var first *govern.User
	for _, p := range partners {
		admin := &govern.User{ID: p.ID + ".admin", PartnerID: p.ID, Name: p.Name + " admin", Roles: []govern.Role{govern.PartnerAdmin, govern.DataOwner}}
		var err error
		if first == nil {
			err = svc.Bootstrap(ctx, admin, Password)
			first = admin
		} else {
			err = svc.CreateUser(ctx, first, admin, Password)
		}
		if err != nil {
			return fmt.Errorf("user %s: %w", admin.ID, err)
		}
		staff[admin.ID] = admin
		roles := map[string][]govern.Role{"analyst": {govern.Analyst}, "caseworker": {govern.Caseworker}}
		if p.ID == "county" {
			roles["checker"] = []govern.Role{govern.OutputChecker}
			roles["auditor"] = []govern.Role{govern.Auditor}
			roles["programme"] = []govern.Role{govern.ProgrammeManager}
		}
		if p.ID == "voluntary" {
			roles["editor"] = []govern.Role{govern.CommunityEditor}
		}
		for name, rs := range roles {
			u := &govern.User{ID: p.ID + "." + name, PartnerID: p.ID, Name: p.Name + " " + name, Roles: rs}
			if err := svc.CreateUser(ctx, admin, u, Password); err != nil {
				return fmt.Errorf("user %s: %w", u.ID, err)
			}
			staff[u.ID] = u
		}
	}
	return nil
}

// demoBudget is the privacy budget each demo agreement sets on each
// dataset it shares, so `query aggregate --epsilon` runs on the demo.
var demoBudget = govern.PrivacyBudget{Epsilon: 2, Period: "month"}

// agreement shares every dataset with an owner among partners, all
// columns, among all partners, for one purpose.
func agreement(purpose string, partners []catalog.Partner, datasets []*catalog.Dataset, now time.Time) *govern.Agreement {
	outputs := []govern.OutputKind{govern.Aggregate}
	for _, p := range govern.StandardPurposes {
		if p.ID == purpose && p.Safeguarding {
			outputs = append(outputs, govern.RecordLevel)
		}
	}
	a := &govern.Agreement{
		ID: purpose + "-demo", Title: "Demo county: " + purpose, Purpose: purpose,
		Description: "The demonstration county's partners share their datasets for this purpose; outputs are aggregates, and for safeguarding purposes record-level lists only back to the owning partner.",
		Outputs:     outputs, Threshold: govern.DefaultThreshold, RetentionDays: 730,
		Start: govern.DateOf(now.AddDate(0, 0, -1)), End: govern.DateOf(now.AddDate(2, 0, 0)), Review: govern.DateOf(now.AddDate(1, 0, 0)),
	}
	owners := map[string]bool{}
	for _, d := range datasets {
		var cols []string
		for _, c := range d.Schema.Columns {
			cols = append(cols, c.Name)
		}
		a.Datasets = append(a.Datasets, govern.Share{Dataset: d.ID, Columns: cols, Budget: &demoBudget})
		owners[d.PartnerID] = true
	}
	if len(a.Datasets) == 0 {
		return nil
	}
	for _, p := range partners {
		a.Parties = append(a.Parties, govern.Party{Partner: p.ID, Owner: owners[p.ID], Recipient: true, LawfulBasis: lawfulBases[p.ID]})
	}
	return a
}

func firstOwner(a *govern.Agreement) string {
	for _, p := range a.Parties {
		if p.Owner {
			return p.Partner
		}
	}
	return a.Parties[0].Partner
}
