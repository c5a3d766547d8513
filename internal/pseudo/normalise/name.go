// Package normalise puts identifiers into one canonical form before they are
// tokenised or encoded, so that the same person written two ways gives the
// same token when the difference is only noise: accents, case, spacing,
// punctuation, titles, the layout of a date, the spacing of a postcode.
// Where the difference could be real (a different letter, an ambiguous
// date, a postcode that is not valid) a normaliser returns an error rather
// than guess. Every function here is pure and safe for concurrent use.
package normalise

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// letterFolds maps letters that NFKD does not decompose to their usual
// Latin transliteration.
var letterFolds = map[rune]string{
	'ß': "SS", 'ẞ': "SS", 'æ': "AE", 'Æ': "AE", 'œ': "OE", 'Œ': "OE", 'ø': "O", 'Ø': "O",
	'ł': "L", 'Ł': "L", 'đ': "D", 'Đ': "D", 'ð': "D", 'Ð': "D", 'þ': "TH", 'Þ': "TH", 'ı': "I",
	'ŀ': "L", 'Ŀ': "L", 'ħ': "H", 'Ħ': "H", 'ŧ': "T", 'Ŧ': "T",
}

// apostrophes join the parts they separate (O'Brien is OBRIEN).
const apostrophes = "'’‘`´ʼ"

// titles are dropped from the front of a name, suffixes from the back, when
// another word remains.
var (
	titles   = set("MR", "MRS", "MS", "MISS", "MX", "MASTER", "DR", "PROF", "PROFESSOR", "REV", "REVD", "SIR", "DAME", "LADY", "LORD", "FR", "CAPT", "COL", "MAJ", "CLLR")
	suffixes = set("JR", "JNR", "JUNIOR", "SR", "SNR", "SENIOR", "II", "III", "IV", "ESQ", "OBE", "MBE", "CBE", "PHD")
)

func set(words ...string) map[string]bool {
	m := make(map[string]bool, len(words))
	for _, w := range words {
		m[w] = true
	}
	return m
}

// Name returns the canonical form of a personal name (a forename or a
// surname): compatibility-decomposed (NFKD) with diacritics removed and
// letters such as ß, Ø and Ł transliterated; upper case; apostrophes
// removed; hyphens, dots and other punctuation treated as spaces; a leading
// title (Mr, Dr, …) and a trailing suffix (Jr, III, …) dropped when another
// word remains; "ST" as a first word spelt out as "SAINT"; the words then
// joined without spaces, so that "Smith-Jones", "Smith Jones" and
// "SMITHJONES" agree, as do "O'Brien" and "OBrien", "Mc Donald" and
// "McDonald". Digits and symbols are dropped. The result is "" when no
// letter remains, which callers treat as a missing value.
func Name(s string) string {
	if isPlainASCII(s) && len(s) <= 64 {
		if n, ok := asciiName(s); ok {
			return n
		}
	}
	return nameGeneral(s)
}

// nameGeneral is Name for any text.
func nameGeneral(s string) string {
	words := nameWords(s)
	if len(words) > 1 && titles[words[0]] {
		words = words[1:]
	}
	if len(words) > 1 && suffixes[words[len(words)-1]] {
		words = words[:len(words)-1]
	}
	if len(words) > 1 && words[0] == "ST" {
		words[0] = "SAINT"
	}
	return strings.Join(words, "")
}

// nameWords folds s to upper-case letters and splits it into words.
func nameWords(s string) []string {
	if isPlainASCII(s) {
		return asciiWords(s)
	}
	return unicodeWords(s)
}

// unicodeWords is nameWords for any text.
func unicodeWords(s string) []string {
	// An invalid byte is a break; norm would leave text after it unnormalised.
	s = strings.ToValidUTF8(s, " ")
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range norm.NFKD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r) || strings.ContainsRune(apostrophes, r):
			// a combining mark or an apostrophe: dropped, no break
		case letterFolds[r] != "":
			b.WriteString(letterFolds[r])
		case unicode.IsLetter(r):
			b.WriteRune(unicode.ToUpper(r))
		default:
			b.WriteByte(' ')
		}
	}
	return strings.Fields(b.String())
}

// isPlainASCII reports whether s is all ASCII, which NFKD leaves as is.
func isPlainASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// asciiWords is nameWords for ASCII text, without decomposition: letters
// upper-cased, apostrophes dropped, anything else a break.
func asciiWords(s string) []string {
	buf := make([]byte, 0, len(s))
	var words []string
	flush := func() {
		if len(buf) > 0 {
			words = append(words, string(buf))
			buf = buf[:0]
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z':
			buf = append(buf, c-'a'+'A')
		case c >= 'A' && c <= 'Z':
			buf = append(buf, c)
		case c == '\'' || c == '`':
		default:
			flush()
		}
	}
	flush()
	return words
}

// asciiName is Name for a short ASCII name of plain words, with one
// allocation. It declines (false) when the first word is a title or ST or
// the last a suffix, which the general path handles.
func asciiName(s string) (string, bool) {
	var buf [64]byte
	n, words, first, last, inWord := 0, 0, 0, 0, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			if !inWord {
				words++
				last = n
				inWord = true
			}
			buf[n] = c &^ 0x20
			n++
		case c == '\'' || c == '`':
		default:
			if inWord && words == 1 {
				first = n
			}
			inWord = false
		}
	}
	if words == 1 {
		first = n
	}
	if words > 1 && (titles[string(buf[:first])] || string(buf[:first]) == "ST" || suffixes[string(buf[last:n])]) {
		return "", false
	}
	return string(buf[:n]), true
}
