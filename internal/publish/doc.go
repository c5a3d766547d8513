// Package publish turns the insight engine's releases into the figures the
// web shows: district tables for the map, their LSOA slices, the theme
// pages' district figures, cohort counts and trends, and the dataset list.
//
// Every figure starts with a release that insight prepares (one access
// decision, recorded); publish keeps what it made of a release in one
// generic per-release [Cache] keyed by the release's key, so a repeat view
// costs no aggregate and decides nothing again. It knows no HTTP and no
// templates: what a presenter makes of a published value (its JSON, a
// page's fragment) it keeps on the value's [Views].
package publish
