package index

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vellumhq/vellum/internal/layout"
	"github.com/vellumhq/vellum/warc"
)

// lookupFixture is an index of captures chosen to sit on the edges of every
// match type: a path and its look-alike, a subdomain, a port, hosts that
// share a prefix, a TLD of their own.
func lookupFixture(t *testing.T) *Index {
	t.Helper()
	idx, err := Open(t.Context(), filepath.Join(t.TempDir(), layout.IndexFile))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { idx.Close() })
	var caps []Capture
	add := func(u string, stamps ...string) {
		key, err := warc.SURT(u)
		if err != nil {
			t.Fatal(err)
		}
		for _, ts := range stamps {
			caps = append(caps, Capture{URLKey: key, Timestamp: ts, URL: u, Type: "response", MIME: "text/html",
				Status: 200, Digest: "sha256:" + ts, Length: 100, Offset: int64(len(caps)) * 1000,
				Filename: "warcs/" + ts[:8] + ".warc.gz", RecordID: fmt.Sprintf("<urn:uuid:%d>", len(caps))})
		}
	}
	add("http://www.example.com/", "20140101000000", "20140601120000", "20151231235959", "20160101000000")
	add("https://example.com/path/a.html", "20140301000000")
	add("http://example.com/path/b.html", "20140302000000")
	add("http://example.com/pathology", "20140303000000")
	add("http://example.com/search?q=a", "20140304000000")
	add("http://news.example.com/story", "20140305000000")
	add("http://example.com:8080/", "20140306000000")
	add("http://example-other.com/", "20140307000000")
	add("http://examples.com/", "20140308000000")
	add("http://example.org/", "20140309000000")
	add("http://com/", "20140310000000")
	caps[2].Type, caps[2].MIME = "revisit", "warc/revisit" // revisits are captures too
	if err := idx.Add(t.Context(), caps, nil); err != nil {
		t.Fatal(err)
	}
	return idx
}

// lookupKeys runs q and returns "urlkey ts" of each capture.
func lookupKeys(t *testing.T, idx *Index, q Query) []string {
	t.Helper()
	var got []string
	if err := idx.Lookup(t.Context(), q, func(c Capture) error {
		got = append(got, c.URLKey+" "+c.Timestamp)
		return nil
	}); err != nil {
		t.Fatalf("Lookup(%+v): %v", q, err)
	}
	return got
}

func TestParseMatch(t *testing.T) {
	for _, tc := range []struct {
		q      Query
		lo, hi string
	}{
		{Query{URL: "http://www.example.com/"}, "com,example)/", "com,example)/!"},
		{Query{URL: "example.com/path/a.html", MatchType: MatchExact}, "com,example)/path/a.html", "com,example)/path/a.html!"},
		{Query{URL: "example.com/path/*"}, "com,example)/path/", "com,example)/path0"},
		{Query{URL: "example.com/path*"}, "com,example)/path", "com,example)/pati"},
		{Query{URL: "example.com/path/", MatchType: MatchPrefix}, "com,example)/path/", "com,example)/path0"},
		{Query{URL: "example.com/path/*", MatchType: MatchPrefix}, "com,example)/path/", "com,example)/path0"},
		{Query{URL: "example.com/path?", MatchType: MatchPrefix}, "com,example)/path?", "com,example)/path@"},
		{Query{URL: "http://www.example.com/path/a.html", MatchType: MatchHost}, "com,example)/", "com,example*"},
		{Query{URL: "example.com:8080/x", MatchType: MatchHost}, "com,example:8080)/", "com,example:8080*"},
		{Query{URL: "*.example.com"}, "com,example)/", "com,example-"},
		{Query{URL: "www.example.com", MatchType: MatchDomain}, "com,example)/", "com,example-"},
		{Query{URL: "com", MatchType: MatchDomain}, "com,", "com-"},
	} {
		t.Run(tc.q.URL+" "+string(tc.q.MatchType), func(t *testing.T) {
			lo, hi, err := ParseMatch(tc.q)
			if err != nil || lo != tc.lo || hi != tc.hi {
				t.Errorf("got [%q, %q) %v, want [%q, %q)", lo, hi, err, tc.lo, tc.hi)
			}
		})
	}
}

func TestLookupMatchTypes(t *testing.T) {
	idx := lookupFixture(t)
	root := []string{"com,example)/ 20140101000000", "com,example)/ 20140601120000", "com,example)/ 20151231235959", "com,example)/ 20160101000000"}
	paths := []string{"com,example)/path/a.html 20140301000000", "com,example)/path/b.html 20140302000000"}
	rest := []string{"com,example)/pathology 20140303000000", "com,example)/search?q=a 20140304000000"}
	news := "com,example,news)/story 20140305000000"
	for _, tc := range []struct {
		name string
		q    Query
		want []string
	}{
		{"exact www and scheme fold", Query{URL: "https://example.com"}, root},
		{"exact query", Query{URL: "example.com/search?q=a"}, rest[1:]},
		{"exact nothing", Query{URL: "example.com/nothing"}, nil},
		{"prefix keeps slash", Query{URL: "example.com/path/*"}, paths},
		{"prefix without slash", Query{URL: "example.com/path*"}, append(slices.Clone(paths), rest[0])},
		{"host: no subdomain, no port", Query{URL: "example.com/anything", MatchType: MatchHost}, slices.Concat(root, paths, rest)},
		{"host with port", Query{URL: "example.com:8080", MatchType: MatchHost}, []string{"com,example:8080)/ 20140306000000"}},
		{"domain: subdomains, not look-alikes", Query{URL: "*.example.com"}, slices.Concat(root, paths, rest, []string{news})},
		{"domain of a subdomain", Query{URL: "news.example.com", MatchType: MatchDomain}, []string{news}},
		{"tld", Query{URL: "org", MatchType: MatchDomain}, []string{"org,example)/ 20140309000000"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := lookupKeys(t, idx, tc.q); !slices.Equal(got, tc.want) {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}

func TestLookupTimeAndOrder(t *testing.T) {
	idx := lookupFixture(t)
	ts := func(keys []string) []string {
		out := make([]string, len(keys))
		for i, k := range keys {
			out[i] = k[strings.LastIndexByte(k, ' ')+1:]
		}
		return out
	}
	host := "example.com/"
	for _, tc := range []struct {
		name string
		q    Query
		want []string
	}{
		{"from and to pad to the year", Query{URL: host, From: "2014", To: "2014"}, []string{"20140101000000", "20140601120000"}},
		{"to pads up inside a month", Query{URL: host, To: "201406"}, []string{"20140101000000", "20140601120000"}},
		{"from pads down", Query{URL: host, From: "2015"}, []string{"20151231235959", "20160101000000"}},
		{"inclusive bounds", Query{URL: host, From: "20151231235959", To: "20151231235959"}, []string{"20151231235959"}},
		{"reverse", Query{URL: host, Reverse: true}, []string{"20160101000000", "20151231235959", "20140601120000", "20140101000000"}},
		{"limit", Query{URL: host, Limit: 2}, []string{"20140101000000", "20140601120000"}},
		{"reverse limit", Query{URL: host, Reverse: true, Limit: 1}, []string{"20160101000000"}},
		{"closest", Query{URL: host, Closest: "20151231235959"}, []string{"20151231235959", "20160101000000", "20140601120000", "20140101000000"}},
		{"closest, ties go to the earlier", Query{URL: host, Closest: "20140317180000", To: "2014"}, []string{"20140101000000", "20140601120000"}},
		{"closest of a year is its end", Query{URL: host, Closest: "2014", Limit: 2}, []string{"20140601120000", "20140101000000"}},
		{"closest after from", Query{URL: host, Closest: "20151231235959", From: "2016"}, []string{"20160101000000"}},
		{"closest within a range", Query{URL: "example.com/*", Closest: "20140302120000", Limit: 3},
			[]string{"20140302000000", "20140303000000", "20140301000000"}},
		{"filter before limit", Query{URL: host, Limit: 1, Filter: func(c *Capture) bool { return c.Timestamp >= "2015" }}, []string{"20151231235959"}},
		{"filter with closest", Query{URL: host, Limit: 1, Closest: "2014", Filter: func(c *Capture) bool { return c.Type == "revisit" }}, []string{"20151231235959"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := ts(lookupKeys(t, idx, tc.q)); !slices.Equal(got, tc.want) {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestLookupBadQueries(t *testing.T) {
	idx := lookupFixture(t)
	for _, tc := range []struct {
		q     Query
		param string
	}{
		{Query{}, "url"},
		{Query{URL: "http://"}, "url"},
		{Query{URL: "example.com", MatchType: "regex"}, "matchType"},
		{Query{URL: "example.com", From: "2014x"}, "from"},
		{Query{URL: "example.com", To: "201401010000000"}, "to"},
		{Query{URL: "example.com", Closest: "-1"}, "closest"},
		{Query{URL: "example.com", Limit: -1}, "limit"},
	} {
		err := idx.Lookup(t.Context(), tc.q, func(Capture) error { t.Error("row for a bad query"); return nil })
		var qe *QueryError
		if !errors.As(err, &qe) || qe.Param != tc.param {
			t.Errorf("%+v: got %v, want a QueryError on %s", tc.q, err, tc.param)
		}
	}
}

// TestLookupChunks reads a URL with more captures than one chunk holds, in
// both orders, with limits that end inside a chunk, and stops it early.
func TestLookupChunks(t *testing.T) {
	idx, err := Open(t.Context(), filepath.Join(t.TempDir(), layout.IndexFile))
	if err != nil {
		t.Fatal(err)
	}
	defer idx.Close()
	base := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	var caps []Capture
	for i := range 2500 {
		// Pairs share a second: order within one falls to filename and offset.
		ts := base.Add(time.Duration(i/2) * time.Minute).Format("20060102150405")
		caps = append(caps, Capture{URLKey: "com,example)/", Timestamp: ts, URL: "http://example.com/",
			Filename: fmt.Sprintf("f%d", i%2), Offset: int64(i)})
	}
	caps = append(caps, Capture{URLKey: "com,example)/z", Timestamp: "20200101000000", Filename: "g"})
	if err := idx.Add(t.Context(), caps, nil); err != nil {
		t.Fatal(err)
	}
	offsets := func(q Query) []int64 {
		var got []int64
		if err := idx.Lookup(t.Context(), q, func(c Capture) error { got = append(got, c.Offset); return nil }); err != nil {
			t.Fatal(err)
		}
		return got
	}
	want := make([]int64, 2500)
	for i := range want {
		want[i] = int64(i)
	}
	if got := offsets(Query{URL: "example.com"}); !slices.Equal(got, want) {
		t.Errorf("ascending: %d rows, first %v", len(got), got[:min(5, len(got))])
	}
	slices.Reverse(want)
	if got := offsets(Query{URL: "example.com", Reverse: true}); !slices.Equal(got, want) {
		t.Errorf("descending: %d rows, first %v", len(got), got[:min(5, len(got))])
	}
	if got := offsets(Query{URL: "example.com/*", Reverse: true, Limit: 1100}); len(got) != 1100 || got[0] != 0 || got[1] != 2499 {
		t.Errorf("prefix, descending, limit 1100: %d rows, first %v", len(got), got[:min(5, len(got))])
	}
	// Too many to cache: closest goes to SQL, both sides of the target.
	near, err := idx.Closest(t.Context(), "com,example)/", "20200101100030", 3)
	if err != nil || len(near) != 3 || near[0].Timestamp != "20200101100000" || near[1].Timestamp != "20200101100000" ||
		near[0].Filename != "f0" || near[2].Timestamp != "20200101100100" {
		t.Errorf("Closest on a big key: %v %+v", err, near)
	}
	if got := offsets(Query{URL: "example.com", Closest: "20200101100030", Limit: 4, Filter: func(c *Capture) bool { return c.Offset%2 == 1 }}); !slices.Equal(got, []int64{1201, 1203, 1199, 1205}) {
		t.Errorf("closest with a filter on a big key: %v", got)
	}
	stop := errors.New("stop")
	n := 0
	err = idx.Lookup(t.Context(), Query{URL: "example.com"}, func(Capture) error {
		if n++; n == 100 {
			return stop
		}
		return nil
	})
	if err != stop || n != 100 {
		t.Errorf("stopping: got %v after %d rows, want the callback's error after 100", err, n)
	}
}

func TestClosest(t *testing.T) {
	idx := lookupFixture(t)
	ts := func(caps []Capture) []string {
		var out []string
		for _, c := range caps {
			out = append(out, c.Timestamp)
		}
		return out
	}
	for _, tc := range []struct {
		at   string
		n    int
		want []string
	}{
		{"20140601120000", 1, []string{"20140601120000"}},
		{"20140601", 2, []string{"20140601120000", "20140101000000"}}, // 20140601235959
		{"2015", 3, []string{"20151231235959", "20160101000000", "20140601120000"}},
		{"", 1, []string{"20160101000000"}},
		{"1999", 0, []string{"20140101000000", "20140601120000", "20151231235959", "20160101000000"}},
		{"20160101000000", 2, []string{"20160101000000", "20151231235959"}},
	} {
		caps, err := idx.Closest(t.Context(), "com,example)/", tc.at, tc.n)
		if err != nil || !slices.Equal(ts(caps), tc.want) {
			t.Errorf("Closest(%q, %d) = %q, %v; want %q", tc.at, tc.n, ts(caps), err, tc.want)
		}
	}
	if caps, err := idx.Closest(t.Context(), "com,nothing)/", "2014", 3); err != nil || len(caps) != 0 {
		t.Errorf("unknown key: %v, %v", caps, err)
	}
	if caps, _ := idx.Closest(t.Context(), "com,example)/", "2015", 1); caps[0].Type != "revisit" || caps[0].URL != "http://www.example.com/" {
		t.Errorf("closest capture read back as %+v", caps[0])
	}
}

func TestClosestSecondsPadding(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"20141226095010", "20141226095010"},
		{"2014122609501", "20141226095059"},
		{"201412260", "20141226235959"},
		{"2014122", "20141231235959"},
		{"201402", "20140228235959"},
		{"201602", "20160229235959"},
		{"20140", "20140228235959"},
		{"20141", "20141231235959"},
		{"2014", "20141231235959"},
		{"201", "20191231235959"},
		{"", "29991231235959"},
	} {
		sec, err := closestSeconds(tc.in)
		if got := timestamp(sec); err != nil || got != tc.want {
			t.Errorf("closestSeconds(%q) = %s, %v; want %s", tc.in, got, err, tc.want)
		}
	}
	for _, at := range []time.Time{time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2000, 2, 29, 23, 59, 59, 0, time.UTC),
		time.Date(1969, 12, 31, 23, 59, 59, 0, time.UTC), time.Date(2999, 12, 31, 0, 0, 1, 0, time.UTC)} {
		if got := seconds(at.Format("20060102150405")); got != at.Unix() {
			t.Errorf("seconds(%s) = %d, want %d", at, got, at.Unix())
		}
		if got := timestamp(at.Unix()); got != at.Format("20060102150405") {
			t.Errorf("timestamp(%d) = %s", at.Unix(), got)
		}
	}
}

func TestCountAndFreshness(t *testing.T) {
	idx := lookupFixture(t)
	ctx := context.Background()
	if n, err := idx.Count(ctx); err != nil || n != 14 {
		t.Fatalf("Count = %d, %v; want 14", n, err)
	}
	// The read pool is open now; a write must still show at once.
	extra := Capture{URLKey: "com,example)/", Timestamp: "20170101000000", URL: "http://example.com/", Filename: "x", Offset: 1}
	if err := idx.Add(ctx, []Capture{extra}, nil); err != nil {
		t.Fatal(err)
	}
	if got := lookupKeys(t, idx, Query{URL: "example.com", Reverse: true, Limit: 1}); len(got) != 1 || !strings.HasSuffix(got[0], "20170101000000") {
		t.Errorf("after Add: %q", got)
	}
	if n, _ := idx.Count(ctx); n != 15 {
		t.Errorf("Count after Add = %d", n)
	}
	idx.Close()
	if err := idx.Lookup(ctx, Query{URL: "example.com"}, func(Capture) error { return nil }); err == nil {
		t.Error("Lookup after Close succeeded")
	}
}

// TestLookupSeesOtherProcesses writes through a second Index on the same
// file, as another process would: no hook tells the first one, which must
// notice all the same, and soon.
func TestLookupSeesOtherProcesses(t *testing.T) {
	idx := lookupFixture(t)
	other, err := Open(t.Context(), idx.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	before := lookupKeys(t, idx, Query{URL: "example.org"})
	extra := Capture{URLKey: "org,example)/", Timestamp: "20990101000000", URL: "http://example.org/", Filename: "other", Offset: 1}
	if err := other.Add(t.Context(), []Capture{extra}, nil); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		got := lookupKeys(t, idx, Query{URL: "example.org"})
		if len(got) == len(before)+1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the other writer's capture never showed: %q", got)
		}
		time.Sleep(5 * time.Millisecond)
	}
	// What Closest returns is the caller's to change.
	caps, _ := idx.Closest(t.Context(), "org,example)/", "", 1)
	caps[0].URL = "changed"
	if again, _ := idx.Closest(t.Context(), "org,example)/", "", 1); again[0].URL != "http://example.org/" {
		t.Errorf("a caller's change reached the cache: %q", again[0].URL)
	}
}
