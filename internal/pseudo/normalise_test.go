package pseudo

import "testing"

// The wrappers give what a linkage schema's fields give.
func TestNormaliseWrappers(t *testing.T) {
	enc, err := NewEncoder(readSpec(t, "testdata/spec.json"), testSecret(t, "s"))
	if err != nil {
		t.Fatal(err)
	}
	raw := map[string]string{"forename": "Renée", "surname": "O'Brien-Smith", "dob": "4/7/1991", "sex": "female", "postcode": "ss09dx", "nhs_number": "943 476 5919"}
	vals, err := enc.Normalise(raw)
	if err != nil {
		t.Fatal(err)
	}
	pc, _ := NormalisePostcode(raw["postcode"])
	nhs, _ := NormaliseNHSNumber(raw["nhs_number"])
	sex, _ := NormaliseSex(raw["sex"])
	dob, _ := NormaliseDate(raw["dob"], "YYYY-MM-DD", "D/M/YYYY")
	got := []string{NormaliseName(raw["forename"]), NormaliseName(raw["surname"]), dob, sex, pc, nhs}
	for i := range vals {
		if got[i] != vals[i] {
			t.Errorf("field %d: wrapper gives %q, the encoder %q", i, got[i], vals[i])
		}
	}
	if _, err := NormaliseDate("03/04/2001", "DD/MM/YYYY", "MM/DD/YYYY"); err == nil {
		t.Errorf("an ambiguous date was accepted")
	}
}

// Binding.Encode gives the row Run writes.
func TestBindingEncode(t *testing.T) {
	spec := readSpec(t, "testdata/spec.json")
	secret := testSecret(t, "s")
	enc, err := NewEncoder(spec, secret)
	if err != nil {
		t.Fatal(err)
	}
	header := []string{"person_id", "forename", "surname", "dob", "sex", "postcode", "nhs_number", "lsoa_code", "notes"}
	b, err := enc.Bind(header)
	if err != nil {
		t.Fatal(err)
	}
	row, err := b.Encode([]string{"P001", "Renée", "Lefèvre", "1991-07-04", "F", "SS0 9DX", "9434765919", "E01021203", "made up"})
	if err != nil {
		t.Fatal(err)
	}
	o, _, err := runFile(t, spec, secret, "testdata/people.csv", nil)
	if err != nil {
		t.Fatal(err)
	}
	want := readCSV(t, o.Out)[0]
	for i, c := range enc.Schema().Columns {
		if row[i] != want[c.Name] {
			t.Errorf("column %s: Encode gives %q, Run wrote %q", c.Name, row[i], want[c.Name])
		}
	}
	if _, err := b.Encode([]string{"P9", "A"}); err == nil {
		t.Errorf("a short row was encoded")
	}
}
