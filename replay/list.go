package replay

import (
	"mime"
	"net/http"
	"strings"

	"github.com/vellumhq/vellum/index"
)

// listLimit caps the captures read for a prefix listing.
const listLimit = 5000

type listRow struct {
	URL, Key, Title, Calendar, First, Last, FirstReplay, LastReplay string
	Count, Status                                                   int
}

// handleList lists the URLs captured under a prefix: the pages, or with all
// also their requisites (images, stylesheets, scripts, fonts, media), each
// with its title, first and last capture, number of captures and the
// status of its last capture.
func (s *Server) handleList(w http.ResponseWriter, r *http.Request, rest string, all bool) {
	prefix := strings.TrimSuffix(rest, "*")
	original, err := normalizeArchived(prefix, "")
	if err != nil {
		s.badRequest(w, r, err.Error())
		return
	}
	q := index.Query{URL: original, MatchType: index.MatchType("prefix"), Limit: listLimit}
	if !all {
		q.Filter = func(c *index.Capture) bool { return !isRequisite(c.MIME) }
	}
	var rows []*listRow
	byURL := map[string]*listRow{}
	n := 0
	err = s.idx.Lookup(r.Context(), q, func(c index.Capture) error {
		n++
		row := byURL[c.URL]
		if row == nil {
			row = &listRow{URL: c.URL, Key: c.URLKey, Calendar: Prefix + "*/" + c.URL, First: uiTime(c.Timestamp),
				FirstReplay: mementoURL(Prefix, c.Timestamp, "", c.URL)}
			byURL[c.URL] = row
			rows = append(rows, row)
		}
		row.Count++
		row.Last, row.LastReplay, row.Status = uiTime(c.Timestamp), mementoURL(Prefix, c.Timestamp, "", c.URL), c.Status
		return nil
	})
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.addTitles(r, rows)
	base := Prefix + "*/" + original + "*"
	data := map[string]any{
		"Title": original + "*", "Query": original + "*", "URL": original + "*", "URLs": rows, "More": n >= listLimit,
		"All": all, "PagesLink": base, "AllLink": base + "?all=1",
	}
	s.render(w, http.StatusOK, "list.html", data)
}

// addTitles gives each row the title of its latest capture with article
// metadata.
func (s *Server) addTitles(r *http.Request, rows []*listRow) {
	seen := map[string][]index.Page{}
	for _, row := range rows {
		pages, ok := seen[row.Key]
		if !ok {
			pages, _ = s.idx.PageHeads(r.Context(), row.Key) // titles are a help: the list stands without them
			seen[row.Key] = pages
		}
		for i := len(pages) - 1; i >= 0; i-- {
			if pages[i].URL == row.URL && strings.TrimSpace(pages[i].Title) != "" {
				row.Title = pages[i].Title
				break
			}
		}
	}
}

// isRequisite reports a capture a page loads rather than a reader opens,
// by its MIME type: images, stylesheets, scripts, fonts, audio, video and
// data. HTML, documents, redirects and unknown types are pages.
func isRequisite(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		mt = strings.ToLower(strings.TrimSpace(contentType))
	}
	switch {
	case strings.HasPrefix(mt, "image/"), strings.HasPrefix(mt, "font/"), strings.HasPrefix(mt, "audio/"), strings.HasPrefix(mt, "video/"):
		return true
	case strings.Contains(mt, "javascript"), strings.Contains(mt, "ecmascript"), strings.Contains(mt, "font"):
		return true
	}
	switch mt {
	case "text/css", "application/json", "application/wasm", "text/vtt", "application/manifest+json":
		return true
	}
	return false
}
