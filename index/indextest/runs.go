package indextest

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/vellumhq/vellum/index"
	"github.com/vellumhq/vellum/storage"
)

// The run history: a run saved again is replaced (its end, status and
// counts); runs list newest first, of one job or all; every field comes
// back, its times to the microsecond (PostgreSQL keeps no finer).
func runs(t *testing.T, x Index) {
	base := time.Date(2024, 1, 1, 10, 0, 0, 123456000, time.UTC)
	var saved []index.Run
	for i, job := range []string{"news", "blogs", "news", "news"} {
		r := index.Run{ID: fmt.Sprintf("run-%d", i), Job: job, Seeds: []string{"http://example.com/", "http://example.org/"},
			Started: base.Add(time.Duration(i) * time.Hour), Status: index.RunRunning, Host: "worker-1", PID: 100 + i}
		if err := x.SaveRun(ctx, r); err != nil {
			t.Fatalf("SaveRun: %v", err)
		}
		saved = append(saved, r)
	}
	done := saved[2]
	done.Ended, done.Status, done.Resumes, done.Error = base.Add(3*time.Hour), index.RunFailed, 1, "a seed failed"
	done.Counts = index.RunCounts{Pages: 10, Requisites: 20, Bytes: 3000, Errors: 1, Skipped: 2, New: 3, Changed: 4, Unchanged: 2, Revisits: 5, Files: 2}
	if err := x.SaveRun(ctx, done); err != nil {
		t.Fatal(err)
	}
	got, ok, err := x.GetRun(ctx, done.ID)
	if err != nil || !ok {
		t.Fatalf("GetRun = %v, %v", ok, err)
	}
	if got.ID != done.ID || got.Job != done.Job || strings.Join(got.Seeds, " ") != strings.Join(done.Seeds, " ") ||
		!got.Started.Equal(done.Started) || !got.Ended.Equal(done.Ended) || got.Status != done.Status ||
		got.Host != done.Host || got.PID != done.PID || got.Resumes != 1 || got.Counts != done.Counts || got.Error != done.Error {
		t.Errorf("run read back:\n got %+v\nwant %+v", got, done)
	}
	if r, _, _ := x.GetRun(ctx, "run-0"); !r.Ended.IsZero() {
		t.Errorf("a running run has an end: %v", r.Ended)
	}
	if _, ok, err := x.GetRun(ctx, "no-such-run"); ok || err != nil {
		t.Errorf("GetRun of no run: ok %v, %v", ok, err)
	}
	for _, c := range []struct {
		job  string
		n    int
		want string
	}{{"news", 0, "run-3 run-2 run-0"}, {"news", 2, "run-3 run-2"}, {index.JobAny, 0, "run-3 run-2 run-1 run-0"}, {"none", 0, ""}} {
		rs, err := x.Runs(ctx, c.job, c.n)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, r := range rs {
			ids = append(ids, r.ID)
		}
		want(t, fmt.Sprintf("Runs(%q, %d)", c.job, c.n), strings.Join(ids, " "), c.want)
	}
}

// A run's page changes, by URL and of one kind; its skipped and failed
// URLs, the latest reason kept when recorded again.
func changesAndProblems(t *testing.T, x Index) {
	err := x.AddChanges(ctx, []index.Change{
		{RunID: runA, URL: "http://example.com/b", Change: index.ChangeChanged, TS: "20240101100000", PrevTS: "20231201100000"},
		{RunID: runA, URL: "http://example.com/a", Change: index.ChangeNew, TS: "20240101100001"},
		{RunID: runB, URL: "http://example.com/a", Change: index.ChangeUnchanged, TS: "20240601100000", PrevTS: "20240101100001"},
	})
	if err != nil {
		t.Fatal(err)
	}
	all, err := x.Changes(ctx, runA, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 2 || all[0] != (index.Change{RunID: runA, URL: "http://example.com/a", Change: index.ChangeNew, TS: "20240101100001"}) ||
		all[1].URL != "http://example.com/b" || all[1].PrevTS != "20231201100000" {
		t.Errorf("Changes(%s) = %+v", runA, all)
	}
	changed, err := x.Changes(ctx, runA, index.ChangeChanged)
	if err != nil || len(changed) != 1 || changed[0].URL != "http://example.com/b" {
		t.Errorf("Changes(%s, changed) = %+v, %v", runA, changed, err)
	}

	ps := []index.Problem{
		{RunID: runA, URL: "http://example.com/z", Kind: "page", Outcome: index.OutcomeFailed, Reason: "HTTP 500"},
		{RunID: runA, URL: "http://example.com/private", Kind: "page", Outcome: index.OutcomeSkipped, Reason: "robots.txt"},
		{RunID: runB, URL: "http://example.com/z", Kind: "requisite", Outcome: index.OutcomeFailed, Reason: "reset"},
	}
	if err := x.AddProblems(ctx, ps); err != nil {
		t.Fatal(err)
	}
	retried := ps[0]
	retried.Reason = "HTTP 503"
	if err := x.AddProblems(ctx, []index.Problem{retried}); err != nil {
		t.Fatal(err)
	}
	got, err := x.Problems(ctx, runA)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0] != ps[1] || got[1] != retried {
		t.Errorf("Problems(%s) = %+v\nwant %+v %+v", runA, got, ps[1], retried)
	}
}

// The uploader's state: a finished file is pending until uploaded; a
// failure counts and says why; a file marked pending again stays uploaded
// when it has not changed.
func uploadState(t *testing.T, x Index) {
	a := storage.File{Name: fileA, Size: 100, SHA256: "aa"}
	b := storage.File{Name: fileB, Size: 200, SHA256: "bb"}
	for _, f := range []storage.File{b, a} {
		if err := x.MarkPending(ctx, f); err != nil {
			t.Fatal(err)
		}
	}
	if err := x.MarkFailed(ctx, fileA, errors.New("S3 down")); err != nil {
		t.Fatal(err)
	}
	if err := x.MarkFailed(ctx, fileA, errors.New("S3 still down")); err != nil {
		t.Fatal(err)
	}
	pending, err := x.Pending(ctx)
	if err != nil {
		t.Fatal(err)
	}
	wantA := a
	wantA.Attempts, wantA.LastError = 2, "S3 still down"
	if len(pending) != 2 || pending[0] != wantA || pending[1] != b {
		t.Errorf("Pending = %+v\nwant %+v %+v", pending, wantA, b)
	}
	if err := x.MarkUploaded(ctx, fileA); err != nil {
		t.Fatal(err)
	}
	state := func(name, want string) {
		t.Helper()
		if got, err := x.FileState(ctx, name); err != nil || got != want {
			t.Errorf("FileState(%s) = %q, %v; want %q", name, got, err, want)
		}
	}
	state(fileA, index.StateUploaded)
	state(fileB, index.StatePending)
	state("never-seen", "")
	if err := x.MarkPending(ctx, a); err != nil {
		t.Fatal(err)
	}
	state(fileA, index.StateUploaded) // the same file: nothing to do
	changed := a
	changed.SHA256 = "cc"
	if err := x.MarkPending(ctx, changed); err != nil {
		t.Fatal(err)
	}
	state(fileA, index.StatePending)
	pending, _ = x.Pending(ctx)
	if len(pending) != 2 || pending[0].SHA256 != "cc" {
		t.Errorf("Pending after a changed file: %+v", pending)
	}
}
