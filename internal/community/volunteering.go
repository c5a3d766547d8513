package community

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/govern"
)

// DesignateZone designates (or re-designates, by id) a community action
// zone: a set of the county's LSOAs, none already in another zone. Only a
// community editor may designate; every designation and refusal is
// audited.
func (d *Directory) DesignateZone(ctx context.Context, u *govern.User, z Zone) (*Zone, error) {
	const action = "community.zone.designate"
	target := "zone:" + z.ID
	if !Editor(u) {
		return nil, d.refuse(ctx, u, action, target, "only a community editor may designate a community action zone")
	}
	z.Name, z.Description = strings.TrimSpace(z.Name), strings.TrimSpace(z.Description)
	ps := ValidateZone(&z)
	zones, err := d.Store.CommunityZones(ctx)
	if err != nil {
		return nil, err
	}
	taken := map[string]string{}
	for _, other := range zones {
		if other.ID != z.ID {
			for _, l := range other.LSOAs {
				taken[l] = other.ID
			}
		}
	}
	ps = append(ps, d.zoneLSOAs(&z, taken)...)
	if err := ps.Err(); err != nil {
		return nil, d.refuse(ctx, u, action, target, err.Error(), err)
	}
	z.DesignatedBy, z.DesignatedAt = u.ID, d.Clock.Now().UTC()
	if err := d.Store.PutCommunityZone(ctx, &z); err != nil {
		return nil, err
	}
	return &z, d.record(ctx, u, action, target, map[string]any{"name": z.Name, "lsoas": len(z.LSOAs), "districts": z.Districts})
}

// zoneLSOAs checks and normalises a zone's LSOAs (upper case, sorted,
// each once) and sets its districts.
func (d *Directory) zoneLSOAs(z *Zone, taken map[string]string) Problems {
	var ps Problems
	seen := map[string]bool{}
	var codes []string
	districts := map[string]bool{}
	for _, c := range z.LSOAs {
		c = strings.ToUpper(strings.TrimSpace(c))
		if c == "" || seen[c] {
			continue
		}
		seen[c] = true
		codes = append(codes, c)
		if d.Placer == nil {
			continue
		}
		a, ok := d.Placer.County.LSOA(c)
		switch {
		case !ok:
			ps.add("lsoas", "%q is not one of the county's 2021 LSOAs", c)
		case taken[c] != "":
			ps.add("lsoas", "LSOA %s is already in zone %s: an LSOA is in one zone at most", c, taken[c])
		default:
			districts[a.LADCode] = true
		}
	}
	sort.Strings(codes)
	z.LSOAs, z.Districts = codes, nil
	for k := range districts {
		z.Districts = append(z.Districts, k)
	}
	sort.Strings(z.Districts)
	return ps
}

// Zones returns the community action zones, by id.
func (d *Directory) Zones(ctx context.Context) ([]Zone, error) {
	zs, err := d.Store.CommunityZones(ctx)
	sort.Slice(zs, func(i, j int) bool { return zs[i].ID < zs[j].ID })
	return zs, err
}

// zoneOf maps each LSOA in a zone to the zone's id.
func zoneOf(zs []Zone) map[string]string {
	out := map[string]string{}
	for _, z := range zs {
		for _, l := range z.LSOAs {
			out[l] = z.ID
		}
	}
	return out
}

// PostOpportunity posts a volunteering opportunity for an organisation
// with a published service in the directory. Only a community editor may
// post; it is shown at once (an editor is trusted as for an import with
// publish) and audited.
func (d *Directory) PostOpportunity(ctx context.Context, u *govern.User, o Opportunity) (*Opportunity, error) {
	const action = "community.volunteer.post"
	target := "organization:" + o.OrganisationID
	if !Editor(u) {
		return nil, d.refuse(ctx, u, action, target, "only a community editor may post a volunteering opportunity")
	}
	o.Title, o.Description, o.Respond = strings.TrimSpace(o.Title), strings.TrimSpace(o.Description), strings.TrimSpace(o.Respond)
	sort.Strings(o.Themes)
	if o.Location.ID == "" {
		o.Location.ID = "opp-location"
	}
	ps := ValidateOpportunity(&o)
	if len(ps) == 0 {
		ps = append(ps, d.placeOpportunity(ctx, u, &o)...)
	}
	if err := ps.Err(); err != nil {
		return nil, d.refuse(ctx, u, action, target, err.Error(), err)
	}
	o.Status, o.PostedBy, o.Partner, o.PostedAt = Open, u.ID, u.PartnerID, d.Clock.Now().UTC()
	o.ClosedBy, o.ClosedAt, o.Zone = "", time.Time{}, ""
	if err := d.Store.AddCommunityOpportunity(ctx, &o); err != nil {
		return nil, err
	}
	if zs, err := d.Store.CommunityZones(ctx); err == nil {
		o.Zone = zoneOf(zs)[o.Location.LSOA]
	}
	return &o, d.record(ctx, u, action, fmt.Sprintf("opportunity:%d", o.ID), map[string]any{"organization": o.OrganisationID, "title": o.Title})
}

// placeOpportunity names the organisation from the published directory,
// checks u acts for it, and places the location.
func (d *Directory) placeOpportunity(ctx context.Context, u *govern.User, o *Opportunity) Problems {
	var ps Problems
	ix, err := d.current(ctx)
	if err != nil {
		ps.add("organization_id", "the directory cannot be read: try again")
		return ps
	}
	org, ok := ix.Organisation(o.OrganisationID)
	if !ok {
		ps.add("organization_id", "organisation %q has no published service in the directory: publish a service for it first", o.OrganisationID)
	} else if !ix.ActsFor(u, o.OrganisationID) {
		ps.add("organization_id", "organisation %q's services are other partners' entries: only their community editors may post for it", o.OrganisationID)
	} else {
		o.OrganisationName = org.Name
	}
	if d.Placer != nil {
		o.Location.CrossBorder = false // a zone's opportunity is in the county
		if reason := d.Placer.place(&o.Location); reason != "" {
			ps.add("location", "%s", reason)
		}
	}
	return ps
}

// CloseOpportunity closes an open opportunity: a community editor of the
// partner that posted it may.
func (d *Directory) CloseOpportunity(ctx context.Context, u *govern.User, id int64) (*Opportunity, error) {
	const action = "community.volunteer.close"
	target := fmt.Sprintf("opportunity:%d", id)
	o, err := d.opportunity(ctx, id)
	if err != nil {
		return nil, err
	}
	if !Editor(u) || u.PartnerID != o.Partner {
		return nil, d.refuse(ctx, u, action, target, fmt.Sprintf("only a community editor of partner %s, which posted it, may close opportunity %d", o.Partner, id))
	}
	if o.Status != Open {
		return nil, fault.Errorf(fault.Conflict, "opportunity %d is already %s", id, o.Status)
	}
	o.Status, o.ClosedBy, o.ClosedAt = Closed, u.ID, d.Clock.Now().UTC()
	if err := d.Store.CloseCommunityOpportunity(ctx, o); err != nil {
		return nil, err
	}
	return o, d.record(ctx, u, action, target, map[string]any{"organization": o.OrganisationID})
}

func (d *Directory) opportunity(ctx context.Context, id int64) (*Opportunity, error) {
	all, err := d.allOpportunities(ctx)
	if err != nil {
		return nil, err
	}
	for i := range all {
		if all[i].ID == id {
			return &all[i], nil
		}
	}
	return nil, fault.Errorf(fault.NotFound, "no volunteering opportunity %d", id)
}

// allOpportunities returns every opportunity with its zone set from the
// current zones (a zone re-designated later moves its opportunities).
func (d *Directory) allOpportunities(ctx context.Context) ([]Opportunity, error) {
	ops, err := d.Store.CommunityOpportunities(ctx)
	if err != nil {
		return nil, err
	}
	zs, err := d.Store.CommunityZones(ctx)
	if err != nil {
		return nil, err
	}
	in := zoneOf(zs)
	for i := range ops {
		ops[i].Zone = in[ops[i].Location.LSOA]
	}
	return ops, nil
}

// Opportunities returns the current opportunities (open, not past their
// closing date) matching q, newest first. It is public: no user needed.
func (d *Directory) Opportunities(ctx context.Context, q OpportunityQuery) ([]Opportunity, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	all, err := d.allOpportunities(ctx)
	if err != nil {
		return nil, err
	}
	now := d.Clock.Now()
	out := []Opportunity{}
	for i := range all {
		if all[i].Current(now) && q.Matches(&all[i]) {
			out = append(out, all[i])
		}
	}
	slices.SortStableFunc(out, func(a, b Opportunity) int { return int(b.ID - a.ID) })
	return out, nil
}
