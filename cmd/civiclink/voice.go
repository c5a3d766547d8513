package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/govern"
	"github.com/civiclink/civiclink/internal/voice"
)

// voiceCmd is `civiclink voice`: conversation programmes with residents
// (docs/voice.md).
func (m *Main) voiceCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "voice", Short: "Citizen voice: conversation programmes, their responses and results"}
	cmd.AddCommand(m.voiceListCmd(), m.voiceDefineCmd(), m.voiceSessionCmd(), m.voiceImportCmd(), m.voiceExportCmd(),
		m.voiceResultsCmd(), m.voiceThemesCmd(), m.voiceCodeCmd(), m.voiceAgreementCmd(), m.voiceQuoteCmd(), m.voiceActionCmd())
	return cmd
}

// voiceService is the voice room and the user it acts for.
func (m *Main) voiceService(cmd *cobra.Command) (*voice.Service, *govern.User, error) {
	s, u, err := m.acting(cmd)
	if err != nil {
		return nil, nil, err
	}
	return s.Voice, u, nil
}

func voiceFormat(format string, allowed ...string) error {
	for _, a := range allowed {
		if format == a {
			return nil
		}
	}
	return fault.FieldErrorf(fault.Invalid, "format", "--format %q: use %s", format, strings.Join(allowed, " or "))
}

func (m *Main) writeJSON(v any) error {
	enc := json.NewEncoder(m.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func (m *Main) voiceListCmd() *cobra.Command {
	var format string
	c := &cobra.Command{
		Use: "list [--format json]", Short: "List conversation programmes with their counts", Args: exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := voiceFormat(format, "table", "json"); err != nil {
				return err
			}
			svc, u, err := m.voiceService(cmd)
			if err != nil {
				return err
			}
			ps, err := svc.List(cmd.Context(), u)
			if err != nil {
				return err
			}
			if format == "json" {
				if ps == nil {
					ps = []voice.ProgrammeSummary{}
				}
				return m.writeJSON(ps)
			}
			w := tabwriter.NewWriter(m.Stdout, 0, 2, 2, ' ', 0)
			fmt.Fprintln(w, "ID\tQUESTIONS\tSESSIONS\tRESPONSES\tTITLE")
			for _, p := range ps {
				fmt.Fprintf(w, "%s\t%d\t%d\t%d\t%s\n", p.ID, p.Questions, p.Sessions, p.Responses, p.Title)
			}
			return w.Flush()
		},
	}
	c.Flags().StringVar(&format, "format", "table", "table or json")
	return c
}

func (m *Main) voiceDefineCmd() *cobra.Command {
	return &cobra.Command{
		Use: "define FILE.json", Short: "Create a conversation programme from its definition (questions, sessions, codebook; see docs/voice.md)",
		Args: exactArgs(1, "a programme definition file"),
		RunE: func(cmd *cobra.Command, args []string) error {
			b, err := os.ReadFile(args[0])
			if err != nil {
				return fault.Errorf(fault.Invalid, "cannot read the programme definition %s: %v", args[0], err)
			}
			var p voice.Programme
			dec := json.NewDecoder(strings.NewReader(string(b)))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&p); err != nil {
				return fault.Errorf(fault.Invalid, "%s is not a programme definition: %v", args[0], err)
			}
			svc, u, err := m.voiceService(cmd)
			if err != nil {
				return err
			}
			if err := svc.Define(cmd.Context(), u, &p); err != nil {
				return err
			}
			fmt.Fprintf(m.Stdout, "defined programme %s: %d questions, %d sessions, %d themes\n", p.ID, len(p.Questions), len(p.Sessions), len(p.Codebook))
			return nil
		},
	}
}

func (m *Main) voiceSessionCmd() *cobra.Command {
	var s voice.Session
	var date string
	c := &cobra.Command{Use: "session", Short: "Manage a programme's sessions"}
	add := &cobra.Command{
		Use: "add --programme ID --id ID --date YYYY-MM-DD --place P --district CODE --host ORG [--wave N]", Short: "Add a conversation session",
		Args: exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			d, err := time.Parse("2006-01-02", date)
			if err != nil {
				return fault.FieldErrorf(fault.Invalid, "date", "--date %q is not a date like 2026-06-10", date)
			}
			s.Date = d
			svc, u, err := m.voiceService(cmd)
			if err != nil {
				return err
			}
			if err := svc.AddSession(cmd.Context(), u, &s); err != nil {
				return err
			}
			fmt.Fprintf(m.Stdout, "added session %s to %s (wave %d)\n", s.ID, s.ProgrammeID, s.Wave)
			return nil
		},
	}
	f := add.Flags()
	f.StringVar(&s.ProgrammeID, "programme", "", "the programme")
	f.StringVar(&s.ID, "id", "", "session id, e.g. harlow-w2")
	f.StringVar(&date, "date", "", "the day, YYYY-MM-DD")
	f.StringVar(&s.Place, "place", "", "where, e.g. \"Community centre\" (no home addresses)")
	f.StringVar(&s.District, "district", "", "ONS district code, e.g. E07000073")
	f.StringVar(&s.Host, "host", "", "the hosting organisation")
	f.IntVar(&s.Wave, "wave", 1, "the wave of a programme asked more than once")
	c.AddCommand(add)
	return c
}

func (m *Main) voiceImportCmd() *cobra.Command {
	var programme string
	c := &cobra.Command{
		Use: "import --programme ID FILE.csv", Short: "Import responses from a survey-tool CSV (all or nothing; free text redacted before it is stored)",
		Args: exactArgs(1, "a CSV file"),
		RunE: func(cmd *cobra.Command, args []string) error {
			f, err := os.Open(args[0])
			if err != nil {
				return fault.Errorf(fault.Invalid, "cannot open %s: %v", args[0], err)
			}
			defer f.Close()
			svc, u, err := m.voiceService(cmd)
			if err != nil {
				return err
			}
			n, err := svc.Import(cmd.Context(), u, programme, args[0], f)
			if err != nil {
				return err
			}
			fmt.Fprintf(m.Stdout, "imported %d responses into %s\n", n, programme)
			return nil
		},
	}
	c.Flags().StringVar(&programme, "programme", "", "the programme the responses answer")
	return c
}

func (m *Main) voiceExportCmd() *cobra.Command {
	var programme, format, output string
	c := &cobra.Command{
		Use: "export --programme ID [--format csv] [--output FILE]", Short: "Export responses as CSV in the shape import reads (free text as stored, redacted)",
		Args: exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := voiceFormat(format, "csv"); err != nil {
				return err
			}
			svc, u, err := m.voiceService(cmd)
			if err != nil {
				return err
			}
			w, done, err := m.outputFile(output)
			if err != nil {
				return err
			}
			n, err := svc.Export(cmd.Context(), u, programme, w)
			if cerr := done(); err == nil {
				err = cerr
			}
			if err == nil && output != "" {
				fmt.Fprintf(m.Stdout, "exported %d responses to %s\n", n, output)
			}
			return err
		},
	}
	c.Flags().StringVar(&programme, "programme", "", "the programme")
	c.Flags().StringVar(&format, "format", "csv", "csv")
	c.Flags().StringVar(&output, "output", "", "write to this file instead of standard output")
	return c
}

// outputFile returns where an export writes: the file, or stdout.
func (m *Main) outputFile(path string) (w interface{ Write([]byte) (int, error) }, done func() error, err error) {
	if path == "" {
		return m.Stdout, func() error { return nil }, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, nil, fault.Errorf(fault.Invalid, "cannot write %s: %v", path, err)
	}
	return f, f.Close, nil
}

func (m *Main) voiceResultsCmd() *cobra.Command {
	var programme, question, by, format string
	c := &cobra.Command{
		Use:   "results --programme ID [--question Q] [--by district[,age_band]] [--format table|csv|json]",
		Short: "Answers to scale and choice questions by district, age band or wave, small groups suppressed",
		Args:  exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := voiceFormat(format, "table", "csv", "json"); err != nil {
				return err
			}
			svc, u, err := m.voiceService(cmd)
			if err != nil {
				return err
			}
			qs := []string{question}
			if question == "" {
				p, err := svc.Programme(cmd.Context(), u, programme)
				if err != nil {
					return err
				}
				qs = nil
				for _, q := range p.Questions {
					if q.Kind != voice.FreeText {
						qs = append(qs, q.ID)
					}
				}
			}
			var all []*voice.Results
			for _, q := range qs {
				r, err := svc.Results(cmd.Context(), u, voice.ResultSpec{ProgrammeID: programme, QuestionID: q, By: splitList(by)})
				if err != nil {
					return err
				}
				all = append(all, r)
			}
			return m.writeResults(format, all)
		},
	}
	c.Flags().StringVar(&programme, "programme", "", "the programme")
	c.Flags().StringVar(&question, "question", "", "one question (default: every scale and choice question)")
	c.Flags().StringVar(&by, "by", "", "up to two of district, age_band, wave, comma-separated")
	c.Flags().StringVar(&format, "format", "table", "table, csv or json")
	return c
}

func (m *Main) writeResults(format string, all []*voice.Results) error {
	switch format {
	case "json":
		return m.writeJSON(all)
	case "csv":
		w := csv.NewWriter(m.Stdout)
		for i, r := range all {
			if i == 0 {
				w.Write(append(append([]string{"question"}, groupNames(r.By)...), "answer", "count", "percent"))
			}
			for _, row := range r.Rows {
				for k, o := range append(r.Options, "Total") {
					f := row.Total
					if k < len(r.Options) {
						f = row.Options[k]
					}
					w.Write(append(append([]string{r.Question}, row.Labels...), o, f.Display, figureShare(f)))
				}
			}
		}
		w.Flush()
		return w.Error()
	}
	for _, r := range all {
		fmt.Fprintf(m.Stdout, "%s: %s\n", r.Question, r.Prompt)
		tw := tabwriter.NewWriter(m.Stdout, 0, 2, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintf(tw, "%s\t%s\tTotal\t\n", strings.Join(groupNames(r.By), "\t"), strings.Join(r.Options, "\t"))
		for _, row := range r.Rows {
			cells := []string{}
			for _, o := range row.Options {
				cells = append(cells, o.Display)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t\n", strings.Join(row.Labels, "\t"), strings.Join(cells, "\t"), row.Total.Display)
		}
		tw.Flush()
		fmt.Fprintf(m.Stdout, "%s\n\n", r.Protection.Note())
	}
	return nil
}

func groupNames(by []string) []string {
	if len(by) == 0 {
		return []string{"group"}
	}
	return by
}

func figureShare(f voice.Figure) string {
	if f.Share == nil {
		return ""
	}
	return strconv.FormatFloat(*f.Share, 'f', 1, 64)
}
