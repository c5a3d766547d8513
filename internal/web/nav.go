package web

import "github.com/civiclink/civiclink/internal/govern"

// navShows says whether the main navigation offers the page to u: only
// pages the user's roles can use are offered (a page reached another way
// still answers, with the reason it refuses).
func navShows(u *govern.User, page string) bool {
	if u == nil {
		return false
	}
	switch page {
	case "figures": // the overview and the themes: aggregates of partner data
		return u.HasAny(govern.Analyst, govern.DataOwner)
	case "linkage":
		return u.HasAny(govern.Analyst, govern.DataOwner, govern.LinkageSteward)
	case "audit":
		return govern.CanSeeUses(u, u.PartnerID) == nil
	}
	return true
}
