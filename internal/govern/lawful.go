package govern

import (
	"slices"
	"strings"

	"github.com/civiclink/civiclink/internal/fault"
)

// LawfulBasis is a legal ground a party relies on to share or receive data.
type LawfulBasis struct {
	ID   string `json:"id"`
	Text string `json:"text"`
	// Article6 marks a UK GDPR Art 6 basis: every party needs at least one.
	Article6 bool `json:"article6,omitempty"`
}

// LawfulBases lists the bases an agreement may cite, by id.
var LawfulBases = []LawfulBasis{
	{ID: "uk-gdpr-6-1-c", Text: "UK GDPR Art 6(1)(c): legal obligation", Article6: true},
	{ID: "uk-gdpr-6-1-e", Text: "UK GDPR Art 6(1)(e): public task", Article6: true},
	{ID: "uk-gdpr-6-1-f", Text: "UK GDPR Art 6(1)(f): legitimate interests (not for public authorities' tasks)", Article6: true},
	{ID: "uk-gdpr-9-2-g", Text: "UK GDPR Art 9(2)(g): substantial public interest, with DPA 2018 Sch 1 condition"},
	{ID: "uk-gdpr-9-2-h", Text: "UK GDPR Art 9(2)(h): health or social care"},
	{ID: "uk-gdpr-9-2-i", Text: "UK GDPR Art 9(2)(i): public health"},
	{ID: "dpa-2018-sch1-18", Text: "DPA 2018 Sch 1 para 18: safeguarding of children and individuals at risk"},
	{ID: "dpa-2018-s10", Text: "DPA 2018 s10 and Sch 1: special category and criminal offence data conditions"},
	{ID: "cda-1998-s115", Text: "Crime and Disorder Act 1998 s115: disclosure to prevent crime and disorder"},
	{ID: "pcsc-2022-s9", Text: "Police, Crime, Sentencing and Courts Act 2022 s9-s16: serious violence duty"},
	{ID: "children-act-2004-s10", Text: "Children Act 2004 s10/s11: co-operation to improve well-being and safeguard children"},
	{ID: "care-act-2014-s45", Text: "Care Act 2014 s45: supply of information to safeguarding adults boards"},
	{ID: "hra-2017", Text: "Homelessness Reduction Act 2017 (Housing Act 1996 s213B duty to refer)"},
	{ID: "da-act-2021", Text: "Domestic Abuse Act 2021"},
	{ID: "nhs-act-2006-s251", Text: "NHS Act 2006 s251 support (Control of Patient Information Regulations 2002)"},
	{ID: "hsca-2012-s251b", Text: "Health and Social Care Act 2012 s251B: duty to share for individual care"},
	{ID: "fra-2004-s6", Text: "Fire and Rescue Services Act 2004 s6: fire safety promotion"},
}

// LookupBasis returns the lawful basis with id.
func LookupBasis(id string) (LawfulBasis, error) {
	i := slices.IndexFunc(LawfulBases, func(b LawfulBasis) bool { return b.ID == id })
	if i < 0 {
		ids := make([]string, len(LawfulBases))
		for j, b := range LawfulBases {
			ids[j] = b.ID
		}
		return LawfulBasis{}, fault.Errorf(fault.Invalid, "unknown lawful basis %q: use one of %s", id, strings.Join(ids, ", "))
	}
	return LawfulBases[i], nil
}
