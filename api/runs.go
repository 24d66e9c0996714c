package api

import (
	"fmt"
	"net/http"
	"time"

	"github.com/vellumhq/vellum/index"
	"github.com/vellumhq/vellum/serve"
)

// runJSON is a run with its page's URL.
type runJSON struct {
	index.Run
	URL string `json:"url"` // its page in the UI
}

func (h *Handler) listRuns(w http.ResponseWriter, r *http.Request) {
	if h.cfg.Runs == nil {
		writeError(w, http.StatusNotFound, "this server has no run history")
		return
	}
	p := r.URL.Query()
	limit, msg := intParam(p, "limit", 50, 1, 1000)
	if msg != "" {
		writeError(w, http.StatusBadRequest, msg)
		return
	}
	job := index.JobAny
	if p.Has("job") {
		job = p.Get("job") // "" names ad-hoc captures
	}
	runs, err := h.cfg.Runs.Runs(r.Context(), job, limit)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	out := []runJSON{}
	for _, run := range runs {
		out = append(out, runJSON{Run: run, URL: h.abs("/runs/" + run.ID)})
	}
	writeJSON(w, http.StatusOK, map[string]any{"runs": out})
}

func (h *Handler) getRun(w http.ResponseWriter, r *http.Request) {
	if h.cfg.Runs == nil {
		writeError(w, http.StatusNotFound, "this server has no run history")
		return
	}
	id := r.PathValue("id")
	run, ok, err := h.cfg.Runs.GetRun(r.Context(), id)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	if !ok {
		writeError(w, http.StatusNotFound, fmt.Sprintf("no run %q in this archive", id))
		return
	}
	changes, err := h.cfg.Runs.Changes(r.Context(), id, "")
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	problems, err := h.cfg.Runs.Problems(r.Context(), id)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	if changes == nil {
		changes = []index.Change{}
	}
	if problems == nil {
		problems = []index.Problem{}
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"run": runJSON{Run: run, URL: h.abs("/runs/" + run.ID)}, "changes": changes, "problems": problems,
	})
}

// jobJSON is a job with its schedule's next turn and its latest run.
type jobJSON struct {
	Job
	NextRun time.Time  `json:"next_run,omitzero"`
	LastRun *index.Run `json:"last_run,omitempty"`
	RunURL  string     `json:"run_url"` // POST here to run it now
}

func (h *Handler) listJobs(w http.ResponseWriter, r *http.Request) {
	out := []jobJSON{}
	for _, j := range h.cfg.Jobs {
		v := jobJSON{Job: j, RunURL: h.abs("/api/jobs/" + j.Name + "/run")}
		if h.cfg.NextRun != nil {
			v.NextRun = h.cfg.NextRun(j.Name)
		}
		if h.cfg.Runs != nil {
			runs, err := h.cfg.Runs.Runs(r.Context(), j.Name, 1)
			if err != nil {
				h.serverError(w, r, err)
				return
			}
			if len(runs) > 0 {
				v.LastRun = &runs[0]
			}
		}
		out = append(out, v)
	}
	writeJSON(w, http.StatusOK, map[string]any{"jobs": out})
}

func (h *Handler) runJob(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	for _, j := range h.cfg.Jobs {
		if j.Name == name {
			h.submit(w, serve.CaptureRequest{Job: name})
			return
		}
	}
	writeError(w, http.StatusNotFound, fmt.Sprintf("no job %q in the jobs file", name))
}
