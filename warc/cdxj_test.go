package warc

import (
	"reflect"
	"testing"
	"time"
)

func TestEntryCDXJ(t *testing.T) {
	e := Entry{Type: TypeResponse, TargetURI: `http://www.example.com/a?q="x"&b=<1>`, Date: time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC),
		MIME: "text/html", Status: 200, PayloadDigest: "sha256:ab", Length: 10, Offset: 5, Filename: "warcs/a.warc.gz"}
	got, err := e.CDXJ()
	if err != nil {
		t.Fatal(err)
	}
	want := `com,example)/a?b=<1>&q="x" 20240301120000 {"url":"http://www.example.com/a?q=\"x\"&b=<1>","mime":"text/html","status":"200","digest":"sha256:ab","length":"10","offset":"5","filename":"warcs/a.warc.gz"}`
	if got != want {
		t.Errorf("CDXJ =\n%s\nwant\n%s", got, want)
	}
	p, err := ParseCDXJ(got)
	if err != nil {
		t.Fatal(err)
	}
	wantFields := map[string]string{"url": e.TargetURI, "mime": "text/html", "status": "200", "digest": "sha256:ab",
		"length": "10", "offset": "5", "filename": "warcs/a.warc.gz"}
	if p.URLKey != `com,example)/a?b=<1>&q="x"` || p.Timestamp != "20240301120000" || !reflect.DeepEqual(p.Fields, wantFields) {
		t.Errorf("ParseCDXJ = %+v", p)
	}

	e.Status, e.PayloadDigest = 0, ""
	got, _ = e.CDXJ()
	if p, _ := ParseCDXJ(got); p.Fields["status"] != "" || p.Fields["digest"] != "" || len(p.Fields) != 5 {
		t.Errorf("status and digest not omitted: %s", got)
	}
	e.TargetURI = "http://:80/"
	if _, err := e.CDXJ(); err == nil {
		t.Error("no error for a URL without host")
	}
}

func TestParseCDXJ(t *testing.T) {
	p, err := ParseCDXJ(`com,example)/ 20140103030321 {"url": "http://example.com/", "length": 1043, "ok": true, "x": null}` + "\n")
	if err != nil {
		t.Fatal(err)
	}
	if p.Fields["length"] != "1043" || p.Fields["ok"] != "true" || p.Fields["x"] != "" || p.Fields["url"] != "http://example.com/" {
		t.Errorf("fields %v", p.Fields)
	}
	for _, bad := range []string{"", "key", "key 2014", "key 2014 nojson", `key 2014 {"a":`} {
		if _, err := ParseCDXJ(bad); err == nil {
			t.Errorf("ParseCDXJ(%q): no error", bad)
		}
	}
}

func TestHeader(t *testing.T) {
	var h Header
	h.Add("A", "1")
	h.Add("B", "2")
	h.Add("a", "3")
	h.Set("A", "4")
	if got := h.Fields(); !reflect.DeepEqual(got, []Field{{"A", "4"}, {"B", "2"}}) {
		t.Errorf("after Set: %v", got)
	}
	if h.Get("b") != "2" || h.Get("c") != "" || !h.Has("B") {
		t.Error("Get is not case-insensitive")
	}
	h.Set("C", "5")
	h.Del("b")
	if got := h.Fields(); !reflect.DeepEqual(got, []Field{{"A", "4"}, {"C", "5"}}) {
		t.Errorf("after Set and Del: %v", got)
	}
}

func TestSURT(t *testing.T) {
	tests := []struct{ in, want string }{
		{"http://www.example.com/2014/08/story.html?b=2&a=1", "com,example)/2014/08/story.html?a=1&b=2"},
		{"https://example.com/", "com,example)/"},
		{"http://archive.org/goo/", "org,archive)/goo"},
		{"http://archive.org/goo/?", "org,archive)/goo"},
		{"http://archive.org/goo/?b&a", "org,archive)/goo?a&b"},
		{"http://archive.org/goo/?a=2&b&a=1", "org,archive)/goo?a=1&a=2&b"},
		{"http://archive.org/index.html?a=1&", "org,archive)/index.html?&a=1"},
		{"http://www34.Archive.ORG/Index.HTML?B=a&b=b&a=b#frag", "org,archive)/index.html?a=b&b=a&b=b"},
		{"http://www.example.com:80/", "com,example)/"},
		{"https://www.example.com:443/", "com,example)/"},
		{"http://www.example.com:8080/x", "com,example:8080)/x"},
		{"https://example.com:80/", "com,example:80)/"},
		{"http://user:pass@example.com/a", "com,example)/a"},
		{"http://192.168.1.254/info/", "254,1,168,192)/info"},
		{"http://[::1]:8443/x", "[::1]:8443)/x"},
		{"http://example.com/a/./b/../c", "com,example)/a/c"},
		{"http://host.com//twoslashes?more//slashes", "com,host)/twoslashes?more//slashes"},
		{"http://host/%25%32%35", "host)/%25"},
		{"http://example.com/a%20b?q=x%20y", "com,example)/a%20b?q=x%20y"},
		{"http://example.com/caf%C3%A9", "com,example)/caf%c3%a9"},
		{"http://example.com/index.php?PHPSESSID=0123456789abcdefghijklemopqrstuv&action=profile;u=4221", "com,example)/index.php?action=profile;u=4221"},
		{"http://example.com/?jsessionid=0123456789abcdefghijklemopqrstuv&x=y", "com,example)/?x=y"},
		{"<http://example.com/wget>", "com,example)/wget"},
		{"example.com/no-scheme", "com,example)/no-scheme"},
		{"http://example.com.", "com,example)/"},
		{"dns:example.com", "dns:example.com"},
		{"urn:uuid:1234", "urn:uuid:1234"},
		{"file:///example with spaces.png", "file:///example%20with%20spaces.png"},
		{"http:////www.vikings.com", "com,vikings)/"},
		{"whois://whois.isoc.org.il/shaveh.co.il", "il,org,isoc,whois)/shaveh.co.il"},
		{"http://visit.webhosting.yahoo.com/visit.gif?&r=http%3A//web.archive.org/web/20090517140029/http%3A//anthonystewarthead.electric-chi.com/&b=Netscape%205.0%20%28Windows%3B%20en-US%29&s=1366x768&o=Win32&c=24&j=true&v=1.2",
			"com,yahoo,webhosting,visit)/visit.gif?&b=netscape%205.0%20(windows;%20en-us)&c=24&j=true&o=win32&r=http://web.archive.org/web/20090517140029/http://anthonystewarthead.electric-chi.com/&s=1366x768&v=1.2"},
	}
	for _, tt := range tests {
		got, err := SURT(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("SURT(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "http://", "http://example.com:port/", "http://[::1/"} {
		if got, err := SURT(bad); err == nil {
			t.Errorf("SURT(%q) = %q, want an error", bad, got)
		}
	}
}

func TestTimestamp14(t *testing.T) {
	ts := time.Date(2014, 12, 31, 23, 59, 59, 999, time.FixedZone("x", 3600))
	if got := Timestamp14(ts); got != "20141231225959" {
		t.Errorf("Timestamp14 = %s", got)
	}
}
