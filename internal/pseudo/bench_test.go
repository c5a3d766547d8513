package pseudo

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/csv"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/blake2b"

	"github.com/civiclink/civiclink/internal/refdata"
)

// benchPeople returns n made-up people (person_id, forename, surname, dob,
// sex, postcode) drawn from the shared name and postcode-sector lists, or
// from the built-in lists when the shared data is absent.
func benchPeople(tb testing.TB, n int) [][]string {
	tb.Helper()
	forenames, surnames, sectors := genForenames, genSurnames, []string{"CM1 4", "CO2 7", "SS0 9", "RM1 3"}
	if p, err := refdata.Path("synthetic_people_reference", "forenames_en_GB_faker.csv"); err == nil {
		forenames = column(tb, p, 2)
	}
	if p, err := refdata.Path("synthetic_people_reference", "surnames_en_GB_faker_weighted.csv"); err == nil {
		surnames = column(tb, p, 0)
	}
	if p, err := refdata.Path("synthetic_people_reference", "postcode_sectors_CM_CO_SS_RM_IG_census2011.csv"); err == nil {
		sectors = column(tb, p, 2)
	}
	const unit = "ABDEFGHJLNPQRSTUWXYZ"
	rng := rand.New(rand.NewPCG(3, 4))
	rows := make([][]string, n)
	for i := range rows {
		rows[i] = []string{
			fmt.Sprintf("P%08d", i),
			forenames[rng.IntN(len(forenames))],
			surnames[rng.IntN(len(surnames))],
			fmt.Sprintf("%04d-%02d-%02d", 1925+rng.IntN(100), 1+rng.IntN(12), 1+rng.IntN(28)),
			[]string{"M", "F"}[rng.IntN(2)],
			sectors[rng.IntN(len(sectors))] + string(unit[rng.IntN(len(unit))]) + string(unit[rng.IntN(len(unit))]),
		}
	}
	return rows
}

func column(tb testing.TB, path string, col int) []string {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		tb.Fatal(err)
	}
	var out []string
	for _, r := range recs[1:] {
		out = append(out, r[col])
	}
	return out
}

// naiveRecord is the reference: the same work done the obvious way, as a
// port of clkhash's loop would do it — a fresh keyed BLAKE2b (x/crypto,
// assembly; unsalted, so not compatible) and a fresh HMAC for every token,
// strings built per token. It shows what the pre-keyed states and reused
// scratch space buy.
func naiveRecord(key []byte, row []string) int {
	set := 0
	for _, v := range row[1:] {
		v = " " + strings.ToUpper(v) + " "
		for i := 0; i+2 <= len(v); i++ {
			h, _ := blake2b.New512(key)
			h.Write([]byte(v[i : i+2]))
			set += int(h.Sum(nil)[0])
		}
	}
	for range 3 {
		m := hmac.New(sha256.New, key)
		m.Write([]byte(strings.Join(row[1:], "\x1f")))
		set += int(m.Sum(nil)[0])
	}
	return set
}

// BenchmarkEncodeRecord encodes one record at a time on one goroutine with
// the bench schema (5 identifiers, a 1024-bit CLK and 3 tokens) and reports
// records/s on one core and the speed-up over the naive reference.
func BenchmarkEncodeRecord(b *testing.B) {
	rows := benchPeople(b, 20000)
	enc, err := NewEncoder(readSpec(b, "testdata/bench_spec.json"), testSecret(b, "bench secret"))
	if err != nil {
		b.Fatal(err)
	}
	bind, err := enc.Bind([]string{"person_id", "forename", "surname", "dob", "sex", "postcode"})
	if err != nil {
		b.Fatal(err)
	}
	key := make([]byte, 64)
	start := time.Now()
	sink := 0
	for _, r := range rows {
		sink += naiveRecord(key, r)
	}
	naive := time.Since(start).Seconds() / float64(len(rows))
	var s scratch
	var out []string
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuSeconds()
	i := 0
	for b.Loop() {
		var rerr *RowError
		out, rerr = bind.encodeRow(out[:0], rows[i%len(rows)], 2, &s)
		if rerr != nil {
			b.Fatal(rerr)
		}
		i++
	}
	per := b.Elapsed().Seconds() / float64(b.N)
	b.ReportMetric(1/per, "records/s")
	b.ReportMetric(float64(b.N)/(cpuSeconds()-cpu0), "records/cpu-s")
	b.ReportMetric(naive/per, "x_vs_naive")
	_ = sink
}

// BenchmarkPseudonymiseFile runs the whole command path (read CSV, encode on
// all cores, write CSV atomically) on 100,000 records and reports records/s
// overall and per CPU-second, the cores used, and against one worker run in
// the same process: the wall-clock speed-up and the CPU efficiency.
func BenchmarkPseudonymiseFile(b *testing.B) {
	const n = 100000
	dir := b.TempDir()
	in := filepath.Join(dir, "people.csv")
	f, _ := os.Create(in)
	w := csv.NewWriter(f)
	w.Write([]string{"person_id", "forename", "surname", "dob", "sex", "postcode"})
	w.WriteAll(benchPeople(b, n))
	f.Close()
	spec := readSpec(b, "testdata/bench_spec.json")
	secret := testSecret(b, "bench secret")
	run := func(workers int) time.Duration {
		t0 := time.Now()
		res, err := Run(context.Background(), Options{Spec: spec, Secret: secret, In: in, Out: filepath.Join(dir, "out.csv"), Workers: workers})
		if err != nil || res.Rows != n {
			b.Fatalf("run: %v", err)
		}
		return time.Since(t0)
	}
	c1 := cpuSeconds()
	one := run(1)
	oneCPU := cpuSeconds() - c1
	workers := runtime.GOMAXPROCS(0)
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuSeconds()
	for b.Loop() {
		run(workers)
	}
	cpu := cpuSeconds() - cpu0
	per := b.Elapsed().Seconds() / float64(b.N)
	b.ReportMetric(n/per, "records/s")
	b.ReportMetric(float64(n*b.N)/cpu, "records/cpu-s")
	b.ReportMetric(cpu/b.Elapsed().Seconds(), "cores_used")
	b.ReportMetric(float64(workers), "workers")
	b.ReportMetric(one.Seconds()/per, "x_vs_1_worker")
	// CPU per record with all workers against one worker: near 1 means the
	// parallel pipeline costs no extra work, so it scales with free cores.
	b.ReportMetric(oneCPU/(cpu/float64(b.N)), "cpu_eff_vs_1_worker")
}
