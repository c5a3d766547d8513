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
	cmd := &cobra.Command{
		Use:   "assembly --out FILE [--pdf FILE] [--since YYYY-MM-DD]",
		Short: "Write the programme's report to the Essex Assembly as HTML (and PDF)",
		Long: `Write the report to the Essex Assembly: per project its deliverables and their
status, its outcome measures as trend charts with 95% intervals and a verdict
against the target, the updates since the last Assembly (--since, default
three months ago), and the public claims with their verdicts. Every figure is
computed as you, under your agreements, and disclosure-controlled. The report
is marked DRAFT for output checking. --pdf prints it with headless Chromium
(CIVICLINK_CHROMIUM, default /usr/bin/chromium).`,
		Args: exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if out == "" {
				return fault.FieldErrorf(fault.Invalid, "out", "--out: name the HTML file to write")
			}
			day := m.Clock.Now().AddDate(0, -3, 0)
			if since != "" {
				var err error
				if day, err = time.Parse(time.DateOnly, since); err != nil {
					return fault.FieldErrorf(fault.Invalid, "since", "--since: give the last Assembly's date as YYYY-MM-DD (got %q)", since)
				}
			}
			svc, u, err := m.programmeService(cmd)
			if err != nil {
				return err
			}
			a, err := svc.Assembly(cmd.Context(), u, day)
			if err != nil {
				return err
			}
			if err := writeReport(out, a); err != nil {
				return err
			}
			fmt.Fprintf(m.Stdout, "wrote %s: %d projects, %d claims (a draft for output checking)\n", out, len(a.Projects), len(a.Claims))
			if pdf == "" {
				return nil
			}
			if err := printPDF(cmd.Context(), out, pdf); err != nil {
				return err
			}
			fmt.Fprintf(m.Stdout, "wrote %s\n", pdf)
			return nil
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "the HTML file to write")
	cmd.Flags().StringVar(&pdf, "pdf", "", "also print it to this PDF file with headless Chromium")
	cmd.Flags().StringVar(&since, "since", "", "the last Assembly's date: updates from then on are reported (default three months ago)")
	return cmd
}

// writeReport writes the report's HTML atomically.
func writeReport(path string, a *programme.Assembly) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".assembly-*.html")
	if err != nil {
		return fault.Errorf(fault.Invalid, "--out: cannot write in %s: %v", filepath.Dir(path), err)
	}
	defer os.Remove(tmp.Name())
	if err := a.WriteHTML(tmp, programme.Draft); err != nil {
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
