package disclose_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/civiclink/civiclink/internal/disclose"
	"github.com/civiclink/civiclink/internal/refdata"
)

// Benchmarks time full disclosure control of a district × month table
// (14 × 48) and an LSOA × month table (1,111 × 48) and report the ratio to a
// plain copy of the same table ("x-copy"). Run them with
//
//	go test -run '^$' -bench Apply -benchtime 2s ./internal/disclose/
//
// The tables are crimes over 48 months: each Essex LSOA's (2021) monthly
// count is drawn (seeded Poisson) at the rate observed in the real
// data.police.uk Essex street-level crime of January–June 2018, so the mix
// of small and large cells is that of real data. The district table counts
// robberies (about 9 per district-month, many below 10); the LSOA table
// counts all street-level crime (about 15 per LSOA-month).

type benchTables struct {
	district, lsoa, lsoaGrouped *disclose.Table
}

var (
	benchOnce sync.Once
	benchTabs benchTables
	benchErr  error
)

func loadBenchTables(b *testing.B) benchTables {
	b.Helper()
	benchOnce.Do(func() { benchTabs, benchErr = buildBenchTables() })
	if benchErr != nil {
		b.Skipf("reference data not available: %v", benchErr)
	}
	return benchTabs
}

func buildBenchTables() (benchTables, error) {
	lookup, err := refdata.Path("geography_lookups", "essex_lsoa2021_lookup.csv")
	if err != nil {
		return benchTables{}, err
	}
	rows, err := readCSV(lookup)
	if err != nil {
		return benchTables{}, err
	}
	var lsoas, districts []string
	districtOf := map[string]string{}
	seen := map[string]bool{}
	for _, r := range rows[1:] {
		lsoas = append(lsoas, r[0])
		districtOf[r[0]] = r[6]
		if !seen[r[6]] {
			seen[r[6]] = true
			districts = append(districts, r[6])
		}
	}
	robbery, err := crimeRates("Robbery")
	if err != nil {
		return benchTables{}, err
	}
	all, err := crimeRates("")
	if err != nil {
		return benchTables{}, err
	}
	var months []string
	for m := range 48 {
		months = append(months, fmt.Sprintf("%d-%02d", 2015+m/12, m%12+1))
	}
	lt := disclose.NewTable("crimes", disclose.Dim{Name: "lsoa", Levels: lsoas}, disclose.Dim{Name: "month", Levels: months})
	dt := disclose.NewTable("crimes", disclose.Dim{Name: "district", Levels: districts}, disclose.Dim{Name: "month", Levels: months})
	rng := rand.New(rand.NewPCG(2018, 6))
	for i, l := range lsoas {
		for m := range months {
			lt.Cells[i*len(months)+m].Count = poisson(rng, rateOf(all, l))
			j, _ := dt.Index(districtOf[l], months[m])
			dt.Cells[j].Count += poisson(rng, rateOf(robbery, l))
		}
	}
	gt := &disclose.Table{Dims: []disclose.Dim{lt.Dims[0], lt.Dims[1]}, Cells: lt.Cells, Measure: lt.Measure}
	gt.Dims[0].Groups = make([]string, len(lsoas))
	for i, l := range lsoas {
		gt.Dims[0].Groups[i] = districtOf[l]
	}
	return benchTables{district: dt, lsoa: lt, lsoaGrouped: gt}, nil
}

// rateOf returns an LSOA's rate; a 2021 LSOA absent from the 2011 codes of
// the 2018 data gets the mean rate.
func rateOf(rates map[string]float64, lsoa string) float64 {
	if r, ok := rates[lsoa]; ok {
		return r
	}
	return rates[""]
}

// crimeRates returns each LSOA's mean monthly count of crimes of the given
// type ("" for all) in the real January–June 2018 files, and under "" the
// mean over LSOAs.
func crimeRates(crimeType string) (map[string]float64, error) {
	dir, err := refdata.Dir()
	if err != nil {
		return nil, err
	}
	counts := map[string]float64{}
	for m := 1; m <= 6; m++ {
		rows, err := readCSV(filepath.Join(dir, "police_crime", fmt.Sprintf("2018-%02d-essex-street.csv", m)))
		if err != nil {
			return nil, err
		}
		for _, r := range rows[1:] {
			if (crimeType == "" || r[9] == crimeType) && r[7] != "" {
				counts[r[7]]++
			}
		}
	}
	total := 0.0
	for k := range counts {
		counts[k] /= 6
		total += counts[k]
	}
	counts[""] = total / float64(len(counts))
	return counts, nil
}

func readCSV(path string) ([][]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	return r.ReadAll()
}

// poisson draws a Poisson count (Knuth's method; the rates are small).
func poisson(rng *rand.Rand, rate float64) int64 {
	l, k, p := math.Exp(-rate), int64(0), 1.0
	for {
		p *= rng.Float64()
		if p <= l {
			return k
		}
		k++
	}
}

// plainCopy is the reference: the table copied to output cells with their
// levels, no control at all.
func plainCopy(t *disclose.Table) []disclose.OutCell {
	out := make([]disclose.OutCell, 0, len(t.Cells))
	cols := t.Dims[1].Levels
	for i, c := range t.Cells {
		out = append(out, disclose.OutCell{Levels: []string{t.Dims[0].Levels[i/len(cols)], cols[i%len(cols)]}, Count: c.Count, Status: disclose.Shown})
	}
	return out
}

// cpuSeconds returns the CPU time the process has used (user + system).
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

// cpuPerOp runs op for about half a second and returns the CPU time per
// run.
func cpuPerOp(op func()) float64 {
	start, cpu0, n := time.Now(), cpuSeconds(), 0
	for ; time.Since(start) < 500*time.Millisecond; n++ {
		op()
	}
	return (cpuSeconds() - cpu0) / float64(n)
}

// runBench times op and reports its CPU time per run ("cpu-ms/op") and
// the ratio of that to the CPU time of a plain copy of t ("x-copy"). CPU
// time rather than wall time, because the machine is shared: wall time
// includes waiting for a core.
func runBench(b *testing.B, t *disclose.Table, op func() error) {
	b.Helper()
	b.ReportAllocs()
	cpu0 := cpuSeconds()
	for b.Loop() {
		if err := op(); err != nil {
			b.Fatal(err)
		}
	}
	perOp := (cpuSeconds() - cpu0) / float64(b.N)
	b.ReportMetric(perOp*1e3, "cpu-ms/op")
	b.ReportMetric(perOp/cpuPerOp(func() { plainCopy(t) }), "x-copy")
}

func BenchmarkApply(b *testing.B) {
	tabs := loadBenchTables(b)
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		t    *disclose.Table
	}{
		{"district×month=14×48", tabs.district},
		{"lsoa×month=1111×48", tabs.lsoa},
		{"lsoa(district)×month=1111×48", tabs.lsoaGrouped},
	} {
		b.Run(tc.name+"/copy", func(b *testing.B) {
			runBench(b, tc.t, func() error { plainCopy(tc.t); return nil })
		})
		b.Run(tc.name+"/suppress+round", func(b *testing.B) {
			var r *disclose.Result
			runBench(b, tc.t, func() (err error) {
				r, err = disclose.Apply(ctx, tc.t, disclose.Policy{RoundTo: 5}, disclose.Options{})
				return err
			})
			all := float64(r.Report.Cells + r.Report.Margins)
			b.ReportMetric(100*float64(r.Report.Primary)/all, "%primary")
			b.ReportMetric(100*float64(r.Report.Secondary)/all, "%secondary")
		})
		for _, mech := range []*disclose.DPConfig{
			{Mechanism: disclose.Laplace, Epsilon: 0.5},
			{Mechanism: disclose.Gaussian, Epsilon: 0.5, Delta: 1e-6},
		} {
			b.Run(tc.name+"/dp-"+string(mech.Mechanism), func(b *testing.B) {
				l := disclose.NewMemLedger()
				if err := l.SetBudget(ctx, "crime", disclose.Budget{Epsilon: 1e12, Delta: 0.5}); err != nil {
					b.Fatal(err)
				}
				runBench(b, tc.t, func() error {
					_, err := disclose.Apply(ctx, tc.t, disclose.Policy{RoundTo: 5, DP: mech}, disclose.Options{Dataset: "crime", Ledger: l})
					return err
				})
			})
		}
	}
}
