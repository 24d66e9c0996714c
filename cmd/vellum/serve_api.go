package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/vellumhq/vellum/api"
	"github.com/vellumhq/vellum/capture"
	"github.com/vellumhq/vellum/capture/jobs"
	"github.com/vellumhq/vellum/internal/netguard"
	"github.com/vellumhq/vellum/replay"
	"github.com/vellumhq/vellum/serve"
)

// tokensEnv holds API tokens themselves (not a file's name, as --api-tokens
// does), so flagsFromEnv leaves the flag alone.
const tokensEnv = "VELLUM_API_TOKENS"

// loadAPITokens reads the tokens of --api-tokens FILE and VELLUM_API_TOKENS
// (both when both are given); none means the API's writes are off.
func loadAPITokens(file string) (*api.Tokens, error) {
	var list []string
	if file != "" {
		l, err := api.ReadTokensFile(file)
		if err != nil {
			return nil, &exitError{2, "--api-tokens " + err.Error()}
		}
		if _, err := api.NewTokens(l); err != nil { // say which source holds the bad token
			return nil, &exitError{2, "--api-tokens " + file + ": " + err.Error()}
		}
		list = l
	}
	env := api.SplitTokens(os.Getenv(tokensEnv))
	if _, err := api.NewTokens(env); err != nil {
		return nil, &exitError{2, tokensEnv + ": " + err.Error()}
	}
	list = append(list, env...)
	tokens, err := api.NewTokens(list)
	if err != nil {
		return nil, &exitError{2, "API tokens: " + err.Error()}
	}
	return tokens, nil
}

// httpCaptures runs the captures asked for over HTTP (the API, Save Page
// Now) with the jobs' runner: a capture of URLs is a fresh ad-hoc run, a
// job is run as its scheduled turns are.
type httpCaptures struct {
	runner *jobs.Runner
	jobs   []jobs.Job
	delay  time.Duration // between two pages of one host (--capture-delay)
	// guard checks every address a capture of URLs dials (the SSRF
	// guard: public addresses and --allow-targets only). Job runs, written
	// by the operator, and the CLI do not use it.
	guard *netguard.Guard
}

// run is the node's serve.CaptureFunc.
func (h *httpCaptures) run(ctx context.Context, req serve.CaptureRequest, update func(string, serve.CaptureProgress)) (serve.CaptureOutcome, error) {
	follow := func(c *capture.Config) {
		runID := c.RunID
		update(runID, serve.CaptureProgress{})
		c.OnProgress = func(s capture.Stats) {
			update(runID, serve.CaptureProgress{PagesFound: s.PagesFound, PagesDone: s.PagesDone, Pages: s.Pages,
				Requisites: s.Requisites, Bytes: s.Bytes, Errors: s.Errors})
		}
	}
	var res *capture.Result
	var err error
	if req.Job != "" {
		j, ok := h.job(req.Job)
		if !ok {
			return serve.CaptureOutcome{}, fmt.Errorf("no job %q in the jobs file", req.Job)
		}
		res, err = h.runner.RunWith(ctx, j, follow)
	} else {
		j := jobs.Job{Seeds: req.URLs, Depth: req.Depth, Scope: capture.Scope(req.Scope), Delay: &h.delay}
		if req.Browser {
			j.Browser = capture.BrowserOn
		}
		res, err = h.runner.Capture(ctx, j, func(c *capture.Config) {
			follow(c)
			c.Dialer = h.guard.Dialer(nil) // every connection: pages, redirect hops, requisites, robots.txt, the browser's requests
		})
	}
	if res == nil {
		return serve.CaptureOutcome{}, err
	}
	out := serve.CaptureOutcome{RunID: res.RunID, Seeds: []serve.SeedStatus{}}
	base := strings.TrimSuffix(h.runner.ReplayBase, "/")
	for _, s := range res.Seeds {
		out.Seeds = append(out.Seeds, serve.SeedStatus{URL: s.Seed, OK: s.OK(), Line: s.LineAt(base), Replay: s.ReplayPath()})
	}
	return out, err
}

func (h *httpCaptures) job(name string) (jobs.Job, bool) {
	for _, j := range h.jobs {
		if j.Name == name {
			return j, true
		}
	}
	return jobs.Job{}, false
}

// apiJobs lists the jobs as the API shows them.
func apiJobs(list []jobs.Job) []api.Job {
	var out []api.Job
	for _, j := range list {
		out = append(out, api.Job{Name: j.Name, Schedule: j.Schedule, Seeds: j.Seeds, Depth: j.Depth,
			Scope: string(j.Scope), Browser: string(j.Browser)})
	}
	return out
}

// saveNow is Save Page Now's side of the capture queue, for replay's home
// page: sign-in with an API token, captures through the same queue as the
// API's.
type saveNow struct {
	tokens *api.Tokens
	queue  *serve.Captures
}

func (s saveNow) CheckToken(token string) bool { return s.tokens.Check(token) }

func (s saveNow) Save(req replay.SaveRequest) (string, error) {
	st, err := s.queue.Submit(serve.CaptureRequest{URLs: []string{req.URL}, Depth: req.Depth, Browser: req.Browser})
	var full *serve.QueueFullError
	if errors.As(err, &full) {
		return "", &replay.BusyError{Msg: err.Error(), RetryAfter: full.RetryAfter}
	}
	return st.ID, err
}

func (s saveNow) SaveStatus(id string) (replay.SaveStatus, bool) {
	st, ok := s.queue.Get(id)
	if !ok {
		return replay.SaveStatus{}, false
	}
	p := st.Progress
	out := replay.SaveStatus{State: st.State, Position: st.Position, PagesFound: p.PagesFound, PagesDone: p.PagesDone,
		Requisites: p.Requisites, Bytes: p.Bytes, Error: st.Error}
	for _, seed := range st.Seeds {
		out.Lines = append(out.Lines, seed.Line)
		if out.Replay == "" {
			out.Replay = seed.Replay
		}
	}
	return out, true
}
