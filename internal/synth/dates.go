package synth

// Dates are days since 1970-01-01 (proleptic Gregorian), converted with
// Howard Hinnant's civil-calendar algorithms: fast and allocation-free.

// dayOf returns the day number of a civil date; month and day may be out
// of range only in the ways time.Date normalises them, which is not needed
// here.
func dayOf(y, m, d int) int32 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era = (y - 399) / 400
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int32(era*146097 + doe - 719468)
}

// civil returns the year, month and day of a day number.
func civil(day int32) (y, m, d int) {
	z := int(day) + 719468
	era := z / 146097
	if z < 0 {
		era = (z - 146096) / 146097
	}
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y = yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = doy - (153*mp+2)/5 + 1
	m = mp + 3
	if m > 12 {
		m -= 12
	}
	if m <= 2 {
		y++
	}
	return y, m, d
}

func yearOf(day int32) int {
	y, _, _ := civil(day)
	return y
}

// appendDate appends a day as YYYY-MM-DD.
func appendDate(b []byte, day int32) []byte {
	y, m, d := civil(day)
	return appendYMD(b, y, m, d)
}

func appendYMD(b []byte, y, m, d int) []byte {
	return append(b, byte('0'+y/1000), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10), '-',
		byte('0'+m/10), byte('0'+m%10), '-', byte('0'+d/10), byte('0'+d%10))
}

// ageOn returns the age in whole years on day of someone born on dob.
func ageOn(dob, day int32) int {
	by, bm, bd := civil(dob)
	y, m, d := civil(day)
	a := y - by
	if m < bm || (m == bm && d < bd) {
		a--
	}
	return a
}

// censusDay returns the school census day of a year: the third Thursday
// of January.
func censusDay(year int) int32 {
	first := dayOf(year, 1, 1)
	// 1970-01-01 was a Thursday.
	wd := ((first % 7) + 7) % 7 // 0 = Thursday
	offset := (7 - wd) % 7
	return first + offset + 14
}
