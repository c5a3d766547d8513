package disclose_test

import (
	"context"
	"fmt"
	"os"

	"github.com/civiclink/civiclink/internal/disclose"
)

// Example shows the path every aggregate takes out of the engine: rows
// from a grouped query become a table, Apply controls it, and a writer
// publishes it with withheld values as [c].
func Example() {
	rows := []disclose.Row{
		{Levels: []string{"Basildon", "2018-01"}, Cell: disclose.Cell{Count: 42}},
		{Levels: []string{"Basildon", "2018-02"}, Cell: disclose.Cell{Count: 37}},
		{Levels: []string{"Maldon", "2018-01"}, Cell: disclose.Cell{Count: 4}},
		{Levels: []string{"Maldon", "2018-02"}, Cell: disclose.Cell{Count: 19}},
	}
	t, err := disclose.Build("people", []disclose.Dim{{Name: "district"}, {Name: "month"}}, rows)
	if err != nil {
		panic(err)
	}
	r, err := disclose.Apply(context.Background(), t, disclose.Policy{Threshold: 10, RoundTo: 5}, disclose.Options{})
	if err != nil {
		panic(err)
	}
	if err := disclose.WriteCSV(os.Stdout, r); err != nil {
		panic(err)
	}
	fmt.Println("withheld:", r.Report.Primary, "primary,", r.Report.Secondary, "secondary")
	// Output:
	// district,month,people,protection,threshold,reference_period
	// Basildon,2018-01,[c],suppression+rounding,10,
	// Basildon,2018-02,[c],suppression+rounding,10,
	// Basildon,Total,80,suppression+rounding,10,
	// Maldon,2018-01,[c],suppression+rounding,10,
	// Maldon,2018-02,[c],suppression+rounding,10,
	// Maldon,Total,25,suppression+rounding,10,
	// Total,2018-01,45,suppression+rounding,10,
	// Total,2018-02,55,suppression+rounding,10,
	// Total,Total,100,suppression+rounding,10,
	// withheld: 1 primary, 3 secondary
}
