package pseudo

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/civiclink/civiclink/internal/catalog"
)

func TestRunPeople(t *testing.T) {
	spec := readSpec(t, "testdata/spec.json")
	o, res, err := runFile(t, spec, testSecret(t, "partner secret one"), "testdata/people.csv", nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Rows != 7 || res.Rejected != 0 {
		t.Errorf("rows %d rejected %d, want 7 and 0", res.Rows, res.Rejected)
	}
	rows := readCSV(t, o.Out)
	wantCols := []string{"person_id", "lsoa_code", "tok_name_dob_sex", "tok_surname_dob_postcode", "tok_nhs", "bf_forename", "bf_surname", "bf_dob", "clk"}
	for _, c := range wantCols {
		if _, ok := rows[0][c]; !ok {
			t.Errorf("output has no column %s", c)
		}
	}
	if len(rows[0]) != len(wantCols) {
		t.Errorf("output has %d columns, want %d", len(rows[0]), len(wantCols))
	}
	// No raw identifier reaches the output.
	out, _ := os.ReadFile(o.Out)
	for _, raw := range []string{"Renée", "RENEE", "Lefèvre", "1991-07-04", "SS0 9DX", "9434765919", "Pemberton", "made up", "female"} {
		if bytes.Contains(bytes.ToUpper(out), bytes.ToUpper([]byte(raw))) {
			t.Errorf("the output contains the raw value %q", raw)
		}
	}
	// Noise-only differences give equal tokens and encodings.
	for _, pair := range [][2]int{{0, 1}, {3, 4}} {
		a, b := rows[pair[0]], rows[pair[1]]
		for _, c := range wantCols[2:] {
			if c == "tok_nhs" && a[c] == "" {
				continue
			}
			if a[c] != b[c] {
				t.Errorf("%s: %s = %q but %s = %q; want equal", c, a["person_id"], a[c], b["person_id"], b[c])
			}
		}
	}
	if rows[0]["tok_name_dob_sex"] == rows[2]["tok_name_dob_sex"] {
		t.Errorf("different people have the same token")
	}
	if rows[3]["tok_nhs"] != "" {
		t.Errorf("a record with no NHS number has tok_nhs %q, want empty", rows[3]["tok_nhs"])
	}
	if rows[6]["lsoa_code"] != "" || rows[0]["lsoa_code"] != "E01021203" {
		t.Errorf("kept column lsoa_code = %q, %q; want E01021203 and empty", rows[0]["lsoa_code"], rows[6]["lsoa_code"])
	}
	checkOutputSchema(t, res.SchemaPath, res)
}

func checkOutputSchema(t *testing.T, path string, res *Result) {
	t.Helper()
	s, err := catalog.ReadSchemaFile(path)
	if err != nil {
		t.Fatalf("the output schema does not parse as a catalog schema: %v", err)
	}
	for _, c := range s.Columns {
		switch {
		case strings.HasPrefix(c.Name, "tok_"):
			if c.Type != catalog.TypeToken || c.Role != catalog.RoleIdentifier {
				t.Errorf("column %s is %s/%s, want token/identifier", c.Name, c.Type, c.Role)
			}
		case strings.HasPrefix(c.Name, "bf_") || c.Name == "clk":
			if c.Type != catalog.TypeEncoding || c.Role != catalog.RoleIdentifier {
				t.Errorf("column %s is %s/%s, want encoding/identifier", c.Name, c.Type, c.Role)
			}
		default:
			continue
		}
		id, ok := ColumnKeyID(c.Description)
		if !ok || id != res.KeyIDs[c.Name] || len(id) != 16 {
			t.Errorf("column %s description %q: key id %q, want %q", c.Name, c.Description, id, res.KeyIDs[c.Name])
		}
	}
	if rid, ok := s.RecordID(); !ok || rid.Name != "person_id" {
		t.Errorf("output schema record id = %v, want person_id", rid)
	}
}

// Different secrets and different projects give unlinkable tokens,
// encodings and key ids; the same secret gives the same ones.
func TestKeysSeparate(t *testing.T) {
	run := func(secret, project string) ([]map[string]string, *Result) {
		spec := readSpec(t, "testdata/spec.json")
		spec.Project = project
		o, res, err := runFile(t, spec, testSecret(t, secret), "testdata/people.csv", nil)
		if err != nil {
			t.Fatal(err)
		}
		return readCSV(t, o.Out), res
	}
	base, baseRes := run("secret A", "p1")
	again, _ := run("secret A", "p1")
	otherSecret, otherRes := run("secret B", "p1")
	otherProject, _ := run("secret A", "p2")
	cols := []string{"tok_name_dob_sex", "tok_surname_dob_postcode", "tok_nhs", "bf_forename", "clk"}
	for _, c := range cols {
		if base[0][c] != again[0][c] {
			t.Errorf("%s differs between two runs with the same secret", c)
		}
		if base[0][c] == otherSecret[0][c] {
			t.Errorf("%s is the same under two secrets", c)
		}
		if c != "clk" && base[0][c] == otherProject[0][c] {
			t.Errorf("%s is the same in two projects", c)
		}
		if baseRes.KeyIDs[c] == otherRes.KeyIDs[c] {
			t.Errorf("%s has key id %s under both secrets", c, baseRes.KeyIDs[c])
		}
	}
	// Two token combinations never share a key.
	if baseRes.KeyIDs["tok_name_dob_sex"] == baseRes.KeyIDs["tok_surname_dob_postcode"] {
		t.Errorf("two token combinations share a key id")
	}
}

func TestRunRejectsAllByDefault(t *testing.T) {
	spec := readSpec(t, "testdata/spec.json")
	o, _, err := runFile(t, spec, testSecret(t, "s"), "testdata/bad.csv", nil)
	if err == nil {
		t.Fatal("a file with bad rows was accepted")
	}
	msg := err.Error()
	for _, want := range []string{"5 bad rows", "line 3, column dob", "not a real date", "line 4, column nhs_number", "line 5, column postcode", "line 6", "has 4 fields", "line 8, column forename"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not mention %q", msg, want)
		}
	}
	if left := ls(t, filepath.Dir(o.Out)); len(left) != 0 {
		t.Errorf("a rejected run left files behind: %v", left)
	}
}

func TestRunWithRejectsFile(t *testing.T) {
	spec := readSpec(t, "testdata/spec.json")
	o, res, err := runFile(t, spec, testSecret(t, "s"), "testdata/bad.csv", func(o *Options) {
		o.Rejects = filepath.Join(filepath.Dir(o.Out), "rejects.csv")
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Rows != 2 || res.Rejected != 5 {
		t.Errorf("rows %d rejected %d, want 2 and 5", res.Rows, res.Rejected)
	}
	rej := readCSV(t, o.Rejects)
	var lines []string
	for _, r := range rej {
		lines = append(lines, r["_line"])
		if r["_reason"] == "" {
			t.Errorf("rejected line %s has no reason", r["_line"])
		}
	}
	if want := []string{"3", "4", "5", "6", "8"}; !slices.Equal(lines, want) {
		t.Errorf("rejected lines %v, want %v", lines, want)
	}
	if rej[0]["person_id"] != "P002" || rej[0]["_column"] != "dob" {
		t.Errorf("first reject = %v, want P002 with column dob", rej[0])
	}
	got := readCSV(t, o.Out)
	if len(got) != 2 || got[0]["person_id"] != "P001" || got[1]["person_id"] != "P006" {
		t.Errorf("output rows %v, want P001 and P006", got)
	}
}

func TestRunMissingColumn(t *testing.T) {
	spec := readSpec(t, "testdata/spec.json")
	in := filepath.Join(t.TempDir(), "in.csv")
	os.WriteFile(in, []byte("person_id,forename,surname,dob,sex,lsoa_code\nP1,A,B,2000-01-01,M,\n"), 0o600)
	_, _, err := runFile(t, spec, testSecret(t, "s"), in, nil)
	if err == nil || !strings.Contains(err.Error(), "postcode, nhs_number") {
		t.Errorf("err = %v, want one naming the missing postcode and nhs_number columns", err)
	}
}

// Parallel workers give byte-identical output in input order.
func TestRunParallelOrder(t *testing.T) {
	spec := readSpec(t, "testdata/spec.json")
	in := filepath.Join(t.TempDir(), "many.csv")
	writePeople(t, in, 3000)
	secret := testSecret(t, "s")
	o1, _, err := runFile(t, spec, secret, in, func(o *Options) { o.Workers = 1 })
	if err != nil {
		t.Fatal(err)
	}
	o4, res, err := runFile(t, spec, secret, in, func(o *Options) { o.Workers = 4 })
	if err != nil {
		t.Fatal(err)
	}
	a, _ := os.ReadFile(o1.Out)
	b, _ := os.ReadFile(o4.Out)
	if res.Rows != 3000 || !bytes.Equal(a, b) {
		t.Errorf("1 worker and 4 workers differ (%d and %d bytes, %d rows)", len(a), len(b), res.Rows)
	}
}

// With "invalid": "missing" a bad value is blanked, not fatal, and counted.
func TestInvalidAsMissing(t *testing.T) {
	spec := readSpec(t, "testdata/spec.json")
	for i := range spec.Fields {
		if spec.Fields[i].Name == "nhs_number" || spec.Fields[i].Name == "postcode" {
			spec.Fields[i].Invalid = InvalidMissing
		}
	}
	o, res, err := runFile(t, spec, testSecret(t, "s"), "testdata/bad.csv", func(o *Options) {
		o.Rejects = filepath.Join(filepath.Dir(o.Out), "rejects.csv")
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Rows != 4 || res.Rejected != 3 {
		t.Errorf("rows %d rejected %d, want 4 and 3 (bad NHS number and postcode kept)", res.Rows, res.Rejected)
	}
	if res.Blanked["nhs_number"] != 1 || res.Blanked["postcode"] != 1 {
		t.Errorf("blanked %v, want one nhs_number and one postcode", res.Blanked)
	}
	rows := readCSV(t, o.Out)
	for _, r := range rows {
		if r["person_id"] == "P003" && r["tok_nhs"] != "" {
			t.Errorf("the invalid NHS number of P003 made a token")
		}
		if r["person_id"] == "P004" && (r["tok_surname_dob_postcode"] != "" || r["tok_name_dob_sex"] == "") {
			t.Errorf("P004 (invalid postcode) tokens = %v, want no postcode token but a name token", r)
		}
	}
	spec.Fields[0].Invalid = InvalidMissing // forename is required
	if err := spec.Validate(); err == nil {
		t.Errorf("a required field with invalid: missing was accepted")
	}
}

// Malformed CSV is a row error with its line; a byte-order mark and a
// semicolon delimiter are understood.
func TestRunMalformedCSV(t *testing.T) {
	spec := readSpec(t, "testdata/spec.json")
	dir := t.TempDir()
	in := filepath.Join(dir, "in.csv")
	content := "\ufeffperson_id;forename;surname;dob;sex;postcode;nhs_number;lsoa_code;notes\n" +
		"P1;Amelia;Thornbury;1984-03-12;F;CM1 4QT;;;\n" +
		"P2;Ann\"a;Smith;1984-03-12;F;CM1 4QT;;;\n" +
		"P3;Oliver;Smith;1984-03-12;M;CM1 4QT;;;\"a note; with a semicolon\"\n"
	os.WriteFile(in, []byte(content), 0o600)
	o, res, err := runFile(t, spec, testSecret(t, "s"), in, func(o *Options) {
		o.Delimiter = ';'
		o.Rejects = filepath.Join(dir, "rejects.csv")
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Rows != 2 || res.Rejected != 1 || res.Errors[0].Line != 3 || !strings.Contains(res.Errors[0].Message, "malformed CSV") {
		t.Errorf("rows %d rejected %d errors %v; want 2, 1 and a malformed-CSV error on line 3", res.Rows, res.Rejected, res.Errors)
	}
	rows := readCSV(t, o.Out)
	if len(rows) != 2 || rows[0]["person_id"] != "P1" || rows[1]["person_id"] != "P3" {
		t.Errorf("output rows %v, want P1 and P3", rows)
	}
}

// clks-json with a civiclink schema holds the CSV output's clk column.
func TestRunCLKsJSONFromLinkageSchema(t *testing.T) {
	spec := readSpec(t, "testdata/spec.json")
	secret := testSecret(t, "s")
	oc, _, err := runFile(t, spec, secret, "testdata/people.csv", nil)
	if err != nil {
		t.Fatal(err)
	}
	oj, res, err := runFile(t, spec, secret, "testdata/people.csv", func(o *Options) { o.Format = FormatCLKsJSON })
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, r := range readCSV(t, oc.Out) {
		want = append(want, r["clk"])
	}
	if got := readClks(t, oj.Out); !slices.Equal(got, want) || res.SchemaPath != "" {
		t.Errorf("clks-json %q (schema %q), want the csv clk column %q and no schema", got, res.SchemaPath, want)
	}
}
