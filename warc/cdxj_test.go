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
