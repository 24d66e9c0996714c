package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/vellumhq/vellum/warc"
)

// attempts serves a page whose answers go by the request's number: attempt
// n gets answers[n-1] (the last one from then on). "reset" writes part of a
// 200 and resets the connection; a number answers that status; anything
// else is the page's text, served whole.
func attempts(t *testing.T, answers ...string) *httptest.Server {
	var mu sync.Mutex
	n := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/story" {
			http.NotFound(w, r)
			return
		}
		mu.Lock()
		n++
		a := answers[min(n, len(answers))-1]
		mu.Unlock()
		switch a {
		case "reset":
			conn, buf, err := w.(http.Hijacker).Hijack()
			if err != nil {
				return
			}
			buf.WriteString("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 5000\r\n\r\n<html><body>Cut off")
			buf.Flush()
			conn.(*net.TCPConn).SetLinger(0)
			conn.Close()
		case "500":
			http.Error(w, "Server error, complete", http.StatusInternalServerError)
		default:
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprintf(w, "<!DOCTYPE html><title>%s</title><p>%s</p>", a, a)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// Every attempt of a retried URL stays in the WARC, but replay and the CDX
// API give its final attempt, and never a cut-off one over a complete one;
// `vellum index` rebuilds the same.
func TestRetriedURLReplaysItsFinalAttempt(t *testing.T) {
	cases := []struct {
		name     string
		srv      *httptest.Server
		records  int    // response records in the WARC
		status   string // of the one capture the CDX API lists
		replayed string // what replay serves
	}{
		{"reset, then whole", attempts(t, "reset", "Final attempt"), 2, "200", "Final attempt"},
		{"500 twice, then whole", attempts(t, "500", "500", "Served at last"), 3, "200", "Served at last"},
		{"500, then cut off twice", attempts(t, "500", "reset"), 3, "500", "Server error, complete"},
	}
	archive := filepath.Join(t.TempDir(), "archive")
	args := []string{"capture", "--archive", archive, "--delay", "0", "--no-progress"}
	for _, c := range cases {
		args = append(args, c.srv.URL+"/story")
	}
	vellum(t, nil, args...) // the third seed fails (a 500): the exit status is not the point

	recs := map[string]int{}
	files, _ := filepath.Glob(filepath.Join(archive, "warcs", "*", "*", "*", "*.warc.gz"))
	for _, path := range files {
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		r, err := warc.NewReader(f)
		if err != nil {
			t.Fatal(err)
		}
		for {
			rec, err := r.Next()
			if err != nil {
				break
			}
			if rec.Header.Get("WARC-Type") == "response" {
				recs[rec.Header.Get("WARC-Target-URI")]++
			}
		}
		f.Close()
	}
	check := func(when string) {
		ui, _ := startServe(t, archive)
		for _, c := range cases {
			u := c.srv.URL + "/story"
			if recs[u] != c.records {
				t.Errorf("%s: %d response records in the WARC, want every attempt: %d", c.name, recs[u], c.records)
			}
			lines := strings.Split(strings.TrimSpace(getBody(t, ui+"/web/cdx?url="+url.QueryEscape(u))), "\n")
			if len(lines) != 1 || !strings.Contains(lines[0], `"status":"`+c.status+`"`) {
				t.Errorf("%s, %s: the CDX API lists\n%s\nwant one capture, status %s", when, c.name, strings.Join(lines, "\n"), c.status)
			}
			// A time before every attempt (as a page captured just before
			// links to it) must still reach the final attempt.
			resp, err := http.Get(ui + "/web/2000id_/" + u)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if !strings.Contains(string(body), c.replayed) {
				t.Errorf("%s, %s: replay served %d %q, want %q", when, c.name, resp.StatusCode, body, c.replayed)
			}
		}
	}
	check("after capture")
	if r := vellum(t, nil, "index", "--archive", archive); r.code != 0 {
		t.Fatalf("vellum index: %s%s", r.stdout, r.stderr)
	}
	check("after vellum index")
}
