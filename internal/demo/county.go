package demo

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/civiclink/civiclink/internal/catalog"
	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/ingest"
	"github.com/civiclink/civiclink/internal/pseudo"
	"github.com/civiclink/civiclink/internal/synth"
)

// Project scopes the demo's pseudonymisation keys: every partner derives
// its token and encoding keys from the shared secret and this name, so the
// platform can link their encodings but never reverse them.
const Project = "civiclink-demo"

// identifiers maps, per synthetic agency dataset, the standard identifier
// fields to the columns where that agency keeps them. Datasets absent here
// hold no identifiers (road casualties) and are shared as they are.
var identifiers = map[string]map[string]string{
	"adult_social_care": {"forename": "forename", "surname": "surname", "dob": "dob", "sex": "gender", "postcode": "postcode", "nhs_number": "nhs_number"},
	"ae_attendances":    {"forename": "given_name", "surname": "family_name", "dob": "birth_date", "sex": "sex", "postcode": "postcode", "nhs_number": "nhs_number"},
	"homelessness":      {"forename": "applicant_forename", "surname": "applicant_surname", "dob": "applicant_dob", "sex": "applicant_sex", "postcode": "last_settled_postcode"},
	"police_incidents":  {"forename": "first_name", "surname": "last_name", "dob": "date_of_birth", "sex": "gender", "postcode": "home_postcode"},
	"s136_detentions":   {"forename": "forename", "surname": "surname", "dob": "dob", "sex": "sex", "postcode": "postcode", "nhs_number": "nhs_number"},
	"safe_and_well":     {"forename": "occupier_forename", "surname": "occupier_surname", "dob": "occupier_dob", "postcode": "postcode"},
	"school_census":     {"forename": "legal_forename", "surname": "legal_surname", "dob": "dob", "sex": "gender", "postcode": "postcode", "upn": "upn"},
	"youth_offending":   {"forename": "forename", "surname": "surname", "dob": "dob", "sex": "sex", "postcode": "postcode"},
}

// fieldKinds are the normalisation kinds of the standard fields.
var fieldKinds = map[string]string{"forename": "name", "surname": "name", "dob": "date", "sex": "sex", "postcode": "postcode", "nhs_number": "nhs-number"}

// fieldOrder fixes the order of fields in every spec.
var fieldOrder = []string{"forename", "surname", "dob", "sex", "postcode", "nhs_number"}

// Tokens every partner makes, for exact matching and blocking; a record
// lacking a field gets no token of that combination. Only high-entropy
// combinations are tokenised (a date of birth alone, or a forename and
// surname, would show their frequencies: docs/pseudonymisation.md); the
// platform blocks on the Bloom filters instead ([linkrun.DefaultBlocking]).
var Tokens = []pseudo.TokenSpec{
	{Column: "tok_name_dob_sex", Fields: []string{"forename", "surname", "dob", "sex"}},
	{Column: "tok_surname_dob_postcode", Fields: []string{"surname", "dob", "postcode"}},
	{Column: "tok_nhs", Fields: []string{"nhs_number"}},
}

// Filters are the per-field Bloom filters every partner makes, for
// approximate matching of each field.
var Filters = []pseudo.FilterSpec{
	{Field: "forename", Column: "bf_forename", L: 512, N: 2, BitsPerToken: 20},
	{Field: "surname", Column: "bf_surname", L: 512, N: 2, BitsPerToken: 20},
	{Field: "dob", Column: "bf_dob", L: 256, N: 1, Positional: true, BitsPerToken: 10},
	{Field: "postcode", Column: "bf_postcode", L: 256, N: 2, BitsPerToken: 15},
}

// LinkageSpec is the linkage schema a partner applies to one synthetic
// dataset before sharing it: its identifiers become tokens and Bloom
// filters, every other column passes through with its declared type.
func LinkageSpec(datasetID string, raw *catalog.Schema) (*pseudo.Spec, bool) {
	ids, ok := identifiers[datasetID]
	if !ok {
		return nil, false
	}
	idcols := map[string]bool{}
	for _, c := range ids {
		idcols[c] = true
	}
	desc := raw.Description
	if i := strings.Index(desc, "RAW IDENTIFIERS"); i >= 0 {
		desc = strings.TrimSpace(desc[:i])
	}
	spec := &pseudo.Spec{Format: pseudo.SpecFormat, Name: datasetID, Project: Project, RecordID: "record_id", Description: desc}
	for _, c := range raw.Columns {
		if !idcols[c.Name] && c.Role != catalog.RoleRecordID {
			spec.Keep = append(spec.Keep, c)
		}
	}
	have := map[string]bool{}
	for _, f := range fieldOrder {
		col, ok := ids[f]
		if !ok {
			continue
		}
		have[f] = true
		// A mistyped NHS number or postcode loses that field, not the record.
		spec.Fields = append(spec.Fields, pseudo.Field{Name: f, Column: col, Kind: fieldKinds[f], Invalid: pseudo.InvalidMissing})
	}
	for _, t := range Tokens {
		if all(have, t.Fields) {
			spec.Tokens = append(spec.Tokens, t)
		}
	}
	for _, f := range Filters {
		if have[f.Field] {
			spec.Filters = append(spec.Filters, f)
		}
	}
	return spec, true
}

func all(have map[string]bool, fields []string) bool {
	for _, f := range fields {
		if !have[f] {
			return false
		}
	}
	return true
}

// CountyOptions configure LoadCounty.
type CountyOptions struct {
	// Raw loads the agency files as they are, identifiers and all, for
	// evaluating linkage on plain values; never for real data.
	Raw bool
	// SecretFile holds the partners' shared linkage secret; when empty a
	// new random one is made in the county folder.
	SecretFile string
	User       string
	Log        io.Writer
	// Partner, when set, loads only that partner's datasets.
	Partner string
	// Check, when set (a store that has users), is asked before anything
	// is written whether the acting user may load each dataset (exists:
	// already in the store); any refusal stops the whole load. Load then
	// loads each version in place of a bare ingest, so each goes through
	// the ingest service's check and audit entry.
	Check func(ctx context.Context, d *catalog.Dataset, exists bool) error
	Load  func(ctx context.Context, datasetID, path string) (*ingest.Result, error)
}

// LoadCounty registers a generated county's partners and datasets and
// ingests every dataset, pseudonymising each agency file first as its
// partner would (the encoded files go to DIR/encoded).
func LoadCounty(ctx context.Context, st catalog.Store, dir string, o CountyOptions) (*synth.Manifest, error) {
	m, err := synth.ReadManifest(dir)
	if err != nil {
		return nil, err
	}
	if o.Partner != "" {
		kept := m.Datasets[:0:0]
		for _, d := range m.Datasets {
			if d.Partner == o.Partner {
				kept = append(kept, d)
			}
		}
		if len(kept) == 0 {
			return nil, fault.FieldErrorf(fault.NotFound, "partner", "the county in %s has no datasets of partner %q", dir, o.Partner)
		}
		m.Datasets = kept
	}
	if o.Check != nil {
		if err := checkLoads(ctx, st, m, o); err != nil {
			return nil, err
		}
	}
	if err := addPartners(ctx, st, m); err != nil {
		return nil, err
	}
	var secret *pseudo.Secret
	if !o.Raw {
		if secret, err = countySecret(dir, o.SecretFile); err != nil {
			return nil, err
		}
	}
	for _, d := range m.Datasets {
		if err := loadDataset(ctx, st, m, d, secret, o); err != nil {
			return nil, fmt.Errorf("dataset %s: %w", d.ID, err)
		}
	}
	return m, nil
}

// checkLoads asks o.Check about every dataset of m before anything is
// written, and refuses the whole load, naming every refusal, if any is
// refused.
func checkLoads(ctx context.Context, st catalog.Store, m *synth.Manifest, o CountyOptions) error {
	var refused []string
	for _, d := range m.Datasets {
		ds, err := st.Dataset(ctx, d.ID)
		exists := err == nil
		if err != nil && fault.Code(err) != fault.NotFound {
			return err
		}
		if !exists {
			ds = &catalog.Dataset{ID: d.ID, PartnerID: d.Partner, Name: d.Name}
		}
		if err := o.Check(ctx, ds, exists); err != nil {
			if fault.Code(err) != fault.Forbidden {
				return err
			}
			refused = append(refused, fault.Message(err))
		}
	}
	if len(refused) > 0 {
		return fault.Errorf(fault.Forbidden, "nothing was loaded: %s; load only the datasets you own with --partner", strings.Join(refused, "; "))
	}
	return nil
}

func addPartners(ctx context.Context, st catalog.Store, m *synth.Manifest) error {
	for _, p := range m.Partners {
		err := st.CreatePartner(ctx, &catalog.Partner{ID: p.ID, Name: p.Name})
		if err != nil && fault.Code(err) != fault.Conflict {
			return err
		}
	}
	return nil
}

func loadDataset(ctx context.Context, st catalog.Store, m *synth.Manifest, d synth.ManifestDataset, secret *pseudo.Secret, o CountyOptions) error {
	raw, err := m.ReadSchema(d)
	if err != nil {
		return err
	}
	file, schema, how := m.Path(d.File), raw, "as shared"
	if spec, ok := LinkageSpec(d.ID, raw); ok && !o.Raw {
		enc := filepath.Join(m.Dir, "encoded")
		if err := os.MkdirAll(enc, 0o700); err != nil {
			return err
		}
		out := filepath.Join(enc, d.ID+".csv")
		res, err := pseudo.Run(ctx, pseudo.Options{Spec: spec, Secret: secret, In: file, Out: out, Rejects: filepath.Join(enc, d.ID+".rejects.csv")})
		if err != nil {
			return err
		}
		file, schema = out, res.Schema
		how = fmt.Sprintf("pseudonymised at %s (%d rows, %d kept back by the partner)", d.Partner, res.Rows, res.Rejected)
	}
	ds := &catalog.Dataset{ID: d.ID, PartnerID: d.Partner, Name: d.Name, Description: schema.Description, Schema: schema}
	existing, err := registerDataset(ctx, st, ds)
	if err != nil {
		return err
	}
	if existing {
		how += ", a new version of the dataset"
	}
	if d.Rows == 0 {
		if o.Log != nil {
			fmt.Fprintf(o.Log, "  %-18s %-9s no records in this county: registered without a version\n", d.ID, d.Partner)
		}
		return nil
	}
	var res *ingest.Result
	if o.Load != nil {
		res, err = o.Load(ctx, d.ID, file)
	} else {
		res, err = ingest.Run(ctx, st, ingest.Request{DatasetID: d.ID, Path: file, User: o.User})
	}
	if err != nil {
		return err
	}
	if res.Duplicate {
		how = fmt.Sprintf("unchanged: byte-identical to version %d", res.Version.Number)
	}
	if o.Log != nil {
		fmt.Fprintf(o.Log, "  %-18s %-9s v%d %7d rows  %s\n", d.ID, d.Partner, res.Version.Number, res.Version.Rows, how)
	}
	return nil
}

// registerDataset creates ds, or finds it already in the store (a monthly
// update loaded into an existing store): then it must belong to the same
// partner and have the same columns and types, so the update is ingested
// as the dataset's next version under the same checks.
func registerDataset(ctx context.Context, st catalog.Store, ds *catalog.Dataset) (existing bool, err error) {
	old, err := st.Dataset(ctx, ds.ID)
	if fault.Code(err) == fault.NotFound {
		return false, st.CreateDataset(ctx, ds)
	}
	if err != nil {
		return false, err
	}
	if old.PartnerID != ds.PartnerID {
		return true, fault.Errorf(fault.Conflict, "dataset %s is already in the store, shared by %s, not %s: load it under another id or fix the manifest's partner", ds.ID, old.PartnerID, ds.PartnerID)
	}
	if err := sameColumns(old.Schema, ds.Schema); err != nil {
		return true, fault.Errorf(fault.Conflict, "dataset %s is already in the store with another schema: %s; a new version must keep the columns and types (register a new dataset for a new shape)", ds.ID, fault.Message(err))
	}
	return true, nil
}

// sameColumns says how schema b's columns differ from a's, if they do.
func sameColumns(a, b *catalog.Schema) error {
	if len(a.Columns) != len(b.Columns) {
		return fault.Errorf(fault.Invalid, "it has %d columns, the update %d", len(a.Columns), len(b.Columns))
	}
	for i, c := range a.Columns {
		if d := b.Columns[i]; c.Name != d.Name || c.Type != d.Type {
			return fault.Errorf(fault.Invalid, "column %d is %s (%s) in the store, %s (%s) in the update", i+1, c.Name, c.Type, d.Name, d.Type)
		}
	}
	return nil
}

// countySecret reads the partners' secret, or makes one (0600) in dir.
func countySecret(dir, path string) (*pseudo.Secret, error) {
	if path == "" {
		path = filepath.Join(dir, "partner-secret.key")
		if _, err := os.Stat(path); os.IsNotExist(err) {
			b := make([]byte, 32)
			if _, err := rand.Read(b); err != nil {
				return nil, err
			}
			if err := os.WriteFile(path, []byte(hex.EncodeToString(b)), 0o600); err != nil {
				return nil, err
			}
		}
	}
	s, err := pseudo.ReadSecretFile(path)
	if err != nil {
		return nil, err
	}
	return s, nil
}

// IdentifierColumns returns the raw identifier columns of a synthetic
// dataset (nil when it has none), so tests can check none reach the store.
func IdentifierColumns(datasetID string) []string {
	var out []string
	for _, c := range identifiers[datasetID] {
		out = append(out, strings.ToLower(c))
	}
	return out
}
