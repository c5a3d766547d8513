package synth

import (
	"math"
)

// Event rates are per person-year, shaped by age, the hidden risks
// (latent score lat, domestic abuse da, mental-health need mh, youth risk,
// frailty), the district and the year. They are settings tuned to give
// about 6–7 records per person over six years, not official statistics.

// trend is a year's multiplier of a dataset's rates: the pandemic's dip in
// A&E attendances and visits, rising homelessness and care referrals.
func trend(id string, year int) float64 {
	t := year - 2018
	switch id {
	case "ae_attendances":
		if year == 2020 {
			return 0.75
		}
		return 1 + 0.02*float64(t)
	case "police_incidents":
		if year == 2020 {
			return 1.1
		}
		return 1 + 0.01*float64(t)
	case "homelessness":
		return 1 + 0.07*float64(t)
	case "safe_and_well":
		if year == 2020 {
			return 0.4
		}
		return 1
	case "adult_social_care":
		return 1 + 0.03*float64(t)
	}
	return 1
}

// rate returns the scaled rate of dataset ds for p in a year.
func (g *gen) rate(ds int, base float64, year int, lad int8) float64 {
	d := g.w.ds[ds]
	return base * trend(d.id, year) * g.w.cfg.Datasets[d.id].RateScale * g.w.lads[lad].urban
}

// events runs every dataset's generator for one person, in a fixed order
// (the school census first: exclusions feed youth offending).
func (g *gen) events(hh *household, p *person) {
	for i, d := range g.w.ds {
		d.emit(g, i, hh, p)
	}
}

// pick draws one of xs, uniformly or with the given weights.
func pick(g *gen, xs []string, ws ...float64) string {
	if len(ws) == 0 {
		return xs[g.r.IntN(len(xs))]
	}
	t := 0.0
	for _, w := range ws {
		t += max(w, 0)
	}
	u := g.r.Float64() * t
	for i, w := range ws {
		if w = max(w, 0); u < w {
			return xs[i]
		}
		u -= w
	}
	return xs[len(ws)-1]
}

func (w *world) ladCode(a *address) string { return w.lads[a.lad].code }

// policeAge shapes police involvement by age.
func policeAge(age int) float64 {
	switch {
	case age < 10:
		return 0.15
	case age < 18:
		return 1.4
	case age < 35:
		return 1.8
	case age < 55:
		return 1.1
	case age < 75:
		return 0.5
	}
	return 0.3
}

func emitPolice(g *gen, ds int, hh *household, p *person) {
	g.yearly(p, func(y int, from, to int32, age int) {
		cur, _ := hh.addressOn(from)
		base := 0.15 * policeAge(age) * math.Exp(0.7*p.lat)
		g.days(g.rate(ds, base, y, cur.lad), from, to, func(day int32) {
			role := pick(g, []string{"victim", "suspect", "witness"}, 0.5, 0.3*math.Exp(0.4*p.lat)*b2f(age >= 10)*(1+b2f(p.sex == 'M')), 0.2)
			g.policeRow(ds, hh, p, day, pick(g, crimeTypes), false, role, incidentRef(g.r.Uint64()))
		})
		if p.da && age >= 16 {
			g.days(g.rate(ds, 0.5, y, cur.lad), from, to, func(day int32) {
				ref := incidentRef(g.r.Uint64())
				ct := pick(g, []string{"violence_with_injury", "violence_without_injury", "stalking_harassment", "criminal_damage"}, 0.3, 0.45, 0.2, 0.05)
				g.policeRow(ds, hh, p, day, ct, true, "victim", ref)
				if p.partner >= 0 && hh.members[p.partner].death >= day && g.r.Float64() < 0.8 {
					g.policeRow(ds, hh, &hh.members[p.partner], day, ct, true, "suspect", ref)
				}
			})
		}
	})
}

func incidentRef(x uint64) string {
	const hex = "0123456789ABCDEF"
	b := []byte("42/000000000000")
	x = splitmix(x)
	for i := 3; i < len(b); i++ {
		b[i] = hex[x&15]
		x >>= 4
	}
	return string(b)
}

func (g *gen) policeRow(ds int, hh *household, p *person, day int32, crime string, da bool, role, ref string) {
	cur, _ := hh.addressOn(day)
	lsoa, lad := cur.lsoa, cur.lad
	if !da && g.r.Float64() < 0.3 { // away from home, same district
		li := &g.w.lads[lad]
		lsoa = li.lsoas[g.r.IntN(len(li.lsoas))]
	}
	sex := string(p.sex)
	if g.r.Float64() < 0.01 {
		sex = "U"
	}
	g.emit(ds, hh, p, day, func(id *ident) {
		g.date(day)
		g.str(ref)
		g.str(crime)
		g.flag(da)
		g.str(role)
		g.str(id.fore)
		g.str(id.sur)
		g.dob(id)
		g.str(sex)
		g.str(id.postcode)
		g.str(lsoa)
		g.str(g.w.lads[lad].code)
	})
}

// The place of safety of a section 136 detention: police custody was
// used routinely until the county's partners and the NHS arranged
// health-based places of safety, in use from May 2018; after that custody
// is about one detention in a hundred (the partnership's own account).
const (
	custodyBefore = 0.15
	custodyAfter  = 0.01
)

var custodyChange = dayOf(2018, 5, 1)

func emitS136(g *gen, ds int, hh *household, p *person) {
	if !p.mh {
		return
	}
	g.yearly(p, func(y int, from, to int32, age int) {
		if age < 16 {
			return
		}
		cur, _ := hh.addressOn(from)
		g.days(g.rate(ds, 0.012*math.Exp(0.3*p.lat), y, cur.lad), from, to, func(day int32) {
			custody := custodyAfter
			if day < custodyChange {
				custody = custodyBefore
			}
			place := "health_based"
			if g.r.Float64() < custody {
				place = "custody"
			}
			outcome := pick(g, []string{"admitted", "discharged", "referred_community"}, 0.25, 0.45, 0.3)
			p.detained = append(p.detained, day)
			a, _ := hh.addressOn(day)
			g.emit(ds, hh, p, day, func(id *ident) {
				g.date(day)
				g.str(place)
				g.str(outcome)
				g.str(id.fore)
				g.str(id.sur)
				g.dob(id)
				g.str(string(p.sex))
				g.str(id.nhs)
				g.str(id.postcode)
				g.str(g.w.ladCode(a))
			})
		})
	})
}

func aeAge(age int) float64 {
	switch {
	case age < 5:
		return 1.5
	case age < 16:
		return 0.75
	case age < 25:
		return 1.15
	case age < 65:
		return 0.85
	case age < 80:
		return 1.2
	}
	return 2.0
}

// A section 136 detention is often not the end of a crisis: with chance
// crisisFollowUp (times the A&E rate scale, at most 1) the person attends
// A&E with a mental-health presentation crisisGapDays later on average
// (exponential, at least a day), on top of their usual attendances.
const (
	crisisFollowUp = 0.3
	crisisGapDays  = 45
)

func emitAE(g *gen, ds int, hh *household, p *person) {
	g.yearly(p, func(y int, from, to int32, age int) {
		cur, _ := hh.addressOn(from)
		risk := (1 + 1.2*b2f(p.da) + 1.5*b2f(p.mh) + 0.6*b2f(p.frail)) * math.Exp(0.25*p.lat)
		g.days(g.rate(ds, 0.55*aeAge(age)*risk, y, cur.lad), from, to, func(day int32) {
			mh := p.mh && g.r.Float64() < 0.3 || g.r.Float64() < 0.02
			g.aeRow(ds, hh, p, day, age, mh)
		})
	})
	// emitS136 ran first (datasets order), so p.detained is complete.
	follow := min(crisisFollowUp*g.w.cfg.Datasets[g.w.ds[ds].id].RateScale, 1)
	for _, d := range p.detained {
		if g.r.Float64() >= follow {
			continue
		}
		day := d + 1 + int32(g.r.ExpFloat64()*crisisGapDays)
		if day > g.w.end || day > p.death {
			continue
		}
		g.aeRow(ds, hh, p, day, ageOn(p.dob, day), true)
	}
}

// aeRow writes one A&E attendance; mh marks a mental-health presentation.
func (g *gen) aeRow(ds int, hh *household, p *person, day int32, age int, mh bool) {
	avoidable := !mh && g.r.Float64() < 0.18+0.05*p.lat
	mode := pick(g, []string{"ambulance", "walk_in", "police"}, 0.2+0.4*b2f(age >= 75), 0.78, 0.02+0.1*b2f(mh))
	disposal := pick(g, []string{"admitted", "discharged", "referred", "left_before_seen"}, 0.2+0.3*b2f(age >= 75), 0.6, 0.12, 0.05)
	if avoidable {
		disposal = "discharged"
	}
	eth := ethnicGroups[p.eth].NHS
	if g.r.Float64() < 0.1 {
		eth = "Z"
	}
	sex := "1"
	if p.sex == 'F' {
		sex = "2"
	}
	g.emit(ds, hh, p, day, func(id *ident) {
		g.date(day)
		g.str(id.nhs)
		g.str(id.fore)
		g.str(id.sur)
		g.dob(id)
		g.str(sex)
		g.str(id.postcode)
		g.str(id.addr.lsoa)
		g.str(eth)
		g.str(mode)
		g.flag(mh)
		g.flag(avoidable)
		g.str(disposal)
	})
}

func emitHomeless(g *gen, ds int, hh *household, p *person) {
	if p.role == 'C' {
		return
	}
	g.yearly(p, func(y int, from, to int32, age int) {
		if age < 16 {
			return
		}
		cur, _ := hh.addressOn(from)
		risk := (1 + 5*b2f(p.da) + 2*b2f(p.mh)) * math.Exp(0.9*p.lat)
		g.days(g.rate(ds, 0.0012*risk, y, cur.lad), from, to, func(day int32) {
			reason := pick(g, homelessReasons, 0.25, 0.2, 0.02, 0.15, 0.03, 0.05, 0.03, 0.27)
			if p.da && g.r.Float64() < 0.6 {
				reason = "domestic_abuse"
			}
			duty := pick(g, []string{"prevention", "relief", "main"}, 0.55, 0.35, 0.1)
			htype := "single"
			kids := false
			for _, m := range hh.members {
				kids = kids || m.role == 'C'
			}
			switch {
			case kids && p.partner >= 0:
				htype = "family"
			case kids:
				htype = "single_parent"
			case p.partner >= 0:
				htype = "couple"
			}
			a, _ := hh.addressOn(day)
			sex := "Male"
			if p.sex == 'F' {
				sex = "Female"
			}
			g.emit(ds, hh, p, day, func(id *ident) {
				g.date(day)
				g.str(g.w.ladCode(a))
				g.str(id.fore)
				g.str(id.sur)
				g.dob(id)
				g.str(sex)
				g.str(id.postcode)
				g.str(reason)
				g.str(duty)
				g.str(htype)
			})
		})
	})
}

func emitFire(g *gen, ds int, hh *household, p *person) {
	g.yearly(p, func(y int, from, to int32, age int) {
		if age < 18 {
			return
		}
		cur, _ := hh.addressOn(from)
		base := 0.002 + 0.03*b2f(age >= 65) + 0.05*b2f(p.frail) + 0.01*b2f(p.mh)
		g.days(g.rate(ds, base, y, cur.lad), from, to, func(day int32) {
			src := pick(g, []string{"self", "family", "nhs", "police", "council", "other_partner"}, 0.25, 0.15, 0.2, 0.05, 0.2, 0.15)
			alarm := g.r.Float64() < 0.35
			risk := pick(g, []string{"low", "medium", "high"}, 0.5, 0.35, 0.15+0.2*b2f(p.frail))
			noDOB := g.r.Float64() < 0.4
			g.emit(ds, hh, p, day, func(id *ident) {
				if noDOB {
					id.y = 0
					id.errs &^= 1<<DOBTransposed | 1<<DOBMissing
				}
				g.date(day)
				g.str(id.fore)
				g.str(id.sur)
				g.dob(id)
				g.str(id.postcode)
				g.str(id.addr.lsoa)
				g.str(src)
				g.flag(alarm)
				g.str(risk)
			})
		})
	})
}

// ageBands are STATS19's casualty age bands by their upper age.
var ageBands = []struct {
	upto int
	code string
}{{5, "0_5"}, {10, "6_10"}, {15, "11_15"}, {20, "16_20"}, {25, "21_25"}, {35, "26_35"}, {45, "36_45"}, {55, "46_55"}, {65, "56_65"}, {75, "66_75"}, {200, "over_75"}}

func emitRoad(g *gen, ds int, hh *household, p *person) {
	g.yearly(p, func(y int, from, to int32, age int) {
		cur, _ := hh.addressOn(from)
		base := 0.0018 * (1 + 1.2*b2f(age >= 17 && age < 25)) * (1 + 0.3*b2f(p.sex == 'M'))
		g.days(g.rate(ds, base, y, cur.lad), from, to, func(day int32) {
			sev := pick(g, []string{"fatal", "serious", "slight"}, 0.01, 0.17, 0.82)
			class := pick(g, []string{"driver_rider", "passenger", "pedestrian"}, 0.6*b2f(age >= 16), 0.28, 0.12)
			band := ""
			for _, b := range ageBands {
				if age <= b.upto {
					band = b.code
					break
				}
			}
			a, _ := hh.addressOn(day)
			lad := a.lad
			if g.r.Float64() < 0.25 {
				lad = int8(g.w.ladCum.sample(g.r))
			}
			li := &g.w.lads[lad]
			lsoa := li.lsoas[g.r.IntN(len(li.lsoas))]
			g.emitAnon(ds, p, day, func() {
				g.date(day)
				g.str(sev)
				g.str(class)
				g.str(string(p.sex))
				g.str(band)
				g.str(lsoa)
				g.str(li.code)
			})
		})
	})
}

// emitActivity writes an NHS Health Check activity assessment: adults aged
// 40 to 74 are invited every five years and about half come; inactivity
// rises with age, frailty and mental-health need.
func emitActivity(g *gen, ds int, hh *household, p *person) {
	g.yearly(p, func(y int, from, to int32, age int) {
		if age < 40 || age > 74 {
			return
		}
		cur, _ := hh.addressOn(from)
		g.days(g.rate(ds, 0.1, y, cur.lad), from, to, func(day int32) {
			inactive := 0.18 + 0.08*b2f(age >= 60) + 0.25*b2f(p.frail) + 0.08*b2f(p.mh)
			index := pick(g, []string{"active", "moderately_active", "moderately_inactive", "inactive"}, 0.4, 0.22, 0.2, inactive)
			band := "40_49"
			switch {
			case age >= 70:
				band = "70_74"
			case age >= 60:
				band = "60_69"
			case age >= 50:
				band = "50_59"
			}
			a, _ := hh.addressOn(day)
			g.emitAnon(ds, p, day, func() {
				g.date(day)
				g.str(string(p.sex))
				g.str(band)
				g.str(index)
				g.str(a.lsoa)
				g.str(g.w.ladCode(a))
			})
		})
	})
}
