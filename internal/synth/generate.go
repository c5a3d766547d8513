package synth

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/civiclink/civiclink/internal/fault"
)

// chunkHouseholds is how many households a worker generates at a time.
const chunkHouseholds = 2000

// Options are the run-time choices that never change the output.
type Options struct {
	// Progress, when set, is called from the writer with people written so
	// far and the total.
	Progress func(done, total int)
}

// Generate writes a synthetic county into dir (created if need be): one
// CSV and one schema file per dataset, truth.csv, people.csv and
// manifest.json, the manifest last. The same settings give the same bytes.
func Generate(ctx context.Context, cfg Config, dir string, opt Options) (*Manifest, *Stats, error) {
	w, err := newWorld(cfg)
	if err != nil {
		return nil, nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, nil, fault.Errorf(fault.Invalid, "cannot create output folder %s: %v", dir, err)
	}
	// An old manifest would vouch for files this run is about to replace.
	if err := os.Remove(filepath.Join(dir, ManifestFile)); err != nil && !os.IsNotExist(err) {
		return nil, nil, fault.Errorf(fault.Invalid, "cannot replace the manifest in %s: %v", dir, err)
	}
	out, err := openOutputs(w, dir)
	if err != nil {
		return nil, nil, err
	}
	defer out.close()
	sizes := householdSizesFor(w)
	stats, err := w.pipeline(ctx, sizes, out, opt)
	if err != nil {
		return nil, nil, err
	}
	if err := out.flush(); err != nil {
		return nil, nil, err
	}
	m, err := w.writeManifest(dir, stats)
	if err != nil {
		return nil, nil, err
	}
	return m, stats, nil
}

// householdSizesFor draws every household's size from one stream, the last
// cut so the county has exactly cfg.People people.
func householdSizesFor(w *world) []uint8 {
	r := rand.New(rand.NewPCG(w.cfg.Seed, 0x512e5))
	var sizes []uint8
	left := w.cfg.People
	for left > 0 {
		s := min(1+w.sizes.sample(r), left)
		sizes = append(sizes, uint8(s))
		left -= s
	}
	return sizes
}

// pipeline generates chunks on workers and writes them in order.
func (w *world) pipeline(ctx context.Context, sizes []uint8, out *outputs, opt Options) (*Stats, error) {
	workers := w.cfg.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	type job struct {
		h0, h1 int
		first  int32
		res    chan *chunk
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	jobs := make(chan job)
	queue := make(chan job, workers*2)
	go func() {
		defer close(queue)
		first := int32(0)
		for h0 := 0; h0 < len(sizes); h0 += chunkHouseholds {
			h1 := min(h0+chunkHouseholds, len(sizes))
			j := job{h0, h1, first, make(chan *chunk, 1)}
			for _, s := range sizes[h0:h1] {
				first += int32(s)
			}
			select {
			case queue <- j:
			case <-ctx.Done():
				return
			}
			select {
			case jobs <- j:
			case <-ctx.Done():
				return
			}
		}
	}()
	for range workers {
		go func() {
			g := newGen(w)
			for {
				select {
				case j := <-jobs:
					c := g.run(j.h0, j.h1, j.first, sizes)
					c.sortByDay(w.start, w.end)
					j.res <- c
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	stats := newStats(w)
	done := 0
	for j := range queue {
		var c *chunk
		select {
		case c = <-j.res:
		case <-ctx.Done():
			return nil, fault.Errorf(fault.Invalid, "generation stopped: %v", context.Cause(ctx))
		}
		if err := out.write(c, stats); err != nil {
			return nil, err
		}
		done += c.n
		c.release()
		if opt.Progress != nil {
			opt.Progress(done, w.cfg.People)
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, fault.Errorf(fault.Invalid, "generation stopped: %v", err)
	}
	stats.People = done
	return stats, nil
}

// sortByDay orders each dataset's rows within the chunk by event day, so
// that rows about one person are not all together. A counting sort over
// the days of the period: stable and linear.
func (c *chunk) sortByDay(start, end int32) {
	counts := make([]int32, end-start+2)
	for i := range c.ds {
		o := &c.ds[i]
		clear(counts)
		for _, d := range o.days {
			counts[d-start+1]++
		}
		for j := 1; j < len(counts); j++ {
			counts[j] += counts[j-1]
		}
		if cap(o.order) < len(o.days) {
			o.order = make([]int32, len(o.days))
		}
		o.order = o.order[:len(o.days)]
		for j, d := range o.days {
			k := d - start
			o.order[counts[k]] = int32(j)
			counts[k]++
		}
	}
}

func newStats(w *world) *Stats {
	s := &Stats{Rows: map[string]int64{}, Eligible: map[string][]int64{}, Applied: map[string][]int64{}}
	for _, d := range w.ds {
		s.Eligible[d.id] = make([]int64, numKinds)
		s.Applied[d.id] = make([]int64, numKinds)
	}
	return s
}

// outputs are the open files of one run.
type outputs struct {
	w      *world
	files  []*os.File
	ds     []*bufio.Writer
	truth  *bufio.Writer
	people *bufio.Writer
	seq    []uint64
	add    []uint64
	errTxt map[uint16]string
	num    []byte
}

const bufSize = 1 << 20

func openOutputs(w *world, dir string) (*outputs, error) {
	o := &outputs{w: w, errTxt: map[uint16]string{}}
	open := func(name, header string) (*bufio.Writer, error) {
		f, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			o.close()
			return nil, fault.Errorf(fault.Invalid, "cannot write %s in %s: %v", name, dir, err)
		}
		o.files = append(o.files, f)
		b := bufio.NewWriterSize(f, bufSize)
		b.WriteString(header)
		return b, nil
	}
	for i, d := range w.ds {
		sc := d.schema()
		js, err := sc.MarshalIndent()
		if err != nil {
			return nil, err
		}
		if err := os.WriteFile(filepath.Join(dir, d.id+".schema.json"), js, 0o644); err != nil {
			return nil, fault.Errorf(fault.Invalid, "cannot write schema of %s in %s: %v", d.id, dir, err)
		}
		names := make([]string, len(sc.Columns))
		for j, c := range sc.Columns {
			names[j] = c.Name
		}
		b, err := open(d.id+".csv", strings.Join(names, ",")+"\n")
		if err != nil {
			return nil, err
		}
		o.ds = append(o.ds, b)
		o.seq = append(o.seq, 0)
		o.add = append(o.add, splitmix(w.cfg.Seed^uint64(i+1)*0x51ed)%1_000_000_000)
	}
	var err error
	if o.truth, err = open("truth.csv", "dataset,record_id,person_id,errors\n"); err != nil {
		return nil, err
	}
	if o.people, err = open("people.csv", peopleHeader); err != nil {
		return nil, err
	}
	return o, nil
}

// recordID is the dataset's prefix and nine digits: an affine permutation
// of the row's sequence number modulo 10⁹, so ids are unique and do not
// follow file order.
func (o *outputs) recordID(b []byte, ds int) []byte {
	const mul = 387_420_489 // 3^18, coprime with 10
	n := (o.seq[ds]*mul + o.add[ds]) % 1_000_000_000
	o.seq[ds]++
	b = append(b, o.w.ds[ds].prefix...)
	var d [9]byte
	for i := 8; i >= 0; i-- {
		d[i] = byte('0' + n%10)
		n /= 10
	}
	return append(b, d[:]...)
}

func (o *outputs) write(c *chunk, st *Stats) error {
	for i := range c.ds {
		d := &c.ds[i]
		w := o.ds[i]
		id := o.w.ds[i].id
		for _, r := range d.order {
			start := int32(0)
			if r > 0 {
				start = d.ends[r-1]
			}
			o.num = o.recordID(o.num[:0], i)
			w.Write(o.num)
			w.Write(d.rows[start:d.ends[r]])
			w.WriteByte('\n')
			o.truth.WriteString(id)
			o.truth.WriteByte(',')
			o.truth.Write(o.num)
			o.truth.WriteByte(',')
			o.truth.Write(personID(d.persons[r]))
			o.truth.WriteByte(',')
			o.truth.WriteString(o.errorText(d.errs[r]))
			o.truth.WriteByte('\n')
		}
		st.Rows[id] += int64(len(d.order))
		for k := range numKinds {
			st.Eligible[id][k] += c.cnt[i].eligible[k]
			st.Applied[id][k] += c.cnt[i].applied[k]
		}
	}
	if _, err := o.people.Write(c.people); err != nil {
		return fault.Errorf(fault.Invalid, "cannot write people.csv: %v", err)
	}
	return nil
}

func (o *outputs) errorText(mask uint16) string {
	if s, ok := o.errTxt[mask]; ok {
		return s
	}
	var parts []string
	for k := range numKinds {
		if mask&(1<<k) != 0 {
			parts = append(parts, ErrorKind(k).String())
		}
	}
	s := strings.Join(parts, ";")
	o.errTxt[mask] = s
	return s
}

func (o *outputs) flush() error {
	all := append(append([]*bufio.Writer{}, o.ds...), o.truth, o.people)
	for _, b := range all {
		if err := b.Flush(); err != nil {
			return fault.Errorf(fault.Invalid, "cannot write output: %v", err)
		}
	}
	for _, f := range o.files {
		if err := f.Close(); err != nil {
			return fault.Errorf(fault.Invalid, "cannot close %s: %v", f.Name(), err)
		}
	}
	o.files = nil
	return nil
}

func (o *outputs) close() {
	for _, f := range o.files {
		f.Close()
	}
	o.files = nil
}

func (w *world) writeManifest(dir string, st *Stats) (*Manifest, error) {
	m := &Manifest{Seed: w.cfg.Seed, People: w.cfg.People, Partners: Partners, Truth: "truth.csv",
		Population: "people.csv", Settings: w.cfg, Errors: map[string]map[string][2]int64{}, Dir: dir}
	for _, d := range w.ds {
		m.Datasets = append(m.Datasets, ManifestDataset{Partner: d.partner, ID: d.id, Name: d.name, Description: d.about,
			File: d.id + ".csv", Schema: d.id + ".schema.json", Rows: st.Rows[d.id]})
		e := map[string][2]int64{}
		for k := range numKinds {
			if st.Eligible[d.id][k] > 0 {
				e[ErrorKind(k).String()] = [2]int64{st.Eligible[d.id][k], st.Applied[d.id][k]}
			}
		}
		m.Errors[d.id] = e
	}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode manifest: %w", err)
	}
	tmp := filepath.Join(dir, ManifestFile+".tmp")
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		return nil, fault.Errorf(fault.Invalid, "cannot write manifest in %s: %v", dir, err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, ManifestFile)); err != nil {
		return nil, fault.Errorf(fault.Invalid, "cannot write manifest in %s: %v", dir, err)
	}
	return m, nil
}
