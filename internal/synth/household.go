package synth

import (
	"math"
	"math/rand/v2"
)

// address is where a household lives from a day on.
type address struct {
	from     int32
	lad      int8
	postcode string
	lsoa     string
}

// person is one synthetic resident with the hidden risks that drive the
// agencies' records about them.
type person struct {
	idx      int32 // index in the county, from 0
	sex      byte  // 'M' or 'F'
	dob      int32
	death    int32 // math.MaxInt32 when alive at the end
	age      int   // at the end of the period
	fore     string
	sur      string
	alt      string // a former surname or alias
	eth      int8
	role     byte // 'R' reference, 'P' partner, 'C' child, 'A' other adult
	partner  int  // index in the household, or -1
	dep, lat float64
	// hidden states over the period
	da, mh, youth, frail bool
	excluded             bool // set while school census records are made
	// detained are the days of section 136 detentions, set while they
	// are made (A&E follow-ups read them).
	detained []int32
}

// household is people at a sequence of addresses.
type household struct {
	idx     int
	members []person
	addrs   []address // in date order; the first from the start of time
}

// addressOn returns the household's address on a day, and the one before
// it (nil when it had not moved).
func (h *household) addressOn(day int32) (cur, prev *address) {
	for i := range h.addrs {
		if h.addrs[i].from > day {
			break
		}
		if i > 0 {
			prev = &h.addrs[i-1]
		}
		cur = &h.addrs[i]
	}
	return cur, prev
}

// moveRate is the chance per year that a household moves.
const moveRate = 0.08

// makeHousehold builds household h with people numbered from first.
func (w *world) makeHousehold(r *rand.Rand, h int, first int32, size int) household {
	hh := household{idx: h, members: make([]person, size)}
	lad := w.ladCum.sample(r)
	hh.addrs = append(hh.addrs, w.newAddress(r, lad, math.MinInt32))
	for m := poisson(r, moveRate*w.years); m > 0; m-- {
		day := w.start + int32(r.IntN(int(w.end-w.start+1)))
		to := lad
		if r.Float64() < 0.25 {
			to = w.ladCum.sample(r)
		}
		hh.addrs = append(hh.addrs, w.newAddress(r, to, day))
	}
	sortAddrs(hh.addrs)
	eth := int8(w.lads[lad].ethnicCum.sample(r))
	sur := w.names.surname(r, int(eth))
	dep := 0.6*w.lsoaDeprivation(lad, hh.addrs[0].lsoa) + 0.4*r.Float64()
	shock := r.NormFloat64()
	for i := range hh.members {
		p := &hh.members[i]
		p.idx, p.eth, p.partner, p.death = first+int32(i), eth, -1, math.MaxInt32
		w.makeMember(r, &hh, i, sur)
		p.dep = dep
		p.lat = 2*(dep-0.45) + 0.6*shock + 0.8*r.NormFloat64()
	}
	for i := range hh.members {
		w.lifeEvents(r, &hh.members[i])
	}
	return hh
}

func sortAddrs(a []address) {
	for i := 1; i < len(a); i++ {
		for j := i; j > 1 && a[j].from < a[j-1].from; j-- {
			a[j], a[j-1] = a[j-1], a[j]
		}
	}
}

// makeMember sets member i's role, age, sex and names.
func (w *world) makeMember(r *rand.Rand, hh *household, i int, sur string) {
	p := &hh.members[i]
	ref := &hh.members[0]
	switch roleFor(r, i, w.childProb1, w.childProbN) {
	case 'R':
		p.role, p.age = 'R', 18+w.adultAg.sample(r)
		p.sex = sexFor(r, p.age)
	case 'P':
		p.role, p.partner, ref.partner = 'P', 0, 1
		p.age = min(99, max(18, ref.age+int(math.Round(3*r.NormFloat64()))))
		p.sex = opposite(ref.sex)
		if r.Float64() < 0.05 {
			p.sex = ref.sex
		}
	case 'C':
		// no redraw when the child is close in age to the reference
		// person (a younger sibling): a redraw would bend the pyramid
		p.role, p.age = 'C', w.childAg.sample(r)
		p.sex = "MF"[r.IntN(2)]
	default:
		p.role, p.age = 'A', 18+w.adultAg.sample(r)
		p.sex = sexFor(r, p.age)
	}
	y, m, d := civil(w.end)
	lo := dayOf(y-p.age-1, m, d) + 1
	hi := dayOf(y-p.age, m, d)
	p.dob = lo + int32(r.IntN(int(hi-lo+1)))
	p.fore = w.names.forename(r, yearOf(p.dob), p.sex)
	p.sur, p.alt = sur, w.names.surname(r, int(p.eth))
	switch p.role {
	case 'R':
		if p.sex == 'M' && r.Float64() < 0.8 { // most men never change name
			p.alt = ""
		}
	case 'P':
		if r.Float64() < 0.3 { // not married, or kept their name
			p.sur, p.alt = p.alt, sur
		}
	case 'C':
		p.alt = ""
		if hh.members[1].role == 'P' && hh.members[1].sur != sur {
			// the other parent's surname: recorded by some agencies
			p.alt = hh.members[1].sur
			if r.Float64() < 0.5 {
				p.sur, p.alt = p.alt, sur
			}
		}
	case 'A':
		if r.Float64() < 0.5 { // a lodger or friend, not family
			p.sur, p.alt = p.alt, w.names.surname(r, int(p.eth))
		}
	}
	if p.alt == p.sur {
		p.alt = ""
	}
}

// roleFor decides what member i of a household is: the reference person,
// a partner, a child or another adult.
func roleFor(r *rand.Rand, i int, child1, childN float64) byte {
	switch {
	case i == 0:
		return 'R'
	case i == 1:
		if r.Float64() < child1 {
			return 'C'
		}
		if r.Float64() < 0.8 {
			return 'P'
		}
		return 'A'
	case r.Float64() < childN:
		return 'C'
	}
	return 'A'
}

func sexFor(r *rand.Rand, age int) byte {
	pf := 0.5
	if age >= 75 {
		pf = 0.58
	}
	if r.Float64() < pf {
		return 'F'
	}
	return 'M'
}

func opposite(s byte) byte {
	if s == 'F' {
		return 'M'
	}
	return 'F'
}

// lifeEvents draws a member's death and hidden risks.
func (w *world) lifeEvents(r *rand.Rand, p *person) {
	mid := float64(p.age) - w.years/2
	hazard := math.Exp(-10.2 + 0.093*mid)
	if r.Float64() < 1-math.Exp(-hazard*w.years) {
		from := max(w.start, p.dob)
		if from < w.end {
			p.death = from + int32(r.IntN(int(w.end-from+1)))
		}
	}
	L := p.lat
	switch {
	case p.sex == 'F' && mid >= 16 && mid <= 70:
		p.da = r.Float64() < logistic(-3.0+0.9*L)
	case mid >= 16 && mid <= 70:
		p.da = r.Float64() < logistic(-4.6+0.9*L)
	}
	if p.age >= 12 {
		p.mh = r.Float64() < logistic(-2.8+0.8*L+0.6*b2f(p.da))
	}
	if p.age >= 10 && float64(p.age)-w.years <= 17 {
		p.youth = r.Float64() < logistic(-2.4+1.0*L)
	}
	if p.age >= 70 {
		p.frail = r.Float64() < logistic(-2.2+0.06*float64(p.age-70)+0.5*p.dep)
	}
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// nhsNumber returns the person's 10-digit NHS-like number: 9, seven digits
// that permute the person's index, and the digit that makes the modulus-11
// check digit valid. Numbers starting with 9 are not issued in England, so
// no real person's number is made.
func nhsNumber(seed uint64, idx int32) string {
	const m = 10_000_000
	x := (uint64(idx)*7_368_787 + seed%m) % m // 7368787 is coprime with 10
	var b [10]byte
	b[0] = '9'
	for i := 7; i >= 1; i-- {
		b[i] = byte('0' + x%10)
		x /= 10
	}
	for d := byte('0'); d <= '9'; d++ {
		b[8] = d
		if c, ok := checkDigit(b[:9]); ok {
			b[9] = c
			break
		}
	}
	return string(b[:])
}

// checkDigit returns the modulus-11 check digit for nine digits, false
// when it would be 10.
func checkDigit(nine []byte) (byte, bool) {
	sum := 0
	for i := 0; i < 9; i++ {
		sum += int(nine[i]-'0') * (10 - i)
	}
	c := 11 - sum%11
	if c == 11 {
		c = 0
	}
	return byte('0' + c), c != 10
}
