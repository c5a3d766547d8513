package normalise

import "strconv"

// quote shows a value in an error, shortened so that an error never carries
// a whole record.
func quote(s string) string {
	if len(s) > 40 {
		return strconv.Quote(s[:40]) + "…"
	}
	return strconv.Quote(s)
}
