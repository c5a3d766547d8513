package app

import (
	"github.com/civiclink/civiclink/internal/clock"
	"github.com/civiclink/civiclink/internal/geo"
	"github.com/civiclink/civiclink/internal/govern"
	"github.com/civiclink/civiclink/internal/voice"
)

// newVoice builds the citizen-voice room over the store, recording to
// rec, with the county's 14 districts.
func newVoice(st voice.Store, rec govern.Recorder, clk clock.Clock) *voice.Service {
	d := voice.Districts{}
	if county, err := geo.Essex(); err == nil {
		for _, l := range county.LADs {
			d[l.Code] = l.Name
		}
	}
	return &voice.Service{Store: st, Audit: rec, Clock: clk, Districts: d}
}
