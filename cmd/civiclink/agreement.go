package main

import (
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/govern"
	"github.com/civiclink/civiclink/internal/insight"
)

func (m *Main) agreementCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "agreement", Short: "Propose, approve, activate, suspend and end data-sharing agreements"}
	cmd.AddCommand(m.agreementCreateCmd(), m.agreementShowCmd(), m.agreementListCmd(), m.agreementCheckCmd(),
		m.agreementActionCmd(govern.ActionApprove, "Approve a draft for your partner (data owners of an owning partner)"),
		m.agreementActionCmd(govern.ActionActivate, "Make an approved or suspended agreement active"),
		m.agreementActionCmd(govern.ActionSuspend, "Suspend an active agreement: it allows nothing until activated again"),
		m.agreementActionCmd(govern.ActionEnd, "End an agreement for good"))
	throughServer(cmd, m.agreementRemotes())
	return cmd
}

func (m *Main) agreementCreateCmd() *cobra.Command {
	var file string
	cmd := &cobra.Command{
		Use:   "create --file AGREEMENT.json",
		Short: "Propose a new agreement from a JSON file (see docs/governance.md)",
		Args:  exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			b, err := os.ReadFile(file)
			if err != nil {
				return fault.Errorf(fault.Invalid, "cannot read agreement file %q: %v", file, err)
			}
			a, err := govern.ParseAgreementFile(file, b)
			if err != nil {
				return err
			}
			return m.asActor(cmd, func(svc *govern.Service, actor *govern.User) error {
				if err := svc.CreateAgreement(cmd.Context(), actor, a); err != nil {
					return err
				}
				st, err := svc.State(cmd.Context())
				if err != nil {
					return err
				}
				fmt.Fprintf(m.Stdout, "created draft agreement %s; it needs approval by the data owners of %s\n", a.ID, strings.Join(a.PendingApprovals(st.Owners), ", "))
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&file, "file", "", "the agreement JSON file")
	return cmd
}

func (m *Main) agreementShowCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "show ID",
		Short: "Show an agreement, its approvals and history (parties' users and auditors; recorded in the audit log)",
		Args:  exactArgs(1, "one agreement ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return m.asActor(cmd, func(svc *govern.Service, actor *govern.User) error {
				st, err := svc.State(cmd.Context())
				if err != nil {
					return err
				}
				a, err := svc.ViewAgreement(cmd.Context(), actor, args[0])
				if err != nil {
					return err
				}
				ledger, err := m.backend(cmd.Context())
				if err != nil {
					return err
				}
				budgets, err := insight.Budgets(cmd.Context(), ledger, a, st.Now)
				if err != nil {
					return err
				}
				if asJSON {
					return writeJSON(m.Stdout, struct {
						*govern.Agreement
						Budgets []insight.BudgetBalance `json:"privacy_budgets,omitempty"`
					}{a, budgets})
				}
				m.printAgreement(a, st)
				for _, b := range budgets {
					fmt.Fprintf(m.Stdout, "privacy budget  %s\n", b)
				}
				return nil
			})
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the agreement as JSON")
	return cmd
}

func (m *Main) printAgreement(a *govern.Agreement, st govern.State) {
	w := tabwriter.NewWriter(m.Stdout, 0, 2, 2, ' ', 0)
	fmt.Fprintf(w, "agreement\t%s: %s\n", a.ID, a.Title)
	fmt.Fprintf(w, "status\t%s\n", a.StatusAt(st.Now))
	fmt.Fprintf(w, "purpose\t%s\n", a.Purpose)
	for _, p := range a.Parties {
		var roles []string
		if p.Owner {
			roles = append(roles, "owner")
		}
		if p.Recipient {
			roles = append(roles, "recipient")
		}
		fmt.Fprintf(w, "party\t%s (%s): %s\n", p.Partner, strings.Join(roles, ", "), strings.Join(p.LawfulBasis, ", "))
	}
	for _, s := range a.Datasets {
		fmt.Fprintf(w, "dataset\t%s: %s\n", s.Dataset, strings.Join(s.Columns, ", "))
	}
	outs := make([]string, len(a.Outputs))
	for i, o := range a.Outputs {
		outs[i] = string(o)
	}
	fmt.Fprintf(w, "outputs\t%s, threshold %d\n", strings.Join(outs, ", "), a.Threshold)
	fmt.Fprintf(w, "dates\t%s to %s, review %s%s, retention %d days\n", a.Start, a.End, a.Review, reviewNote(a, st), a.RetentionDays)
	for _, ap := range a.Approvals {
		note := ""
		if ap.Note != "" {
			note = ": " + ap.Note
		}
		fmt.Fprintf(w, "approval\t%s by %s on %s%s\n", ap.Partner, ap.By, ap.At.Format(time.DateTime), note)
	}
	if pending := a.PendingApprovals(st.Owners); a.Status == govern.Draft && len(pending) > 0 {
		fmt.Fprintf(w, "awaiting\tapproval by %s\n", strings.Join(pending, ", "))
	}
	for _, h := range a.History {
		note := ""
		if h.Note != "" {
			note = " (" + h.Note + ")"
		}
		fmt.Fprintf(w, "history\t%s %s by %s → %s%s\n", h.At.Format(time.DateTime), h.Action, h.By, h.To, note)
	}
	w.Flush()
}

func reviewNote(a *govern.Agreement, st govern.State) string {
	if a.ReviewDue(st.Now) {
		return " (overdue)"
	}
	return ""
}

func (m *Main) agreementListCmd() *cobra.Command {
	var status string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the agreements you may see (your partner's; auditors: all) with their current status",
		Args:  exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return m.asActor(cmd, func(svc *govern.Service, actor *govern.User) error {
				st, err := svc.State(cmd.Context())
				if err != nil {
					return err
				}
				all, err := svc.ListAgreements(cmd.Context(), actor)
				if err != nil {
					return err
				}
				return m.printAgreementList(all, st, status, asJSON)
			})
		},
	}
	cmd.Flags().StringVar(&status, "status", "", "only agreements in this status (draft, approved, active, suspended, expired, ended)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

// printAgreementList prints the agreements in status (all when empty) as
// a table or JSON.
func (m *Main) printAgreementList(all []*govern.Agreement, st govern.State, status string, asJSON bool) error {
	var shown []*govern.Agreement
	for _, a := range all {
		if status == "" || string(a.StatusAt(st.Now)) == status {
			shown = append(shown, a)
		}
	}
	if asJSON {
		return writeJSON(m.Stdout, shown)
	}
	w := tabwriter.NewWriter(m.Stdout, 0, 2, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tSTATUS\tPURPOSE\tDATASETS\tEND\tREVIEW\tTITLE")
	for _, a := range shown {
		ds := make([]string, len(a.Datasets))
		for i, s := range a.Datasets {
			ds[i] = s.Dataset
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s%s\t%s\n", a.ID, a.StatusAt(st.Now), a.Purpose, strings.Join(ds, ","), a.End, a.Review, reviewNote(a, st), a.Title)
	}
	return w.Flush()
}

func (m *Main) agreementActionCmd(action, short string) *cobra.Command {
	var note string
	cmd := &cobra.Command{
		Use:   action + " ID",
		Short: short,
		Args:  exactArgs(1, "one agreement ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return m.asActor(cmd, func(svc *govern.Service, actor *govern.User) error {
				a, err := svc.ChangeAgreement(cmd.Context(), actor, args[0], action, note)
				if err != nil {
					return err
				}
				fmt.Fprintf(m.Stdout, "agreement %s is now %s\n", a.ID, a.Status)
				if a.Status == govern.Draft {
					st, err := svc.State(cmd.Context())
					if err == nil {
						fmt.Fprintf(m.Stdout, "still awaiting approval by %s\n", strings.Join(a.PendingApprovals(st.Owners), ", "))
					}
				}
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&note, "note", "", fmt.Sprintf("why, kept with the change (and with an approval) in the history and the audit log; at most %d characters", govern.MaxNoteLength))
	return cmd
}

func (m *Main) agreementCheckCmd() *cobra.Command {
	var req govern.Request
	var output string
	var reads []string
	cmd := &cobra.Command{
		Use:   "check --purpose P --output KIND --read DATASET:col,col ...",
		Short: "Ask whether you may make a request, and why (a dry run: nothing is read)",
		Args:  exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			req.Output = govern.OutputKind(output)
			for _, r := range reads {
				ds, cols, ok := strings.Cut(r, ":")
				if !ok {
					return fault.Errorf(fault.Invalid, "--read %q: write DATASET:column,column", r)
				}
				req.Reads = append(req.Reads, govern.Read{Dataset: ds, Columns: splitList(cols)})
			}
			return m.asActor(cmd, func(svc *govern.Service, actor *govern.User) error {
				st, err := svc.State(cmd.Context())
				if err != nil {
					return err
				}
				d := govern.Decide(st, actor, req)
				verdict := "DENIED"
				if d.Allow {
					verdict = fmt.Sprintf("ALLOWED (disclosure threshold %d)", d.Threshold)
				}
				fmt.Fprintf(m.Stdout, "%s for %s\n", verdict, actor.ID)
				for _, r := range d.Reasons {
					fmt.Fprintf(m.Stdout, "  - [%s] %s\n", r.Code, r.Message)
				}
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&req.Purpose, "purpose", "", "purpose id (see `purpose list`)")
	cmd.Flags().StringVar(&output, "output", "aggregate", "aggregate, record-level, output-check or audit")
	cmd.Flags().StringArrayVar(&reads, "read", nil, "DATASET:col,col (repeatable)")
	return cmd
}
