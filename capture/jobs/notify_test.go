package jobs

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vellumhq/vellum/capture"
	"github.com/vellumhq/vellum/index"
)

// receiver is a webhook that answers each POST with the next of its
// statuses (the last one again when they run out) and keeps what it got.
type receiver struct {
	statuses []int

	mu    sync.Mutex
	calls []call
}

type call struct {
	method string
	header http.Header
	body   []byte
	url    string
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	rc.calls = append(rc.calls, call{r.Method, r.Header.Clone(), body, r.URL.String()})
	status := rc.statuses[min(len(rc.calls), len(rc.statuses))-1]
	rc.mu.Unlock()
	w.WriteHeader(status)
	_, _ = w.Write([]byte("thanks"))
}

func (rc *receiver) got() []call {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]call(nil), rc.calls...)
}

// pauses records the pauses between attempts instead of making them.
type pauses struct {
	mu   sync.Mutex
	took []time.Duration
	ok   bool // what the pause reports: false = ctx ended during it
}

func (p *pauses) pause(_ context.Context, d time.Duration) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.took = append(p.took, d)
	return p.ok
}

func testNotice() *ChangeNotice {
	run := index.Run{ID: "20260105050000-ab12", Job: "gazette", Status: index.RunOK,
		Started: time.Date(2026, 1, 5, 5, 0, 0, 0, time.UTC), Ended: time.Date(2026, 1, 5, 5, 1, 0, 0, time.UTC),
		Counts: index.RunCounts{Pages: 3, Changed: 1, Unchanged: 2}}
	return NewChangeNotice("http://127.0.0.1:8080", run, []index.Change{
		{URL: "https://news.example/a?x=1&y=2", Change: index.ChangeChanged, TS: "20260105050010", PrevTS: "20260104050010"},
		{URL: "https://news.example/b", Change: index.ChangeUnchanged, TS: "20260105050011"},
	})
}

func TestNotifyPostsTheNotice(t *testing.T) {
	rc := &receiver{statuses: []int{http.StatusNoContent}}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	n := testNotice()
	p := &pauses{ok: true}
	if err := notify(t.Context(), nil, srv.URL+"/hook?token=SECRET", n, p.pause); err != nil {
		t.Fatal(err)
	}
	calls := rc.got()
	if len(calls) != 1 || len(p.took) != 0 {
		t.Fatalf("%d POSTs, %d pauses; want 1 POST and no pause", len(calls), len(p.took))
	}
	c := calls[0]
	if c.method != http.MethodPost || c.url != "/hook?token=SECRET" {
		t.Errorf("got %s %s, want POST /hook?token=SECRET", c.method, c.url)
	}
	if ct := c.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	if ua := c.header.Get("User-Agent"); ua != "Vellum/"+capture.Version {
		t.Errorf("User-Agent %q, want Vellum/%s", ua, capture.Version)
	}
	want, _ := json.Marshal(n)
	if !bytes.Equal(c.body, want) {
		t.Errorf("body\n%s\nwant\n%s", c.body, want)
	}
	var back ChangeNotice
	if err := json.Unmarshal(c.body, &back); err != nil || !reflect.DeepEqual(&back, n) {
		t.Errorf("the body decodes to %+v (%v), want %+v", back, err, n)
	}
	for _, key := range []string{`"job":"gazette"`, `"run":"20260105050000-ab12"`, `"run_url":"http://127.0.0.1:8080/runs/20260105050000-ab12"`,
		`"status":"ok"`, `"changed":[{"url":"https://news.example/a?x=1\u0026y=2"`, `"counts":{`} {
		if !strings.Contains(string(c.body), key) {
			t.Errorf("body lacks %s:\n%s", key, c.body)
		}
	}
}

func TestNotifyRetries(t *testing.T) {
	for _, c := range []struct {
		name     string
		statuses []int
		posts    int
		pauses   []time.Duration
		err      string // "" = success
	}{
		{"2xx at once", []int{200}, 1, nil, ""},
		{"5xx then 2xx", []int{502, 201}, 2, []time.Duration{time.Second}, ""},
		{"two 5xx then 2xx", []int{500, 503, 200}, 3, []time.Duration{time.Second, 2 * time.Second}, ""},
		{"5xx three times", []int{503}, 3, []time.Duration{time.Second, 2 * time.Second}, "HTTP 503"},
		{"4xx is not retried", []int{404}, 1, nil, "HTTP 404"},
		{"5xx then 4xx", []int{500, 410}, 2, []time.Duration{time.Second}, "HTTP 410"},
		{"3xx is no success", []int{304}, 1, nil, "HTTP 304"},
	} {
		t.Run(c.name, func(t *testing.T) {
			rc := &receiver{statuses: c.statuses}
			srv := httptest.NewServer(rc)
			defer srv.Close()
			p := &pauses{ok: true}
			err := notify(t.Context(), nil, srv.URL+"/hook", testNotice(), p.pause)
			if n := len(rc.got()); n != c.posts {
				t.Errorf("%d POSTs, want %d", n, c.posts)
			}
			if !reflect.DeepEqual(p.took, c.pauses) {
				t.Errorf("paused %v, want %v", p.took, c.pauses)
			}
			switch {
			case c.err == "" && err != nil:
				t.Errorf("got %v, want success", err)
			case c.err != "" && (err == nil || err.Error() != "webhook on "+srv.Listener.Addr().String()+": "+c.err):
				t.Errorf("got %v, want webhook on %s: %s", err, srv.Listener.Addr(), c.err)
			}
		})
	}
}

func TestNotifyStopsWhenTheContextEnds(t *testing.T) {
	rc := &receiver{statuses: []int{500}}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	p := &pauses{ok: false} // the context ends during the first pause
	err := notify(t.Context(), nil, srv.URL+"/hook", testNotice(), p.pause)
	if n := len(rc.got()); n != 1 || len(p.took) != 1 {
		t.Errorf("%d POSTs and %d pauses, want 1 and 1", n, len(p.took))
	}
	if err == nil || !strings.HasSuffix(err.Error(), ": HTTP 500") {
		t.Errorf("got %v, want the last attempt's HTTP 500", err)
	}
}

func TestNotifyNetworkErrorsNameTheHostOnly(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now: each attempt is refused
	p := &pauses{ok: true}
	err = notify(t.Context(), nil, "http://"+addr+"/hook?token=SECRET", testNotice(), p.pause)
	if len(p.took) != 2 {
		t.Errorf("paused %v, want two pauses (three attempts)", p.took)
	}
	if err == nil || !strings.HasPrefix(err.Error(), "webhook on "+addr+": ") || !strings.Contains(err.Error(), "connection refused") {
		t.Fatalf("got %v, want webhook on %s: ...connection refused", err, addr)
	}
	if strings.Contains(err.Error(), "SECRET") || strings.Contains(err.Error(), "/hook") {
		t.Errorf("the error shows the webhook's path or token: %v", err)
	}
}

func TestNotifyTimesOut(t *testing.T) {
	// The receiver never answers; the client's timeout ends each attempt.
	stop := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-stop:
		}
	}))
	defer srv.Close()
	defer close(stop)
	p := &pauses{ok: true}
	client := &http.Client{Timeout: 50 * time.Millisecond}
	err := notify(t.Context(), client, srv.URL+"/hook?token=SECRET", testNotice(), p.pause)
	if len(p.took) != 2 {
		t.Errorf("paused %v, want two pauses (three attempts)", p.took)
	}
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("got %v, want a timeout", err)
	}
	if strings.Contains(err.Error(), "SECRET") {
		t.Errorf("the error shows the webhook's token: %v", err)
	}
}

func TestNotifyRefusesABadURL(t *testing.T) {
	p := &pauses{ok: true}
	err := notify(context.Background(), nil, "http://[::1/hook", testNotice(), p.pause)
	if err == nil || !strings.HasPrefix(err.Error(), "webhook: ") || len(p.took) != 0 {
		t.Errorf("got %v after %d pauses, want a webhook error at once", err, len(p.took))
	}
}

func TestNewChangeNotice(t *testing.T) {
	n := testNotice()
	want := &ChangeNotice{
		Job: "gazette", Run: "20260105050000-ab12", RunURL: "http://127.0.0.1:8080/runs/20260105050000-ab12", Status: index.RunOK,
		Started: time.Date(2026, 1, 5, 5, 0, 0, 0, time.UTC), Ended: time.Date(2026, 1, 5, 5, 1, 0, 0, time.UTC),
		Counts: index.RunCounts{Pages: 3, Changed: 1, Unchanged: 2},
		Changed: []ChangedPage{{
			URL:    "https://news.example/a?x=1&y=2",
			Before: "http://127.0.0.1:8080/web/20260104050010/https://news.example/a?x=1&y=2",
			After:  "http://127.0.0.1:8080/web/20260105050010/https://news.example/a?x=1&y=2",
			Diff:   "http://127.0.0.1:8080/runs/20260105050000-ab12/diff?url=https%3A%2F%2Fnews.example%2Fa%3Fx%3D1%26y%3D2",
		}},
	}
	if !reflect.DeepEqual(n, want) {
		t.Errorf("got\n%+v\nwant\n%+v", n, want)
	}
	if n := NewChangeNotice("http://h/", index.Run{ID: "r"}, []index.Change{{URL: "https://e.example/", Change: index.ChangeNew}}); n != nil {
		t.Errorf("a run without changed pages has a notice: %+v", n)
	}
	if got := NewChangeNotice("http://h/", index.Run{ID: "r"}, []index.Change{{URL: "u", Change: index.ChangeChanged}}).RunURL; got != "http://h/runs/r" {
		t.Errorf("RunURL %q: the base's trailing slash is doubled", got)
	}
}

func TestNotifyWithTheDefaultClient(t *testing.T) {
	rc := &receiver{statuses: []int{200}}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	if err := Notify(t.Context(), nil, srv.URL+"/hook", testNotice()); err != nil || len(rc.got()) != 1 {
		t.Errorf("got %v after %d POSTs, want one POST that succeeds", err, len(rc.got()))
	}
}
