package main

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/pseudo"
)

func (m *Main) pseudonymiseCmd() *cobra.Command {
	var o pseudo.Options
	var schemaPath, secretPath, idColumn, delim string
	cmd := &cobra.Command{
		Use:   "pseudonymise --schema linkage.json --secret-file KEY --in raw.csv --out encoded.csv",
		Short: "Replace identifiers with keyed tokens and Bloom-filter encodings, at the partner",
		Long: `Pseudonymise a CSV file at the partner, before it is shared. Runs entirely on
this machine: no network, no store. The output keeps the record id and the
columns the linkage schema lists under "keep", drops every raw identifier, and
adds HMAC-SHA256 tokens and Bloom-filter encodings (clkhash-compatible). Its
catalog schema is written beside it (--schema-out), ready for 'dataset add'.

--schema is a civiclink linkage schema (see docs/pseudonymisation.md) or a
clkhash v3 linkage schema, which is applied exactly as clkhash applies it.
--secret-file holds the secret: its bytes, less one trailing newline. It must
be readable by its owner only (chmod 600) and must never be shared with the
platform. By default one bad row rejects the whole file; with --rejects FILE
the good rows are encoded and the bad ones written to FILE with reasons (FILE
holds raw identifiers: keep it at the partner).`,
		Args: exactArgs(0, "no arguments (use --in and --out)"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if schemaPath == "" || secretPath == "" || o.In == "" || o.Out == "" {
				return fault.Errorf(fault.Invalid, "pseudonymise needs --schema, --secret-file, --in and --out (see --help)")
			}
			r, err := parseDelimiter(delim)
			if err != nil {
				return err
			}
			o.Delimiter = r
			if o.Spec, err = pseudo.ReadSpecFile(schemaPath, idColumn); err != nil {
				return err
			}
			if idColumn != "" && o.Spec.RecordID != idColumn {
				return fault.Errorf(fault.Invalid, "--id is for a clkhash schema; a civiclink linkage schema names its record id in \"record_id\"")
			}
			if o.Secret, err = pseudo.ReadSecretFile(secretPath); err != nil {
				return err
			}
			res, err := pseudo.Run(cmd.Context(), o)
			if err != nil {
				return err
			}
			m.printPseudonymise(o, res)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&schemaPath, "schema", "", "linkage schema: civiclink's or clkhash's v3")
	f.StringVar(&secretPath, "secret-file", "", "file holding the secret (mode 600)")
	f.StringVar(&o.In, "in", "", "input CSV file with a header row")
	f.StringVar(&o.Out, "out", "", "output file (written atomically)")
	f.StringVar(&o.SchemaOut, "schema-out", "", "where to write the output's catalog schema (default: OUT with .schema.json)")
	f.StringVar(&o.Format, "format", pseudo.FormatCSV, "csv, or clks-json for clkhash's {\"clks\": [...]}")
	f.StringVar(&o.Rejects, "rejects", "", "encode valid rows and write rejected rows with reasons to this CSV file")
	f.IntVar(&o.Workers, "workers", 0, "parallel encoders (default: all cores)")
	f.StringVar(&idColumn, "id", "", "record-id column to keep, with a clkhash schema")
	f.StringVar(&delim, "delimiter", "", "CSV field delimiter (default ',')")
	return cmd
}

func parseDelimiter(d string) (rune, error) {
	if d == `\t` || d == "tab" {
		return '\t', nil
	}
	if d == "" {
		return 0, nil
	}
	r, n := utf8.DecodeRuneInString(d)
	if n != len(d) || r == '"' {
		return 0, fault.Errorf(fault.Invalid, "--delimiter must be one character other than a quote, e.g. ';' or '\\t'")
	}
	return r, nil
}

func (m *Main) printPseudonymise(o pseudo.Options, res *pseudo.Result) {
	fmt.Fprintf(m.Stdout, "pseudonymised %d rows of %s into %s (%d workers)", res.Rows, o.In, o.Out, res.Workers)
	if res.Rejected > 0 {
		fmt.Fprintf(m.Stdout, "; %d rejected rows written to %s", res.Rejected, o.Rejects)
	}
	fmt.Fprintln(m.Stdout)
	for _, f := range o.Spec.Fields {
		if n := res.Blanked[f.Name]; n > 0 {
			fmt.Fprintf(m.Stdout, "%d invalid %s values treated as missing\n", n, f.Name)
		}
	}
	if res.SchemaPath != "" {
		fmt.Fprintf(m.Stdout, "catalog schema: %s\n", res.SchemaPath)
	}
	cols := make([]string, 0, len(res.KeyIDs))
	for c := range res.KeyIDs {
		cols = append(cols, c)
	}
	slices.Sort(cols)
	var ids []string
	for _, c := range cols {
		ids = append(ids, c+"="+res.KeyIDs[c])
	}
	fmt.Fprintf(m.Stdout, "key ids: %s\n", strings.Join(ids, " "))
}
