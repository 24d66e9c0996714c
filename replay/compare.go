package replay

import (
	"fmt"
	"net/http"
	"net/url"

	"github.com/vellumhq/vellum/index"
	"github.com/vellumhq/vellum/internal/textdiff"
	"github.com/vellumhq/vellum/warc"
)

// handleCompare shows the word diff between the main texts of any two
// captures of a page: /diff?url=<page>&a=<earlier ts>&b=<later ts>, the
// banner's "compare with previous".
func (s *Server) handleCompare(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	page, a, b := q.Get("url"), q.Get("a"), q.Get("b")
	if page == "" || !isTimestamp14(a) || !isTimestamp14(b) {
		s.badRequest(w, r, "diff: url names the page, a and b the 14-digit timestamps of its two captures")
		return
	}
	s.renderDiff(w, r, page, a, b, "")
}

// renderDiff renders the word diff of the page's main text between its
// captures at before and after; runID names the run that found the change
// ("" when the reader chose the two captures).
func (s *Server) renderDiff(w http.ResponseWriter, r *http.Request, page, before, after, runID string) {
	key, err := warc.SURT(page)
	if err != nil {
		s.badRequest(w, r, "diff: "+err.Error())
		return
	}
	caps, err := s.idx.Captures(r.Context(), key)
	if err != nil {
		s.serverError(w, r, fmt.Errorf("diff: %w", err))
		return
	}
	pages, err := s.idx.PageHeads(r.Context(), key)
	if err != nil {
		s.serverError(w, r, fmt.Errorf("diff: %w", err))
		return
	}
	texts := textSources(caps, pages)
	old, ok1 := texts[before]
	cur, ok2 := texts[after]
	if !ok1 || !ok2 {
		s.notFound(w, r, "The text of one of the two captures is not in the index.")
		return
	}
	// The heads said which pages hold the two texts: only those are read.
	if old, ok1, err = s.idx.PageAt(r.Context(), key, old.Timestamp); err == nil && ok1 {
		cur, ok2, err = s.idx.PageAt(r.Context(), key, cur.Timestamp)
	}
	if err != nil {
		s.serverError(w, r, fmt.Errorf("diff: %w", err))
		return
	}
	if !ok1 || !ok2 {
		s.notFound(w, r, "The text of one of the two captures is not in the index.")
		return
	}
	ops := textdiff.Words(old.Text, cur.Text)
	data := map[string]any{
		"Title": "Changes to " + firstNonEmpty(cur.Title, page), "URL": page,
		"Before": uiTime(before), "After": uiTime(after),
		"BeforeReplay": mementoURL(Prefix, before, "", page), "AfterReplay": mementoURL(Prefix, after, "", page),
		"BeforeTitle": old.Title, "AfterTitle": cur.Title, "Calendar": Prefix + "*/" + page,
		"Diff": textdiff.HTML(ops), "Stats": textdiff.Count(ops),
	}
	if runID != "" {
		data["RunID"], data["RunLink"] = runID, "/runs/"+url.PathEscape(runID)
	}
	s.render(w, http.StatusOK, "diff.html", data)
}

// comparePath is the address of the word diff between two captures of page.
func comparePath(page, before, after string) string {
	return "/diff?url=" + url.QueryEscape(page) + "&a=" + before + "&b=" + after
}

// isTimestamp14 reports a whole 14-digit timestamp, as links name captures.
func isTimestamp14(ts string) bool {
	_, err := warc.ParseTimestamp14(ts)
	return err == nil
}

// textSources maps the timestamp of each capture in caps (oldest first)
// to the page row holding its article text: its own, or for a capture
// without one whose payload is an earlier capture's (a revisit), that
// capture's. Captures whose text the index does not hold are left out.
func textSources(caps []index.Capture, pages []index.Page) map[string]index.Page {
	byTS := make(map[string]index.Page, len(pages))
	for _, p := range pages {
		byTS[p.Timestamp] = p
	}
	out := make(map[string]index.Page, len(pages))
	byDigest := map[string]index.Page{} // the latest text of each payload
	for _, c := range caps {
		if p, ok := byTS[c.Timestamp]; ok {
			out[c.Timestamp] = p
			if c.Digest != "" {
				byDigest[c.Digest] = p
			}
		} else if p, ok := byDigest[c.Digest]; ok && c.Digest != "" {
			out[c.Timestamp] = p
		}
	}
	return out
}
