package disclose_test

import (
	"slices"
	"testing"

	"github.com/civiclink/civiclink/internal/disclose"
	"github.com/civiclink/civiclink/internal/fault"
)

func TestBuild(t *testing.T) {
	rows := []disclose.Row{
		{Levels: []string{"Harlow", "2018-02"}, Cell: disclose.Cell{Count: 12}},
		{Levels: []string{"Basildon", "2018-01"}, Cell: disclose.Cell{Count: 40}},
	}
	months := disclose.Dim{Name: "month", Levels: []string{"2018-01", "2018-02", "2018-03"}}
	tab, err := disclose.Build("count", []disclose.Dim{{Name: "district"}, months}, rows)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := tab.Dims[0].Levels, []string{"Basildon", "Harlow"}; !slices.Equal(got, want) {
		t.Errorf("district levels = %v, want %v (sorted, from the rows)", got, want)
	}
	var counts []int64
	for _, c := range tab.Cells {
		counts = append(counts, c.Count)
	}
	if got, want := counts, []int64{40, 0, 0, 0, 12, 0}; !slices.Equal(got, want) {
		t.Errorf("cells = %v, want %v (missing combinations are zero)", got, want)
	}

	for name, bad := range map[string][]disclose.Row{
		"repeated cell":     {rows[0], rows[0]},
		"level not in list": {{Levels: []string{"Harlow", "2019-01"}}},
		"too few levels":    {{Levels: []string{"Harlow"}}},
	} {
		if _, err := disclose.Build("count", []disclose.Dim{{Name: "district"}, months}, bad); fault.Code(err) != fault.Invalid {
			t.Errorf("%s: error %v, want invalid", name, err)
		}
	}
}
