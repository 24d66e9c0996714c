package warc

import (
	"fmt"
	"strconv"
	"time"
)

// timestamp14Layout is the time layout of 14-digit timestamps.
const timestamp14Layout = "20060102150405"

// Timestamp14 formats t in UTC as the 14-digit timestamp of CDX lines and
// Wayback URLs, "20141231235959".
func Timestamp14(t time.Time) string { return t.UTC().Format(timestamp14Layout) }

// ParseTimestamp14 parses a 14-digit timestamp (Timestamp14's format) as a
// time in UTC.
func ParseTimestamp14(ts string) (time.Time, error) {
	return time.Parse(timestamp14Layout, ts)
}

// PadTimestamp checks the 0–14 digit timestamp of a replay URL
// (/web/<ts>/<url>) or of the CDX API's closest= and returns it padded to 14
// digits as pywb pads it: to the latest time it can mean. "2014" is
// 20141231235959, "201402" is 20140228235959, "" is 29991231235959; fewer
// than six digits are completed from "299912" ("201" is 2019, "20141" is
// December 2014), and beyond six a last digit short of a whole field counts
// for nothing ("2014122" is 20141231235959). Unlike pywb, which clamps, a
// field out of range (month 13, 30 February, hour 24) is an error, as are
// non-digits and more than 14 digits. Replay and the index both pad here,
// so a request names the same time in both.
func PadTimestamp(ts string) (string, error) {
	if len(ts) > 14 {
		return "", fmt.Errorf("timestamp %q: more than 14 digits", ts)
	}
	for i := 0; i < len(ts); i++ {
		if ts[i] < '0' || ts[i] > '9' {
			return "", fmt.Errorf("timestamp %q: not all digits", ts)
		}
	}
	given := ts
	if len(ts) < 6 {
		ts += "299912"[len(ts):]
	} else if len(ts)%2 == 1 {
		ts = ts[:len(ts)-1]
	}
	year, _ := strconv.Atoi(ts[:4])
	month, _ := strconv.Atoi(ts[4:6])
	if month < 1 || month > 12 {
		return "", fmt.Errorf("timestamp %q: month %02d does not exist", given, month)
	}
	last := daysIn(year, month)
	if len(ts) < 8 {
		ts += strconv.Itoa(last)
	}
	ts += "235959"[len(ts)-8:]
	for _, f := range []struct {
		name     string
		at, most int
	}{{"day", 6, last}, {"hour", 8, 23}, {"minute", 10, 59}, {"second", 12, 59}} {
		v := int(ts[f.at]-'0')*10 + int(ts[f.at+1]-'0')
		if v > f.most || (f.name == "day" && v == 0) {
			return "", fmt.Errorf("timestamp %q: %s %02d does not exist", given, f.name, v)
		}
	}
	return ts, nil
}

// daysIn is the number of days of a month (1–12) in the proleptic Gregorian
// calendar.
func daysIn(year, month int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}
