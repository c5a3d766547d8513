package synth

import (
	"math/rand/v2"
	"strconv"
	"sync"
)

// dsOut is one chunk's rows of one dataset, before record ids are given.
type dsOut struct {
	rows    []byte  // each row starts with ',' (the writer puts the id first)
	ends    []int32 // end of each row in rows
	persons []int32
	errs    []uint16
	days    []int32
	order   []int32 // rows in the order they are written
}

// chunk is the output of a run of households.
type chunk struct {
	ds     []dsOut
	people []byte
	cnt    []counts
	n      int // people
}

// chunkPool recycles chunks' buffers: growing them afresh for every
// chunk cost more than generating the rows.
var chunkPool sync.Pool

func (w *world) newChunk() *chunk {
	if c, ok := chunkPool.Get().(*chunk); ok && len(c.ds) == len(w.ds) {
		for i := range c.ds {
			o := &c.ds[i]
			o.rows, o.ends, o.persons, o.errs, o.days, o.order = o.rows[:0], o.ends[:0], o.persons[:0], o.errs[:0], o.days[:0], o.order[:0]
			c.cnt[i] = counts{}
		}
		c.people, c.n = c.people[:0], 0
		return c
	}
	return &chunk{ds: make([]dsOut, len(w.ds)), cnt: make([]counts, len(w.ds))}
}

// release returns a written chunk's buffers for reuse.
func (c *chunk) release() { chunkPool.Put(c) }

// gen generates households into a chunk; one per worker.
type gen struct {
	w   *world
	pcg *rand.PCG
	r   *rand.Rand
	out *chunk
	cnt []counts
	row []byte
	// rules remembers which phonetic rule applies to a name.
	rules map[string]int8
}

func newGen(w *world) *gen {
	pcg := rand.NewPCG(0, 0)
	return &gen{w: w, pcg: pcg, r: rand.New(pcg)}
}

// stream seeds the generator's random stream for one key, so every
// household and person has its own stream whatever the worker.
func (g *gen) stream(kind, key uint64) {
	g.pcg.Seed(g.w.cfg.Seed^kind*0x9E3779B97F4A7C15, key)
}

const (
	streamHousehold = 1
	streamPerson    = 2
)

// run builds households [h0, h1) whose first person is first.
func (g *gen) run(h0, h1 int, first int32, sizes []uint8) *chunk {
	c := g.w.newChunk()
	g.out, g.cnt = c, c.cnt
	idx := first
	for h := h0; h < h1; h++ {
		g.stream(streamHousehold, uint64(h))
		hh := g.w.makeHousehold(g.r, h, idx, int(sizes[h]))
		idx += int32(sizes[h])
		for i := range hh.members {
			p := &hh.members[i]
			g.stream(streamPerson, uint64(p.idx))
			g.events(&hh, p)
			c.people = g.w.appendPerson(c.people, &hh, p)
		}
		c.n += len(hh.members)
	}
	return c
}

// emit writes one record of dataset ds about p: write lays out the row
// from the recorded identity. Some records are entered twice.
func (g *gen) emit(ds int, hh *household, p *person, day int32, write func(id *ident)) {
	id := g.record(ds, hh, p, day)
	g.row = g.row[:0]
	write(&id)
	g.end(ds, p, day, id.errs)
	if g.chance(ds, Duplicate) {
		id := g.record(ds, hh, p, day)
		id.errs |= 1 << Duplicate
		g.row = g.row[:0]
		write(&id)
		g.end(ds, p, day, id.errs)
	}
}

// emitAnon writes a record that carries no identity.
func (g *gen) emitAnon(ds int, p *person, day int32, write func()) {
	g.row = g.row[:0]
	write()
	g.end(ds, p, day, 0)
}

func (g *gen) end(ds int, p *person, day int32, errs uint16) {
	o := &g.out.ds[ds]
	o.rows = append(o.rows, g.row...)
	o.ends = append(o.ends, int32(len(o.rows)))
	o.persons = append(o.persons, p.idx)
	o.errs = append(o.errs, errs)
	o.days = append(o.days, day)
}

// Field writers: each appends ',' and the value.

func (g *gen) str(s string) {
	g.row = appendField(g.row, s)
}

func (g *gen) date(day int32) {
	g.row = appendDate(append(g.row, ','), day)
}

func (g *gen) dob(id *ident) {
	g.row = append(g.row, ',')
	if id.y != 0 {
		g.row = appendYMD(g.row, id.y, id.m, id.d)
	}
}

func (g *gen) num(n int) {
	g.row = strconv.AppendInt(append(g.row, ','), int64(n), 10)
}

func (g *gen) dec(f float64) {
	g.row = strconv.AppendFloat(append(g.row, ','), f, 'f', 1, 64)
}

func (g *gen) flag(b bool) {
	if b {
		g.row = append(g.row, ",true"...)
	} else {
		g.row = append(g.row, ",false"...)
	}
}

// appendField appends ',' and s, quoted as CSV needs.
func appendField(b []byte, s string) []byte {
	b = append(b, ',')
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == ',' || c == '"' || c == '\n' || c == '\r' {
			b = append(b, '"')
			for j := 0; j < len(s); j++ {
				if s[j] == '"' {
					b = append(b, '"')
				}
				b = append(b, s[j])
			}
			return append(b, '"')
		}
	}
	return append(b, s...)
}

// yearly calls fn for each calendar year of the period with the part of it
// the person was alive for (from, to inclusive) and their age mid-way.
func (g *gen) yearly(p *person, fn func(year int, from, to int32, age int)) {
	y0, y1 := yearOf(g.w.start), yearOf(g.w.end)
	for y := y0; y <= y1; y++ {
		from := max(dayOf(y, 1, 1), g.w.start, p.dob)
		to := min(dayOf(y, 12, 31), g.w.end, p.death)
		if to < from {
			continue
		}
		fn(y, from, to, ageOn(p.dob, from+(to-from)/2))
	}
}

// events draws n ~ Poisson(rate × exposure) days in [from, to].
func (g *gen) days(rate float64, from, to int32, fn func(day int32)) {
	n := poisson(g.r, rate*float64(to-from+1)/365.25)
	for ; n > 0; n-- {
		fn(from + int32(g.r.IntN(int(to-from+1))))
	}
}

// appendPerson writes the person's true identity to people.csv.
func (w *world) appendPerson(b []byte, hh *household, p *person) []byte {
	b = append(b, personID(p.idx)...)
	b = appendField(b, p.fore)
	b = appendField(b, p.sur)
	b = appendField(b, p.alt)
	b = append(b, ',', p.sex, ',')
	b = appendDate(b, p.dob)
	b = append(b, ',')
	if p.death != maxDay {
		b = appendDate(b, p.death)
	}
	b = appendField(b, nhsNumber(w.cfg.Seed, p.idx))
	b = appendField(b, ethnicGroups[p.eth].Code)
	first, last := &hh.addrs[0], &hh.addrs[len(hh.addrs)-1]
	b = appendField(b, w.lads[first.lad].code)
	b = appendField(b, first.lsoa)
	b = appendField(b, first.postcode)
	b = appendField(b, w.lads[last.lad].code)
	b = appendField(b, last.lsoa)
	b = appendField(b, last.postcode)
	b = append(b, ',')
	b = strconv.AppendInt(b, int64(len(hh.addrs)-1), 10)
	b = append(b, ",H"...)
	b = strconv.AppendInt(b, int64(hh.idx+1), 10)
	b = append(b, ',', p.role)
	return append(b, '\n')
}

// peopleHeader is the header of people.csv.
const peopleHeader = "person_id,forename,surname,former_surname,sex,dob,death_date,nhs_number,ethnic_group," +
	"first_lad,first_lsoa,first_postcode,last_lad,last_lsoa,last_postcode,moves,household_id,household_role\n"

const maxDay = int32(1<<31 - 1)

// personID is the truth's id of a person: P and eight digits.
func personID(idx int32) []byte {
	b := []byte("P00000000")
	n := int(idx) + 1
	for i := 8; i >= 1 && n > 0; i-- {
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return b
}
