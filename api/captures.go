package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/vellumhq/vellum/serve"
)

// Limits of one capture request.
const (
	maxURLs     = 100
	maxDepth    = 5
	maxBodySize = 1 << 20
)

// scopes are the capture engine's scopes (capture.ParseScope): the API
// refuses another with a 400 rather than queue a capture bound to fail.
var scopes = []string{"page", "prefix", "host", "domain"}

// captureRequest is the body of POST /api/captures.
type captureRequest struct {
	URLs    []string `json:"urls"`
	Depth   int      `json:"depth"`
	Scope   string   `json:"scope"`
	Browser bool     `json:"browser"`
}

// captureJSON is a capture as GET /api/captures/{id} answers it.
type captureJSON struct {
	ID        string       `json:"id"`
	State     string       `json:"state"`
	StatusURL string       `json:"status_url"`
	Position  int          `json:"position,omitempty"`
	Job       string       `json:"job,omitempty"`
	RunID     string       `json:"run_id,omitempty"`
	RunURL    string       `json:"run_url,omitempty"`
	Progress  progressJSON `json:"progress"`
	Seeds     []seedJSON   `json:"seeds"`
	Error     string       `json:"error,omitempty"`
	Queued    time.Time    `json:"queued"`
	Started   time.Time    `json:"started,omitzero"`
	Ended     time.Time    `json:"ended,omitzero"`
}

type progressJSON struct {
	PagesFound int64 `json:"pages_found"`
	PagesDone  int64 `json:"pages_done"`
	Pages      int64 `json:"pages"`
	Requisites int64 `json:"requisites"`
	Bytes      int64 `json:"bytes"`
	Errors     int64 `json:"errors"`
}

type seedJSON struct {
	URL       string `json:"url"`
	OK        bool   `json:"ok"`
	Line      string `json:"line"`
	ReplayURL string `json:"replay_url,omitempty"`
}

func (h *Handler) postCapture(w http.ResponseWriter, r *http.Request) {
	var req captureRequest
	if msg := decodeBody(w, r, &req); msg != "" {
		writeError(w, http.StatusBadRequest, msg)
		return
	}
	if msg := req.check(); msg != "" {
		writeError(w, http.StatusBadRequest, msg)
		return
	}
	h.submit(w, serve.CaptureRequest{URLs: req.URLs, Depth: req.Depth, Scope: req.Scope, Browser: req.Browser})
}

// submit queues a capture and answers 202 with where to follow it.
func (h *Handler) submit(w http.ResponseWriter, req serve.CaptureRequest) {
	if h.cfg.Captures == nil {
		writeError(w, http.StatusNotFound, "this server runs no captures")
		return
	}
	st, err := h.cfg.Captures.Submit(req)
	var full *serve.QueueFullError
	var busy *serve.JobBusyError
	switch {
	case errors.As(err, &full):
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(full.RetryAfter.Seconds()))))
		writeError(w, http.StatusTooManyRequests, err.Error())
		return
	case errors.As(err, &busy):
		w.Header().Set("Location", h.abs("/api/captures/"+busy.ID))
		writeError(w, http.StatusConflict, err.Error())
		return
	case errors.Is(err, serve.ErrCapturesClosed):
		writeError(w, http.StatusServiceUnavailable, err.Error())
		return
	case err != nil:
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	w.Header().Set("Location", h.abs("/api/captures/"+st.ID))
	writeJSON(w, http.StatusAccepted, h.captureView(st))
}

func (h *Handler) getCapture(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if h.cfg.Captures == nil {
		writeError(w, http.StatusNotFound, "this server runs no captures")
		return
	}
	st, ok := h.cfg.Captures.Get(id)
	if !ok {
		writeError(w, http.StatusNotFound, fmt.Sprintf("no capture %q here (finished captures are remembered until serve restarts; the runs are at /api/runs)", id))
		return
	}
	writeJSON(w, http.StatusOK, h.captureView(st))
}

func (h *Handler) captureView(st serve.CaptureState) captureJSON {
	p := st.Progress
	v := captureJSON{
		ID: st.ID, State: st.State, StatusURL: h.abs("/api/captures/" + st.ID), Position: st.Position,
		Job: st.Request.Job, RunID: st.RunID, Error: st.Error, Queued: st.Queued, Started: st.Started, Ended: st.Ended,
		Progress: progressJSON{PagesFound: p.PagesFound, PagesDone: p.PagesDone, Pages: p.Pages,
			Requisites: p.Requisites, Bytes: p.Bytes, Errors: p.Errors},
		Seeds: []seedJSON{},
	}
	if st.RunID != "" {
		v.RunURL = h.abs("/runs/" + st.RunID)
	}
	for _, s := range st.Seeds {
		v.Seeds = append(v.Seeds, seedJSON{URL: s.URL, OK: s.OK, Line: s.Line, ReplayURL: h.abs(s.Replay)})
	}
	return v
}

// decodeBody decodes a JSON body into v, refusing unknown fields, more
// than one value and oversized bodies; it returns a one-line message
// naming what is wrong, or "".
func decodeBody(w http.ResponseWriter, r *http.Request, v any) string {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		return fmt.Sprintf("Content-Type %q: send application/json", ct)
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBodySize))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var syn *json.SyntaxError
		var typ *json.UnmarshalTypeError
		var big *http.MaxBytesError
		switch {
		case errors.Is(err, io.EOF):
			return "empty body: send a JSON object"
		case errors.Is(err, io.ErrUnexpectedEOF):
			return "body: invalid JSON: it ends too soon"
		case errors.As(err, &syn):
			return fmt.Sprintf("body: invalid JSON at byte %d: %v", syn.Offset, err)
		case errors.As(err, &typ):
			return fmt.Sprintf("body: field %q: want a JSON %s, not %s", typ.Field, typ.Type, typ.Value)
		case errors.As(err, &big):
			return fmt.Sprintf("body: larger than %d bytes", maxBodySize)
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			return "body: unknown field " + strings.TrimPrefix(err.Error(), "json: unknown field ")
		}
		return "body: " + err.Error()
	}
	if dec.More() {
		return "body: more than one JSON value"
	}
	return ""
}

// check returns a one-line message naming the first input that cannot be
// captured, or "". An empty scope takes the default (host).
func (c *captureRequest) check() string {
	if len(c.URLs) == 0 {
		return `urls: give at least one URL to capture`
	}
	if len(c.URLs) > maxURLs {
		return fmt.Sprintf("urls: %d URLs; at most %d in one capture", len(c.URLs), maxURLs)
	}
	for i, u := range c.URLs {
		if msg := checkURL(u); msg != "" {
			return fmt.Sprintf("urls[%d] %q: %s", i, u, msg)
		}
	}
	if c.Depth < 0 || c.Depth > maxDepth {
		return fmt.Sprintf("depth %d: must be from 0 to %d", c.Depth, maxDepth)
	}
	if c.Scope == "" {
		c.Scope = "host"
	}
	for _, s := range scopes {
		if c.Scope == s {
			return ""
		}
	}
	return fmt.Sprintf("scope %q: want one of %s", c.Scope, strings.Join(scopes, ", "))
}

// checkURL says why a URL cannot be a seed, or "".
func checkURL(raw string) string {
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return "not a URL"
	case u.Scheme != "http" && u.Scheme != "https":
		return "not an http or https URL"
	case u.Host == "" || u.Hostname() == "":
		return "no host in it"
	case u.User != nil:
		return "a URL with a user name or password is not captured"
	}
	return ""
}
