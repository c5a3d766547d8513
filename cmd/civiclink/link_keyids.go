package main

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/civiclink/civiclink/internal/catalog"
	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/link"
	"github.com/civiclink/civiclink/internal/pseudo"
)

// schemaBeside is where `civiclink pseudonymise` writes a CSV's catalog
// schema, with its columns' key ids: FILE.csv → FILE.schema.json.
func schemaBeside(path string) string {
	return strings.TrimSuffix(path, filepath.Ext(path)) + ".schema.json"
}

// checkFileKeyIDs reads each file's key ids from the schema beside it (a
// file without one has none) and refuses a linkage under cfg that would
// compare columns whose key ids differ.
func checkFileKeyIDs(cfg link.Config, files []string) error {
	keyed := make([]link.KeyedInput, 0, len(files))
	for _, path := range files {
		in := link.KeyedInput{Name: path, From: schemaBeside(path)}
		if _, err := os.Stat(in.From); err == nil {
			s, err := catalog.ReadSchemaFile(in.From)
			if err != nil {
				return err
			}
			in.KeyIDs = pseudo.SchemaKeyIDs(s)
		} else if !errors.Is(err, fs.ErrNotExist) {
			return fault.Errorf(fault.Invalid, "cannot read %s, the schema beside %s that holds its key ids: %v", in.From, path, err)
		}
		keyed = append(keyed, in)
	}
	return link.CheckKeyIDs(cfg, keyed)
}
