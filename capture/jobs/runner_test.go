package jobs

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vellumhq/vellum/capture"
	"github.com/vellumhq/vellum/index"
	"github.com/vellumhq/vellum/internal/testsite"
	"github.com/vellumhq/vellum/storage"
	"github.com/vellumhq/vellum/storage/local"
	"github.com/vellumhq/vellum/warc"
)

// fakeUploads is a StartUploads that sends nothing: it keeps what the
// runner gave it.
type fakeUploads struct {
	remote storage.Store

	mu       sync.Mutex
	started  []UploadConfig
	closed   []string // the WARC files handed over
	finished int
	ended    int // Close calls
}

func (f *fakeUploads) start(_ context.Context, c UploadConfig) (Uploads, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.started = append(f.started, c)
	return f, nil
}

func (f *fakeUploads) FileClosed(c warc.ClosedFile) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closed = append(f.closed, c.Filename)
}

func (f *fakeUploads) Remote() storage.Store { return f.remote }

func (f *fakeUploads) Finish(_ context.Context, out io.Writer) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.finished++
	fmt.Fprintf(out, "uploaded %d files to fake\n", len(f.closed))
	return nil
}

func (f *fakeUploads) Close() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ended++
}

// countProgress counts the updates it is shown.
type countProgress struct {
	updates, finishes int
}

func (p *countProgress) Update(capture.Stats) { p.updates++ }
func (p *countProgress) Finish()              { p.finishes++ }

func openIndex(t *testing.T, archive string) *index.Index {
	t.Helper()
	idx, _, err := index.OpenArchive(t.Context(), archive, true)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { idx.Close() })
	return idx
}

func TestRunnerRunsAJobOnTheIndexItIsGiven(t *testing.T) {
	site := testsite.New(t)
	hook := &receiver{statuses: []int{http.StatusNoContent}}
	hookSrv := httptest.NewServer(hook)
	defer hookSrv.Close()
	archive := filepath.Join(t.TempDir(), "archive")
	idx := openIndex(t, archive)
	up := &fakeUploads{remote: local.New(t.TempDir())}
	var out bytes.Buffer
	var reported, done []*capture.Result
	var progs []*countProgress
	r := &Runner{
		Archive: archive, ReplayBase: "http://replay.example:8080/", KeepLocal: true,
		Index: idx, Uploads: up.start, Out: &out,
		Report:   func(res *capture.Result) { reported = append(reported, res) },
		Progress: func() Progress { p := &countProgress{}; progs = append(progs, p); return p },
		OnDone:   func(_ Job, res *capture.Result, _ error) { done = append(done, res) },
	}
	noDelay := time.Duration(0)
	job := Job{Name: "gazette", Seeds: []string{site.ArticleURL()}, Scope: capture.ScopeHost, Delay: &noDelay,
		Remote: "s3://bucket/gazette", Webhook: hookSrv.URL + "/hook"}

	res, err := r.Run(t.Context(), job)
	if err != nil {
		t.Fatal(err)
	}
	if res.Run.Status != index.RunOK || res.Run.Job != "gazette" || res.Run.Counts.New != 1 {
		t.Errorf("first run: %+v", res.Run)
	}
	// The run used the index it was given, and left it open to its owner.
	runs, err := idx.Runs(t.Context(), "gazette", 5)
	if err != nil || len(runs) != 1 || runs[0].ID != res.Run.ID {
		t.Fatalf("the given index holds runs %+v (%v), want the run %s", runs, err, res.Run.ID)
	}
	if len(up.started) != 1 || up.started[0].Index != idx || up.started[0].Remote != "s3://bucket/gazette" ||
		up.started[0].Archive != archive || !up.started[0].KeepLocal {
		t.Errorf("uploads started with %+v, want the job's remote and the given index", up.started)
	}
	if len(up.closed) == 0 || len(up.closed) != len(res.Files) || up.finished != 1 || up.ended != 1 {
		t.Errorf("uploads: %d files handed over (the run closed %d), finished %d times, closed %d times",
			len(up.closed), len(res.Files), up.finished, up.ended)
	}
	if !strings.Contains(out.String(), fmt.Sprintf("uploaded %d files to fake\n", len(res.Files))) {
		t.Errorf("Out = %q, want the uploads counted", out.String())
	}
	if len(reported) != 1 || reported[0] != res || len(done) != 1 || done[0] != res {
		t.Errorf("reported %d results and done %d, want the run's once each", len(reported), len(done))
	}
	if len(progs) != 1 || progs[0].updates == 0 || progs[0].finishes != 1 {
		t.Errorf("progress displays %+v, want one, updated and finished", progs)
	}
	if n := len(hook.got()); n != 0 {
		t.Errorf("webhook notified %d times after a first run, with no page changed", n)
	}

	// The article changes: the second run notifies the webhook, with links
	// on ReplayBase; --remote overrides the job's.
	site.EditArticle(func(html string) string {
		return strings.Replace(html, "rose by more than two metres", "rose by more than three metres", 1)
	})
	r.Remote = "s3://other"
	res2, err := r.Run(t.Context(), job)
	if err != nil {
		t.Fatal(err)
	}
	if res2.Run.Counts.Changed != 1 {
		t.Fatalf("second run: %+v", res2.Run)
	}
	if up.started[1].Remote != "s3://other" {
		t.Errorf("second run uploads to %q, want the runner's s3://other", up.started[1].Remote)
	}
	calls := hook.got()
	if len(calls) != 1 {
		t.Fatalf("webhook notified %d times, want once", len(calls))
	}
	var n ChangeNotice
	if err := json.Unmarshal(calls[0].body, &n); err != nil {
		t.Fatal(err)
	}
	if n.Job != "gazette" || n.Run != res2.Run.ID || n.RunURL != "http://replay.example:8080/runs/"+res2.Run.ID ||
		len(n.Changed) != 1 || n.Changed[0].URL != site.ArticleURL() {
		t.Errorf("notice %+v", n)
	}
}

func TestRunnerResumesAnInterruptedRunWhenAsked(t *testing.T) {
	// The page's first request is held until the run is stopped, as by Ctrl-C.
	arrived := make(chan struct{}, 10)
	var mu sync.Mutex
	held := false
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.URL.Path != "/page" {
			http.NotFound(w, req)
			return
		}
		mu.Lock()
		hold := !held
		held = true
		mu.Unlock()
		if hold {
			arrived <- struct{}{}
			<-req.Context().Done()
			return
		}
		w.Header().Set("Content-Type", "text/html")
		_, _ = io.WriteString(w, "<html><title>page</title><p>text</p></html>")
	}))
	defer srv.Close()
	archive := filepath.Join(t.TempDir(), "archive")
	noDelay := time.Duration(0)
	job := Job{Name: "gazette", Seeds: []string{srv.URL + "/page"}, Scope: capture.ScopeHost, Delay: &noDelay}
	var log bytes.Buffer
	r := &Runner{Archive: archive, Log: slog.New(slog.NewTextHandler(&log, nil))}
	interrupted := func() *capture.Result {
		t.Helper()
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		go func() {
			<-arrived
			cancel()
		}()
		res, err := r.Run(ctx, job)
		if res == nil || res.Run.Status != index.RunInterrupted {
			t.Fatalf("a run stopped midway: %+v (%v), want it interrupted\n%s", res, err, log.String())
		}
		return res
	}

	first := interrupted()
	second, err := r.Run(t.Context(), job)
	if err != nil || second.Run.ID == first.Run.ID {
		t.Fatalf("without Resume the interrupted run %s was resumed (%v)", first.Run.ID, err)
	}

	mu.Lock()
	held = false
	mu.Unlock()
	third := interrupted()
	r.Resume = true
	fourth, err := r.Run(t.Context(), job)
	if err != nil || fourth.Run.ID != third.Run.ID || fourth.Run.Status != index.RunOK {
		t.Fatalf("with Resume: run %+v (%v), want %s resumed and ended", fourth.Run, err, third.Run.ID)
	}
	if !strings.Contains(log.String(), `msg="resuming the job's unfinished run" job=gazette run=`+third.Run.ID) {
		t.Errorf("the resume is not logged:\n%s", log.String())
	}
}

func TestRunnerLogsWhatItDoesNotReport(t *testing.T) {
	site := testsite.New(t)
	archive := filepath.Join(t.TempDir(), "archive")
	noDelay := time.Duration(0)
	var log bytes.Buffer
	r := &Runner{Archive: archive, Log: slog.New(slog.NewTextHandler(&log, nil))}

	// No Report: a failed seed is logged, and RunAndLog logs the run's end.
	r.RunAndLog(t.Context(), Job{Name: "missing", Seeds: []string{site.URL("/no/such/page")}, Scope: capture.ScopeHost, Delay: &noDelay})
	for _, want := range []string{
		`level=WARN msg="seed failed" job=missing seed=` + site.URL("/no/such/page"),
		`level=INFO msg="run ended" job=missing run=`,
		`status=failed pages=`,
	} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("log lacks %s:\n%s", want, log.String())
		}
	}

	// A job with a remote but no Uploads fails, and RunAndLog says so.
	log.Reset()
	r.RunAndLog(t.Context(), Job{Name: "remote", Seeds: []string{site.ArticleURL()}, Remote: "s3://bucket"})
	if want := `level=ERROR msg="run failed" job=remote err="remote s3://bucket: this command does not upload"`; !strings.Contains(log.String(), want) {
		t.Errorf("log lacks %s:\n%s", want, log.String())
	}
}

// TestRunnerCaptureIsAFreshAdHocRun: Capture gives set the run's settings
// with the run id already chosen (the run then has that id), records an
// ad-hoc run (no job), and never resumes an interrupted ad-hoc run.
func TestRunnerCaptureIsAFreshAdHocRun(t *testing.T) {
	site := testsite.New(t)
	archive := filepath.Join(t.TempDir(), "archive")
	idx := openIndex(t, archive)
	if err := idx.SaveRun(t.Context(), index.Run{ID: "20200101T000000Z-0000", Seeds: []string{site.ArticleURL()},
		Started: time.Now().Add(-time.Hour), Status: index.RunInterrupted}); err != nil {
		t.Fatal(err)
	}
	r := &Runner{Archive: archive, Index: idx, Resume: true} // resumes interrupted runs of jobs
	noDelay := time.Duration(0)
	var seen string
	res, err := r.Capture(t.Context(), Job{Seeds: []string{site.ArticleURL()}, Delay: &noDelay}, func(c *capture.Config) {
		seen = c.RunID
	})
	if err != nil {
		t.Fatal(err)
	}
	if seen == "" || res.RunID != seen || res.Run.Job != "" || res.Run.Status != index.RunOK || res.Run.Resumes != 0 {
		t.Errorf("set saw run %q; the run is %+v; want a fresh ad-hoc run with that id", seen, res.Run)
	}
	if old, _, _ := idx.GetRun(t.Context(), "20200101T000000Z-0000"); old.Status != index.RunInterrupted {
		t.Errorf("the interrupted ad-hoc run is now %s; Capture must leave it alone", old.Status)
	}
}

// TestAJobNeverRunsTwiceAtOnce: a run of a job asked for while its previous
// run is still going on (a schedule's turn, a run asked for over HTTP) is
// refused with ErrJobRunning and fetches nothing; once the first ends, the
// job runs again.
func TestAJobNeverRunsTwiceAtOnce(t *testing.T) {
	release, reached := make(chan struct{}), make(chan struct{}, 1)
	var hits atomic.Int64
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/robots.txt" {
			http.NotFound(w, r)
			return
		}
		hits.Add(1)
		if r.URL.Path == "/slow" {
			reached <- struct{}{}
			<-release
		}
		w.Write([]byte("<title>page</title>"))
	}))
	defer site.Close()
	archive := filepath.Join(t.TempDir(), "archive")
	r := &Runner{Archive: archive, Index: openIndex(t, archive)}
	noDelay := time.Duration(0)
	slow := Job{Name: "slow", Seeds: []string{site.URL + "/slow"}, Delay: &noDelay}
	done := make(chan error, 1)
	go func() {
		_, err := r.Run(t.Context(), slow)
		done <- err
	}()
	<-reached
	before := hits.Load()
	if _, err := r.Run(t.Context(), Job{Name: "slow", Seeds: []string{site.URL + "/other"}, Delay: &noDelay}); !errors.Is(err, ErrJobRunning) {
		t.Errorf("a second run of a running job: err = %v, want ErrJobRunning", err)
	}
	if hits.Load() != before {
		t.Error("the refused run fetched something")
	}
	if _, err := r.Run(t.Context(), Job{Name: "other", Seeds: []string{site.URL + "/other"}, Delay: &noDelay}); err != nil {
		t.Errorf("another job beside it: %v", err)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatalf("the first run: %v", err)
	}
	if _, err := r.Run(t.Context(), Job{Name: "slow", Seeds: []string{site.URL + "/again"}, Delay: &noDelay}); err != nil {
		t.Errorf("the job once its run ended: %v", err)
	}
}

// TestSharedIndexResumesOnlyRunsBegunHere: on an index shared by machines,
// a job's unfinished run that began on another machine (no runs/<id> file
// or WARC file of it in this archive) is left to it: this machine starts a
// new run. One begun here, interrupted, is resumed as on a machine's own
// index.
func TestSharedIndexResumesOnlyRunsBegunHere(t *testing.T) {
	site := testsite.New(t)
	archive := filepath.Join(t.TempDir(), "archive")
	idx := openIndex(t, archive)
	const elsewhere = "20200101T000000Z-0001"
	if err := idx.SaveRun(t.Context(), index.Run{ID: elsewhere, Job: "news", Seeds: []string{site.ArticleURL()},
		Started: time.Now().Add(-time.Hour), Status: index.RunInterrupted}); err != nil {
		t.Fatal(err)
	}
	r := &Runner{Archive: archive, Index: idx, Resume: true, Shared: true}
	noDelay := time.Duration(0)
	job := Job{Name: "news", Seeds: []string{site.ArticleURL()}, Delay: &noDelay}
	res, err := r.Run(t.Context(), job)
	if err != nil {
		t.Fatal(err)
	}
	if res.RunID == elsewhere || res.Run.Resumes != 0 {
		t.Errorf("the run is %+v; want a new run, not the other machine's resumed", res.Run)
	}
	if old, _, _ := idx.GetRun(t.Context(), elsewhere); old.Status != index.RunInterrupted {
		t.Errorf("the other machine's run is now %s; want it left alone", old.Status)
	}

	// A run of this machine, interrupted while it fetches, is resumed.
	reached, release := make(chan struct{}, 1), make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			select {
			case reached <- struct{}{}:
			default:
			}
			<-release
		}
		w.Write([]byte("<title>page</title>"))
	}))
	defer slow.Close()
	job = Job{Name: "slow", Seeds: []string{slow.URL + "/slow"}, Delay: &noDelay}
	ctx, cancel := context.WithCancel(t.Context())
	go func() {
		<-reached
		cancel()
	}()
	first, _ := r.Run(ctx, job)
	close(release)
	if first == nil || first.Run.Status != index.RunInterrupted {
		t.Fatalf("the interrupted run: %+v", first)
	}
	again, err := r.Run(t.Context(), Job{Name: "slow", Seeds: []string{slow.URL + "/fast"}, Delay: &noDelay})
	if err != nil {
		t.Fatal(err)
	}
	if again.RunID != first.RunID || again.Run.Resumes != 1 {
		t.Errorf("run %s (resumes %d) after this machine's interrupted %s; want it resumed", again.RunID, again.Run.Resumes, first.RunID)
	}
}
