package pseudo

import (
	"encoding/csv"
	"fmt"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/civiclink/civiclink/internal/pseudo/normalise"
)

var (
	genForenames = []string{"Amelia", "Oliver", "Renée", "Łukasz", "Mary-Anne", "George", "Isla", "Noah", "Chloé", "Harry", "Sophie", "Jack"}
	genSurnames  = []string{"Thornbury", "Pemberton", "Lefèvre", "O'Brien", "Kowalski", "Smith", "Jones", "Taylor", "Brown", "Williams"}
	genPostcodes = []string{"CM1 4QT", "CO2 7HL", "SS0 9DX", "RM1 3AB", "IG1 1AA", "CM2 0AA", "CO4 3SQ", "SS1 2EG"}
)

// writePeople writes n made-up people with the columns of testdata/people.csv.
func writePeople(tb testing.TB, path string, n int) {
	tb.Helper()
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	w := csv.NewWriter(f)
	w.Write([]string{"person_id", "forename", "surname", "dob", "sex", "postcode", "nhs_number", "lsoa_code", "notes"})
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range n {
		w.Write(genPerson(rng, i))
	}
	w.Flush()
	if err := w.Error(); err != nil {
		tb.Fatal(err)
	}
}

func genPerson(rng *rand.Rand, i int) []string {
	nhs := ""
	for nhs == "" {
		nine := fmt.Sprintf("%09d", rng.IntN(1e9))
		if c, ok := normalise.NHSCheckDigit(nine); ok && nine != "555555555" {
			nhs = nine + string(c)
		}
	}
	return []string{
		fmt.Sprintf("P%07d", i),
		genForenames[rng.IntN(len(genForenames))],
		genSurnames[rng.IntN(len(genSurnames))],
		fmt.Sprintf("%04d-%02d-%02d", 1930+rng.IntN(90), 1+rng.IntN(12), 1+rng.IntN(28)),
		[]string{"M", "F"}[rng.IntN(2)],
		genPostcodes[rng.IntN(len(genPostcodes))],
		nhs, "E01021203", "",
	}
}
