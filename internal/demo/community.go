package demo

import (
	"context"
	"fmt"

	"github.com/civiclink/civiclink/internal/community"
	"github.com/civiclink/civiclink/internal/govern"
)

// CommunityEditor is the demo's community editor, in the voluntary sector.
const CommunityEditor = "voluntary.editor"

// communityServices is the size of the demo's synthetic directory.
const communityServices = 400

// demoOpportunities is how many volunteering opportunities the demo posts.
const demoOpportunities = 30

// community fills the directory: a synthetic directory published by the
// voluntary sector's community editor, then a few public suggestions and
// a correction left waiting in the moderation queue.
func (f Flow) community(ctx context.Context, sum *Summary) error {
	editor, err := f.Gov.Actor(ctx, CommunityEditor)
	if err != nil {
		return err
	}
	d := f.Community
	res, err := d.Import(ctx, editor, community.Synthesise(d.Placer, communityServices, f.Seed), true, "demo synthetic directory")
	if err != nil {
		return err
	}
	suggestions := community.Synthesise(d.Placer, 4, f.Seed+1)
	for i := range suggestions {
		suggestions[i].ID = fmt.Sprintf("demo-suggestion-%d", i+1)
		if _, err := d.Suggest(ctx, nil, suggestions[i], "suggested through the public form"); err != nil {
			return err
		}
	}
	ix, err := d.Published(ctx)
	if err != nil {
		return err
	}
	if v, err := ix.Get("demo-0001"); err == nil {
		fix := v.Service
		fix.Description += " Now also on Saturday mornings."
		fix.Schedules = append(fix.Schedules, community.Schedule{Weekday: "SA", Opens: "09:00", Closes: "11:00"})
		if _, err := d.Suggest(ctx, nil, fix, "a correction from the public form"); err != nil {
			return err
		}
	}
	zones, opportunities, err := f.volunteering(ctx, d, editor, ix)
	if err != nil {
		return err
	}
	sum.Services = ix.Len()
	fmt.Fprintf(f.Log, "   %d services published by %s (%d new); %d suggestions and a correction wait for moderation at /community/queue; the public map is /community\n",
		ix.Len(), CommunityEditor, res.New, len(suggestions))
	fmt.Fprintf(f.Log, "   %d community action zones and %d volunteering opportunities at /community/volunteering\n", zones, opportunities)
	return nil
}

// volunteering designates the demo's community action zones and posts its
// volunteering opportunities, as the community editor.
func (f Flow) volunteering(ctx context.Context, d *community.Directory, editor *govern.User, ix *community.Index) (int, int, error) {
	zones := community.SynthesiseZones(d.Placer, 3)
	for _, z := range zones {
		if _, err := d.DesignateZone(ctx, editor, z); err != nil {
			return 0, 0, fmt.Errorf("designate zone %s: %w", z.ID, err)
		}
	}
	ops := community.SynthesiseOpportunities(ix, zones, demoOpportunities, f.Seed)
	for _, o := range ops {
		if _, err := d.PostOpportunity(ctx, editor, o); err != nil {
			return 0, 0, fmt.Errorf("post opportunity %q: %w", o.Title, err)
		}
	}
	return len(zones), len(ops), nil
}
