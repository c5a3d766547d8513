package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/civiclink/civiclink/internal/community"
	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/govern"
)

func (m *Main) communityCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "community", Short: "The community-support directory (Open Referral UK): list, import, export, moderate"}
	cmd.AddCommand(m.communityListCmd(), m.communityExportCmd(), m.communityImportCmd(), m.communityPublishCmd(), m.communityRejectCmd(), m.communitySynthCmd(), m.communityZoneCmd(), m.communityVolunteerCmd())
	return cmd
}

// directory returns the community directory and the user acting.
func (m *Main) directory(cmd *cobra.Command) (*community.Directory, *govern.User, error) {
	s, u, err := m.acting(cmd)
	if err != nil {
		return nil, nil, err
	}
	d, err := s.Community(cmd.Context())
	return d, u, err
}

func (m *Main) communityListCmd() *cobra.Command {
	var q community.Query
	var queue bool
	var theme, kind string
	c := &cobra.Command{
		Use:   "list [--theme ID] [--district CODE] [--text WORDS] | --queue",
		Short: "List published services, or (--queue) the submissions waiting for moderation",
		Args:  exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			d, u, err := m.directory(cmd)
			if err != nil {
				return err
			}
			if queue {
				return m.printQueue(cmd, d, u)
			}
			ix, err := d.Published(cmd.Context())
			if err != nil {
				return err
			}
			q.Theme, q.Kind, q.PerPage = theme, community.Kind(kind), community.MaxPerPage
			if err := q.Validate(); err != nil {
				return err
			}
			w := tabwriter.NewWriter(m.Stdout, 0, 2, 2, ' ', 0)
			fmt.Fprintln(w, "ID\tVERSION\tNAME\tORGANISATION\tKIND\tTHEMES\tDISTRICTS")
			matches := ix.Match(q)
			for _, i := range matches {
				v := ix.All()[i]
				fmt.Fprintf(w, "%s\t%d\t%s\t%s\t%s\t%s\t%s\n", v.Service.ID, v.Version, v.Service.Name, v.Service.Organisation.Name, v.Service.Organisation.Kind, strings.Join(v.Service.Themes, ","), districts(v.Service))
			}
			if err := w.Flush(); err != nil {
				return err
			}
			fmt.Fprintf(m.Stderr, "%d of %d published services\n", len(matches), ix.Len())
			return nil
		},
	}
	c.Flags().BoolVar(&queue, "queue", false, "list the submissions waiting for moderation (community editors)")
	c.Flags().StringVar(&theme, "theme", "", "only services with this theme")
	c.Flags().StringVar(&q.District, "district", "", "only services with a location in this district (LAD code)")
	c.Flags().StringVar(&q.Text, "text", "", "only services whose text has every one of these words")
	c.Flags().StringVar(&q.Day, "day", "", "only services open on this day (MO TU WE TH FR SA SU)")
	c.Flags().StringVar(&kind, "kind", "", "formal or informal")
	return c
}

func districts(s community.Service) string {
	var ds []string
	for _, l := range s.Locations {
		if l.District != "" && !strings.Contains(strings.Join(ds, ","), l.District) {
			ds = append(ds, l.District)
		}
	}
	return strings.Join(ds, ",")
}

func (m *Main) printQueue(cmd *cobra.Command, d *community.Directory, u *govern.User) error {
	subs, err := d.Queue(cmd.Context(), u)
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(m.Stdout, 0, 2, 2, ' ', 0)
	fmt.Fprintln(w, "SUBMISSION\tSERVICE\tKIND\tNAME\tBY\tAT\tNOTE")
	for _, s := range subs {
		kind := "new"
		if s.Correction {
			kind = "correction"
		}
		fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", s.ID, s.Service.ID, kind, s.Service.Name, s.SubmittedBy, s.SubmittedAt.Format("2006-01-02 15:04"), s.Note)
	}
	return w.Flush()
}

func (m *Main) communityExportCmd() *cobra.Command {
	var format, out string
	c := &cobra.Command{
		Use:   "export --format oruk-json|csv|geojson --out FILE",
		Short: "Export the published directory as open data (contacts only where consent is recorded)",
		Args:  exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			d, u, err := m.directory(cmd)
			if err != nil {
				return err
			}
			ix, err := d.Published(cmd.Context())
			if err != nil {
				return err
			}
			var buf bytes.Buffer
			services := community.Services(ix.All())
			switch format {
			case "oruk-json":
				err = community.EncodeFeed(&buf, services)
			case "csv":
				err = community.EncodeCSV(&buf, services)
			case "geojson":
				err = community.EncodeGeoJSON(&buf, services)
			default:
				return fault.FieldErrorf(fault.Invalid, "format", "--format %q: use oruk-json, csv or geojson", format)
			}
			if err != nil {
				return err
			}
			if err := writeOut(m.Stdout, out, buf.Bytes()); err != nil {
				return err
			}
			if err := d.RecordExport(cmd.Context(), u, format, len(services)); err != nil {
				return err
			}
			if out != "-" {
				fmt.Fprintf(m.Stdout, "exported %d services as %s to %s\n", len(services), format, out)
			}
			return nil
		},
	}
	c.Flags().StringVar(&format, "format", "oruk-json", "oruk-json, csv or geojson")
	c.Flags().StringVar(&out, "out", "-", "the file to write (- for standard output)")
	return c
}

// writeOut writes b to path atomically (a temporary file renamed), or to
// stdout for "-".
func writeOut(stdout io.Writer, path string, b []byte) error {
	if path == "-" || path == "" {
		_, err := stdout.Write(b)
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".export-*")
	if err != nil {
		return fault.FieldErrorf(fault.Invalid, "out", "cannot write to the folder of %s: %v", path, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return fault.Errorf(fault.Internal, "cannot write %s: %v", path, err)
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

func (m *Main) communityImportCmd() *cobra.Command {
	var publish bool
	var format string
	c := &cobra.Command{
		Use:   "import FILE [--publish]",
		Short: "Import an ORUK JSON feed or CSV (as export writes it): all or nothing; new and changed services wait for moderation unless --publish",
		Args:  exactArgs(1, "one file"),
		RunE: func(cmd *cobra.Command, args []string) error {
			d, u, err := m.directory(cmd)
			if err != nil {
				return err
			}
			data, err := os.ReadFile(args[0])
			if err != nil {
				return fault.Errorf(fault.Invalid, "cannot read %s: %v", args[0], err)
			}
			if format == "" {
				format = "oruk-json"
				if strings.EqualFold(filepath.Ext(args[0]), ".csv") {
					format = "csv"
				}
			}
			var services []community.Service
			var ps community.Problems
			switch format {
			case "oruk-json":
				services, ps = community.DecodeFeed(data)
			case "csv":
				services, ps = community.DecodeCSV(bytes.NewReader(data))
			default:
				return fault.FieldErrorf(fault.Invalid, "format", "--format %q: use oruk-json or csv", format)
			}
			if len(ps) > 0 {
				return d.RefuseImport(cmd.Context(), u, filepath.Base(args[0]), ps)
			}
			res, err := d.Import(cmd.Context(), u, services, publish, filepath.Base(args[0]))
			if err != nil {
				return err
			}
			fmt.Fprintf(m.Stdout, "%d new, %d changed, %d unchanged", res.New, res.Changed, res.Unchanged)
			switch {
			case publish && res.New+res.Changed > 0:
				fmt.Fprintln(m.Stdout, "; published")
			case len(res.Queued) > 0:
				fmt.Fprintf(m.Stdout, "; %d waiting for moderation (civiclink community publish ID)\n", len(res.Queued))
			default:
				fmt.Fprintln(m.Stdout)
			}
			return nil
		},
	}
	c.Flags().BoolVar(&publish, "publish", false, "publish at once (the importing community editor moderates the file)")
	c.Flags().StringVar(&format, "format", "", "oruk-json or csv (default: from the file name)")
	return c
}

// submission returns the directory, the user acting and the submission id
// arg names.
func (m *Main) submission(cmd *cobra.Command, arg string) (*community.Directory, *govern.User, int64, error) {
	id, err := strconv.ParseInt(arg, 10, 64)
	if err != nil {
		return nil, nil, 0, fault.Errorf(fault.Invalid, "submission id %q is not a number (see civiclink community list --queue)", arg)
	}
	d, u, err := m.directory(cmd)
	return d, u, id, err
}

func (m *Main) communityPublishCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "publish SUBMISSION",
		Short: "Publish a submission waiting for moderation as its service's next version",
		Args:  exactArgs(1, "one submission id"),
		RunE: func(cmd *cobra.Command, args []string) error {
			d, u, id, err := m.submission(cmd, args[0])
			if err != nil {
				return err
			}
			sub, err := d.Publish(cmd.Context(), u, id)
			if err != nil {
				return err
			}
			fmt.Fprintf(m.Stdout, "published submission %d: service %s version %d\n", sub.ID, sub.Service.ID, sub.Version)
			return nil
		},
	}
}

func (m *Main) communityRejectCmd() *cobra.Command {
	var reason string
	c := &cobra.Command{
		Use:   "reject SUBMISSION --reason TEXT",
		Short: "Reject a submission waiting for moderation, with a reason",
		Args:  exactArgs(1, "one submission id"),
		RunE: func(cmd *cobra.Command, args []string) error {
			d, u, id, err := m.submission(cmd, args[0])
			if err != nil {
				return err
			}
			sub, err := d.Reject(cmd.Context(), u, id, reason)
			if err != nil {
				return err
			}
			fmt.Fprintf(m.Stdout, "rejected submission %d (service %s): %s\n", sub.ID, sub.Service.ID, reason)
			return nil
		},
	}
	c.Flags().StringVar(&reason, "reason", "", "why, in words the submitter can act on")
	return c
}

func (m *Main) communitySynthCmd() *cobra.Command {
	var n int
	var seed uint64
	var out string
	c := &cobra.Command{
		Use:   "synth --services N --out FILE",
		Short: "Write a synthetic directory (made-up organisations, for demos and benchmarks) as an ORUK JSON feed",
		Args:  exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if n < 1 || n > 100000 {
				return fault.FieldErrorf(fault.Invalid, "services", "--services %d: give 1 to 100,000", n)
			}
			p, err := community.LoadPlacer()
			if err != nil {
				return err
			}
			ss := community.Synthesise(p, n, seed)
			for i := range ss { // ids of their own, beside the demo's
				pre := fmt.Sprintf("synth-%d-", seed)
				ss[i].ID, ss[i].Organisation.ID = pre+ss[i].ID, pre+ss[i].Organisation.ID
				for j := range ss[i].Locations {
					ss[i].Locations[j].ID = pre + ss[i].Locations[j].ID
				}
				for j := range ss[i].Contacts {
					ss[i].Contacts[j].ID = pre + ss[i].Contacts[j].ID
				}
			}
			var buf bytes.Buffer
			if err := community.EncodeFeed(&buf, ss); err != nil {
				return err
			}
			return writeOut(m.Stdout, out, buf.Bytes())
		},
	}
	c.Flags().IntVar(&n, "services", 400, "how many services")
	c.Flags().Uint64Var(&seed, "seed", 1, "the generator's seed")
	c.Flags().StringVar(&out, "out", "-", "the file to write (- for standard output)")
	return c
}
