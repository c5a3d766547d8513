// Package release runs the output lifecycle (package output) for users:
// an analyst drafts an output from an indicator, an output checker other
// than its author reviews the automatic findings and approves or rejects
// it, an approved output is released, and only released outputs are
// exported. Every step asks governance where data is read and lands in the
// audit log.
package release

import (
	"context"
	"encoding/json"
	"slices"

	"github.com/civiclink/civiclink/internal/audit"
	"github.com/civiclink/civiclink/internal/clock"
	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/govern"
	"github.com/civiclink/civiclink/internal/insight"
	"github.com/civiclink/civiclink/internal/output"
)

// OpCheck is the read operation of an output checker reviewing findings.
const OpCheck = "output.check"

// Operations lists the output lifecycle's read operations, for the gate the
// wiring builds; the gate test walks each with a probe.
func Operations() []govern.Operation {
	return []govern.Operation{{Name: OpCheck, Description: "an output checker reviews an output's disclosure findings", Output: govern.OutputCheck}}
}

// Service runs the output lifecycle.
type Service struct {
	Store   output.Store
	Insight *insight.Engine
	Gov     govern.Authorizer
	Audit   audit.Log
	Clock   clock.Clock
}

// Draft computes an indicator for u and keeps it as a draft output.
func (s *Service) Draft(ctx context.Context, u *govern.User, ind *insight.Indicator, by []string) (*output.Output, error) {
	t, err := s.Insight.Indicator(ctx, u, ind, by)
	if err != nil {
		return nil, err
	}
	reads, err := s.Insight.IndicatorReads(ctx, ind, by)
	if err != nil {
		return nil, err
	}
	report := t.Result.Report
	o := &output.Output{Series: ind.Name, Title: ind.Title, Indicator: ind.Name, By: t.By(), Purpose: ind.Purpose,
		Columns: map[string][]string{}, Status: output.Draft, Table: t.Result, Report: &report, CreatedBy: u.ID, CreatedAt: s.Clock.Now()}
	for _, r := range reads {
		o.Datasets = append(o.Datasets, r.Dataset)
		o.Columns[r.Dataset] = r.Columns
	}
	if err := s.Store.CreateOutput(ctx, o); err != nil {
		return nil, err
	}
	return o, s.record(ctx, u, "output.draft", o, "")
}

// DraftReport keeps a report of many figures, built by its room for u
// (every figure computed through insight, so disclosure-controlled), as a
// draft output: the next version of its series, checked and released like
// any other. o carries the series, title, document, scopes and the merged
// automatic findings; the lifecycle fields are set here.
func (s *Service) DraftReport(ctx context.Context, u *govern.User, o *output.Output) (*output.Output, error) {
	if o.Series == "" || len(o.Document) == 0 {
		return nil, fault.Errorf(fault.Internal, "a report output needs a series and a document")
	}
	o.Kind, o.Status, o.CreatedBy, o.CreatedAt = output.KindReport, output.Draft, u.ID, s.Clock.Now()
	o.ID, o.Version, o.CheckedBy, o.ReleasedBy = 0, 0, "", ""
	o.Columns, o.Datasets = map[string][]string{}, nil
	for _, sc := range o.Scopes {
		for _, d := range sc.Datasets {
			if _, ok := o.Columns[d]; !ok {
				o.Datasets = append(o.Datasets, d)
			}
			o.Columns[d] = union(o.Columns[d], sc.Columns[d])
		}
	}
	if err := s.Store.CreateOutput(ctx, o); err != nil {
		return nil, err
	}
	return o, s.record(ctx, u, "output.draft", o, "")
}

// Latest returns the newest released version of a series with its
// figures, for anyone: released figures are public. NotFound when no
// version has been released yet.
func (s *Service) Latest(ctx context.Context, series string) (*output.Output, error) {
	os, err := s.Store.Outputs(ctx)
	if err != nil {
		return nil, err
	}
	for _, o := range os { // newest first
		if o.Series == series && o.Status == output.Released {
			o.Report = nil
			return o, nil
		}
	}
	return nil, fault.Errorf(fault.NotFound, "nothing of %s has been released yet", series)
}

// Findings returns a draft's automatic findings for an output checker.
func (s *Service) Findings(ctx context.Context, u *govern.User, id int64) (*output.Output, error) {
	o, err := s.Store.Output(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := s.authorizeCheck(ctx, u, o); err != nil {
		return nil, err
	}
	return o, nil
}

// Check approves or rejects a draft. The checker must hold the output
// checker role, be allowed to check outputs of its datasets, and not be its
// author.
func (s *Service) Check(ctx context.Context, u *govern.User, id int64, approve bool, note string) (*output.Output, error) {
	o, err := s.Store.Output(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := output.Check(o, output.Draft, "checked"); err != nil {
		return nil, err
	}
	if o.CreatedBy == u.ID {
		return nil, s.refuse(ctx, u, "output.check", o, fault.Errorf(fault.Forbidden, "output %d: its author cannot check it; ask another output checker", o.ID))
	}
	if err := s.authorizeCheck(ctx, u, o); err != nil {
		return nil, err
	}
	to, action := output.Checked, "output.approve"
	if !approve {
		to, action = output.Rejected, "output.reject"
	}
	if err := s.Store.TransitionOutput(ctx, id, output.Draft, to, u.ID, s.Clock.Now(), note); err != nil {
		return nil, err
	}
	o.Status, o.CheckedBy, o.Note = to, u.ID, note
	return o, s.record(ctx, u, action, o, note)
}

// Release publishes an approved output: its author or an output checker.
func (s *Service) Release(ctx context.Context, u *govern.User, id int64) (*output.Output, error) {
	o, err := s.Store.Output(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := output.Check(o, output.Checked, "released"); err != nil {
		return nil, err
	}
	if o.CreatedBy != u.ID && !u.Has(govern.OutputChecker) {
		return nil, s.refuse(ctx, u, "output.release", o, fault.Errorf(fault.Forbidden, "output %d: only its author or an output checker can release it", o.ID))
	}
	if err := s.Store.TransitionOutput(ctx, id, output.Checked, output.Released, u.ID, s.Clock.Now(), ""); err != nil {
		return nil, err
	}
	o.Status, o.ReleasedBy = output.Released, u.ID
	return o, s.record(ctx, u, "output.release", o, "")
}

// Exported returns a released output for export and records the export.
func (s *Service) Exported(ctx context.Context, u *govern.User, id int64, format string) (*output.Output, error) {
	o, err := s.Store.Output(ctx, id)
	if err != nil {
		return nil, err
	}
	if o.Status != output.Released {
		return nil, s.refuse(ctx, u, "output.export", o, fault.Errorf(fault.Forbidden, "output %d is %s: only released outputs leave the platform", o.ID, o.Status))
	}
	return o, s.record(ctx, u, "output.export", o, format)
}

func (s *Service) authorizeCheck(ctx context.Context, u *govern.User, o *output.Output) error {
	if !u.Has(govern.OutputChecker) {
		return s.refuse(ctx, u, "output.check", o, fault.Errorf(fault.Forbidden, "output %d: reviewing disclosure findings needs the output-checker role", o.ID))
	}
	scopes := o.Scopes
	if !o.IsReport() {
		scopes = []output.Scope{{Purpose: o.Purpose, Datasets: o.Datasets, Columns: o.Columns}}
	}
	for _, sc := range scopes {
		var reads []govern.Read
		for _, d := range sc.Datasets {
			reads = append(reads, govern.Read{Dataset: d, Columns: sc.Columns[d]})
		}
		if _, err := s.Gov.Authorize(ctx, u, govern.Request{Operation: OpCheck, Purpose: sc.Purpose, Output: govern.OutputCheck, Reads: reads}); err != nil {
			return err
		}
	}
	return nil
}

// record appends an output action to the audit log.
func (s *Service) record(ctx context.Context, u *govern.User, action string, o *output.Output, note string) error {
	details, _ := json.Marshal(map[string]any{"output": o.ID, "series": o.Series, "version": o.Version, "status": o.Status, "note": note, "cells": cells(o)})
	e := audit.Event{User: u.ID, Partner: u.PartnerID, Action: action, Purpose: o.Purpose, Target: "output:" + o.Series + "@" + itoa(o.Version), Outcome: "allowed", Details: details,
		Datasets: s.datasetRefs(ctx, o)}
	_, err := s.Audit.Append(ctx, e)
	return err
}

// datasetRefs names the datasets behind o and their owners, so that each
// owner finds an action on o among the uses of its data.
func (s *Service) datasetRefs(ctx context.Context, o *output.Output) []audit.Dataset {
	var out []audit.Dataset
	for _, d := range o.Datasets {
		owner := "unknown"
		if ds, err := s.Insight.Store.Dataset(ctx, d); err == nil {
			owner = ds.PartnerID
		}
		out = append(out, audit.Dataset{ID: d, Owner: owner})
	}
	return out
}

// refuse records a refused action and returns its error.
func (s *Service) refuse(ctx context.Context, u *govern.User, action string, o *output.Output, err error) error {
	if s.Audit == nil {
		return err
	}
	e := audit.Event{User: u.ID, Partner: u.PartnerID, Action: action, Purpose: o.Purpose, Target: "output:" + o.Series + "@" + itoa(o.Version), Outcome: "denied", Reason: fault.Message(err),
		Datasets: s.datasetRefs(ctx, o)}
	if _, aerr := s.Audit.Append(ctx, e); aerr != nil {
		return fault.Wrap(aerr, fault.Internal, "cannot record a refusal in the audit log")
	}
	return err
}

// union returns a with b's names it lacks appended.
func union(a, b []string) []string {
	for _, c := range b {
		if !slices.Contains(a, c) {
			a = append(a, c)
		}
	}
	return a
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

// cells counts the published cells of an output's table (0 without one),
// for the audit log's "who used my data".
func cells(o *output.Output) int {
	if o.Table == nil {
		return 0
	}
	return len(o.Table.Cells)
}
