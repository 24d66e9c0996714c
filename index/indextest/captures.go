package indextest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vellumhq/vellum/index"
	"github.com/vellumhq/vellum/warc"
)

var ctx = context.Background()

// Runs and their files, named as Vellum names them
// (warcs/<day>/<run-id>-<serial>.warc.gz): the index derives a capture's
// run from its file name.
const (
	runA  = "20240101T100000Z-aaaa"
	runB  = "20240601T100000Z-bbbb"
	fileA = "warcs/2024/01/01/" + runA + "-00001.warc.gz"
	fileB = "warcs/2024/06/01/" + runB + "-00001.warc.gz"
	// fileOther is another tool's file: no run.
	fileOther = "imported/other-tool.warc.gz"
)

// capture is a response record of url at ts, at offset in file.
func capture(t *testing.T, url, ts, file string, offset int64) index.Capture {
	t.Helper()
	key, err := warc.SURT(url)
	if err != nil {
		t.Fatal(err)
	}
	return index.Capture{URLKey: key, Timestamp: ts, URL: url, Type: warc.TypeResponse, MIME: "text/html",
		Status: 200, Digest: "sha256:" + ts, Length: 100, Offset: offset, Filename: file,
		RecordID: fmt.Sprintf("<urn:uuid:%s-%d>", ts, offset)}
}

func key(t *testing.T, url string) string {
	t.Helper()
	k, err := warc.SURT(url)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func add(t *testing.T, x Index, caps []index.Capture, pages []index.Page) {
	t.Helper()
	if err := x.Add(ctx, caps, pages); err != nil {
		t.Fatalf("Add: %v", err)
	}
}

func lookup(t *testing.T, x Index, q index.Query) []index.Capture {
	t.Helper()
	var out []index.Capture
	if err := x.Lookup(ctx, q, func(c index.Capture) error { out = append(out, c); return nil }); err != nil {
		t.Fatalf("Lookup %+v: %v", q, err)
	}
	return out
}

// stamps lists the timestamps of caps, or url@ts when urls.
func stamps(caps []index.Capture) string {
	var s []string
	for _, c := range caps {
		s = append(s, c.Timestamp)
	}
	return strings.Join(s, " ")
}

func urls(caps []index.Capture) string {
	var s []string
	for _, c := range caps {
		s = append(s, c.URL)
	}
	return strings.Join(s, " ")
}

func want(t *testing.T, what, got, want string) {
	t.Helper()
	if got != want {
		t.Errorf("%s:\n got %q\nwant %q", what, got, want)
	}
}

// Three captures of a page, in time order, whatever the order they were
// added in; every field comes back as it was added.
func lookupExact(t *testing.T, x Index) {
	page := "http://example.com/news"
	c1 := capture(t, page, "20240101100000", fileA, 10)
	c2 := capture(t, page, "20240301100000", fileOther, 20)
	c3 := capture(t, page, "20240601100000", fileB, 30)
	c3.Truncated = "length"
	other := capture(t, "http://example.com/news2", "20240201100000", fileA, 40)
	add(t, x, []index.Capture{c3, other, c1}, nil)
	add(t, x, []index.Capture{c2}, nil)

	got := lookup(t, x, index.Query{URL: page})
	want(t, "exact lookup", stamps(got), "20240101100000 20240301100000 20240601100000")
	if len(got) == 3 && got[2] != c3 {
		t.Errorf("capture read back:\n got %+v\nwant %+v", got[2], c3)
	}
	want(t, "reverse", stamps(lookup(t, x, index.Query{URL: page, Reverse: true})), "20240601100000 20240301100000 20240101100000")
	want(t, "from 202402 to 2024-03", stamps(lookup(t, x, index.Query{URL: page, From: "202402", To: "202403"})), "20240301100000")
	want(t, "limit 2", stamps(lookup(t, x, index.Query{URL: page, Limit: 2})), "20240101100000 20240301100000")
	filtered := lookup(t, x, index.Query{URL: page, Filter: func(c *index.Capture) bool { return c.Filename != fileOther }, Limit: 2})
	want(t, "filter, limit counts what it keeps", stamps(filtered), "20240101100000 20240601100000")
	caps, err := x.Captures(ctx, key(t, page))
	if err != nil {
		t.Fatal(err)
	}
	want(t, "Captures", stamps(caps), "20240101100000 20240301100000 20240601100000")
	if n, err := x.Count(ctx); err != nil || n != 4 {
		t.Errorf("Count = %d, %v; want 4", n, err)
	}
	var qe *index.QueryError
	if err := x.Lookup(ctx, index.Query{URL: page, From: "2024x"}, func(index.Capture) error { return nil }); !asQueryError(err, &qe) || qe.Param != "from" {
		t.Errorf("a bad from: %v, want a *QueryError on from", err)
	}
	if err := x.Lookup(ctx, index.Query{URL: ""}, func(index.Capture) error { return nil }); !asQueryError(err, &qe) || qe.Param != "url" {
		t.Errorf("no url: %v, want a *QueryError on url", err)
	}
}

func asQueryError(err error, qe **index.QueryError) bool {
	e, ok := err.(*index.QueryError)
	*qe = e
	return ok
}

// A record indexed again (a file re-read) is one capture, not two.
func addTwice(t *testing.T, x Index) {
	c := capture(t, "http://example.com/", "20240101100000", fileA, 10)
	add(t, x, []index.Capture{c}, nil)
	c.Status = 404 // the row of (file, offset) is replaced
	add(t, x, []index.Capture{c}, nil)
	got := lookup(t, x, index.Query{URL: "http://example.com/"})
	if len(got) != 1 || got[0].Status != 404 {
		t.Errorf("after adding a record twice: %+v, want one capture with the later row", got)
	}
	if n, _ := x.Count(ctx); n != 1 {
		t.Errorf("Count = %d, want 1", n)
	}
}

// Replay asks for the captures nearest a time, nearest first and the
// earlier on ties; a partial timestamp means the latest time it can mean
// (pywb: /web/2024/ is the end of 2024).
func closest(t *testing.T, x Index) {
	page := "http://example.com/"
	add(t, x, []index.Capture{
		capture(t, page, "20240101000000", fileOther, 1), // another tool's: each capture counts
		capture(t, page, "20240103000000", fileOther, 2),
		capture(t, page, "20240201000000", fileOther, 3),
		capture(t, page, "20250101000000", fileOther, 4),
	}, nil)
	k := key(t, page)
	cases := []struct{ at, want string }{
		{"20240102000000", "20240101000000 20240103000000 20240201000000 20250101000000"}, // a tie: the earlier first
		{"20240115", "20240103000000 20240101000000 20240201000000 20250101000000"},       // padded to 20240115235959
		{"2024", "20250101000000 20240201000000 20240103000000 20240101000000"},           // the end of 2024
		{"1999", "20240101000000 20240103000000 20240201000000 20250101000000"},
	}
	for _, c := range cases {
		got, err := x.Closest(ctx, k, c.at, 0)
		if err != nil {
			t.Fatalf("Closest %s: %v", c.at, err)
		}
		want(t, "Closest "+c.at, stamps(got), c.want)
		first := strings.Fields(c.want)[0]
		one, err := x.Closest(ctx, k, c.at, 1)
		if err != nil || len(one) != 1 || one[0].Timestamp != first {
			t.Errorf("Closest %s, 1 = %v, %v; want %s", c.at, stamps(one), err, first)
		}
		want(t, "Lookup closest "+c.at, stamps(lookup(t, x, index.Query{URL: page, Closest: c.at})), c.want)
	}
	want(t, "closest within from/to", stamps(lookup(t, x, index.Query{URL: page, Closest: "20240102", From: "20240102", Limit: 2})),
		"20240103000000 20240201000000")
	// A page captured every day for 200 days: the nearest of many.
	daily := "http://example.com/daily"
	var many []index.Capture
	for d := range 200 {
		many = append(many, capture(t, daily, timestamp(t, d), fileOther, int64(100+d)))
	}
	add(t, x, many, nil)
	got, err := x.Closest(ctx, key(t, daily), timestamp(t, 150)[:8]+"100000", 3) // the morning of day 150
	if err != nil {
		t.Fatal(err)
	}
	want(t, "Closest of 200 daily captures", stamps(got), timestamp(t, 150)+" "+timestamp(t, 151)+" "+timestamp(t, 149))
	want(t, "Lookup closest of 200, from day 151", stamps(lookup(t, x, index.Query{URL: daily, Closest: timestamp(t, 150)[:8] + "100000", From: timestamp(t, 151), Limit: 2})),
		timestamp(t, 151)+" "+timestamp(t, 152))
	if got, err := x.Closest(ctx, key(t, "http://example.com/none"), "2024", 5); err != nil || len(got) != 0 {
		t.Errorf("Closest of a URL never captured = %v, %v; want nothing", got, err)
	}
}

// timestamp is 20 past midnight, day days after 2023-01-01.
func timestamp(t *testing.T, day int) string {
	t.Helper()
	return time.Date(2023, 1, 1+day, 0, 20, 0, 0, time.UTC).Format("20060102150405")
}

// CDX listings select by prefix, host and domain, in SURT order.
func listings(t *testing.T, x Index) {
	var caps []index.Capture
	for i, u := range []string{
		"http://example.com/a", "http://example.com/a/b", "http://example.com/ab", "http://example.com/b",
		"http://sub.example.com/x", "http://example.org/a", "http://example.com:8080/a",
	} {
		caps = append(caps, capture(t, u, "20240101000000", fileA, int64(i)))
	}
	add(t, x, caps, nil)
	cases := []struct {
		q    index.Query
		want string
	}{
		{index.Query{URL: "example.com/a*"}, "http://example.com/a http://example.com/a/b http://example.com/ab"},
		{index.Query{URL: "example.com/a/", MatchType: index.MatchPrefix}, "http://example.com/a/b"},
		{index.Query{URL: "example.com", MatchType: index.MatchHost}, "http://example.com/a http://example.com/a/b http://example.com/ab http://example.com/b"},
		{index.Query{URL: "*.example.com"}, "http://example.com/a http://example.com/a/b http://example.com/ab http://example.com/b http://sub.example.com/x"},
		{index.Query{URL: "example.com/a*", Reverse: true}, "http://example.com/ab http://example.com/a/b http://example.com/a"},
		{index.Query{URL: "example.com/a*", Limit: 2}, "http://example.com/a http://example.com/a/b"},
	}
	for _, c := range cases {
		want(t, fmt.Sprintf("%+v", c.q), urls(lookup(t, x, c.q)), c.want)
	}
	for _, c := range []struct {
		prefix, notRun string
		want           bool
	}{{"com,example)/", "", true}, {"com,example)/", runA, false}, {"net,example)/", "", false}} {
		got, err := x.HasCapturesUnder(ctx, c.prefix, c.notRun)
		if err != nil || got != c.want {
			t.Errorf("HasCapturesUnder(%q, not %q) = %v, %v; want %v", c.prefix, c.notRun, got, err, c.want)
		}
	}
}

// A revisit keeps what it refers to, and the original response is found
// both by time (replay's resolution: Closest at the refers-to date, same
// digest) and by digest (a resumed run's).
func revisits(t *testing.T, x Index) {
	page := "http://example.com/logo.png"
	orig := capture(t, page, "20240101100000", fileA, 10)
	orig.Digest = "sha256:logo"
	other := capture(t, page, "20240301100000", fileOther, 20) // a changed logo in between
	rev := capture(t, page, "20240601100000", fileB, 30)
	rev.Type, rev.Digest, rev.Status = warc.TypeRevisit, "sha256:logo", 200
	rev.RefersToURL, rev.RefersToTimestamp = page, orig.Timestamp
	add(t, x, []index.Capture{orig, other, rev}, nil)

	got := lookup(t, x, index.Query{URL: page, Closest: rev.Timestamp, Limit: 1})
	if len(got) != 1 || got[0] != rev {
		t.Fatalf("closest to the revisit: %+v, want the revisit %+v", got, rev)
	}
	cands, err := x.Closest(ctx, key(t, got[0].RefersToURL), got[0].RefersToTimestamp, 20)
	if err != nil {
		t.Fatal(err)
	}
	var found *index.Capture
	for i, c := range cands {
		if c.Type == warc.TypeResponse && c.Digest == rev.Digest {
			found = &cands[i]
			break
		}
	}
	if found == nil || *found != orig {
		t.Errorf("the revisit's original by its refers-to date: %+v, want %+v", found, orig)
	}
	byDigest, err := x.ResponseWithDigest(ctx, "sha256:logo", page)
	if err != nil || byDigest != orig {
		t.Errorf("ResponseWithDigest = %+v, %v; want %+v", byDigest, err, orig)
	}
	if _, err := x.ResponseWithDigest(ctx, "sha256:none", page); err == nil {
		t.Errorf("ResponseWithDigest of a digest never captured: no error")
	}
}

// A run that retried a URL captured it once: lookups give its final
// attempt, the latest whole one, even where an earlier attempt is nearer
// in time; an attempt cut off loses to a whole one. Another tool's files
// keep every capture.
func attempts(t *testing.T, x Index) {
	page := "http://example.com/flaky"
	failed := capture(t, page, "20240101100000", fileA, 10)
	failed.Status = 503
	ok := capture(t, page, "20240101100500", fileA, 20)
	cut := capture(t, page, "20240101101000", fileA, 30)
	cut.Truncated = "disconnect"
	add(t, x, []index.Capture{failed, ok}, nil)
	add(t, x, []index.Capture{cut}, nil) // a later batch of the same run
	imported := []index.Capture{capture(t, page, "20230101000000", fileOther, 1), capture(t, page, "20230101000100", fileOther, 2)}
	add(t, x, imported, nil)

	want(t, "lookup", stamps(lookup(t, x, index.Query{URL: page})), "20230101000000 20230101000100 20240101100500")
	caps, err := x.Captures(ctx, key(t, page))
	if err != nil {
		t.Fatal(err)
	}
	want(t, "Captures", stamps(caps), "20230101000000 20230101000100 20240101100500")
	near, err := x.Closest(ctx, key(t, page), "20240101100000", 1)
	if err != nil || len(near) != 1 || near[0].Status != 200 {
		t.Errorf("Closest to the failed attempt = %+v, %v; want the final attempt (200)", near, err)
	}
	if n, _ := x.Count(ctx); n != 3 {
		t.Errorf("Count = %d, want 3: the captures replay can serve, retried attempts left out", n)
	}
}

// Deduplication asks for the latest capture of a URL by another run.
func latest(t *testing.T, x Index) {
	page := "http://example.com/"
	a := capture(t, page, "20240101100000", fileA, 10)
	b := capture(t, page, "20240601100000", fileB, 10)
	add(t, x, []index.Capture{a, b, capture(t, "http://example.com/?q=1", "20240701100000", fileB, 20)}, nil)
	for _, c := range []struct {
		notRun string
		want   index.Capture
	}{{"", b}, {runB, a}, {runA, b}} {
		got, ok, err := x.Latest(ctx, key(t, page), page, c.notRun)
		if err != nil || !ok || got != c.want {
			t.Errorf("Latest(not %q) = %+v, %v, %v; want %+v", c.notRun, got, ok, err, c.want)
		}
	}
	if _, ok, err := x.Latest(ctx, key(t, "http://example.com/none"), "http://example.com/none", ""); ok || err != nil {
		t.Errorf("Latest of a URL never captured: ok %v, %v", ok, err)
	}
}

// A resumed run reads back its own captures: final attempts only.
func capturesOfRun(t *testing.T, x Index) {
	first := capture(t, "http://example.com/a", "20240101100000", fileA, 10)
	first.Status = 500
	final := capture(t, "http://example.com/a", "20240101100100", fileA, 20)
	second := capture(t, "http://example.com/b", "20240101100200", "warcs/2024/01/02/"+runA+"-00002.warc.gz", 10)
	add(t, x, []index.Capture{first, final, second, capture(t, "http://example.com/c", "20240601100000", fileB, 10)}, nil)
	got, err := x.CapturesOfRun(ctx, runA)
	if err != nil {
		t.Fatal(err)
	}
	want(t, "CapturesOfRun", urls(got)+" "+stamps(got), "http://example.com/a http://example.com/b 20240101100100 20240101100200")
	if slices.ContainsFunc(got, func(c index.Capture) bool { return c.Filename == fileB }) {
		t.Errorf("another run's capture is in CapturesOfRun")
	}
}

// runFilesByWorker: the files of a run, each with the worker of a shared
// frontier that wrote it (from its name) and the run's captures in it.
func runFilesByWorker(t *testing.T, x Index) {
	w1 := "warcs/2024/01/01/" + runA + "-host-a-12-00000.warc.gz"
	w2 := "warcs/2024/01/02/" + runA + "-host-b.lan-7-00000.warc.gz"
	add(t, x, []index.Capture{
		capture(t, "http://example.com/a", "20240101100000", w1, 10),
		capture(t, "http://example.com/b", "20240101100001", w1, 20),
		capture(t, "http://example.com/c", "20240102100000", w2, 10),
		capture(t, "http://example.com/d", "20240101100002", fileA, 10),
		capture(t, "http://example.com/e", "20240601100000", fileB, 10),
	}, nil)
	files, err := x.RunFiles(ctx, runA)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range files {
		got = append(got, fmt.Sprintf("%s %q %d", f.Name, f.Worker, f.Captures))
	}
	want(t, "RunFiles", strings.Join(got, "; "), fmt.Sprintf("%s \"\" 1; %s \"host-a-12\" 2; %s \"host-b.lan-7\" 1", fileA, w1, w2))
}
