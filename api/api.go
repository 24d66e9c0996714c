package api

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/vellumhq/vellum/index"
	"github.com/vellumhq/vellum/serve"
)

// Config configures the API.
type Config struct {
	// Tokens are the accepted bearer tokens. None: every write endpoint
	// answers 404 (writes are off, never open to all).
	Tokens *Tokens
	// Private makes the read endpoints need a token too (and so Tokens).
	Private bool
	// Captures is the queue captures are put on; nil: none can be asked for.
	Captures Queue
	Search   Searcher
	Runs     RunIndex
	// Jobs are the jobs of `serve --jobs`; NextRun, when set, tells when a
	// scheduled one runs next (zero: not scheduled).
	Jobs    []Job
	NextRun func(job string) time.Time
	// BaseURL is the UI's origin ("http://127.0.0.1:8080"): the status and
	// replay URLs in answers are made absolute with it.
	BaseURL string
	Logger  *slog.Logger
}

// Queue is the capture queue (*serve.Captures is one).
type Queue interface {
	Submit(serve.CaptureRequest) (serve.CaptureState, error)
	Get(id string) (serve.CaptureState, bool)
}

// Searcher finds pages by their words (*index.Index is one).
type Searcher interface {
	Search(ctx context.Context, q index.SearchQuery) (index.SearchResults, error)
}

// RunIndex is the run history (*index.Index is one).
type RunIndex interface {
	Runs(ctx context.Context, job string, n int) ([]index.Run, error)
	GetRun(ctx context.Context, id string) (index.Run, bool, error)
	Changes(ctx context.Context, runID, kind string) ([]index.Change, error)
	Problems(ctx context.Context, runID string) ([]index.Problem, error)
}

// Job is a job of the jobs file as the API lists it.
type Job struct {
	Name     string   `json:"name"`
	Schedule string   `json:"schedule,omitempty"`
	Seeds    []string `json:"seeds"`
	Depth    int      `json:"depth"`
	Scope    string   `json:"scope"`
	Browser  string   `json:"browser,omitempty"`
}

var (
	_ Queue    = (*serve.Captures)(nil)
	_ Searcher = (*index.Index)(nil)
	_ RunIndex = (*index.Index)(nil)
)

// route is one endpoint: its method and ServeMux path, whether it writes,
// and its handler. The OpenAPI document lists exactly these (a test holds
// them together).
type route struct {
	method, path string
	write        bool
	handle       func(*Handler, http.ResponseWriter, *http.Request)
}

var routes = []route{
	{"POST", "/api/captures", true, (*Handler).postCapture},
	{"GET", "/api/captures/{id}", false, (*Handler).getCapture},
	{"GET", "/api/search", false, (*Handler).search},
	{"GET", "/api/runs", false, (*Handler).listRuns},
	{"GET", "/api/runs/{id}", false, (*Handler).getRun},
	{"GET", "/api/jobs", false, (*Handler).listJobs},
	{"POST", "/api/jobs/{name}/run", true, (*Handler).runJob},
	{"GET", "/api/openapi.json", false, (*Handler).openAPI},
}

// Handler serves the API.
type Handler struct {
	cfg Config
	log *slog.Logger
	mux *http.ServeMux
}

// New returns the API's handler, for the paths under /api/.
func New(cfg Config) *Handler {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	cfg.BaseURL = strings.TrimSuffix(cfg.BaseURL, "/")
	h := &Handler{cfg: cfg, log: cfg.Logger.With("component", "api"), mux: http.NewServeMux()}
	for _, rt := range routes {
		handle := rt.handle
		h.mux.HandleFunc(rt.method+" "+rt.path, h.guard(rt, func(w http.ResponseWriter, r *http.Request) { handle(h, w, r) }))
	}
	h.mux.HandleFunc("/api/", h.unrouted)
	return h
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.mux.ServeHTTP(w, r) }

// guard lets a request through to its endpoint only as the auth rules
// say: writes need a token, and there are none, they are not there at
// all; reads need one with Private. The OpenAPI document is always open.
func (h *Handler) guard(rt route, next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		if rt.write && h.cfg.Tokens.Len() == 0 {
			writeError(w, http.StatusNotFound, "no such endpoint: writes are off on this server (it has no API tokens)")
			return
		}
		if (rt.write || h.cfg.Private) && rt.path != "/api/openapi.json" && !h.authorized(w, r) {
			return
		}
		next(w, r)
	}
}

// authorized checks the request's bearer token and answers 401 when it
// is missing or wrong.
func (h *Handler) authorized(w http.ResponseWriter, r *http.Request) bool {
	auth := r.Header.Get("Authorization")
	scheme, token, _ := strings.Cut(auth, " ")
	if auth == "" || !strings.EqualFold(scheme, "Bearer") {
		w.Header().Set("WWW-Authenticate", `Bearer realm="vellum"`)
		writeError(w, http.StatusUnauthorized, "this endpoint needs a token: send Authorization: Bearer <token>")
		return false
	}
	if !h.cfg.Tokens.Check(strings.TrimSpace(token)) {
		h.log.Warn("API request with a wrong token", "method", r.Method, "path", r.URL.Path, "remote", r.RemoteAddr)
		w.Header().Set("WWW-Authenticate", `Bearer realm="vellum", error="invalid_token"`)
		writeError(w, http.StatusUnauthorized, "the token is not one of this server's API tokens")
		return false
	}
	return true
}

// unrouted answers what no route takes: 405 with the methods the path
// has, or 404.
func (h *Handler) unrouted(w http.ResponseWriter, r *http.Request) {
	var allow []string
	for _, rt := range routes {
		if pathMatches(rt.path, r.URL.Path) {
			allow = append(allow, rt.method)
		}
	}
	if len(allow) > 0 {
		w.Header().Set("Allow", strings.Join(allow, ", "))
		writeError(w, http.StatusMethodNotAllowed, r.Method+" "+r.URL.Path+": method not allowed (allowed: "+strings.Join(allow, ", ")+")")
		return
	}
	writeError(w, http.StatusNotFound, "no such endpoint: "+r.URL.Path+" (see /api/openapi.json)")
}

// pathMatches matches a path against a route's pattern, whose {name}
// segments match any one segment.
func pathMatches(pattern, path string) bool {
	ps, qs := strings.Split(pattern, "/"), strings.Split(path, "/")
	if len(ps) != len(qs) {
		return false
	}
	for i := range ps {
		if strings.HasPrefix(ps[i], "{") {
			if qs[i] == "" { // a {name} is a whole, non-empty segment, as ServeMux matches it
				return false
			}
		} else if ps[i] != qs[i] {
			return false
		}
	}
	return true
}

// writeJSON answers v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

// writeError answers {"error": msg}.
func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

// serverError logs err and answers 500 without its details.
func (h *Handler) serverError(w http.ResponseWriter, r *http.Request, err error) {
	h.log.Error("API", "method", r.Method, "path", r.URL.Path, "err", err)
	writeError(w, http.StatusInternalServerError, "the index could not be read; details are in the server log")
}

// abs makes a path absolute on the UI's origin.
func (h *Handler) abs(path string) string {
	if path == "" {
		return ""
	}
	return h.cfg.BaseURL + path
}
