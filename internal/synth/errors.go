package synth

import (
	"math/rand/v2"
	"strings"
)

// ident is a person's identity as one agency recorded it on one day.
type ident struct {
	fore, sur string
	y, m, d   int // date of birth as recorded; y == 0 when missing
	sex       byte
	addr      *address // as recorded (may be stale)
	postcode  string   // "" when missing
	nhs       string   // "" when missing
	errs      uint16   // bit k set when ErrorKind k was applied
}

// Stats counts what generation made: rows per dataset and, per dataset
// and error kind, how many records could have had the error and how many
// got it.
type Stats struct {
	People   int
	Rows     map[string]int64
	Eligible map[string][]int64 // by dataset id, indexed by ErrorKind
	Applied  map[string][]int64
}

// counts is the per-chunk form of Stats.
type counts struct {
	eligible, applied [numKinds]int64
}

// chance marks kind k eligible and reports whether it happens.
func (g *gen) chance(ds int, k ErrorKind) bool {
	g.cnt[ds].eligible[k]++
	if g.r.Float64() < g.w.rates[ds][k] {
		g.cnt[ds].applied[k]++
		return true
	}
	return false
}

// record returns how agency ds records person p of hh on day, with errors.
func (g *gen) record(ds int, hh *household, p *person, day int32) ident {
	d := g.w.ds[ds]
	id := ident{fore: p.fore, sur: p.sur, sex: p.sex}
	mark := func(k ErrorKind) { id.errs |= 1 << k }
	if nn, ok := nicknames[id.fore]; ok && g.chance(ds, Nickname) {
		id.fore = nn[g.r.IntN(len(nn))]
		mark(Nickname)
	}
	if p.alt != "" {
		if g.chance(ds, SurnameChanged) {
			id.sur = p.alt
			mark(SurnameChanged)
		} else if g.chance(ds, SurnameHyphenated) {
			if g.r.IntN(2) == 0 {
				id.sur = p.sur + "-" + p.alt
			} else {
				id.sur = p.alt + "-" + p.sur
			}
			mark(SurnameHyphenated)
		}
	}
	if g.chance(ds, KeyboardTypo) {
		if g.r.IntN(2) == 0 {
			id.fore = keyboardTypo(g.r, id.fore)
		} else {
			id.sur = keyboardTypo(g.r, id.sur)
		}
		mark(KeyboardTypo)
	}
	g.phonetic(ds, &id)
	if g.chance(ds, NameSwap) {
		id.fore, id.sur = id.sur, id.fore
		mark(NameSwap)
	}
	g.recordDOB(ds, d, p, &id)
	g.recordNHS(ds, d, hh, p, &id)
	g.recordAddress(ds, hh, day, &id)
	if g.chance(ds, CaseNoise) {
		if g.r.IntN(5) < 3 {
			id.fore, id.sur = strings.ToUpper(id.fore), strings.ToUpper(id.sur)
		} else {
			id.fore, id.sur = strings.ToLower(id.fore), strings.ToLower(id.sur)
		}
		mark(CaseNoise)
	}
	if g.chance(ds, WhitespaceNoise) {
		id.fore, id.sur = whitespace(g.r, id.fore, id.sur)
		mark(WhitespaceNoise)
	}
	return id
}

func (g *gen) phonetic(ds int, id *ident) {
	fi, si := g.phoneticRule(id.fore), g.phoneticRule(id.sur)
	if fi < 0 && si < 0 {
		return
	}
	if !g.chance(ds, PhoneticTypo) {
		return
	}
	if si < 0 || (fi >= 0 && g.r.IntN(2) == 0) {
		id.fore = applyPhonetic(id.fore, fi)
	} else {
		id.sur = applyPhonetic(id.sur, si)
	}
	id.errs |= 1 << PhoneticTypo
}

func (g *gen) recordDOB(ds int, d *dataset, p *person, id *ident) {
	id.y, id.m, id.d = civil(p.dob)
	if !d.dob {
		id.y = 0
		return
	}
	if g.chance(ds, DOBMissing) {
		id.y = 0
		id.errs |= 1 << DOBMissing
		return
	}
	if id.d <= 12 && id.d != id.m && g.chance(ds, DOBTransposed) {
		id.m, id.d = id.d, id.m
		id.errs |= 1 << DOBTransposed
	}
}

func (g *gen) recordNHS(ds int, d *dataset, hh *household, p *person, id *ident) {
	if !d.nhs || g.r.Float64() >= g.w.cfg.Datasets[d.id].NHSPresent {
		return
	}
	id.nhs = nhsNumber(g.w.cfg.Seed, p.idx)
	if !g.chance(ds, NHSWrong) {
		return
	}
	id.errs |= 1 << NHSWrong
	if len(hh.members) > 1 && g.r.IntN(2) == 0 {
		o := &hh.members[g.r.IntN(len(hh.members))]
		if o.idx == p.idx {
			o = &hh.members[(int(p.idx-hh.members[0].idx)+1)%len(hh.members)]
		}
		id.nhs = nhsNumber(g.w.cfg.Seed, o.idx)
		return
	}
	b := []byte(id.nhs)
	i := 1 + g.r.IntN(9)
	b[i] = byte('0' + (int(b[i]-'0')+1+g.r.IntN(9))%10)
	id.nhs = string(b)
}

func (g *gen) recordAddress(ds int, hh *household, day int32, id *ident) {
	cur, prev := hh.addressOn(day)
	id.addr = cur
	if prev != nil && g.chance(ds, StalePostcode) {
		id.addr = prev
		id.errs |= 1 << StalePostcode
	}
	id.postcode = id.addr.postcode
	if g.chance(ds, PostcodeMissing) {
		id.postcode = ""
		id.errs |= 1 << PostcodeMissing
	}
}

// keyboardRows are the rows of a UK QWERTY keyboard, for typos that hit a
// neighbouring key.
var keyboardRows = []string{"qwertyuiop", "asdfghjkl", "zxcvbnm"}

func neighbours(c byte) string {
	lc := c | 0x20
	for ri, row := range keyboardRows {
		i := strings.IndexByte(row, lc)
		if i < 0 {
			continue
		}
		var n []byte
		if i > 0 {
			n = append(n, row[i-1])
		}
		if i+1 < len(row) {
			n = append(n, row[i+1])
		}
		for _, o := range []int{ri - 1, ri + 1} {
			if o >= 0 && o < len(keyboardRows) && i < len(keyboardRows[o]) {
				n = append(n, keyboardRows[o][i])
			}
		}
		return string(n)
	}
	return ""
}

// keyboardTypo replaces one letter (not the first) by a neighbouring key,
// keeping its case; a name of one letter is left alone.
func keyboardTypo(r *rand.Rand, s string) string {
	if len(s) < 2 {
		return s
	}
	b := []byte(s)
	for try := 0; try < 8; try++ {
		i := 1 + r.IntN(len(b)-1)
		n := neighbours(b[i])
		if n == "" {
			continue
		}
		c := n[r.IntN(len(n))]
		if b[i] >= 'A' && b[i] <= 'Z' {
			c &^= 0x20
		}
		b[i] = c
		return string(b)
	}
	return s
}

// phoneticRules are spellings people hear alike, tried in order.
var phoneticRules = [][2]string{
	{"ph", "f"}, {"ck", "k"}, {"ie", "y"}, {"ey", "y"}, {"ou", "ow"}, {"ai", "ay"}, {"ee", "ea"},
	{"ll", "l"}, {"nn", "n"}, {"tt", "t"}, {"rr", "r"}, {"ss", "s"}, {"son", "sen"}, {"th", "t"},
	{"Mac", "Mc"}, {"Mc", "Mac"}, {"ae", "e"}, {"y", "i"}, {"c", "k"}, {"v", "ph"},
}

// phoneticRule is [phoneticRule] remembered per name.
func (g *gen) phoneticRule(s string) int {
	if i, ok := g.rules[s]; ok {
		return int(i)
	}
	if g.rules == nil || len(g.rules) > 1<<16 {
		g.rules = map[string]int8{}
	}
	i := phoneticRule(s)
	g.rules[s] = int8(i)
	return i
}

// phoneticRule returns the first rule that applies to s (after its first
// letter for lower-case patterns), or -1.
func phoneticRule(s string) int {
	for i, rule := range phoneticRules {
		if strings.Contains(s[min(1, len(s)):], rule[0]) || (rule[0][0] == 'M' && strings.HasPrefix(s, rule[0])) {
			return i
		}
	}
	return -1
}

func applyPhonetic(s string, rule int) string {
	from, to := phoneticRules[rule][0], phoneticRules[rule][1]
	if from[0] == 'M' {
		return to + s[len(from):]
	}
	i := strings.Index(s[1:], from) + 1
	return s[:i] + to + s[i+len(from):]
}

// whitespace adds stray spaces: before, after, or doubled inside a name.
func whitespace(r *rand.Rand, fore, sur string) (string, string) {
	s := &fore
	if r.IntN(2) == 0 {
		s = &sur
	}
	switch r.IntN(3) {
	case 0:
		*s = " " + *s
	case 1:
		*s += "  "
	default:
		if i := strings.IndexAny(*s, "- "); i > 0 {
			*s = (*s)[:i] + " " + (*s)[i:]
		} else {
			*s = " " + *s + " "
		}
	}
	return fore, sur
}
