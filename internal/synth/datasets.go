package synth

import (
	"strings"

	"github.com/civiclink/civiclink/internal/catalog"
)

// Partner is an organisation that owns synthetic datasets. The ids match
// the demo's partners.
type Partner struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Partners are the synthetic county's data owners.
var Partners = []Partner{
	{"county", "Essex County Council"},
	{"police", "Essex Police"},
	{"fire", "Essex County Fire and Rescue Service"},
	{"nhs", "NHS acute trusts"},
	{"districts", "District and unitary councils (housing)"},
}

// dataset is one agency dataset: who owns it, its columns, how it records
// identity and how its events arise.
type dataset struct {
	id, partner, name, prefix string
	about                     string
	// identifiers lists the raw identifier columns, to be pseudonymised at
	// source before the file is shared.
	identifiers []string
	nhs, dob    bool
	defaults    DatasetSettings
	columns     []catalog.Column
	emit        func(g *gen, ds int, hh *household, p *person)
}

// datasets are generated in this order, which is also the order of
// manifest entries.
var datasets = []*dataset{
	{id: "school_census", partner: "county", name: "School census", prefix: "SC",
		about:       "One row per pupil per January school census (Reception to Year 11), with exclusions in the past year and early-years readiness (good level of development) for Reception pupils.",
		identifiers: []string{"upn", "legal_forename", "legal_surname", "dob", "gender", "postcode"}, dob: true,
		defaults: DatasetSettings{RateScale: 1, ErrorScale: 0.5},
		columns: cols(
			yearly(c("census_date", catalog.TypeDate, catalog.RoleEventDate, "census day (the January census, once a year)")),
			c("upn", catalog.TypeString, "", "unique pupil number (the school system's own id)"),
			c("legal_forename", catalog.TypeString, "", ""), c("legal_surname", catalog.TypeString, "", ""),
			c("dob", catalog.TypeDate, "", "date of birth"), cat("gender", "", "M", "F"),
			c("postcode", catalog.TypePostcode, catalog.RoleGeography, "home postcode"),
			c("lsoa", catalog.TypeLSOA, catalog.RoleGeography, "home LSOA (2021)"),
			cat("ethnicity", "ONS 2021 ethnic group", ethnicCodes()...),
			cat("nc_year", "national curriculum year", "R", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11"),
			c("fsm", catalog.TypeBoolean, "", "eligible for free school meals"),
			cat("sen", "special educational needs", "none", "sen_support", "ehcp"),
			c("fixed_term_exclusions", catalog.TypeInteger, "", "suspensions in the past year"),
			c("permanent_exclusion", catalog.TypeBoolean, "", "permanently excluded in the past year"),
			c("early_years_gld", catalog.TypeBoolean, "", "good level of development at the end of Reception (Reception pupils only)"),
			c("attendance_pct", catalog.TypeDecimal, "", "sessions attended, percent")),
		emit: emitSchool},
	{id: "police_incidents", partner: "police", name: "Police incidents", prefix: "PI",
		about:       "One row per person involved in a recorded incident (victim, suspect or witness); a domestic-abuse incident has a row for the victim and, where known, the suspect, sharing incident_ref.",
		identifiers: []string{"first_name", "last_name", "date_of_birth", "gender", "home_postcode"}, dob: true,
		defaults: DatasetSettings{RateScale: 1, ErrorScale: 1.5},
		columns: cols(
			c("occurred_on", catalog.TypeDate, catalog.RoleEventDate, ""),
			c("incident_ref", catalog.TypeString, "", "the incident; shared by its rows"),
			cat("crime_type", "", crimeTypes...), c("domestic_abuse", catalog.TypeBoolean, "", "flagged as domestic abuse"),
			cat("role", "the person's part in the incident", "victim", "suspect", "witness"),
			c("first_name", catalog.TypeString, "", ""), c("last_name", catalog.TypeString, "", ""),
			c("date_of_birth", catalog.TypeDate, "", ""), cat("gender", "", "M", "F", "U"),
			c("home_postcode", catalog.TypePostcode, catalog.RoleGeography, ""),
			c("lsoa", catalog.TypeLSOA, catalog.RoleGeography, "where it happened (2021 LSOA)"),
			c("lad", catalog.TypeDistrict, catalog.RoleGeography, "district where it happened")),
		emit: emitPolice},
	{id: "s136_detentions", partner: "police", name: "Section 136 detentions", prefix: "SD",
		about:       "Detentions under section 136 of the Mental Health Act, with the place of safety used.",
		identifiers: []string{"forename", "surname", "dob", "sex", "nhs_number", "postcode"}, dob: true, nhs: true,
		defaults: DatasetSettings{RateScale: 1, ErrorScale: 1.3, NHSPresent: 0.3},
		columns: cols(
			c("detained_on", catalog.TypeDate, catalog.RoleEventDate, ""),
			cat("place_of_safety", "", "custody", "health_based"),
			cat("outcome", "", "admitted", "discharged", "referred_community"),
			c("forename", catalog.TypeString, "", ""), c("surname", catalog.TypeString, "", ""),
			c("dob", catalog.TypeDate, "", ""), cat("sex", "", "M", "F", "U"),
			c("nhs_number", catalog.TypeString, "", "as recorded: may be missing or wrong"),
			c("postcode", catalog.TypePostcode, catalog.RoleGeography, "home postcode"),
			c("lad", catalog.TypeDistrict, catalog.RoleGeography, "district of detention")),
		emit: emitS136},
	{id: "ae_attendances", partner: "nhs", name: "A&E attendances", prefix: "AE",
		about:       "Emergency department attendances with mental-health presentation and avoidable (low-acuity, no treatment) flags.",
		identifiers: []string{"nhs_number", "given_name", "family_name", "birth_date", "sex", "postcode"}, dob: true, nhs: true,
		defaults: DatasetSettings{RateScale: 1, ErrorScale: 0.6, NHSPresent: 0.95},
		columns: cols(
			c("arrival_date", catalog.TypeDate, catalog.RoleEventDate, ""),
			c("nhs_number", catalog.TypeString, "", "as recorded: usually present"),
			c("given_name", catalog.TypeString, "", ""), c("family_name", catalog.TypeString, "", ""),
			c("birth_date", catalog.TypeDate, "", ""), cat("sex", "NHS person stated gender", "1", "2", "9"),
			c("postcode", catalog.TypePostcode, catalog.RoleGeography, ""),
			c("lsoa", catalog.TypeLSOA, catalog.RoleGeography, "home LSOA (2021)"),
			catL("ethnic_category", "NHS ethnic category", nhsEthnicCodes),
			cat("arrival_mode", "", "ambulance", "walk_in", "police"),
			c("mental_health", catalog.TypeBoolean, "", "mental-health presentation"),
			c("avoidable", catalog.TypeBoolean, "", "low acuity, discharged without treatment"),
			cat("disposal", "", "admitted", "discharged", "referred", "left_before_seen")),
		emit: emitAE},
	{id: "homelessness", partner: "districts", name: "Homelessness presentations", prefix: "HL",
		about:       "Households presenting to a district or unitary council as homeless or at risk (H-CLIC-like), one row per presentation.",
		identifiers: []string{"applicant_forename", "applicant_surname", "applicant_dob", "applicant_sex", "last_settled_postcode"}, dob: true,
		defaults: DatasetSettings{RateScale: 1, ErrorScale: 1.2},
		columns: cols(
			c("approached_on", catalog.TypeDate, catalog.RoleEventDate, ""),
			c("local_authority", catalog.TypeDistrict, catalog.RoleGeography, "council presented to"),
			c("applicant_forename", catalog.TypeString, "", ""), c("applicant_surname", catalog.TypeString, "", ""),
			c("applicant_dob", catalog.TypeDate, "", ""), cat("applicant_sex", "", "Male", "Female", "Not known"),
			c("last_settled_postcode", catalog.TypePostcode, catalog.RoleGeography, ""),
			cat("reason", "main reason for loss of last settled home", homelessReasons...),
			cat("duty", "", "prevention", "relief", "main"),
			cat("household_type", "", "single", "couple", "single_parent", "family")),
		emit: emitHomeless},
	{id: "youth_offending", partner: "county", name: "Youth offending outcomes", prefix: "YO",
		about:       "Outcomes given to children aged 10–17 by the youth justice service.",
		identifiers: []string{"forename", "surname", "dob", "sex", "postcode"}, dob: true,
		defaults: DatasetSettings{RateScale: 1, ErrorScale: 1},
		columns: cols(
			c("outcome_date", catalog.TypeDate, catalog.RoleEventDate, ""),
			c("forename", catalog.TypeString, "", ""), c("surname", catalog.TypeString, "", ""),
			c("dob", catalog.TypeDate, "", ""), cat("sex", "", "M", "F"),
			c("postcode", catalog.TypePostcode, catalog.RoleGeography, ""),
			c("lad", catalog.TypeDistrict, catalog.RoleGeography, ""),
			cat("offence", "", "violence", "robbery", "theft", "drugs", "criminal_damage", "motoring", "public_order", "other"),
			cat("disposal", "", "youth_caution", "youth_conditional_caution", "referral_order", "youth_rehabilitation_order", "custody")),
		emit: emitYOT},
	{id: "safe_and_well", partner: "fire", name: "Safe and well visits", prefix: "FW",
		about:       "Home fire safety (safe and well) visits, mostly to older and vulnerable people; the occupier's date of birth is often not taken.",
		identifiers: []string{"occupier_forename", "occupier_surname", "occupier_dob", "postcode"}, dob: true,
		defaults: DatasetSettings{RateScale: 1, ErrorScale: 1.3},
		columns: cols(
			c("visit_date", catalog.TypeDate, catalog.RoleEventDate, ""),
			c("occupier_forename", catalog.TypeString, "", ""), c("occupier_surname", catalog.TypeString, "", ""),
			c("occupier_dob", catalog.TypeDate, "", ""),
			c("postcode", catalog.TypePostcode, catalog.RoleGeography, ""),
			c("lsoa", catalog.TypeLSOA, catalog.RoleGeography, ""),
			cat("referral_source", "", "self", "family", "nhs", "police", "council", "other_partner"),
			c("smoke_alarm_fitted", catalog.TypeBoolean, "", ""),
			cat("risk_level", "", "low", "medium", "high")),
		emit: emitFire},
	{id: "adult_social_care", partner: "county", name: "Adult social care referrals", prefix: "AS",
		about:       "Requests for adult social care support with the primary support reason and what followed.",
		identifiers: []string{"nhs_number", "forename", "surname", "dob", "gender", "postcode"}, dob: true, nhs: true,
		defaults: DatasetSettings{RateScale: 1, ErrorScale: 0.8, NHSPresent: 0.75},
		columns: cols(
			c("referral_date", catalog.TypeDate, catalog.RoleEventDate, ""),
			c("nhs_number", catalog.TypeString, "", "as recorded"),
			c("forename", catalog.TypeString, "", ""), c("surname", catalog.TypeString, "", ""),
			c("dob", catalog.TypeDate, "", ""), cat("gender", "", "Male", "Female", "Unknown"),
			c("postcode", catalog.TypePostcode, catalog.RoleGeography, ""),
			c("lad", catalog.TypeDistrict, catalog.RoleGeography, ""),
			cat("primary_support_reason", "", "physical_support", "sensory_support", "memory_cognition", "learning_disability", "mental_health", "social_support"),
			cat("referral_source", "", "self", "family", "gp", "hospital", "police", "other"),
			cat("outcome", "", "long_term_support", "short_term_support", "universal_services", "no_services")),
		emit: emitASC},
	{id: "road_casualties", partner: "police", name: "Road casualties in the synthetic county (STATS19-like)", prefix: "RC",
		about:    "Made-up road traffic casualties in the synthetic county, shaped as reported to the Department for Transport (the real Essex figures are the road-casualties dataset): no names, dates of birth or postcodes; age in bands.",
		defaults: DatasetSettings{RateScale: 1, ErrorScale: 0},
		columns: cols(
			c("accident_date", catalog.TypeDate, catalog.RoleEventDate, ""),
			cat("severity", "", "fatal", "serious", "slight"),
			cat("casualty_class", "", "driver_rider", "passenger", "pedestrian"),
			cat("sex", "", "M", "F"),
			cat("age_band", "STATS19 age band", "0_5", "6_10", "11_15", "16_20", "21_25", "26_35", "36_45", "46_55", "56_65", "66_75", "over_75"),
			c("lsoa", catalog.TypeLSOA, catalog.RoleGeography, "where it happened"),
			c("lad", catalog.TypeDistrict, catalog.RoleGeography, "")),
		emit: emitRoad},
	// Last, so that adding it left every other dataset's records as they were.
	{id: "activity_assessments", partner: "nhs", name: "Physical activity assessments (NHS Health Check)", prefix: "PA",
		about:    "GP Physical Activity Questionnaire results from NHS Health Checks of adults aged 40 to 74, shared without identifiers (age in bands), so not linked. Inactive is a sedentary job and no exercise or cycling.",
		defaults: DatasetSettings{RateScale: 1, ErrorScale: 0},
		columns: cols(
			c("assessment_date", catalog.TypeDate, catalog.RoleEventDate, ""),
			cat("sex", "", "M", "F"),
			cat("age_band", "", "40_49", "50_59", "60_69", "70_74"),
			cat("activity_index", "GPPAQ physical activity index", "active", "moderately_active", "moderately_inactive", "inactive"),
			c("lsoa", catalog.TypeLSOA, catalog.RoleGeography, "home LSOA"),
			c("lad", catalog.TypeDistrict, catalog.RoleGeography, "")),
		emit: emitActivity},
}

var (
	crimeTypes      = []string{"violence_with_injury", "violence_without_injury", "stalking_harassment", "sexual_offence", "robbery", "burglary", "theft", "criminal_damage", "public_order", "drugs", "weapons", "other"}
	homelessReasons = []string{"family_friends_unwilling", "end_of_private_tenancy", "domestic_abuse", "relationship_breakdown", "other_violence", "leaving_institution", "mortgage_arrears", "other"}
)

// DatasetIDs lists the synthetic datasets in generation order.
func DatasetIDs() []string {
	out := make([]string, len(datasets))
	for i, d := range datasets {
		out[i] = d.id
	}
	return out
}

func datasetIndex(id string) int {
	for i, d := range datasets {
		if d.id == id {
			return i
		}
	}
	return -1
}

// schema returns the dataset's catalogue schema: the record id first.
func (d *dataset) schema() *catalog.Schema {
	desc := d.about
	if len(d.identifiers) > 0 {
		desc += " RAW IDENTIFIERS as the partner holds them: " + strings.Join(d.identifiers, ", ") +
			". Pseudonymise these columns at source (civiclink pseudonymise) before sharing; they are declared as attributes only so that the raw file validates."
	}
	id := catalog.Column{Name: "record_id", Type: catalog.TypeString, Role: catalog.RoleRecordID, Required: true, Unique: true,
		Description: "the agency's record id"}
	return &catalog.Schema{Name: d.id, Description: desc, Columns: append([]catalog.Column{id}, d.columns...)}
}

func cols(cs ...catalog.Column) []catalog.Column { return cs }

func c(name string, t catalog.Type, role catalog.Role, desc string) catalog.Column {
	if role == "" {
		role = catalog.RoleAttribute
	}
	col := catalog.Column{Name: name, Type: t, Role: role, Description: desc}
	if role == catalog.RoleEventDate {
		col.Required = true
	}
	return col
}

// yearly marks an event date taken once a year (a census day).
func yearly(col catalog.Column) catalog.Column {
	col.Yearly = true
	return col
}

func cat(name, desc string, codes ...string) catalog.Column {
	col := catalog.Column{Name: name, Type: catalog.TypeCategory, Role: catalog.RoleAttribute, Description: desc}
	for _, v := range codes {
		col.Codes = append(col.Codes, catalog.Code{Value: v})
	}
	return col
}

func catL(name, desc string, codes [][2]string) catalog.Column {
	col := catalog.Column{Name: name, Type: catalog.TypeCategory, Role: catalog.RoleAttribute, Description: desc}
	for _, v := range codes {
		col.Codes = append(col.Codes, catalog.Code{Value: v[0], Label: v[1]})
	}
	return col
}

func ethnicCodes() []string {
	out := make([]string, 0, len(ethnicGroups)+1)
	for _, g := range ethnicGroups {
		out = append(out, g.Code)
	}
	return append(out, "NS")
}
