// Package demo builds the demonstration county that `civiclink demo` runs
// the whole flow on: the partnership's partners, real public datasets (DfT
// road casualties, police street crime) and, as the rooms grow, a synthetic
// county pseudonymised, linked and turned into disclosure-safe indicators.
package demo

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/civiclink/civiclink/internal/catalog"
	"github.com/civiclink/civiclink/internal/definitions"
	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/ingest"
	"github.com/civiclink/civiclink/internal/refdata"
)

// MetaKey marks a store made by the demo, so the demo only ever replaces
// stores it made itself.
const MetaKey = "made_by"

// Partners are the partnership's organisations in the demo.
var Partners = []catalog.Partner{
	{ID: "county", Name: "Essex County Council"},
	{ID: "police", Name: "Essex Police"},
	{ID: "fire", Name: "Essex County Fire and Rescue Service"},
	{ID: "nhs", Name: "NHS acute trusts"},
	{ID: "districts", Name: "District and unitary councils (housing)"},
	{ID: "university", Name: "University of Essex"},
	{ID: "voluntary", Name: "Voluntary sector alliance"},
}

// realDatasets are the public datasets the demo loads, with their schema
// files (in package definitions) and their files (paths in the
// reference data). Street crime comes one file a month, so it
// accumulates: each version adds a month and figures read them all. The
// STATS19 files stay replacing: the demo and the road-ksi-dft indicator
// read them a version (a year) at a time.
//
// The binary embeds these files (see package refdata): the casualty files
// whole, the street-crime files without each crime's id, coordinates,
// street and context ([LeftOut]).
var realDatasets = []struct {
	ID, Partner, Name, Schema string
	Files                     []string
	Accumulates               bool
}{
	{"road-casualties", "police", "Road casualties (DfT STATS19, Essex Police area)", "schemas/road-casualties.schema.json", []string{
		"road_safety_stats19/essex_pf42_casualties_2015.csv",
		"road_safety_stats19/essex_pf42_casualties_2016.csv",
		"road_safety_stats19/essex_pf42_casualties_2017.csv",
		"road_safety_stats19/essex_pf42_casualties_2018.csv",
	}, false},
	{"street-crime", "police", "Street-level crime and anti-social behaviour (data.police.uk)", "schemas/street-crime.schema.json", []string{
		"police_crime/2018-01-essex-street.csv",
		"police_crime/2018-02-essex-street.csv",
		"police_crime/2018-03-essex-street.csv",
		"police_crime/2018-04-essex-street.csv",
		"police_crime/2018-05-essex-street.csv",
		"police_crime/2018-06-essex-street.csv",
	}, true},
}

// LeftOut says what the embedded real data lacks beside the full public
// files, for the demo to tell its user.
const LeftOut = "the street-crime files embedded in the binary leave out each crime's id, snap-point coordinates, street and context (figures by month, type and LSOA are unchanged); set CIVICLINK_REFDATA to the full shared data folder to load them whole"

// Options configure a demo run.
type Options struct {
	Path string    // the store file to (re)create
	User string    // who runs it
	Log  io.Writer // progress lines
}

// loadRealFile ingests one reference file as a version of a dataset. The
// file is written to a temporary folder for the ingest service, which reads
// files by path, and removed afterwards.
func loadRealFile(ctx context.Context, st catalog.Store, dataset, name string, o Options) error {
	b, err := refdata.ReadFile(name)
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "civiclink-demo-real-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, filepath.Base(name))
	if err := os.WriteFile(path, b, 0o600); err != nil {
		return err
	}
	res, err := ingest.Run(ctx, st, ingest.Request{DatasetID: dataset, Path: path, User: o.User})
	if err != nil {
		return err
	}
	fmt.Fprintf(o.Log, "  %-16s v%d  %7d rows  %s\n", dataset, res.Version.Number, res.Version.Rows, filepath.Base(path))
	return nil
}

// FreshStore removes a previous demo store at path (refusing to touch any
// other store) and opens a new one with open, marked as the demo's.
func FreshStore[S Store](ctx context.Context, path string, open func(ctx context.Context, path string) (S, error)) (S, error) {
	var none S
	if _, err := os.Stat(path); err == nil {
		old, err := open(ctx, path)
		if err != nil {
			return none, err
		}
		made, err := old.Meta(ctx, MetaKey)
		old.Close()
		if err != nil {
			return none, err
		}
		if made != "demo" {
			return none, fault.FieldErrorf(fault.Conflict, "data", "%s is not a demo store: the demo will not overwrite it; give another file name", path)
		}
		for _, p := range []string{path, path + ".wal"} {
			if err := os.Remove(p); err != nil && !os.IsNotExist(err) {
				return none, err
			}
		}
	}
	st, err := open(ctx, path)
	if err != nil {
		return none, err
	}
	if err := st.SetMeta(ctx, MetaKey, "demo"); err != nil {
		st.Close()
		return none, err
	}
	return st, nil
}

// LoadRealData registers the partners and the public datasets and ingests
// every file, one version per file.
func LoadRealData(ctx context.Context, st catalog.Store, o Options) error {
	for _, p := range Partners {
		p := p
		if err := st.CreatePartner(ctx, &p); err != nil {
			return err
		}
	}
	for _, rd := range realDatasets {
		f, err := definitions.FS.Open(rd.Schema)
		if err != nil {
			return err
		}
		sc, err := catalog.ParseSchema(f)
		f.Close()
		if err != nil {
			return fmt.Errorf("example schema %s: %w", rd.Schema, err)
		}
		sc.Accumulates = sc.Accumulates || rd.Accumulates
		d := &catalog.Dataset{ID: rd.ID, PartnerID: rd.Partner, Name: rd.Name, Description: sc.Description, Schema: sc}
		if err := st.CreateDataset(ctx, d); err != nil {
			return err
		}
		for _, name := range rd.Files {
			if err := loadRealFile(ctx, st, rd.ID, name, o); err != nil {
				return err
			}
		}
	}
	if refdata.Source() == "embedded" {
		fmt.Fprintf(o.Log, "  (%s)\n", LeftOut)
	}
	return nil
}
