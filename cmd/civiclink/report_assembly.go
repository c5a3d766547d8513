package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/programme"
)

func (m *Main) reportCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "report", Short: "Reports built from the platform's disclosure-controlled figures"}
	cmd.AddCommand(m.reportAssemblyCmd())
	return cmd
}

func (m *Main) reportAssemblyCmd() *cobra.Command {
	var out, pdf, since string
	var draft bool
	var stored int64
	cmd := &cobra.Command{
		Use:   "assembly --out FILE [--pdf FILE] [--since YYYY-MM-DD] | --draft [--since …] | --output ID --out FILE",
		Short: "Write the programme's report to the Essex Assembly as HTML (and PDF)",
		Long: `Write the report to the Essex Assembly: per project its deliverables and their
status, its outcome measures as trend charts with 95% intervals and a verdict
against the target, the updates since the last Assembly (--since, default
when the newest released report was drafted, else three months ago), and the public claims with their verdicts. Every figure is
computed as you, under your agreements, and disclosure-controlled. The report
is marked DRAFT for output checking. --pdf prints it with headless Chromium
(CIVICLINK_CHROMIUM, default /usr/bin/chromium).

The report is an output: --draft keeps it as a draft output (the next version
of the series programme-report) for an output checker other than you to check
(civiclink output check ID), and once released (civiclink output release ID)
its figures are on the public programme page. --output ID writes a stored
report output (a draft you wrote or may check, or any released one) with its
banner to --out.`,
		Args: exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if out == "" && !draft {
				return fault.FieldErrorf(fault.Invalid, "out", "--out: name the HTML file to write (or --draft to send the report for output checking)")
			}
			if stored != 0 {
				return m.writeStoredReport(cmd, stored, out, pdf)
			}
			svc, u, err := m.programmeService(cmd)
			if err != nil {
				return err
			}
			day, err := assemblyDay(cmd, svc, since)
			if err != nil {
				return err
			}
			if draft {
				o, err := svc.DraftReport(cmd.Context(), u, day)
				if err != nil {
					return err
				}
				fmt.Fprintf(m.Stdout, "output %d: %s, version %d, draft: an output checker other than you must check it (civiclink output check %d), then release it (civiclink output release %d)\n",
					o.ID, o.Series, o.Version, o.ID, o.ID)
				if out == "" {
					return nil
				}
				a, err := programme.ReportOf(o)
				if err != nil {
					return err
				}
				return writeReport(out, a, programme.Banner(o))
			}
			a, err := svc.Assembly(cmd.Context(), u, day)
			if err != nil {
				return err
			}
			if err := writeReport(out, a, programme.Draft); err != nil {
				return err
			}
			fmt.Fprintf(m.Stdout, "wrote %s: %d projects, %d claims (a draft for output checking)\n", out, len(a.Projects), len(a.Claims))
			return m.reportPDF(cmd, out, pdf)
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "the HTML file to write")
	cmd.Flags().StringVar(&pdf, "pdf", "", "also print it to this PDF file with headless Chromium")
	cmd.Flags().StringVar(&since, "since", "", "the last Assembly's date: updates from then on are reported (default when the newest released report was drafted, else three months ago)")
	cmd.Flags().BoolVar(&draft, "draft", false, "keep the report as a draft output for output checking")
	cmd.Flags().Int64Var(&stored, "output", 0, "write this stored report output instead of building one")
	return cmd
}

// writeStoredReport writes report output id, as the output lifecycle lets
// the acting user see it, with its draft or release banner.
func (m *Main) writeStoredReport(cmd *cobra.Command, id int64, out, pdf string) error {
	s, u, err := m.releaseService(cmd)
	if err != nil {
		return err
	}
	o, err := s.View(cmd.Context(), u, id)
	if err != nil {
		return err
	}
	a, err := programme.ReportOf(o)
	if err != nil {
		return err
	}
	if err := writeReport(out, a, programme.Banner(o)); err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "wrote %s: output %d, version %d, %s\n", out, o.ID, o.Version, o.Status)
	return m.reportPDF(cmd, out, pdf)
}

// assemblyDay is the last Assembly's date: --since, or when the newest
// released report was drafted (three months ago when none).
func assemblyDay(cmd *cobra.Command, svc *programme.Service, since string) (time.Time, error) {
	if since == "" {
		return svc.LastAssembly(cmd.Context())
	}
	day, err := time.Parse(time.DateOnly, since)
	if err != nil {
		return day, fault.FieldErrorf(fault.Invalid, "since", "--since: give the last Assembly's date as YYYY-MM-DD (got %q)", since)
	}
	return day, nil
}

// reportPDF prints the written report to pdf, when asked.
func (m *Main) reportPDF(cmd *cobra.Command, html, pdf string) error {
	if pdf == "" {
		return nil
	}
	if err := printPDF(cmd.Context(), html, pdf); err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "wrote %s\n", pdf)
	return nil
}

// writeReport writes the report's HTML, under banner, atomically.
func writeReport(path string, a *programme.Assembly, banner string) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".assembly-*.html")
	if err != nil {
		return fault.Errorf(fault.Invalid, "--out: cannot write in %s: %v", filepath.Dir(path), err)
	}
	defer os.Remove(tmp.Name())
	if err := a.WriteHTML(tmp, banner); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// chromiumBin is the Chromium that prints PDFs.
func chromiumBin() string {
	if b := os.Getenv("CIVICLINK_CHROMIUM"); b != "" {
		return b
	}
	return "/usr/bin/chromium"
}

// printPDF prints an HTML file to PDF with headless Chromium.
func printPDF(ctx context.Context, html, pdf string) error {
	bin := chromiumBin()
	if _, err := os.Stat(bin); err != nil {
		return fault.Errorf(fault.NotFound, "--pdf needs Chromium, not found at %s: install it (scripts/ensure-chromium.sh) or set CIVICLINK_CHROMIUM", bin)
	}
	abs, err := filepath.Abs(html)
	if err != nil {
		return err
	}
	outAbs, err := filepath.Abs(pdf)
	if err != nil {
		return err
	}
	profile, err := os.MkdirTemp("", "civiclink-pdf-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(profile)
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	c := exec.CommandContext(ctx, bin, "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
		"--user-data-dir="+profile, "--print-to-pdf="+outAbs, "file://"+abs)
	if b, err := c.CombinedOutput(); err != nil {
		return fault.Wrap(fmt.Errorf("%v: %s", err, b), fault.Internal, "Chromium could not print %s to PDF", html)
	}
	if st, err := os.Stat(outAbs); err != nil || st.Size() == 0 {
		return fault.Errorf(fault.Internal, "Chromium printed no PDF to %s", pdf)
	}
	return nil
}
