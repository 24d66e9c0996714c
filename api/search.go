package api

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/vellumhq/vellum/index"
)

// maxLimit bounds the hits of one search page.
const maxLimit = 100

// searchJSON is the answer of GET /api/search.
type searchJSON struct {
	Query  string    `json:"q"`
	Total  int       `json:"total"`
	Limit  int       `json:"limit"`
	Offset int       `json:"offset"`
	Next   string    `json:"next,omitempty"` // the next page's URL, when there are more hits
	Hits   []hitJSON `json:"hits"`
}

type hitJSON struct {
	URL         string   `json:"url"`
	Timestamp   string   `json:"timestamp"`
	Title       string   `json:"title"`
	SiteName    string   `json:"site_name,omitempty"`
	Authors     []string `json:"authors,omitempty"`
	Published   string   `json:"published,omitempty"`
	Snippet     string   `json:"snippet"` // HTML: escaped text, the terms in <mark>
	ReplayURL   string   `json:"replay_url"`
	CalendarURL string   `json:"calendar_url"`
}

func (h *Handler) search(w http.ResponseWriter, r *http.Request) {
	if h.cfg.Search == nil {
		writeError(w, http.StatusNotFound, "this server has no search")
		return
	}
	p := r.URL.Query()
	q := index.SearchQuery{Words: strings.TrimSpace(p.Get("q")), Site: strings.TrimSpace(p.Get("site"))}
	var msg string
	if q.From, msg = timeParam(p, "from"); msg == "" {
		q.To, msg = timeParam(p, "to")
	}
	if msg == "" {
		q.Limit, msg = intParam(p, "limit", 20, 1, maxLimit)
	}
	if msg == "" {
		q.Offset, msg = intParam(p, "offset", 0, 0, 1<<30)
	}
	if msg == "" && q.Words == "" {
		msg = "q: give the words to search for"
	}
	if msg != "" {
		writeError(w, http.StatusBadRequest, msg)
		return
	}
	res, err := h.cfg.Search.Search(r.Context(), q)
	if errors.Is(err, index.ErrBadQuery) {
		writeError(w, http.StatusBadRequest, "q "+strconv.Quote(q.Words)+": "+err.Error())
		return
	}
	if errors.Is(err, errors.ErrUnsupported) {
		writeError(w, http.StatusNotImplemented, "full-text search is not available on this server")
		return
	}
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	out := searchJSON{Query: q.Words, Total: res.Total, Limit: q.Limit, Offset: q.Offset, Hits: []hitJSON{}}
	for _, hit := range res.Hits {
		pg := hit.Page
		out.Hits = append(out.Hits, hitJSON{
			URL: pg.URL, Timestamp: pg.Timestamp, Title: pg.Title, SiteName: pg.SiteName, Authors: pg.Authors,
			Published: pg.Published, Snippet: hit.Snippet,
			ReplayURL:   h.abs("/web/" + pg.Timestamp + "/" + pg.URL),
			CalendarURL: h.abs("/web/*/" + pg.URL),
		})
	}
	if q.Offset+len(res.Hits) < res.Total && len(res.Hits) > 0 {
		next := r.URL.Query()
		next.Set("offset", strconv.Itoa(q.Offset+len(res.Hits)))
		next.Set("limit", strconv.Itoa(q.Limit))
		out.Next = h.abs("/api/search?" + next.Encode())
	}
	writeJSON(w, http.StatusOK, out)
}

// timeParam reads a time bound: 1 to 14 digits of a timestamp, or a date
// written 2024-03-01.
func timeParam(p url.Values, name string) (string, string) {
	v := strings.ReplaceAll(strings.TrimSpace(p.Get(name)), "-", "")
	if v == "" {
		return "", ""
	}
	if len(v) > 14 || strings.Trim(v, "0123456789") != "" {
		return "", fmt.Sprintf("%s %q: want a timestamp of 1 to 14 digits (20240301, 2024) or a date (2024-03-01)", name, p.Get(name))
	}
	return v, ""
}

// intParam reads an integer from lo to hi, def when absent.
func intParam(p url.Values, name string, def, lo, hi int) (int, string) {
	v := p.Get(name)
	if v == "" {
		return def, ""
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, fmt.Sprintf("%s %q: want a whole number from %d to %d", name, v, lo, hi)
	}
	return n, ""
}
