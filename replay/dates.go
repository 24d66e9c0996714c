package replay

import (
	"net/http"
	"time"

	"github.com/vellumhq/vellum/warc"
)

// httpDate formats a 14-digit timestamp as an HTTP date.
func httpDate(ts14 string) string {
	t, err := warc.ParseTimestamp14(ts14)
	if err != nil {
		return ""
	}
	return t.UTC().Format(http.TimeFormat)
}

// captureTime is the time of a 14-digit timestamp (the zero time if it is
// not one), for the dates the UI shows.
func captureTime(ts string) time.Time {
	t, _ := warc.ParseTimestamp14(ts)
	return t
}

// appendHTTPDate appends a 14-digit timestamp as an HTTP date in GMT (RFC
// 1123 as RFC 7231 fixes it: "Tue, 12 Aug 2014 09:30:00 GMT"), the datetime
// format of Memento. It formats without time.Parse: TimeMaps and the CDX
// API's link output write one per capture.
func appendHTTPDate(b []byte, ts string) []byte {
	if len(ts) != 14 {
		return b
	}
	num := func(i, j int) int {
		v := 0
		for _, c := range []byte(ts[i:j]) {
			v = v*10 + int(c-'0')
		}
		return v
	}
	y, m, d := num(0, 4), num(4, 6), num(6, 8)
	if m < 1 || m > 12 {
		return b
	}
	// Zeller-like weekday from days since 0000-03-01 (a Wednesday).
	yy, mm := y, m
	if mm < 3 {
		yy--
		mm += 12
	}
	days := 365*yy + yy/4 - yy/100 + yy/400 + (153*(mm-3)+2)/5 + d - 1
	wd := (days%7 + 7) % 7
	b = append(b, "WedThuFriSatSunMonTue"[wd*3:wd*3+3]...)
	b = append(b, ", "...)
	b = append(b, ts[6:8]...)
	b = append(b, ' ')
	b = append(b, "JanFebMarAprMayJunJulAugSepOctNovDec"[(m-1)*3:m*3]...)
	b = append(b, ' ')
	b = append(b, ts[0:4]...)
	b = append(b, ' ')
	b = append(b, ts[8:10]...)
	b = append(b, ':')
	b = append(b, ts[10:12]...)
	b = append(b, ':')
	b = append(b, ts[12:14]...)
	return append(b, " GMT"...)
}

// uiTimeLayout is the one way the UI writes a moment: ISO 8601 order, to
// the second, in UTC and saying so. Captures a second apart are different
// mementos, so every page shows the seconds; the order sorts as text and
// reads the same in every language.
const uiTimeLayout = "2006-01-02 15:04:05 UTC"

// uiTime formats a 14-digit timestamp for the UI ("" if it is not one).
func uiTime(ts string) string {
	t, err := warc.ParseTimestamp14(ts)
	if err != nil {
		return ""
	}
	return t.UTC().Format(uiTimeLayout)
}
