package api

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vellumhq/vellum/index"
	"github.com/vellumhq/vellum/serve"
)

const goodToken = "s3cret-token-for-the-tests"

// fakeQueue keeps what is submitted; full makes it refuse.
type fakeQueue struct {
	mu     sync.Mutex
	got    []serve.CaptureRequest
	full   bool
	err    error
	states map[string]serve.CaptureState
}

func (q *fakeQueue) Submit(req serve.CaptureRequest) (serve.CaptureState, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.full {
		return serve.CaptureState{}, &serve.QueueFullError{RetryAfter: 1500 * time.Millisecond}
	}
	if q.err != nil {
		return serve.CaptureState{}, q.err
	}
	q.got = append(q.got, req)
	st := serve.CaptureState{ID: fmt.Sprintf("c%d", len(q.got)), State: serve.StateQueued, Request: req, Position: 1}
	for _, u := range req.URLs {
		st.Seeds = append(st.Seeds, serve.SeedStatus{URL: u, Line: "queued " + u})
	}
	if q.states == nil {
		q.states = map[string]serve.CaptureState{}
	}
	q.states[st.ID] = st
	return st, nil
}

func (q *fakeQueue) Get(id string) (serve.CaptureState, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	st, ok := q.states[id]
	return st, ok
}

func (q *fakeQueue) submitted() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.got)
}

// fakeSearch answers one hit and keeps the query.
type fakeSearch struct{ got index.SearchQuery }

func (f *fakeSearch) Search(_ context.Context, q index.SearchQuery) (index.SearchResults, error) {
	f.got = q
	if q.Words == "AND" {
		return index.SearchResults{}, fmt.Errorf("%w: no words", index.ErrBadQuery)
	}
	pg := index.Page{URL: "https://news.example/a", Timestamp: "20240301120000"}
	pg.Title = "Frontière"
	return index.SearchResults{Total: 3, Hits: []index.SearchHit{{Page: pg, Snippet: "la <mark>frontière</mark>"}}}, nil
}

// fakeRuns is a run history of one run.
type fakeRuns struct{}

func (fakeRuns) Runs(_ context.Context, job string, n int) ([]index.Run, error) {
	if job != index.JobAny && job != "daily" {
		return nil, nil
	}
	return []index.Run{{ID: "r1", Job: "daily", Status: index.RunOK}}, nil
}

func (fakeRuns) GetRun(_ context.Context, id string) (index.Run, bool, error) {
	if id != "r1" {
		return index.Run{}, false, nil
	}
	return index.Run{ID: "r1", Job: "daily", Status: index.RunOK}, true, nil
}

func (fakeRuns) Changes(context.Context, string, string) ([]index.Change, error) {
	return []index.Change{{URL: "https://news.example/a", Change: index.ChangeNew, TS: "20240301120000"}}, nil
}

func (fakeRuns) Problems(context.Context, string) ([]index.Problem, error) { return nil, nil }

// start serves the API on loopback with the given tokens.
func start(t *testing.T, cfg Config, tokens ...string) (string, *fakeQueue) {
	t.Helper()
	q := &fakeQueue{}
	if cfg.Captures == nil {
		cfg.Captures = q
	}
	tok, err := NewTokens(tokens)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Tokens = tok
	if cfg.Search == nil {
		cfg.Search = &fakeSearch{}
	}
	cfg.Runs = fakeRuns{}
	cfg.Jobs = []Job{{Name: "daily", Schedule: "@daily", Seeds: []string{"https://news.example/"}, Scope: "host"}}
	srv := httptest.NewUnstartedServer(nil)
	cfg.BaseURL = "http://" + srv.Listener.Addr().String()
	srv.Config.Handler = New(cfg)
	srv.Start()
	t.Cleanup(srv.Close)
	return srv.URL, q
}

type answer struct {
	status int
	header http.Header
	body   map[string]any
}

// call makes a request with an optional bearer token and decodes the JSON.
func call(t *testing.T, method, url, token, body string) answer {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	a := answer{status: resp.StatusCode, header: resp.Header}
	if err := json.Unmarshal(raw, &a.body); err != nil {
		t.Fatalf("%s %s: not a JSON object: %q", method, url, raw)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("%s %s: Content-Type %q", method, url, ct)
	}
	return a
}

const pageCapture = `{"urls":["https://news.example/a"],"depth":0,"scope":"host","browser":false}`

// TestWritesAreOffWithoutTokens: with no token configured, the write
// endpoints answer 404 even to a request with a token; nothing is queued;
// reads are open.
func TestWritesAreOffWithoutTokens(t *testing.T) {
	base, q := start(t, Config{})
	for _, path := range []string{"/api/captures", "/api/jobs/daily/run"} {
		for _, tok := range []string{"", goodToken} {
			a := call(t, "POST", base+path, tok, pageCapture)
			if a.status != http.StatusNotFound || !strings.Contains(a.body["error"].(string), "writes are off") {
				t.Errorf("POST %s (token %q) with no tokens configured: %d %v; want 404, writes off", path, tok, a.status, a.body)
			}
		}
	}
	if q.submitted() != 0 {
		t.Errorf("%d captures queued with writes off", q.submitted())
	}
	if a := call(t, "GET", base+"/api/runs", "", ""); a.status != http.StatusOK {
		t.Errorf("GET /api/runs: %d", a.status)
	}
}

// TestWritesNeedAGoodToken: no token or a wrong one → 401 with
// WWW-Authenticate: Bearer and nothing queued; the right one → 202.
func TestWritesNeedAGoodToken(t *testing.T) {
	base, q := start(t, Config{}, goodToken, "another-token-0123456789")
	for _, tok := range []string{"", "wrong-token-0123456789", goodToken + "x", strings.TrimSuffix(goodToken, "s")} {
		a := call(t, "POST", base+"/api/captures", tok, pageCapture)
		if a.status != http.StatusUnauthorized || !strings.HasPrefix(a.header.Get("WWW-Authenticate"), "Bearer") {
			t.Errorf("token %q: %d, WWW-Authenticate %q; want 401 Bearer", tok, a.status, a.header.Get("WWW-Authenticate"))
		}
	}
	if q.submitted() != 0 {
		t.Fatalf("%d captures queued without a good token", q.submitted())
	}
	a := call(t, "POST", base+"/api/captures", goodToken, pageCapture)
	if a.status != http.StatusAccepted || a.body["id"] != "c1" || a.body["status_url"] != base+"/api/captures/c1" ||
		a.header.Get("Location") != base+"/api/captures/c1" {
		t.Fatalf("good token: %d %v; want 202 with id and status_url", a.status, a.body)
	}
	if got := q.got[0]; !slices.Equal(got.URLs, []string{"https://news.example/a"}) || got.Scope != "host" || got.Depth != 0 || got.Browser {
		t.Errorf("queued %+v", got)
	}
	// The status is readable without a token (reads are open).
	st := call(t, "GET", a.body["status_url"].(string), "", "")
	seeds, _ := st.body["seeds"].([]any)
	if st.status != http.StatusOK || st.body["state"] != "queued" || len(seeds) != 1 {
		t.Errorf("status: %d %v", st.status, st.body)
	}
	if a := call(t, "POST", base+"/api/jobs/daily/run", "another-token-0123456789", ""); a.status != http.StatusAccepted {
		t.Errorf("run a job with the second token: %d %v", a.status, a.body)
	}
	if a := call(t, "POST", base+"/api/jobs/nightly/run", goodToken, ""); a.status != http.StatusNotFound {
		t.Errorf("run an unknown job: %d %v", a.status, a.body)
	}
}

// TestPrivateReadsNeedAToken: with Private, reads need a token too; the
// OpenAPI document stays open.
func TestPrivateReadsNeedAToken(t *testing.T) {
	base, _ := start(t, Config{Private: true}, goodToken)
	for _, path := range []string{"/api/runs", "/api/runs/r1", "/api/jobs", "/api/search?q=x", "/api/captures/c1"} {
		if a := call(t, "GET", base+path, "", ""); a.status != http.StatusUnauthorized {
			t.Errorf("GET %s without a token on a private server: %d", path, a.status)
		}
	}
	if a := call(t, "GET", base+"/api/runs", goodToken, ""); a.status != http.StatusOK {
		t.Errorf("GET /api/runs with a token: %d", a.status)
	}
	if a := call(t, "GET", base+"/api/openapi.json", "", ""); a.status != http.StatusOK {
		t.Errorf("GET /api/openapi.json: %d", a.status)
	}
}

// TestBadCaptureRequestsAre400: each bad input gets a 400 whose one-line
// message names it; nothing is queued.
func TestBadCaptureRequestsAre400(t *testing.T) {
	base, q := start(t, Config{}, goodToken)
	for _, c := range []struct{ body, want string }{
		{`{"urls":["https://a.example/"]`, "invalid JSON"},
		{``, "empty body"},
		{`{"urls":["https://a.example/"],"deep":1}`, `unknown field "deep"`},
		{`{"urls":"https://a.example/"}`, `field "urls"`},
		{`{"urls":[]}`, "urls: give at least one URL"},
		{`{"urls":["ftp://a.example/x"]}`, `urls[0] "ftp://a.example/x": not an http or https URL`},
		{`{"urls":["https://a.example/","http:///nohost"]}`, `urls[1] "http:///nohost": no host`},
		{`{"urls":["https://a.example/"],"depth":-1}`, "depth -1"},
		{`{"urls":["https://a.example/"],"depth":99}`, "depth 99"},
		{`{"urls":["https://a.example/"],"scope":"planet"}`, `scope "planet"`},
		{`{"urls":["https://a.example/"]} {}`, "more than one JSON value"},
	} {
		a := call(t, "POST", base+"/api/captures", goodToken, c.body)
		msg, _ := a.body["error"].(string)
		if a.status != http.StatusBadRequest || !strings.Contains(msg, c.want) || strings.Contains(msg, "\n") {
			t.Errorf("%s: %d %q; want 400 naming %q", c.body, a.status, msg, c.want)
		}
	}
	if q.submitted() != 0 {
		t.Errorf("%d bad captures queued", q.submitted())
	}
}

// TestFullQueueIs429: a full queue answers 429 with Retry-After in whole
// seconds.
func TestFullQueueIs429(t *testing.T) {
	q := &fakeQueue{full: true}
	base, _ := start(t, Config{Captures: q}, goodToken)
	a := call(t, "POST", base+"/api/captures", goodToken, pageCapture)
	if a.status != http.StatusTooManyRequests || a.header.Get("Retry-After") != "2" {
		t.Errorf("full queue: %d, Retry-After %q; want 429, 2", a.status, a.header.Get("Retry-After"))
	}
}

// TestSearchPassesTheQueryAndMapsErrors: parameters reach the index as a
// SearchQuery; a query the index cannot run and bad parameters are 400s.
func TestSearchPassesTheQueryAndMapsErrors(t *testing.T) {
	s := &fakeSearch{}
	base, _ := start(t, Config{Search: s})
	a := call(t, "GET", base+"/api/search?q=fronti%C3%A8re+wall*&site=news.example&from=2024-03-01&to=2024&limit=1&offset=0", "", "")
	want := index.SearchQuery{Words: "frontière wall*", Site: "news.example", From: "20240301", To: "2024", Limit: 1}
	if a.status != http.StatusOK || s.got != want {
		t.Fatalf("search: %d %v, query %+v; want %+v", a.status, a.body, s.got, want)
	}
	hits := a.body["hits"].([]any)
	hit := hits[0].(map[string]any)
	if a.body["total"] != 3.0 || hit["snippet"] != "la <mark>frontière</mark>" ||
		hit["replay_url"] != base+"/web/20240301120000/https://news.example/a" ||
		!strings.Contains(a.body["next"].(string), "offset=1") {
		t.Errorf("search answer: %v", a.body)
	}
	for query, want := range map[string]string{
		"q=AND":          "bad search query",
		"q=":             "q: give the words",
		"q=x&limit=0":    `limit "0"`,
		"q=x&limit=abc":  `limit "abc"`,
		"q=x&offset=-1":  `offset "-1"`,
		"q=x&from=March": `from "March"`,
	} {
		a := call(t, "GET", base+"/api/search?"+query, "", "")
		if msg, _ := a.body["error"].(string); a.status != http.StatusBadRequest || !strings.Contains(msg, want) {
			t.Errorf("search ?%s: %d %q; want 400 naming %q", query, a.status, msg, want)
		}
	}
}

// TestRunsAndJobs: the run history and the jobs as JSON; an unknown run
// is a JSON 404; wrong methods are 405 with Allow; unknown paths 404.
func TestRunsAndJobs(t *testing.T) {
	base, _ := start(t, Config{})
	if a := call(t, "GET", base+"/api/runs", "", ""); a.status != 200 || len(a.body["runs"].([]any)) != 1 {
		t.Errorf("runs: %d %v", a.status, a.body)
	}
	a := call(t, "GET", base+"/api/runs/r1", "", "")
	if a.status != 200 || a.body["run"].(map[string]any)["id"] != "r1" || len(a.body["changes"].([]any)) != 1 {
		t.Errorf("run r1: %d %v", a.status, a.body)
	}
	if a := call(t, "GET", base+"/api/runs/nope", "", ""); a.status != 404 {
		t.Errorf("unknown run: %d", a.status)
	}
	jobs := call(t, "GET", base+"/api/jobs", "", "")
	j := jobs.body["jobs"].([]any)[0].(map[string]any)
	if j["name"] != "daily" || j["last_run"].(map[string]any)["id"] != "r1" || j["run_url"] != base+"/api/jobs/daily/run" {
		t.Errorf("jobs: %v", jobs.body)
	}
	if a := call(t, "GET", base+"/api/captures", "", ""); a.status != 405 || a.header.Get("Allow") != "POST" {
		t.Errorf("GET /api/captures: %d, Allow %q", a.status, a.header.Get("Allow"))
	}
	if a := call(t, "GET", base+"/api/nothing", "", ""); a.status != 404 {
		t.Errorf("GET /api/nothing: %d", a.status)
	}
	// An empty id is no id: 404, not 405 naming the method that was used.
	for _, path := range []string{"/api/captures/", "/api/runs/"} {
		if a := call(t, "GET", base+path, "", ""); a.status != 404 {
			t.Errorf("GET %s: %d, Allow %q; want 404", path, a.status, a.header.Get("Allow"))
		}
	}
}

// TestOpenAPIListsEveryRoute: the document's paths and methods are exactly
// the routes served, each under its full /api/ path, and every route
// answers (none falls through to "no such endpoint").
func TestOpenAPIListsEveryRoute(t *testing.T) {
	base, _ := start(t, Config{}, goodToken)
	a := call(t, "GET", base+"/api/openapi.json", "", "")
	if v, _ := a.body["openapi"].(string); !strings.HasPrefix(v, "3.") {
		t.Fatalf("openapi version %q", v)
	}
	var documented []string
	for path, ops := range a.body["paths"].(map[string]any) {
		for method := range ops.(map[string]any) {
			documented = append(documented, strings.ToUpper(method)+" "+path)
		}
	}
	var served []string
	for _, rt := range routes {
		served = append(served, rt.method+" "+rt.path)
		path := strings.NewReplacer("{id}", "c1", "{name}", "daily").Replace(rt.path)
		if rt.path == "/api/search" {
			path += "?q=x"
		}
		body := ""
		if rt.path == "/api/captures" {
			body = pageCapture
		}
		got := call(t, rt.method, base+path, goodToken, body)
		if msg, _ := got.body["error"].(string); got.status == 404 && strings.Contains(msg, "no such endpoint") || got.status == 405 {
			t.Errorf("%s %s is in the routes but not served: %d %q", rt.method, path, got.status, msg)
		}
	}
	slices.Sort(documented)
	slices.Sort(served)
	if !slices.Equal(documented, served) {
		t.Errorf("OpenAPI paths:\n%s\nroutes served:\n%s", strings.Join(documented, "\n"), strings.Join(served, "\n"))
	}
	if servers := a.body["servers"].([]any); servers[0].(map[string]any)["url"] != base {
		t.Errorf("servers %v", servers)
	}
}

// TestBusyJobAndClosingQueue: a job already queued is a 409 pointing at its
// capture; a node closing is a 503.
func TestBusyJobAndClosingQueue(t *testing.T) {
	q := &fakeQueue{err: &serve.JobBusyError{Job: "daily", ID: "c7"}}
	base, _ := start(t, Config{Captures: q}, goodToken)
	a := call(t, "POST", base+"/api/jobs/daily/run", goodToken, "")
	if a.status != http.StatusConflict || a.header.Get("Location") != base+"/api/captures/c7" {
		t.Errorf("busy job: %d, Location %q", a.status, a.header.Get("Location"))
	}
	q.mu.Lock()
	q.err = serve.ErrCapturesClosed
	q.mu.Unlock()
	if a := call(t, "POST", base+"/api/captures", goodToken, pageCapture); a.status != http.StatusServiceUnavailable {
		t.Errorf("closing node: %d", a.status)
	}
}
