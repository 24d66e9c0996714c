package capture_test

import (
	"bytes"
	"encoding/pem"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vellumhq/vellum/internal/testsite"
)

func TestBadInputsEachGetAStatusAndTheWARCsStillVerify(t *testing.T) {
	bad := testsite.NewBad(t)
	tlsSite := testsite.NewTLS(t)
	dns := testsite.NewDNS(t, map[string]string{"news.example": "127.0.0.1"})
	refused := closedPort(t)

	cfg := testConfig(t)
	cfg.Dialer = dns.Dialer()
	cfg.Limits.MaxBody = 1 << 20
	cfg.Limits.Timeout = 1500 * time.Millisecond
	cfg.Retries = 2
	cases := []struct {
		seed    string
		ok      bool
		errHas  string
		records int    // response records for this exact URL
		trunc   string // WARC-Truncated of its last response record
	}{
		{seed: "ht!tp://what", errHas: "invalid URL"},
		{seed: "http://", errHas: "invalid URL"},
		{seed: "http://nosuch.example/story.html", errHas: "no such host"},
		{seed: "http://127.0.0.1:" + refused + "/", errHas: "connection refused"},
		{seed: tlsSite.URL + "/", errHas: "certificate"},
		{seed: bad.URL + "/malformed", errHas: "malformed"},
		{seed: bad.URL + "/reset", errHas: "connection lost mid-response", records: 3, trunc: "disconnect"},
		{seed: bad.URL + "/endless", errHas: "size limit", records: 1, trunc: "length"},
		{seed: bad.URL + "/trickle", errHas: "time limit", records: 1, trunc: "time"},
		{seed: bad.URL + "/loop", errHas: "redirect loop: stopped after 10 hops", records: 1},
		{seed: bad.URL + "/gone", errHas: "HTTP 404", records: 1},
		{seed: bad.URL + "/hang", errHas: "no response within 1.5s"},
		{seed: bad.URL + "/paper.pdf", ok: true, records: 1},
		{seed: bad.URL + "/photo.png", ok: true, records: 1},
		{seed: bad.URL + "/busy", ok: true, records: 2},
		{seed: bad.URL + "/flaky", ok: true, records: 3},
		{seed: bad.URL + "/page.html", ok: true, records: 1},
	}
	var seeds []string
	for _, c := range cases {
		seeds = append(seeds, c.seed)
	}
	res := run(t, cfg, seeds...)
	recs := readArchive(t, cfg.Archive) // every WARC written still verifies
	for i, c := range cases {
		got := res.Seeds[i]
		line := got.Line()
		if strings.Contains(line, "\n") {
			t.Errorf("%s: status is more than one line: %q", c.seed, line)
		}
		if got.OK() != c.ok || (c.errHas != "" && (got.Err == nil || !strings.Contains(got.Err.Error(), c.errHas))) {
			t.Errorf("%s: got %q, want ok=%v error containing %q", c.seed, line, c.ok, c.errHas)
		}
		if c.records == 0 {
			continue
		}
		rs := find(recs, "response", c.seed)
		if len(rs) != c.records {
			t.Errorf("%s: %d response records, want %d", c.seed, len(rs), c.records)
			continue
		}
		if tr := rs[len(rs)-1].Header.Get("WARC-Truncated"); tr != c.trunc {
			t.Errorf("%s: WARC-Truncated %q, want %q", c.seed, tr, c.trunc)
		}
	}
	if res.Failed() != 12 {
		t.Errorf("%d seeds failed, want 12", res.Failed())
	}
	// Retry-After: 1 was honoured; a URL that timed out had used up its
	// --timeout, which bounds all its attempts: it was tried once.
	if ts := bad.Times("/busy"); len(ts) != 2 || ts[1].Sub(ts[0]) < 900*time.Millisecond {
		t.Errorf("/busy asked for Retry-After: 1; requests at %v", ts)
	}
	if n := bad.Count("/hang"); n != 1 {
		t.Errorf("a request that timed out was tried %d times, want 1", n)
	}
	// Non-HTML seeds are archived as they are.
	_, body := httpBody(find(recs, "response", bad.URL+"/paper.pdf")[0].Block)
	if !bytes.Equal(body, testsite.PDF) {
		t.Errorf("PDF body not archived as sent")
	}
	// The redirect loop records each hop: 11 responses along /loop?n=...
	hops := 0
	for _, r := range recs {
		if r.Type() == "response" && strings.HasPrefix(r.Target(), bad.URL+"/loop") {
			hops++
		}
	}
	if hops != 11 {
		t.Errorf("redirect loop: %d hops recorded, want 11", hops)
	}
	// The size limit keeps about the limit, not the endless rest.
	endless := find(recs, "response", bad.URL+"/endless")[0]
	if n := len(endless.Block); n < 1<<20 || n > 1<<20+256<<10 {
		t.Errorf("endless body recorded %d bytes with a 1 MiB limit", n)
	}
}

func TestHTTPSWithInsecureOrCAFile(t *testing.T) {
	srv := testsite.NewTLS(t)
	cfg := testConfig(t)
	cfg.Insecure = true
	res := run(t, cfg, srv.URL+"/story")
	if !res.Seeds[0].OK() {
		t.Fatalf("--insecure: %s", res.Seeds[0].Line())
	}
	recs := readArchive(t, cfg.Archive)
	resp := one(t, recs, "response", srv.URL+"/story")
	if !strings.Contains(string(resp.Block), "X-Secure-Fixture: yes\r\n") {
		t.Errorf("https response not recorded in clear: %.200q", resp.Block)
	}
	one(t, recs, "response", srv.URL+"/img/seal.png")

	ca := filepath.Join(t.TempDir(), "ca.pem")
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	if err := os.WriteFile(ca, pemBytes, 0o600); err != nil {
		t.Fatal(err)
	}
	cfg2 := testConfig(t)
	cfg2.CAFile = ca
	res = run(t, cfg2, srv.URL+"/story")
	if !res.Seeds[0].OK() {
		t.Fatalf("--ca-file: %s", res.Seeds[0].Line())
	}
}

// closedPort returns a loopback port nothing listens on.
func closedPort(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(l.Addr().String())
	l.Close()
	return port
}
