package pseudo

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The example linkage schemas in examples/linkage are valid, and the
// people example encodes its sample file.
func TestExampleSchemas(t *testing.T) {
	paths, _ := filepath.Glob("../../examples/linkage/*.json")
	if len(paths) < 3 {
		t.Fatalf("found %d example schemas, want at least 3", len(paths))
	}
	for _, p := range paths {
		t.Run(filepath.Base(p), func(t *testing.T) {
			spec := readSpec(t, p)
			if _, err := NewEncoder(spec, testSecret(t, "example")); err != nil {
				t.Fatal(err)
			}
		})
	}
	for _, schema := range []string{"people.json", "clkhash_people_v3.json"} {
		spec, err := ReadSpecFile("../../examples/linkage/"+schema, "person_id")
		if err != nil {
			t.Fatal(err)
		}
		_, res, err := runFile(t, spec, testSecret(t, "example"), "../../examples/linkage/people_sample.csv", nil)
		if err != nil || res.Rows != 4 {
			t.Errorf("%s on the sample: %v rows, %v; want 4 rows", schema, res, err)
		}
	}
}

func TestSpecInvalid(t *testing.T) {
	base, err := os.ReadFile("testdata/spec.json")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, old, new, want string
	}{
		{"format", `"civiclink-linkage/1"`, `"linkage/0"`, "format"},
		{"no project", `"project": "test-project"`, `"project": ""`, "project"},
		{"unknown key", `"record_id"`, `"recordid"`, "unknown field"},
		{"unknown kind", `"kind": "sex"`, `"kind": "gender"`, "kind \"gender\""},
		{"two-digit year", `"D/M/YYYY"`, `"D/M/YY"`, "two-digit year"},
		{"token field", `["nhs_number"]`, `["nhs"]`, "field \"nhs\""},
		{"token column", `"tok_nhs"`, `"tok-nhs"`, "letters, digits"},
		{"filter field", `{"field": "forename"}`, `{"field": "first"}`, "field \"first\""},
		{"keep identifier", `{"name": "lsoa_code"`, `{"name": "postcode"`, "raw identifiers"},
		{"clk feature", `{"identifier": "sex"`, `{"identifier": "gender"`, "not a field"},
		{"clk date format", `"format": "%Y-%m-%d"`, `"format": "%d/%m/%Y"`, "%Y-%m-%d"},
		{"clk l", `"l": 1024, "kdf"`, `"l": 1000, "kdf"`, "power of two"},
		{"map", `{"name": "sex", "kind": "sex"}`, `{"name": "sex", "kind": "sex", "map": {"W": "Woman"}}`, "map"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := strings.Replace(string(base), tt.old, tt.new, 1)
			if src == string(base) {
				t.Fatalf("the test's replacement %q matched nothing", tt.old)
			}
			_, err := ParseSpec(strings.NewReader(src))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want one mentioning %q", err, tt.want)
			}
		})
	}
}

// A cancelled run writes nothing.
func TestRunCancelled(t *testing.T) {
	spec := readSpec(t, "testdata/spec.json")
	dir := t.TempDir()
	in := filepath.Join(dir, "in.csv")
	writePeople(t, in, 5000)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	out := filepath.Join(dir, "out", "encoded.csv")
	os.Mkdir(filepath.Dir(out), 0o700)
	_, err := Run(ctx, Options{Spec: spec, Secret: testSecret(t, "s"), In: in, Out: out})
	if err == nil {
		t.Fatal("a cancelled run succeeded")
	}
	if left := ls(t, filepath.Dir(out)); len(left) != 0 {
		t.Errorf("a cancelled run left %v", left)
	}
}

// An optional identifier that is absent sets no bits of the CLK and gives
// an empty per-field filter and no token that needs it.
func TestMissingOptionalField(t *testing.T) {
	spec := readSpec(t, "testdata/spec.json")
	enc, err := NewEncoder(spec, testSecret(t, "s"))
	if err != nil {
		t.Fatal(err)
	}
	vals, err := enc.Normalise(map[string]string{"forename": "Amelia", "surname": "Thornbury", "dob": "12/3/1984", "sex": "", "postcode": " ", "nhs_number": ""})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"AMELIA", "THORNBURY", "1984-03-12", "", "", ""}; strings.Join(vals, "|") != strings.Join(want, "|") {
		t.Errorf("Normalise = %q, want %q", vals, want)
	}
	if _, err := enc.Normalise(map[string]string{"forename": "Amelia", "surname": "", "dob": "1984-03-12"}); err == nil || !strings.Contains(err.Error(), "surname is required") {
		t.Errorf("a missing required surname gave %v", err)
	}
}
