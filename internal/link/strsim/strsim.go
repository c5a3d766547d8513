// Package strsim measures how alike two strings are: Jaro–Winkler
// similarity, Levenshtein and Damerau (optimal string alignment) edit
// distances, and the Soundex phonetic code. The functions work on runes,
// allocate nothing for strings of up to 64 runes, and know nothing of
// records or linkage.
package strsim

import "unicode/utf8"

// maxStack is the longest string (in runes) handled without allocating.
const maxStack = 64

// runes decodes s into buf when it fits, else into a new slice.
func runes(s string, buf *[maxStack]rune) []rune {
	if len(s) <= maxStack {
		n := 0
		for _, r := range s {
			buf[n] = r
			n++
		}
		return buf[:n]
	}
	if utf8.RuneCountInString(s) <= maxStack {
		n := 0
		for _, r := range s {
			buf[n] = r
			n++
		}
		return buf[:n]
	}
	return []rune(s)
}

// Jaro returns the Jaro similarity of a and b, from 0 (nothing in common)
// to 1 (equal). Two empty strings score 1.
func Jaro(a, b string) float64 {
	if a == b {
		return 1
	}
	var ba, bb [maxStack]rune
	return jaro(runes(a, &ba), runes(b, &bb))
}

func jaro(ra, rb []rune) float64 {
	if len(ra) == 0 || len(rb) == 0 {
		return 0
	}
	if len(ra) > len(rb) {
		ra, rb = rb, ra
	}
	window := max(len(rb)/2-1, 0)
	var ma, mb [maxStack]bool
	matchedA, matchedB := ma[:], mb[:]
	if len(ra) > maxStack || len(rb) > maxStack {
		matchedA, matchedB = make([]bool, len(ra)), make([]bool, len(rb))
	}
	m := 0
	for i, r := range ra {
		lo, hi := max(0, i-window), min(len(rb), i+window+1)
		for j := lo; j < hi; j++ {
			if !matchedB[j] && rb[j] == r {
				matchedA[i], matchedB[j] = true, true
				m++
				break
			}
		}
	}
	if m == 0 {
		return 0
	}
	t, j := 0, 0
	for i := range ra {
		if !matchedA[i] {
			continue
		}
		for !matchedB[j] {
			j++
		}
		if ra[i] != rb[j] {
			t++
		}
		j++
	}
	fm := float64(m)
	return (fm/float64(len(ra)) + fm/float64(len(rb)) + (fm-float64(t/2))/fm) / 3
}

// JaroWinkler returns the Jaro–Winkler similarity of a and b: the Jaro
// similarity raised for a common prefix of up to four runes with the usual
// scaling factor 0.1, so that typing errors late in a name cost less than
// early ones.
func JaroWinkler(a, b string) float64 {
	if a == b {
		return 1
	}
	var ba, bb [maxStack]rune
	ra, rb := runes(a, &ba), runes(b, &bb)
	j := jaro(ra, rb)
	p := 0
	for p < 4 && p < len(ra) && p < len(rb) && ra[p] == rb[p] {
		p++
	}
	return j + float64(p)*0.1*(1-j)
}

// Levenshtein returns the number of single-rune insertions, deletions and
// substitutions that turn a into b.
func Levenshtein(a, b string) int {
	return edit(a, b, false, -1)
}

// LevenshteinWithin is Levenshtein capped at k: any distance over k is
// returned as k+1, which lets it stop early on unlike strings.
func LevenshteinWithin(a, b string, k int) int {
	return edit(a, b, false, k)
}

// DamerauWithin is Damerau capped at k: any distance over k is returned
// as k+1.
func DamerauWithin(a, b string, k int) int {
	return edit(a, b, true, k)
}

// Damerau returns the optimal-string-alignment distance between a and b:
// Levenshtein with the swap of two adjacent runes counted as one edit, as
// typists make it ("jonh" for "john").
func Damerau(a, b string) int {
	return edit(a, b, true, -1)
}

// edit returns the edit distance of a and b, or limit+1 when it exceeds a
// non-negative limit.
func edit(a, b string, swaps bool, limit int) int {
	if a == b {
		return 0
	}
	var ba, bb [maxStack]rune
	ra, rb := runes(a, &ba), runes(b, &bb)
	capped := func(d int) int {
		if limit >= 0 && d > limit {
			return limit + 1
		}
		return d
	}
	if len(ra) == 0 || len(rb) == 0 {
		return capped(len(ra) + len(rb))
	}
	if limit >= 0 && abs(len(ra)-len(rb)) > limit {
		return limit + 1
	}
	var r0, r1, r2 [maxStack + 1]int
	prev2, prev, cur := r0[:], r1[:], r2[:]
	if len(rb) > maxStack {
		prev2, prev, cur = make([]int, len(rb)+1), make([]int, len(rb)+1), make([]int, len(rb)+1)
	}
	for j := 0; j <= len(rb); j++ {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		rowMin := i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d := min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if swaps && i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d = min(d, prev2[j-2]+1)
			}
			cur[j] = d
			rowMin = min(rowMin, d)
		}
		// A swap reaches back two rows, so stop only when two rows in a
		// row are past the limit.
		if limit >= 0 && rowMin > limit && minInts(prev[:len(rb)+1]) > limit {
			return limit + 1
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return capped(prev[len(rb)])
}

func minInts(xs []int) int {
	m := xs[0]
	for _, x := range xs[1:] {
		m = min(m, x)
	}
	return m
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// soundexCodes maps a lower-case ASCII letter to its Soundex digit; 0 marks
// vowels and y (which separate repeated codes), 1 marks h and w (which do
// not).
var soundexCodes = [26]byte{
	'0', '1', '2', '3', '0', '1', '2', 1, '0', '2', '2', '4', '5',
	'5', '0', '1', '2', '6', '2', '3', '0', '1', 1, '2', '0', '2',
}

// Soundex returns the American Soundex code of s (a letter and three
// digits, e.g. "R163" for "Robert"), ignoring everything but ASCII letters.
// It returns "" when s has no letter.
func Soundex(s string) string {
	var out [4]byte
	n := 0
	var last byte
	for i := 0; i < len(s) && n < 4; i++ {
		c := s[i] | 0x20
		if c < 'a' || c > 'z' {
			continue
		}
		code := soundexCodes[c-'a']
		if n == 0 {
			out[0] = c - 0x20
			n, last = 1, code
			continue
		}
		switch {
		case code == 1: // h, w: keep last so letters either side merge
		case code == '0':
			last = 0
		case code != last:
			out[n] = code
			n++
			last = code
		}
	}
	if n == 0 {
		return ""
	}
	for ; n < 4; n++ {
		out[n] = '0'
	}
	return string(out[:])
}
