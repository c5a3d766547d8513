package community

import (
	"fmt"
	"math/rand/v2"
	"sort"
)

// opportunityKinds are the synthetic opportunities' templates: what, the
// minutes it takes, when and its theme.
var opportunityKinds = []struct {
	title   string
	minutes int
	when    string
	theme   string
}{
	{"Sort donated food for an hour", 60, "Saturday mornings", "food"},
	{"Drive a neighbour to a health appointment", 90, "weekdays, as booked", "health-access"},
	{"Phone an older neighbour for a chat", 20, "any time in the week", "loneliness"},
	{"Help set up the hall for a lunch club", 30, "Wednesdays 11:30", "loneliness"},
	{"Lead a short walk", 60, "Tuesday mornings", "physical-activity"},
	{"Make up a welcome pack for a night shelter guest", 30, "any evening", "homelessness"},
	{"Read with a child at stay and play", 45, "Thursday mornings", "early-years"},
	{"Help a young carer with homework", 60, "Mondays after school", "carers"},
	{"Collect surplus bread from a bakery", 15, "Friday afternoons", "food"},
	{"Pick litter with neighbours", 90, "first Sunday of the month", "physical-activity"},
	{"Be a friendly face on the door at the youth club", 120, "Friday evenings", "youth"},
	{"Proof-read a money advice leaflet", 45, "any time this month", "money-advice"},
}

// SynthesiseZones designates n synthetic community action zones: the
// LSOAs of the county's n largest wards (by LSOA count), one per district.
func SynthesiseZones(p *Placer, n int) []Zone {
	type ward struct {
		code, name, lad string
		lsoas           []string
	}
	byWard := map[string]*ward{}
	for _, l := range p.County.LSOAs {
		if l.WardCode == "" {
			continue
		}
		w := byWard[l.WardCode]
		if w == nil {
			w = &ward{code: l.WardCode, name: l.WardName, lad: l.LADCode}
			byWard[l.WardCode] = w
		}
		w.lsoas = append(w.lsoas, l.Code)
	}
	var ws []*ward
	for _, w := range byWard {
		ws = append(ws, w)
	}
	sort.Slice(ws, func(i, j int) bool {
		if len(ws[i].lsoas) != len(ws[j].lsoas) {
			return len(ws[i].lsoas) > len(ws[j].lsoas)
		}
		return ws[i].code < ws[j].code
	})
	var out []Zone
	used := map[string]bool{}
	for _, w := range ws {
		if len(out) == n {
			break
		}
		if used[w.lad] {
			continue
		}
		used[w.lad] = true
		out = append(out, Zone{ID: fmt.Sprintf("demo-zone-%d", len(out)+1), Name: w.name + " action zone (demo)", LSOAs: w.lsoas,
			Description: "A synthetic community action zone for the demo: the LSOAs of one ward."})
	}
	return out
}

// SynthesiseOpportunities generates n volunteering opportunities for the
// organisations of a published directory, half of them inside the zones.
// They respond through example.org addresses; nothing in them is real.
func SynthesiseOpportunities(ix *Index, zones []Zone, n int, seed uint64) []Opportunity {
	rng := rand.New(rand.NewPCG(seed, seed^0x51ed270b))
	var inZones []string
	for _, z := range zones {
		inZones = append(inZones, z.LSOAs...)
	}
	var withLSOA []*Version
	for i := range ix.all {
		if ls := ix.all[i].Service.Locations; len(ls) > 0 && ls[0].LSOA != "" {
			withLSOA = append(withLSOA, &ix.all[i])
		}
	}
	if len(withLSOA) == 0 {
		return nil
	}
	out := make([]Opportunity, 0, n)
	for i := range n {
		v := withLSOA[rng.IntN(len(withLSOA))]
		k := opportunityKinds[rng.IntN(len(opportunityKinds))]
		lsoa := v.Service.Locations[0].LSOA
		if len(inZones) > 0 && i%2 == 0 {
			lsoa = inZones[rng.IntN(len(inZones))]
		}
		org := v.Service.Organisation
		out = append(out, Opportunity{OrganisationID: org.ID, Title: k.title, Themes: []string{k.theme}, Minutes: k.minutes, When: k.when,
			Description: "A synthetic opportunity generated for the demo.",
			Respond:     "Say you can help through the organisation's volunteering page", RespondURL: "https://example.org/demo/volunteer/" + org.ID,
			Location: Location{ID: fmt.Sprintf("demo-opp-loc-%03d", i+1), Name: v.Service.Locations[0].Name, Town: v.Service.Locations[0].Town, LSOA: lsoa}})
	}
	return out
}
