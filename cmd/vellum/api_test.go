package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vellumhq/vellum/internal/testsite"
)

const apiToken = "newsroom-token-0123456789"

// apiCall sends a request to vellum serve's API and decodes its JSON.
func apiCall(t *testing.T, method, url, token, body string) (int, http.Header, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var v map[string]any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("%s %s: %d, not JSON: %q", method, url, resp.StatusCode, raw)
	}
	return resp.StatusCode, resp.Header, v
}

// waitCapture polls a capture's status URL until it is done or failed.
func waitCapture(t *testing.T, statusURL, token string) map[string]any {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		code, _, st := apiCall(t, "GET", statusURL, token, "")
		if code != http.StatusOK {
			t.Fatalf("GET %s: %d %v", statusURL, code, st)
		}
		if s := st["state"]; s == "done" || s == "failed" {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("capture still %v after a minute: %v", st["state"], st)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestAPICaptureRoundTrip: a capture asked for over the API is queued,
// runs in serve, and ends done with its seed's status line and replay URL;
// the page is then in the index (CDX API), in the run history and replays.
func TestAPICaptureRoundTrip(t *testing.T) {
	site := testsite.New(t)
	archive := filepath.Join(t.TempDir(), "archive")
	ui, content := startServeEnv(t, []string{tokensEnv + "=" + apiToken}, archive, "--allow-targets", "127.0.0.1/32")

	code, hdr, st := apiCall(t, "POST", ui+"/api/captures", apiToken,
		`{"urls":["`+site.ArticleURL()+`"],"depth":0,"scope":"host","browser":false}`)
	if code != http.StatusAccepted || st["id"] == "" || hdr.Get("Location") != st["status_url"] {
		t.Fatalf("POST /api/captures: %d %v", code, st)
	}
	done := waitCapture(t, st["status_url"].(string), "")
	if done["state"] != "done" {
		t.Fatalf("capture ended %v: %v", done["state"], done)
	}
	seed := done["seeds"].([]any)[0].(map[string]any)
	replayURL, _ := seed["replay_url"].(string)
	if !strings.HasPrefix(seed["line"].(string), "ok     200 "+site.ArticleURL()) || !strings.HasPrefix(replayURL, ui+"/web/") ||
		!strings.HasSuffix(replayURL, "/"+site.ArticleURL()) {
		t.Errorf("seed: %v", seed)
	}
	if p := done["progress"].(map[string]any); p["pages"] != 1.0 || p["requisites"].(float64) < 5 {
		t.Errorf("progress at the end: %v", p)
	}
	// The page is in the index and the run history, and replays.
	if cdx := getBody(t, ui+"/web/cdx?url="+site.ArticleURL()+"&output=json"); !strings.Contains(cdx, `"status": "200"`) && !strings.Contains(cdx, `"status":"200"`) {
		t.Errorf("CDX API after the capture: %q", cdx)
	}
	runID, _ := done["run_id"].(string)
	if code, _, run := apiCall(t, "GET", ui+"/api/runs/"+runID, "", ""); code != 200 || run["run"].(map[string]any)["status"] != "ok" {
		t.Errorf("GET /api/runs/%s: %d %v", runID, code, run)
	}
	ts := strings.Split(strings.TrimPrefix(replayURL, ui+"/web/"), "/")[0]
	if body := getBody(t, content+"/web/"+ts+"mp_/"+site.ArticleURL()); !strings.Contains(body, "Borderland river floods") {
		t.Errorf("the replay of the capture does not show the article")
	}
	// Its words are found by the API's full-text search.
	code, _, found := apiCall(t, "GET", ui+"/api/search?q=borderland+flood*", "", "")
	hits, _ := found["hits"].([]any)
	if code != 200 || len(hits) != 1 || hits[0].(map[string]any)["url"] != site.ArticleURL() ||
		!strings.Contains(hits[0].(map[string]any)["snippet"].(string), "<mark>") {
		t.Errorf("GET /api/search?q=borderland+flood*: %d %v", code, found)
	}
	files, _ := filepath.Glob(filepath.Join(archive, "warcs", "*", "*", "*", runID+"-*.warc.gz"))
	if len(files) == 0 {
		t.Errorf("no WARC file of run %s in the archive", runID)
	}
}

// TestAPIAuthOnServe: without tokens the write endpoints are 404; with
// them a missing or wrong token is 401 and nothing runs; --private closes
// the reads; bad tokens files stop serve with one line.
func TestAPIAuthOnServe(t *testing.T) {
	var hits atomic.Int64
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Write([]byte("<title>x</title>"))
	}))
	t.Cleanup(site.Close)
	body := `{"urls":["` + site.URL + `/"]}`
	dir := t.TempDir()

	ui, _ := startServe(t, filepath.Join(dir, "open"))
	if code, _, v := apiCall(t, "POST", ui+"/api/captures", apiToken, body); code != http.StatusNotFound {
		t.Errorf("no tokens configured: %d %v; want 404", code, v)
	}

	tokens := filepath.Join(dir, "tokens")
	os.WriteFile(tokens, []byte("# newsroom\n"+apiToken+"\n"), 0o600)
	ui, _ = startServe(t, filepath.Join(dir, "private"), "--api-tokens", tokens, "--private", "--allow-targets", "127.0.0.1")
	for _, tok := range []string{"", "wrong-token-0123456789"} {
		code, hdr, _ := apiCall(t, "POST", ui+"/api/captures", tok, body)
		if code != http.StatusUnauthorized || !strings.HasPrefix(hdr.Get("WWW-Authenticate"), "Bearer") {
			t.Errorf("token %q: %d %q; want 401 Bearer", tok, code, hdr.Get("WWW-Authenticate"))
		}
		if code, _, _ := apiCall(t, "GET", ui+"/api/runs", tok, ""); code != http.StatusUnauthorized {
			t.Errorf("GET /api/runs with token %q on a --private server: %d", tok, code)
		}
	}
	if code, _, runs := apiCall(t, "GET", ui+"/api/runs", apiToken, ""); code != 200 || len(runs["runs"].([]any)) != 0 {
		t.Errorf("nothing may have run after refused requests: %d %v", code, runs)
	}
	if hits.Load() != 0 {
		t.Errorf("the site was fetched %d times after refused requests", hits.Load())
	}
	code, _, st := apiCall(t, "POST", ui+"/api/captures", apiToken, body)
	if code != http.StatusAccepted {
		t.Fatalf("good token: %d %v", code, st)
	}
	waitCapture(t, st["status_url"].(string), apiToken)

	empty := filepath.Join(dir, "empty")
	os.WriteFile(empty, []byte("# none yet\n"), 0o600)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--api-tokens", filepath.Join(dir, "missing")}, "--api-tokens " + filepath.Join(dir, "missing") + ": no such file or directory"},
		{[]string{"--api-tokens", empty}, "no token in it"},
		{[]string{"--private"}, "--private: no API token"},
	} {
		r := vellum(t, nil, append([]string{"serve", "--archive", filepath.Join(dir, "bad"), "--addr", "127.0.0.1:0"}, c.args...)...)
		if r.code != 2 || !strings.Contains(r.stderr, c.want) || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
			t.Errorf("serve %v: exit %d, stderr %q; want 2 and one line with %q", c.args, r.code, r.stderr, c.want)
		}
	}
}

// TestAPIFullQueueIs429: with one worker busy on a page that answers only
// when the test lets it and the one place of the queue taken, the next
// capture is refused with 429 and Retry-After. Nothing here is timed: the
// worker is known to be busy because the site saw its request.
func TestAPIFullQueueIs429(t *testing.T) {
	release := make(chan struct{})
	reached := make(chan struct{}, 1)
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			select {
			case reached <- struct{}{}:
			default:
			}
			<-release
		}
		w.Write([]byte("<title>page</title>"))
	}))
	t.Cleanup(site.Close)
	t.Cleanup(func() { close(release) }) // before the site closes (cleanups run last first)
	archive := filepath.Join(t.TempDir(), "archive")
	ui, _ := startServeEnv(t, []string{tokensEnv + "=" + apiToken}, archive, "--capture-workers", "1", "--capture-queue", "1",
		"--allow-targets", "127.0.0.1/32")

	post := func(path string) (int, http.Header, map[string]any) {
		return apiCall(t, "POST", ui+"/api/captures", apiToken, `{"urls":["`+site.URL+path+`"]}`)
	}
	if code, _, v := post("/slow"); code != http.StatusAccepted {
		t.Fatalf("first capture: %d %v", code, v)
	}
	<-reached // the worker is inside the first capture
	code, _, queued := post("/b")
	if code != http.StatusAccepted || queued["position"] != 1.0 {
		t.Fatalf("second capture: %d %v; want queued first in line", code, queued)
	}
	code, hdr, v := post("/c")
	if code != http.StatusTooManyRequests || hdr.Get("Retry-After") == "" || !strings.Contains(v["error"].(string), "queue is full") {
		t.Errorf("third capture: %d, Retry-After %q, %v; want 429 with Retry-After", code, hdr.Get("Retry-After"), v)
	}
}

// TestAPICapturesReachOnlyPublicAddresses: without --allow-targets, a
// capture asked for over the API of a loopback page fails with the SSRF
// guard's refusal as its seed's line, and the page is never requested;
// --allow-targets for another loopback address does not open this one.
func TestAPICapturesReachOnlyPublicAddresses(t *testing.T) {
	var hits atomic.Int64
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Write([]byte("<title>internal</title>"))
	}))
	t.Cleanup(site.Close)
	for _, allow := range [][]string{nil, {"--allow-targets", "127.0.0.2/32"}} {
		archive := filepath.Join(t.TempDir(), "archive")
		ui, _ := startServeEnv(t, []string{tokensEnv + "=" + apiToken}, archive, allow...)
		code, _, st := apiCall(t, "POST", ui+"/api/captures", apiToken, `{"urls":["`+site.URL+`/admin"]}`)
		if code != http.StatusAccepted {
			t.Fatalf("%v: POST: %d %v", allow, code, st)
		}
		done := waitCapture(t, st["status_url"].(string), "")
		seed := done["seeds"].([]any)[0].(map[string]any)
		line, _ := seed["line"].(string)
		if done["state"] != "failed" || !strings.Contains(line, "refused to connect to "+strings.TrimPrefix(site.URL, "http://")) ||
			!strings.Contains(line, "not in --allow-targets") {
			t.Errorf("%v: a capture of a loopback page ended %v with %q; want failed and the guard's refusal", allow, done["state"], line)
		}
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("the loopback site was requested %d times", n)
	}
}
