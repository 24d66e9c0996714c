package replay

import (
	"net/http/httptest"
	"testing"
)

func TestParseMementoPath(t *testing.T) {
	cases := []struct {
		rest, query string
		ok          bool
		want        mementoRequest
		bad         bool
	}{
		{rest: "20140812093000/http://news.example/story.html", ok: true,
			want: mementoRequest{Timestamp: "20140812093000", URL: "http://news.example/story.html"}},
		{rest: "2014im_/http://news.example/a.jpg", ok: true,
			want: mementoRequest{Timestamp: "2014", Mod: "im_", URL: "http://news.example/a.jpg"}},
		{rest: "id_/https://news.example/", ok: true, want: mementoRequest{Mod: "id_", URL: "https://news.example/"}},
		{rest: "20140812093000/http:/news.example/story.html", ok: true, // a collapsed "//"
			want: mementoRequest{Timestamp: "20140812093000", URL: "http://news.example/story.html"}},
		{rest: "20140812093000/news.example/story.html", query: "page=2&x=y", ok: true,
			want: mementoRequest{Timestamp: "20140812093000", URL: "http://news.example/story.html?page=2&x=y"}},
		{rest: "20140812093000js_/https://cdn.example/app.js", ok: true,
			want: mementoRequest{Timestamp: "20140812093000", Mod: "js_", URL: "https://cdn.example/app.js"}},
		{rest: "20140812093002id_/urn:view:http://news.example/story.html", query: "page=2", ok: true, // a screenshot
			want: mementoRequest{Timestamp: "20140812093002", Mod: "id_", URL: "urn:view:http://news.example/story.html?page=2"}},
		{rest: "2014/urn:view:https:/news.example/", ok: true,
			want: mementoRequest{Timestamp: "2014", URL: "urn:view:https://news.example/"}},
		{rest: "2014/urn:uuid:6f1c2b9e-0000-4000-8000-000000000001", ok: true,
			want: mementoRequest{Timestamp: "2014", URL: "urn:uuid:6f1c2b9e-0000-4000-8000-000000000001"}},
		{rest: "2014/urn:view", ok: true, bad: true},
		{rest: "urn:view:http://news.example/story.html", ok: false}, // a TimeGate
		{rest: "http://news.example/story.html", ok: false},          // a TimeGate
		{rest: "news.example/story.html", ok: false},
		{rest: "2014xx_/http://news.example/", ok: true, bad: true},
		{rest: "201408120930001/http://news.example/", ok: true, bad: true},
		{rest: "20140812093000/ftp://news.example/", ok: true, bad: true},
		{rest: "20140812093000/", ok: true, bad: true},
	}
	for _, c := range cases {
		got, ok, err := parseMementoPath(c.rest, c.query)
		if ok != c.ok || (err != nil) != c.bad {
			t.Errorf("%q: ok=%v err=%v, want ok=%v bad=%v", c.rest, ok, err, c.ok, c.bad)
			continue
		}
		if !c.bad && c.ok && got != c.want {
			t.Errorf("%q: got %+v, want %+v", c.rest, got, c.want)
		}
	}
}

func TestRequestRestKeepsEscaping(t *testing.T) {
	r := httptest.NewRequest("GET", "/web/2014/http://news.example/a%20b%2Fc.html", nil)
	rest, ok := requestRest(r, "/web/")
	if !ok || rest != "2014/http://news.example/a%20b%2Fc.html" {
		t.Errorf("rest %q", rest)
	}
}

func TestParseRange(t *testing.T) {
	cases := []struct {
		v          string
		start, end int64
		ok         bool
	}{
		{"bytes=0-99", 0, 99, true},
		{"bytes=100-", 100, 999, true},
		{"bytes=-100", 900, 999, true},
		{"bytes=990-2000", 990, 999, true},
		{"bytes=1000-", 0, 0, false},
		{"bytes=0-1,5-6", 0, 0, false},
		{"items=0-1", 0, 0, false},
		{"", 0, 0, false},
	}
	for _, c := range cases {
		s, e, ok := parseRange(c.v, 1000)
		if ok != c.ok || (ok && (s != c.start || e != c.end)) {
			t.Errorf("%q: %d-%d %v, want %d-%d %v", c.v, s, e, ok, c.start, c.end, c.ok)
		}
	}
}
