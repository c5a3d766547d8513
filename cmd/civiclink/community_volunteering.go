package main

import (
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/civiclink/civiclink/internal/community"
	"github.com/civiclink/civiclink/internal/fault"
)

func (m *Main) communityZoneCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "zone", Short: "Community action zones: areas (sets of LSOAs) designated for community action"}
	var z community.Zone
	var lsoas string
	designate := &cobra.Command{
		Use:   "designate --id ID --name NAME --lsoas E01…,E01…",
		Short: "Designate (or re-designate) a community action zone (community editors; audited)",
		Args:  exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			d, u, err := m.directory(cmd)
			if err != nil {
				return err
			}
			z.LSOAs = strings.FieldsFunc(lsoas, func(c rune) bool { return c == ',' || c == ' ' })
			got, err := d.DesignateZone(cmd.Context(), u, z)
			if err != nil {
				return err
			}
			fmt.Fprintf(m.Stdout, "designated zone %s (%s): %d LSOAs in %s\n", got.ID, got.Name, len(got.LSOAs), strings.Join(got.Districts, ", "))
			return nil
		},
	}
	designate.Flags().StringVar(&z.ID, "id", "", "the zone's id (letters, digits, . _ : -)")
	designate.Flags().StringVar(&z.Name, "name", "", "the zone's name")
	designate.Flags().StringVar(&z.Description, "description", "", "what the zone is for")
	designate.Flags().StringVar(&lsoas, "lsoas", "", "the zone's 2021 LSOA codes, separated by commas")
	list := &cobra.Command{
		Use:   "list",
		Short: "List the community action zones",
		Args:  exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			d, _, err := m.directory(cmd)
			if err != nil {
				return err
			}
			zs, err := d.Zones(cmd.Context())
			if err != nil {
				return err
			}
			w := tabwriter.NewWriter(m.Stdout, 0, 2, 2, ' ', 0)
			fmt.Fprintln(w, "ZONE\tNAME\tLSOAS\tDISTRICTS\tDESIGNATED")
			for _, z := range zs {
				fmt.Fprintf(w, "%s\t%s\t%d\t%s\t%s by %s\n", z.ID, z.Name, len(z.LSOAs), strings.Join(z.Districts, ","), z.DesignatedAt.Format("2006-01-02"), z.DesignatedBy)
			}
			return w.Flush()
		},
	}
	cmd.AddCommand(designate, list)
	return cmd
}

func (m *Main) communityVolunteerCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "volunteer", Short: "Micro-volunteering: short opportunities organisations in the directory post"}
	cmd.AddCommand(m.volunteerPostCmd(), m.volunteerListCmd(), m.volunteerCloseCmd())
	return cmd
}

func (m *Main) volunteerPostCmd() *cobra.Command {
	var o community.Opportunity
	var themes string
	c := &cobra.Command{
		Use:   "post --org ID --title TEXT --minutes N --themes T --respond TEXT --respond-url URL (--postcode PC | --lsoa CODE)",
		Short: "Post a volunteering opportunity for an organisation in the directory (community editors; audited)",
		Args:  exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			d, u, err := m.directory(cmd)
			if err != nil {
				return err
			}
			o.Themes = strings.FieldsFunc(themes, func(c rune) bool { return c == ',' })
			got, err := d.PostOpportunity(cmd.Context(), u, o)
			if err != nil {
				return err
			}
			fmt.Fprintf(m.Stdout, "posted opportunity %d for %s (%s", got.ID, got.OrganisationName, got.TimeNeeded())
			if got.Zone != "" {
				fmt.Fprintf(m.Stdout, ", zone %s", got.Zone)
			}
			fmt.Fprintln(m.Stdout, ")")
			return nil
		},
	}
	f := c.Flags()
	f.StringVar(&o.OrganisationID, "org", "", "the organisation's id (one with a published service)")
	f.StringVar(&o.Title, "title", "", "what the volunteer does")
	f.StringVar(&o.Description, "description", "", "more about it")
	f.StringVar(&themes, "themes", "", "theme ids, separated by commas")
	f.IntVar(&o.Minutes, "minutes", 0, "the time it needs, 5 to 480 minutes")
	f.StringVar(&o.When, "when", "", "when, in words")
	f.StringVar(&o.Respond, "respond", "", "how to respond through the organisation")
	f.StringVar(&o.RespondURL, "respond-url", "", "the organisation's web address for responses")
	f.StringVar(&o.RespondEmail, "respond-email", "", "the organisation's email address for responses")
	f.StringVar(&o.Closes, "closes", "", "the last day it takes responses (YYYY-MM-DD)")
	f.StringVar(&o.Location.Postcode, "postcode", "", "where: a county postcode")
	f.StringVar(&o.Location.LSOA, "lsoa", "", "where: a 2021 LSOA code (places it in its zone)")
	f.StringVar(&o.Location.Town, "town", "", "the town")
	return c
}

func (m *Main) volunteerListCmd() *cobra.Command {
	var q community.OpportunityQuery
	c := &cobra.Command{
		Use:   "list [--zone ID] [--theme ID] [--district CODE] [--max-minutes N]",
		Short: "List the current volunteering opportunities, newest first",
		Args:  exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			d, _, err := m.directory(cmd)
			if err != nil {
				return err
			}
			ops, err := d.Opportunities(cmd.Context(), q)
			if err != nil {
				return err
			}
			w := tabwriter.NewWriter(m.Stdout, 0, 2, 2, ' ', 0)
			fmt.Fprintln(w, "ID\tTITLE\tORGANISATION\tTIME\tDISTRICT\tZONE\tCLOSES")
			for _, o := range ops {
				fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", o.ID, o.Title, o.OrganisationName, o.TimeNeeded(), o.Location.District, o.Zone, o.Closes)
			}
			if err := w.Flush(); err != nil {
				return err
			}
			fmt.Fprintf(m.Stderr, "%d current opportunities\n", len(ops))
			return nil
		},
	}
	c.Flags().StringVar(&q.Zone, "zone", "", "only in this community action zone")
	c.Flags().StringVar(&q.Theme, "theme", "", "only with this theme")
	c.Flags().StringVar(&q.District, "district", "", "only in this district (LAD code)")
	c.Flags().StringVar(&q.Text, "text", "", "only with every one of these words")
	c.Flags().IntVar(&q.MaxMinutes, "max-minutes", 0, "only those needing at most this many minutes")
	return c
}

func (m *Main) volunteerCloseCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "close ID",
		Short: "Close a volunteering opportunity (a community editor of the partner that posted it)",
		Args:  exactArgs(1, "one opportunity id"),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil {
				return fault.Errorf(fault.Invalid, "opportunity id %q is not a number (see civiclink community volunteer list)", args[0])
			}
			d, u, err := m.directory(cmd)
			if err != nil {
				return err
			}
			o, err := d.CloseOpportunity(cmd.Context(), u, id)
			if err != nil {
				return err
			}
			fmt.Fprintf(m.Stdout, "closed opportunity %d (%s)\n", o.ID, o.Title)
			return nil
		},
	}
}
