package govern

import (
	"bytes"
	"os"
	"reflect"
	"testing"
)

// FuzzParseAgreement checks that any agreement the parser accepts is valid,
// a draft, and survives a JSON round trip unchanged.
func FuzzParseAgreement(f *testing.F) {
	if b, err := os.ReadFile("../../examples/agreements/domestic-abuse.json"); err == nil {
		f.Add(b)
	}
	f.Add(baseAgreement().MarshalIndent())
	f.Add([]byte(`{"id":"x","start":"2026-13-01"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := ParseAgreement(bytes.NewReader(b))
		if err != nil {
			return
		}
		if a.Status != Draft || a.Validate() != nil {
			t.Fatalf("accepted an invalid agreement: %+v", a)
		}
		again, err := ParseAgreement(bytes.NewReader(a.MarshalIndent()))
		if err != nil {
			t.Fatalf("round trip: %v", err)
		}
		if !reflect.DeepEqual(a, again) {
			t.Fatalf("round trip changed it:\n%s\n%s", a.MarshalIndent(), again.MarshalIndent())
		}
	})
}
