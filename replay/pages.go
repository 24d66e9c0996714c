package replay

import (
	"net/http"
	"time"

	"github.com/vellumhq/vellum/index"
	"github.com/vellumhq/vellum/warc"
)

// recentCount is how many recent captures the home page lists.
const recentCount = 50

type pageRow struct {
	When, Title, Site, URL, Replay, Calendar string
}

// handleHome is the search box and the most recent captures with titles.
func (s *Server) handleHome(w http.ResponseWriter, r *http.Request) {
	s.renderHome(w, r, http.StatusOK, "", "")
}

// renderHome renders the home page; saveErr and saveURL refill the Save
// Page Now form after a mistake.
func (s *Server) renderHome(w http.ResponseWriter, r *http.Request, status int, saveErr, saveURL string) {
	pages, err := s.idx.RecentPages(r.Context(), recentCount)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	total, _ := s.idx.Count(r.Context())
	rows := make([]pageRow, 0, len(pages))
	for _, p := range pages {
		rows = append(rows, pageRow{
			When: uiTime(p.Timestamp), Title: p.Title, Site: p.SiteName, URL: p.URL,
			Replay: mementoURL(Prefix, p.Timestamp, "", p.URL), Calendar: Prefix + "*/" + p.URL,
		})
	}
	form := s.saveForm(w, r)
	if form != nil {
		form.Error, form.URL = saveErr, saveURL
	}
	s.render(w, status, "home.html", map[string]any{"Title": "Archive", "Pages": rows, "Total": total, "SaveNow": form})
}

// capturesOf returns the captures of url, oldest first, and its URL key.
// When the URL is unusable, the index fails or nothing is archived, it has
// answered the request (400, 500 or the not-archived page) and ok is false.
func (s *Server) capturesOf(w http.ResponseWriter, r *http.Request, url string) (key string, caps []index.Capture, ok bool) {
	key, err := warc.SURT(url)
	if err != nil {
		s.badRequest(w, r, err.Error())
		return "", nil, false
	}
	if caps, err = s.idx.Captures(r.Context(), key); err != nil {
		s.serverError(w, r, err)
		return "", nil, false
	}
	if len(caps) == 0 {
		s.notArchived(w, r, url)
		return "", nil, false
	}
	return key, uniqueMementos(caps), true
}

// handleFrame is the UI page around a capture served from the content
// origin: the bar with the capture's date and links, and the page framed.
func (s *Server) handleFrame(w http.ResponseWriter, r *http.Request, mr mementoRequest) {
	_, caps, ok := s.capturesOf(w, r, mr.URL)
	if !ok {
		return
	}
	i := nearest(caps, mr.Want)
	c := caps[i]
	if c.Timestamp != mr.Timestamp {
		redirect(w, mementoURL(Prefix, c.Timestamp, "", c.URL), http.StatusFound)
		return
	}
	data := map[string]any{"Bar": s.newCaptureBar(r.Context(), caps, i),
		"Content": mementoURL(s.contentPrefix(), c.Timestamp, modMain, c.URL), "Sandbox": contentSandbox}
	w.Header().Set("Memento-Datetime", httpDate(c.Timestamp))
	w.Header().Set("Link", LinkHeader(s.uiPrefix(), c.URL, nil, nil, nil, nil))
	s.render(w, http.StatusOK, "frame.html", data)
}

// nearest is the index of the capture closest in time to ts (earlier wins ties).
func nearest(caps []index.Capture, ts string) int {
	want := captureTime(ts)
	best, bestD := 0, time.Duration(1<<62)
	for i, c := range caps {
		d := captureTime(c.Timestamp).Sub(want)
		if d < 0 {
			d = -d
		}
		if d < bestD {
			best, bestD = i, d
		}
	}
	return best
}
