package replay

import (
	"cmp"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/vellumhq/vellum/index"
)

// runsLimit caps the runs the /runs page lists.
const runsLimit = 200

type runRow struct {
	ID, Link, Job, JobLink, Status, Started, Took string
	index.RunCounts
	Size string
}

// statusCrashed is how the run pages show a run recorded as running whose
// process is gone: its job's next run resumes it.
const statusCrashed = "crashed (resumed by the job's next run)"

func (s *Server) newRunRow(r index.Run) runRow {
	took := "running"
	if !r.Ended.IsZero() {
		took = r.Ended.Sub(r.Started).Round(time.Second / 10).String()
	}
	if r.Status == index.RunRunning && s.opts.RunLive != nil && !s.opts.RunLive(r.ID) {
		r.Status, took = statusCrashed, "—"
	}
	job, jobLink := r.Job, "/runs?job="+url.QueryEscape(r.Job)
	if job == "" {
		job, jobLink = "(capture)", ""
	}
	return runRow{ID: r.ID, Link: "/runs/" + url.PathEscape(r.ID), Job: job, JobLink: jobLink, Status: r.Status,
		Started: r.Started.UTC().Format(uiTimeLayout), Took: took, RunCounts: r.Counts, Size: humanSize(r.Counts.Bytes)}
}

// handleRuns lists the runs, newest first.
func (s *Server) handleRuns(w http.ResponseWriter, r *http.Request) {
	job := r.URL.Query().Get("job")
	q := job
	if q == "" {
		q = index.JobAny
	}
	runs, err := s.idx.Runs(r.Context(), q, runsLimit)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	rows := make([]runRow, 0, len(runs))
	for _, run := range runs {
		rows = append(rows, s.newRunRow(run))
	}
	s.render(w, http.StatusOK, "runs.html", map[string]any{"Title": "Runs", "Runs": rows, "Job": job, "Limit": runsLimit})
}

type changeRow struct {
	URL, Change, When, Replay, Previous, Diff string
}

// handleRun shows one run: its counts and seeds, and each page it archived
// with what changed since the page's previous capture.
func (s *Server) handleRun(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	run, ok, err := s.idx.GetRun(r.Context(), id)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if !ok {
		s.notFound(w, r, "There is no run "+id+" in this archive.")
		return
	}
	var changes []index.Change
	if run.Status == index.RunRunning || run.Status == index.RunInterrupted {
		changes, err = s.idx.FrontierChanges(r.Context(), id)
	} else {
		changes, err = s.idx.Changes(r.Context(), id, "")
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	problems, err := s.idx.Problems(r.Context(), id)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	files, err := s.idx.RunFiles(r.Context(), id)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	order := map[string]int{index.ChangeChanged: 0, index.ChangeNew: 1, index.ChangeUnchanged: 2}
	rows := make([]changeRow, 0, len(changes))
	for _, c := range changes {
		row := changeRow{URL: c.URL, Change: c.Change, When: uiTime(c.TS),
			Replay: mementoURL(Prefix, c.TS, "", c.URL)}
		if c.PrevTS != "" {
			row.Previous = mementoURL(Prefix, c.PrevTS, "", c.URL)
		}
		if c.Change == index.ChangeChanged {
			row.Diff = diffPath(id, c.URL)
		}
		rows = append(rows, row)
	}
	// Changed pages first, then new, then unchanged; by URL within each.
	slices.SortStableFunc(rows, func(a, b changeRow) int { return cmp.Compare(order[a.Change], order[b.Change]) })
	s.render(w, http.StatusOK, "run.html", map[string]any{
		"Title": "Run " + id, "Run": s.newRunRow(run), "Seeds": run.Seeds, "Error": run.Error, "Changes": rows,
		"Resumes": run.Resumes, "Problems": problems, "Files": files, "Workers": slices.ContainsFunc(files, func(f index.RunFile) bool { return f.Worker != "" }),
	})
}

// handleDiff shows the word diff between the main texts of a page's two
// captures that a run found different.
func (s *Server) handleDiff(w http.ResponseWriter, r *http.Request) {
	id, page := r.PathValue("id"), r.URL.Query().Get("url")
	if page == "" {
		s.badRequest(w, r, "diff: the url parameter names the page")
		return
	}
	changes, err := s.idx.Changes(r.Context(), id, "")
	if err == nil && len(changes) == 0 {
		changes, err = s.idx.FrontierChanges(r.Context(), id)
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	var ch *index.Change
	for i := range changes {
		if changes[i].URL == page {
			ch = &changes[i]
		}
	}
	if ch == nil || ch.PrevTS == "" {
		s.notFound(w, r, fmt.Sprintf("Run %s found no earlier capture of %s to compare with.", id, page))
		return
	}
	s.renderDiff(w, r, page, ch.PrevTS, ch.TS, id)
}

func diffPath(runID, page string) string {
	return "/runs/" + url.PathEscape(runID) + "/diff?url=" + url.QueryEscape(page)
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if strings.TrimSpace(v) != "" {
			return v
		}
	}
	return ""
}

func humanSize(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
