// Command gen derives the reference data that civiclink embeds from the
// partnership's shared data folder (../shared/data): it keeps the columns
// and GeoJSON properties the code reads, blanks the columns of the real
// street-crime extract that the demo does not show, and gzips each file
// under the same relative path. Run it through `go generate
// ./internal/refdata`; data/README.md says what each file holds and its
// licence.
package main

import (
	"bytes"
	"compress/gzip"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"

	"github.com/civiclink/civiclink/internal/refdata"
)

// kind is how a file is derived.
type kind int

const (
	verbatim kind = iota // copied as is
	columns              // CSV reduced to the named columns, in their order
	blanked              // CSV with the named columns emptied (header kept)
	geojson              // GeoJSON reduced to the code and name properties
)

// file is one derived file.
type file struct {
	name string // slash-separated path in the shared data layout
	kind kind
	cols []string // columns, blanked columns, or the code and name properties
}

// files are every file the binary embeds. Keep data/README.md in step.
var files = []file{
	{"geography_lookups/essex_lad_lookup.csv", columns, []string{"LADCD", "LADNM", "UTLACD", "UTLANM"}},
	{"geography_lookups/essex_population_by_lad.csv", verbatim, nil},
	{"geography_lookups/essex_lsoa2021_lookup.csv", columns, []string{"LSOA21CD", "LSOA21NM", "MSOA21CD", "MSOA21NM", "LADCD", "WD25CD_by_centroid", "WD25NM_by_centroid", "centroid_lat", "centroid_lon"}},
	{"geography_lookups/essex_lsoa2011_lookup.csv", columns, []string{"LSOA11CD", "LSOA11NM", "LAD19CD"}},
	{"synthetic_people_reference/postcode_sectors_CM_CO_SS_RM_IG_census2011.csv", verbatim, nil},
	{"synthetic_people_reference/surnames_en_GB_faker_weighted.csv", verbatim, nil},
	{"synthetic_people_reference/forenames_en_GB_faker.csv", verbatim, nil},
	{"synthetic_people_reference/ons_babynames_ew_hist.csv", verbatim, nil},
	{"synthetic_people_reference/ons_babynames_ew_countries.csv", verbatim, nil},
	{"synthetic_people_reference/ons_babynames_ew_regions.csv", verbatim, nil},
	{"boundaries/essex_lad_2016_bsc_onsvisual.geojson", geojson, []string{"areacd", "areanm"}},
	{"boundaries/essex_lad_2013_bgc_martinjc.geojson", geojson, []string{"LAD13CD", "LAD13NM"}},
	{"boundaries/essex_utla_2016_bsc_onsvisual.geojson", geojson, []string{"areacd", "areanm"}},
	{"boundaries/essex_lsoa2021_bgc_drkane.geojson", geojson, []string{"LSOA21CD", "LSOA21NM"}},
	{"boundaries/essex_lsoa2011_bgc_drkane.geojson", geojson, []string{"LSOA11CD", "LSOA11NM"}},
	{"boundaries/essex_msoa2021_bgc_drkane.geojson", geojson, []string{"MSOA21CD", "MSOA21NM"}},
	{"boundaries/essex_msoa2011_bgc_drkane.geojson", geojson, []string{"MSOA11CD", "MSOA11NM"}},
	{"boundaries/essex_wards_latest_bgc_drkane.geojson", geojson, []string{"WD25CD", "WD25NM"}},
	{"road_safety_stats19/essex_pf42_casualties_2015.csv", verbatim, nil},
	{"road_safety_stats19/essex_pf42_casualties_2016.csv", verbatim, nil},
	{"road_safety_stats19/essex_pf42_casualties_2017.csv", verbatim, nil},
	{"road_safety_stats19/essex_pf42_casualties_2018.csv", verbatim, nil},
	{"police_crime/2018-01-essex-street.csv", blanked, crimeLeftOut},
	{"police_crime/2018-02-essex-street.csv", blanked, crimeLeftOut},
	{"police_crime/2018-03-essex-street.csv", blanked, crimeLeftOut},
	{"police_crime/2018-04-essex-street.csv", blanked, crimeLeftOut},
	{"police_crime/2018-05-essex-street.csv", blanked, crimeLeftOut},
	{"police_crime/2018-06-essex-street.csv", blanked, crimeLeftOut},
}

// crimeLeftOut are the street-crime columns the embedded extract empties:
// the demo counts crimes by month, type and LSOA and shows none of these,
// and they are most of the files' size.
var crimeLeftOut = []string{"crime_id", "longitude", "latitude", "location", "context"}

// maxFile is the largest derived file allowed (compressed).
const maxFile = 4 << 20

func main() {
	src := flag.String("src", "", "the shared data folder (default: found as tests find it)")
	out := flag.String("out", "data", "where to write the derived files")
	flag.Parse()
	if *src == "" {
		d, err := refdata.Dir()
		if err != nil {
			fail(err)
		}
		*src = d
	}
	n, err := generate(*src, *out)
	if err != nil {
		fail(err)
	}
	fmt.Printf("gen: %d files, %d bytes compressed, in %s\n", len(files), n, *out)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "gen:", err)
	os.Exit(1)
}

// generate writes every derived file from src into out, gzipped, and
// returns their total size.
func generate(src, out string) (int64, error) {
	var total int64
	for _, f := range files {
		b, err := derive(filepath.Join(src, filepath.FromSlash(f.name)), f)
		if err != nil {
			return 0, fmt.Errorf("%s: %w", f.name, err)
		}
		gz, err := compress(b)
		if err != nil {
			return 0, err
		}
		if len(gz) > maxFile {
			return 0, fmt.Errorf("%s: %d bytes compressed, over the %d limit", f.name, len(gz), maxFile)
		}
		dst := filepath.Join(out, filepath.FromSlash(f.name)+".gz")
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return 0, err
		}
		if err := os.WriteFile(dst, gz, 0o644); err != nil {
			return 0, err
		}
		total += int64(len(gz))
	}
	return total, nil
}

// derive returns the derived content of one source file.
func derive(path string, f file) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	switch f.kind {
	case columns, blanked:
		return reshapeCSV(b, f)
	case geojson:
		return reduceGeoJSON(b, f.cols[0], f.cols[1])
	}
	return b, nil
}

// reshapeCSV keeps or blanks f.cols of a CSV file with a header.
func reshapeCSV(b []byte, f file) ([]byte, error) {
	r := csv.NewReader(bytes.NewReader(b))
	r.FieldsPerRecord = -1
	head, err := r.Read()
	if err != nil {
		return nil, err
	}
	idx := make(map[string]int, len(head))
	for i, h := range head {
		idx[h] = i
	}
	var keep []int
	if f.kind == columns {
		for _, c := range f.cols {
			i, ok := idx[c]
			if !ok {
				return nil, fmt.Errorf("no column %s", c)
			}
			keep = append(keep, i)
		}
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	row := func(rec []string) error {
		if f.kind == columns {
			out := make([]string, len(keep))
			for j, i := range keep {
				if i < len(rec) {
					out[j] = rec[i]
				}
			}
			return w.Write(out)
		}
		for i := range rec {
			if i < len(head) && slices.Contains(f.cols, head[i]) {
				rec[i] = ""
			}
		}
		return w.Write(rec)
	}
	if err := row(slices.Clone(head)); err != nil {
		return nil, err
	}
	if f.kind == blanked {
		// the header stays whole: only values are emptied
		buf.Reset()
		w = csv.NewWriter(&buf)
		if err := w.Write(head); err != nil {
			return nil, err
		}
	}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if err := row(rec); err != nil {
			return nil, err
		}
	}
	w.Flush()
	return buf.Bytes(), w.Error()
}

// reduceGeoJSON keeps each feature's geometry and its code and name
// properties, written compactly.
func reduceGeoJSON(b []byte, code, name string) ([]byte, error) {
	var fc struct {
		Features []struct {
			Properties map[string]any  `json:"properties"`
			Geometry   json.RawMessage `json:"geometry"`
		} `json:"features"`
	}
	if err := json.Unmarshal(b, &fc); err != nil {
		return nil, err
	}
	type feature struct {
		Type       string          `json:"type"`
		Properties map[string]any  `json:"properties"`
		Geometry   json.RawMessage `json:"geometry"`
	}
	out := struct {
		Type     string    `json:"type"`
		Features []feature `json:"features"`
	}{Type: "FeatureCollection"}
	for i, ft := range fc.Features {
		if _, ok := ft.Properties[code]; !ok {
			return nil, fmt.Errorf("feature %d has no %s", i+1, code)
		}
		var g bytes.Buffer
		if err := json.Compact(&g, ft.Geometry); err != nil {
			return nil, err
		}
		out.Features = append(out.Features, feature{Type: "Feature",
			Properties: map[string]any{code: ft.Properties[code], name: ft.Properties[name]}, Geometry: g.Bytes()})
	}
	return json.Marshal(out)
}

// compress gzips b at the best compression, with no name or time in the
// header so the output depends on the content alone.
func compress(b []byte) ([]byte, error) {
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	if _, err := zw.Write(b); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
