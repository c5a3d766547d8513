// Package programme holds the partnership's programme: its Vision
// projects, their deliverables, dated updates and outcome measures, and the
// outcome claims leaders make in public, each checked against the data.
//
// The types carry no SQL and no HTTP: [Store] is implemented by the store
// package and [Service] wires validation, roles and the audit log to it.
// The programme computes no figure itself: a claim's figures come from the
// insight room through [Figures], so they pass the same agreement check
// and disclosure control as every other figure.
package programme

import (
	"time"
)

// Status is a project's or a deliverable's progress.
type Status string

// The statuses a deliverable (and a project) can have.
const (
	NotStarted Status = "not-started"
	OnTrack    Status = "on-track"
	AtRisk     Status = "at-risk"
	Done       Status = "done"
)

// Statuses lists every [Status] in order of progress.
var Statuses = []Status{NotStarted, OnTrack, AtRisk, Done}

// Direction says which way an outcome measure moving counts as better.
type Direction string

// The directions a measure can improve in.
const (
	Lower  Direction = "lower"
	Higher Direction = "higher"
)

// Project is one of the partnership's Vision projects.
type Project struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	// Theme is the partnership priority (an insight theme id) it serves,
	// or empty.
	Theme string `json:"theme,omitempty"`
	// Summary holds the project's points, one sentence each.
	Summary []string `json:"summary"`
	// Sponsors are partner ids from the catalogue.
	Sponsors     []string      `json:"sponsors"`
	Status       Status        `json:"status"`
	Deliverables []Deliverable `json:"deliverables"`
	Measures     []Measure     `json:"measures"`
	UpdatedBy    string        `json:"updated_by,omitempty"`
	UpdatedAt    time.Time     `json:"updated_at,omitempty"`
}

// Deliverable is what will have changed by a date.
type Deliverable struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	// Due is the date it is promised for, as YYYY-MM-DD.
	Due    string `json:"due"`
	Status Status `json:"status"`
	// Evidence says what shows it is done or on track.
	Evidence string `json:"evidence,omitempty"`
}

// Measure is an outcome measure: a named indicator with a baseline
// period, a target and the direction that counts as better.
type Measure struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	// Indicator names a shipped insight indicator.
	Indicator string `json:"indicator"`
	// Baseline is the period the target is measured against (a year
	// "2018", a quarter "2018-Q2" or a month "2018-05").
	Baseline string `json:"baseline"`
	// Target is the change sought, in percent of the baseline (e.g. -10).
	Target    float64   `json:"target_percent"`
	Direction Direction `json:"direction"`
}

// Update is a dated note on a project by its author, with any change of
// a deliverable's status.
type Update struct {
	ID          int64     `json:"id"`
	Project     string    `json:"project"`
	Author      string    `json:"author"`
	Partner     string    `json:"partner,omitempty"`
	At          time.Time `json:"at"`
	Text        string    `json:"text"`
	Deliverable string    `json:"deliverable,omitempty"`
	From        Status    `json:"from,omitempty"`
	To          Status    `json:"to,omitempty"`
}
