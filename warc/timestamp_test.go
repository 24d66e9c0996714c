package warc

import (
	"strings"
	"testing"
)

func TestPadTimestamp(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"20141226095010", "20141226095010"},
		{"2014122609501", "20141226095059"}, // a partial field counts for nothing
		{"201412260950", "20141226095059"},
		{"20141226095", "20141226095959"},
		{"2014122609", "20141226095959"},
		{"20141226", "20141226235959"},
		{"2014122", "20141231235959"},
		{"201410", "20141031235959"},
		{"201402", "20140228235959"},
		{"200002", "20000229235959"}, // leap year
		{"190002", "19000228235959"}, // not one
		{"20141", "20141231235959"},  // completed from 299912, as pywb
		{"20140", "20140228235959"},
		{"2014", "20141231235959"},
		{"201", "20191231235959"},
		{"20", "20991231235959"},
		{"2", "29991231235959"},
		{"", "29991231235959"},
	} {
		if got, err := PadTimestamp(tc.in); err != nil || got != tc.want {
			t.Errorf("PadTimestamp(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{
		"201412260950101", // 15 digits
		"2014-12-26",
		"2014x",
		" 2014",
		"20141326",       // month 13
		"20140001",       // month 00
		"20142",          // month 22 after padding
		"20140230",       // 30 February
		"20141200",       // day 0
		"2014122624",     // hour 24
		"201412262360",   // minute 60
		"20141226235960", // second 60
	} {
		if got, err := PadTimestamp(bad); err == nil {
			t.Errorf("PadTimestamp(%q) = %q, want an error", bad, got)
		} else if !strings.Contains(err.Error(), bad) {
			t.Errorf("error %q does not name %q", err, bad)
		}
	}
}
