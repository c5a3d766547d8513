package disclose_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/civiclink/civiclink/internal/disclose"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// golden compares got with testdata/name, rewriting it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file:\ngot:\n%s\nwant:\n%s", name, got, want)
	}
}

// districtMonth is a small synthetic district × month table with small
// cells, a zero and a large row.
func districtMonth() *disclose.Table {
	t := disclose.NewTable("count",
		disclose.Dim{Name: "district", Levels: []string{"Basildon", "Harlow", "Maldon"}},
		disclose.Dim{Name: "month", Levels: []string{"2018-01", "2018-02", "2018-03"}})
	for i, n := range []int64{42, 37, 51, 12, 4, 19, 0, 3, 14} {
		t.Cells[i].Count = n
	}
	return t
}

func TestWriteCSVGolden(t *testing.T) {
	r, err := disclose.Apply(context.Background(), districtMonth(), disclose.Policy{RoundTo: 5}, disclose.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := disclose.WriteCSV(&buf, r); err != nil {
		t.Fatal(err)
	}
	golden(t, "district_month.csv", buf.Bytes())
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(rows[0], ","), "district,month,count,protection,threshold,reference_period"; got != want {
		t.Errorf("header = %q, want %q", got, want)
	}
	if got, want := len(rows), 1+16; got != want {
		t.Errorf("got %d rows, want header + 16 cells", got)
	}
	for _, row := range rows[1:] {
		if row[2] == "" {
			t.Errorf("row %v has a blank value", row)
		}
	}
}

func TestWriteJSONGolden(t *testing.T) {
	r, err := disclose.Apply(context.Background(), districtMonth(), disclose.Policy{}, disclose.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := disclose.WriteJSON(&buf, r); err != nil {
		t.Fatal(err)
	}
	golden(t, "district_month.json", buf.Bytes())
	var doc struct {
		Cells []struct {
			Levels map[string]string `json:"levels"`
			Values map[string]any    `json:"values"`
			Status string            `json:"status"`
		} `json:"cells"`
	}
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	for _, c := range doc.Cells {
		v := c.Values["count"]
		if c.Status == "suppressed" && v != disclose.Confidential {
			t.Errorf("withheld cell %v written as %v, want %q", c.Levels, v, disclose.Confidential)
		}
		if c.Status != "suppressed" {
			if _, ok := v.(float64); !ok {
				t.Errorf("published cell %v written as %v, want a number", c.Levels, v)
			}
		}
	}
}

func TestWriteSumTable(t *testing.T) {
	tab := disclose.NewTable("people", disclose.Dim{Name: "ward", Levels: []string{"w1", "w2", "w3"}})
	tab.SumName = "days"
	tab.Cells[0] = disclose.Cell{Count: 20, Sum: 410, Top: []float64{40}}
	tab.Cells[1] = disclose.Cell{Count: 30, Sum: 300, Top: []float64{200}}
	tab.Cells[2] = disclose.Cell{Count: 25, Sum: 260, Top: []float64{30}}
	r, err := disclose.Apply(context.Background(), tab, disclose.Policy{}, disclose.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := disclose.WriteCSV(&buf, r); err != nil {
		t.Fatal(err)
	}
	golden(t, "ward_days.csv", buf.Bytes())
}

func TestWriteGroupedCSV(t *testing.T) {
	tab := disclose.NewTable("count", disclose.Dim{
		Name:   "lsoa",
		Levels: []string{"E01000001", "E01000002", "E01000003", "E01000004"},
		Groups: []string{"Harlow", "Harlow", "Maldon", "Maldon"},
	})
	for i, n := range []int64{25, 3, 40, 31} {
		tab.Cells[i].Count = n
	}
	r, err := disclose.Apply(context.Background(), tab, disclose.Policy{}, disclose.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := disclose.WriteCSV(&buf, r); err != nil {
		t.Fatal(err)
	}
	golden(t, "lsoa_grouped.csv", buf.Bytes())
}
