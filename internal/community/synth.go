package community

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"

	"github.com/paulmach/orb/planar"
)

// serviceKinds are the templates of the synthetic directory: a name
// pattern ({place} is a ward name), whether a formal organisation runs it,
// its themes and a description.
var serviceKinds = []struct {
	name   string
	formal bool
	themes []string
	desc   string
}{
	{"{place} food bank", true, []string{"food", "money-advice"}, "Emergency food parcels on referral, with help to sort out what caused the crisis."},
	{"{place} community fridge", false, []string{"food"}, "Surplus food shared with anyone who can use it, no questions asked."},
	{"{place} lunch club", false, []string{"food", "loneliness"}, "A cooked lunch and company for older neighbours."},
	{"{place} wellbeing café", true, []string{"mental-health", "loneliness"}, "A drop-in to talk things through with trained volunteers over a cup of tea."},
	{"{place} listening space", false, []string{"mental-health"}, "Peer support for anyone feeling low or anxious."},
	{"{place} winter night shelter", false, []string{"homelessness", "faith"}, "Beds, an evening meal and breakfast in rotating church halls through the winter."},
	{"{place} street pastors", false, []string{"youth", "faith"}, "Volunteers from local churches out on Friday and Saturday nights caring for people in the town centre."},
	{"{place} school pastors", false, []string{"youth", "faith"}, "Volunteers at school gates and in playgrounds, a listening ear for pupils."},
	{"{place} housing advice surgery", true, []string{"homelessness", "money-advice"}, "Advice for anyone at risk of losing their home."},
	{"{place} domestic abuse drop-in", true, []string{"domestic-abuse"}, "Confidential advice and safety planning; children welcome."},
	{"{place} youth club", true, []string{"youth", "physical-activity"}, "Sport, music and a safe place to be for 11 to 18 year olds."},
	{"{place} friendship circle", false, []string{"loneliness"}, "A weekly get-together for anyone who would like more company."},
	{"{place} walking group", false, []string{"physical-activity", "loneliness"}, "Gentle led walks of about an hour, all paces welcome."},
	{"{place} chair exercise class", true, []string{"physical-activity"}, "Seated exercise for people with limited mobility."},
	{"{place} faith forum", false, []string{"faith"}, "Local faith groups working together on what their neighbourhood needs."},
	{"{place} money advice clinic", true, []string{"money-advice"}, "Help with debts, benefits and budgeting, by appointment or drop-in."},
	{"{place} carers' café", true, []string{"carers", "loneliness"}, "A break and a chat for unpaid carers, with information on support."},
	{"{place} young carers group", true, []string{"carers", "youth"}, "Activities and time out for young people who look after someone at home."},
	{"{place} stay and play", false, []string{"early-years"}, "Play sessions for under-fives and their parents or carers."},
	{"{place} baby bank", false, []string{"early-years", "food"}, "Clothes, equipment and essentials for babies, passed on by local families."},
	{"{place} health and wellbeing bus", true, []string{"health-access"}, "Health checks and advice on where to get the right care."},
}

// Synthesise generates a directory of n plausible services across the
// county, none of them real: organisations are named "… (demo)", charity
// numbers start DEMO-, phone numbers are in Ofcom's drama range and web
// and email addresses are at example.org. Services are placed at LSOA
// centroids, more of them where LSOAs are small (towns); formal and
// informal groups are mixed and a few serve the county from outside it.
func Synthesise(p *Placer, n int, seed uint64) []Service {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	lsoas, weights := townWeights(p)
	out := make([]Service, 0, n)
	for i := range n {
		l := lsoas[pick(rng, weights)]
		k := serviceKinds[rng.IntN(len(serviceKinds))]
		place := l.WardName
		if place == "" {
			place = strings.TrimRight(l.Name, "0123456789ABCDEFGH ")
		}
		name := place + strings.TrimPrefix(k.name, "{place}")
		s := Service{
			ID: fmt.Sprintf("demo-%04d", i+1), Name: name, Description: k.desc, Themes: append([]string(nil), k.themes...),
			Organisation: synthOrganisation(rng, place, k.formal, i),
			Locations:    []Location{{ID: fmt.Sprintf("demo-loc-%04d", i+1), Name: place + " community hall", Town: place, LSOA: l.Code}},
			Schedules:    synthSchedules(rng),
		}
		if rng.Float64() < 0.6 {
			s.Contacts = []Contact{{ID: fmt.Sprintf("demo-contact-%04d", i+1), Title: "Coordinator", Phone: fmt.Sprintf("01632 960%03d", rng.IntN(1000)),
				Email: fmt.Sprintf("hello-%04d@example.org", i+1), Consent: rng.Float64() < 0.75}}
		}
		if k.formal {
			s.URL = fmt.Sprintf("https://example.org/demo/%s", s.ID)
		}
		if rng.Float64() < 0.5 {
			s.Cost = "Free"
		}
		out = append(out, s)
	}
	// Two that serve the county from just over its border.
	for i, pt := range [][2]float64{{52.205, 0.119}, {51.577, 0.183}}[:min(2, n)] {
		s := out[i]
		s.ID = fmt.Sprintf("demo-x%d", i+1)
		s.Locations = []Location{{ID: s.ID + "-loc", Name: "Regional office", Latitude: pt[0], Longitude: pt[1], CrossBorder: true}}
		s.Contacts = nil
		out = append(out, s)
	}
	return out
}

func synthOrganisation(rng *rand.Rand, place string, formal bool, i int) Organisation {
	if formal {
		return Organisation{ID: fmt.Sprintf("demo-org-%04d", i+1), Name: place + " Community Trust (demo)", Kind: Formal,
			CharityNumber: fmt.Sprintf("DEMO-%05d", 10000+rng.IntN(90000)), URL: "https://example.org/demo",
			Description: "A synthetic organisation generated for the demo; not a real charity."}
	}
	return Organisation{ID: fmt.Sprintf("demo-org-%04d", i+1), Name: place + " Neighbours (demo)", Kind: Informal,
		Description: "A synthetic community group generated for the demo; not a real group."}
}

func synthSchedules(rng *rand.Rand) []Schedule {
	var out []Schedule
	start := rng.IntN(5)
	for d := start; d < 7 && len(out) < 1+rng.IntN(3); d += 1 + rng.IntN(3) {
		h := 9 + rng.IntN(9)
		out = append(out, Schedule{Weekday: Weekdays[d], Opens: fmt.Sprintf("%02d:00", h), Closes: fmt.Sprintf("%02d:%s", h+2, []string{"00", "30"}[rng.IntN(2)])})
	}
	return out
}

// townWeights weights each LSOA by the inverse square root of its area, so
// small (urban) LSOAs get more services.
func townWeights(p *Placer) ([]lsoaRef, []float64) {
	var ls []lsoaRef
	var ws []float64
	total := 0.0
	for _, l := range p.County.LSOAs {
		w := 1.0
		if p.LSOAs != nil {
			if a, ok := p.LSOAs.Area(l.Code); ok {
				w = 1 / math.Sqrt(max(planar.Area(a.Geometry), 1e-7))
			}
		}
		total += w
		ls = append(ls, lsoaRef{Code: l.Code, Name: l.Name, WardName: l.WardName})
		ws = append(ws, total)
	}
	return ls, ws
}

type lsoaRef struct{ Code, Name, WardName string }

// pick draws an index from cumulative weights.
func pick(rng *rand.Rand, cum []float64) int {
	x := rng.Float64() * cum[len(cum)-1]
	lo, hi := 0, len(cum)-1
	for lo < hi {
		m := (lo + hi) / 2
		if cum[m] < x {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}
