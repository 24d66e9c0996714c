package replay

import (
	"math/rand/v2"
	"net/http"
	"testing"
	"time"
)

func TestAppendHTTPDate(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	stamps := []time.Time{time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2000, 2, 29, 12, 0, 0, 0, time.UTC),
		time.Date(2014, 8, 12, 9, 30, 0, 0, time.UTC), time.Date(2999, 12, 31, 23, 59, 59, 0, time.UTC)}
	for range 2000 {
		stamps = append(stamps, time.Unix(rng.Int64N(32503680000)-2208988800, 0).UTC()) // 1900–2999
	}
	for _, at := range stamps {
		want := at.Format(http.TimeFormat)
		if got := string(appendHTTPDate(nil, at.Format("20060102150405"))); got != want {
			t.Fatalf("%s: got %q, want %q", at, got, want)
		}
	}
	for _, bad := range []string{"", "2014", "20141301000000"} {
		if got := appendHTTPDate(nil, bad); len(got) != 0 {
			t.Errorf("%q: got %q", bad, got)
		}
	}
}
