package link

import (
	"fmt"

	"github.com/civiclink/civiclink/internal/fault"
)

// MinRecords is the fewest records, all inputs together, from which
// [Link] estimates a model. u is counted on random pairs and m by EM over
// the candidates; with fewer records every rare level's u falls to the
// floor and its weight is an artefact of the floor, not of the data
// (a one-row file gave every "else" level +11.5). Link with a model fitted
// on more data ([Options.Model]) instead.
const MinRecords = 20

// CheckEstimable refuses to estimate a model from too little data: an
// input with no records, or fewer than [MinRecords] in all. Callers that
// estimate a model (not those reusing one) call it before [Link]; the
// engine itself links any input, so that its tests can be small.
func CheckEstimable(datasets []Dataset) error {
	total := 0
	for i := range datasets {
		n := datasets[i].Len()
		if n == 0 {
			return fault.Errorf(fault.Invalid, "%s has no records (only a header?): there is nothing to link; check the file or dataset", datasets[i].Name)
		}
		total += n
	}
	if total < MinRecords {
		return fault.Errorf(fault.Invalid, "only %d records to link: estimating the model needs at least %d (u is counted on random pairs of records and would be noise); link them with a model fitted on a larger run",
			total, MinRecords)
	}
	return nil
}

// CheckCandidates refuses a result whose model was estimated from no
// candidate pairs: its weights come from the priors alone.
func (r *Result) CheckCandidates() error {
	if r.Pairs.Len() > 0 {
		return nil
	}
	return fault.Errorf(fault.Invalid, "blocking proposed no candidate pairs out of %.0f, so no model could be estimated: "+
		"the blocking keys agree on no pair (were the files encoded with the same secret? are the keyed fields filled in?); loosen the blocking rules",
		r.Blocking.AllPairs)
}

// warnings are what a user should know about a fitted model before
// trusting its weights.
func (md *Model) warnings(iterations int) []string {
	var w []string
	if md.MFrom == "em" && !md.Converged {
		w = append(w, fmt.Sprintf("EM did not converge in %d iterations: the m probabilities (and so the weights) may be unsettled; raise em_iterations or check that the comparisons separate matches from non-matches", iterations))
	}
	return w
}
