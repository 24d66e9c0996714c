package capture

import (
	"strconv"
	"testing"
	"time"
)

// FuzzRetryAfter reads Retry-After headers: never a negative wait, and
// a number of seconds is that many seconds.
func FuzzRetryAfter(f *testing.F) {
	for _, s := range []string{"120", "0", "-1", " 5 ", "9223372036854775807", "99999999999",
		"Wed, 21 Oct 2015 07:28:00 GMT", "Sunday, 06-Nov-94 08:49:37 GMT", "Sun Nov  6 08:49:37 1994", "soon", ""} {
		f.Add(s)
	}
	now := time.Date(2015, 10, 21, 7, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, v string) {
		d, ok := retryAfter(v, now)
		if !ok {
			return
		}
		if d < 0 {
			t.Fatalf("%q: wait %v", v, d)
		}
		if s, err := strconv.Atoi(v); err == nil && s >= 0 && time.Duration(s) <= time.Duration(1<<63-1)/time.Second && d != time.Duration(s)*time.Second {
			t.Fatalf("%q: wait %v", v, d)
		}
	})
}
