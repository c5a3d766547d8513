package synth

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// BenchmarkGenerate generates a county and, as the reference, writes the
// same bytes from memory through the same buffered writers: the ratio says
// what generation costs over the disk writes it cannot avoid.
func BenchmarkGenerate(b *testing.B) {
	for _, n := range []int{100_000} {
		b.Run("people=100k", func(b *testing.B) {
			b.ReportAllocs()
			cfg := DefaultConfig(n, 1)
			dir := b.TempDir()
			var genNs, refNs float64
			var bytes int64
			var rows int64
			for b.Loop() {
				b.StartTimer()
				_, st, err := Generate(context.Background(), cfg, dir, Options{})
				if err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				rows = 0
				for _, r := range st.Rows {
					rows += r
				}
				files, data := readDir(b, dir)
				bytes = 0
				for _, d := range data {
					bytes += int64(len(d))
				}
				ref := b.TempDir()
				start := time.Now()
				for i, name := range files {
					writeFile(b, filepath.Join(ref, name), data[i])
				}
				refNs += float64(time.Since(start).Nanoseconds())
				b.StartTimer()
			}
			genNs = float64(b.Elapsed().Nanoseconds())
			b.ReportMetric(float64(rows)/(genNs/1e9)*float64(b.N), "records/s")
			b.ReportMetric(float64(bytes)/1e6, "MB")
			b.ReportMetric(genNs/refNs, "x-write")
		})
	}
}

func readDir(tb testing.TB, dir string) ([]string, [][]byte) {
	tb.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		tb.Fatal(err)
	}
	var names []string
	var data [][]byte
	for _, e := range es {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			tb.Fatal(err)
		}
		names, data = append(names, e.Name()), append(data, b)
	}
	return names, data
}

func writeFile(tb testing.TB, path string, data []byte) {
	tb.Helper()
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	w := bufio.NewWriterSize(f, bufSize)
	for i := 0; i < len(data); i += 64 << 10 {
		w.Write(data[i:min(i+64<<10, len(data))])
	}
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
}
