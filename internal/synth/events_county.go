package synth

import "math"

// The county council's datasets: the school census, youth offending and
// adult social care.

func emitSchool(g *gen, ds int, hh *household, p *person) {
	y0, y1 := yearOf(g.w.start), yearOf(g.w.end)
	for y := y0; y <= y1; y++ {
		day := censusDay(y)
		if day < g.w.start || day > g.w.end || day > p.death || day < p.dob {
			continue
		}
		age := ageOn(p.dob, dayOf(y-1, 8, 31))
		if age < 4 || age > 15 {
			continue
		}
		year := "R"
		if age > 4 {
			year = itoa(age - 4)
		}
		fsm := g.r.Float64() < logistic(-2.2+2.5*(p.dep-0.45)*2+0.4*p.lat)
		sen := pick(g, []string{"none", "sen_support", "ehcp"}, 0.84-0.05*p.lat, 0.13+0.03*p.lat, 0.03+0.01*p.lat)
		fixed, perm := 0, false
		if age >= 8 && g.r.Float64() < logistic(-3.6+0.9*p.lat+1.6*b2f(p.youth)+0.3*b2f(sen != "none")) {
			fixed = 1 + poisson(g.r, 0.8)
			perm = g.r.Float64() < 0.06
			p.excluded = true
		}
		gld := ""
		if year == "R" {
			boy := b2f(p.sex == 'M')
			gld = boolText(g.r.Float64() < logistic(1.1-1.6*(p.dep-0.45)*2-0.2*p.lat-0.45*boy))
		}
		att := math.Min(100, 96-2.5*math.Max(0, p.lat)-3*b2f(fixed > 0)+1.5*g.r.NormFloat64())
		eth := ethnicGroups[p.eth].Code
		if g.r.Float64() < 0.02 {
			eth = "NS"
		}
		upn := upnOf(g.w.cfg.Seed, p.idx)
		g.emit(ds, hh, p, day, func(id *ident) {
			g.date(day)
			g.str(upn)
			g.str(id.fore)
			g.str(id.sur)
			g.dob(id)
			g.str(string(p.sex))
			g.str(id.postcode)
			g.str(id.addr.lsoa)
			g.str(eth)
			g.str(year)
			g.flag(fsm)
			g.str(sen)
			g.num(fixed)
			g.flag(perm)
			g.str(gld)
			g.dec(max(att, 40))
		})
	}
}

func boolText(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

// upnOf is a pupil's unique pupil number: a letter and 12 digits, a keyed
// permutation of the person index so it says nothing about other datasets.
func upnOf(seed uint64, idx int32) string {
	x := splitmix(seed ^ 0x0b0e ^ uint64(idx)<<20)
	b := []byte("A000000000000")
	b[0] = "ABCDEFGHJKLMNPQRTUVWXYZ"[x%23]
	x /= 23
	n := x % 1_000_000_000_000
	for i := 12; i >= 1; i-- {
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b)
}

func splitmix(x uint64) uint64 {
	x += 0x9E3779B97F4A7C15
	x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9
	x = (x ^ (x >> 27)) * 0x94D049BB133111EB
	return x ^ (x >> 31)
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return string([]byte{byte('0' + n/10), byte('0' + n%10)})
}

func emitYOT(g *gen, ds int, hh *household, p *person) {
	g.yearly(p, func(y int, from, to int32, age int) {
		if age < 10 || age > 17 {
			return
		}
		cur, _ := hh.addressOn(from)
		risk := (1 + 4*b2f(p.youth)) * (1 + 2*b2f(p.excluded)) * math.Exp(0.8*p.lat) * (1 + 1.5*b2f(p.sex == 'M'))
		g.days(g.rate(ds, 0.0035*risk, y, cur.lad), from, to, func(day int32) {
			off := pick(g, []string{"violence", "robbery", "theft", "drugs", "criminal_damage", "motoring", "public_order", "other"}, 0.3, 0.06, 0.14, 0.12, 0.1, 0.1, 0.08, 0.1)
			disp := pick(g, []string{"youth_caution", "youth_conditional_caution", "referral_order", "youth_rehabilitation_order", "custody"}, 0.3, 0.25, 0.3, 0.12, 0.03)
			a, _ := hh.addressOn(day)
			g.emit(ds, hh, p, day, func(id *ident) {
				g.date(day)
				g.str(id.fore)
				g.str(id.sur)
				g.dob(id)
				g.str(string(p.sex))
				g.str(id.postcode)
				g.str(g.w.ladCode(a))
				g.str(off)
				g.str(disp)
			})
		})
	})
}

func emitASC(g *gen, ds int, hh *household, p *person) {
	g.yearly(p, func(y int, from, to int32, age int) {
		if age < 18 {
			return
		}
		cur, _ := hh.addressOn(from)
		ageF := 1.0
		switch {
		case age >= 80:
			ageF = 12
		case age >= 65:
			ageF = 4
		}
		g.days(g.rate(ds, 0.008*ageF*(1+2*b2f(p.frail)+1.5*b2f(p.mh)), y, cur.lad), from, to, func(day int32) {
			reason := "physical_support"
			switch {
			case p.mh && g.r.Float64() < 0.6:
				reason = "mental_health"
			case age >= 75 && g.r.Float64() < 0.25:
				reason = "memory_cognition"
			default:
				reason = pick(g, []string{"physical_support", "sensory_support", "learning_disability", "social_support"}, 0.7, 0.06, 0.1, 0.14)
			}
			src := pick(g, []string{"self", "family", "gp", "hospital", "police", "other"}, 0.2, 0.25, 0.15, 0.3, 0.03, 0.07)
			out := pick(g, []string{"long_term_support", "short_term_support", "universal_services", "no_services"}, 0.2, 0.3, 0.35, 0.15)
			sex := "Male"
			if p.sex == 'F' {
				sex = "Female"
			}
			a, _ := hh.addressOn(day)
			g.emit(ds, hh, p, day, func(id *ident) {
				g.date(day)
				g.str(id.nhs)
				g.str(id.fore)
				g.str(id.sur)
				g.dob(id)
				g.str(sex)
				g.str(id.postcode)
				g.str(g.w.ladCode(a))
				g.str(reason)
				g.str(src)
				g.str(out)
			})
		})
	})
}
