package replay

import (
	"net/http"
	"strings"
	"time"

	"github.com/vellumhq/vellum/index"
	"github.com/vellumhq/vellum/warc"
)

// recentCount is how many recent captures the home page lists.
const recentCount = 50

// listLimit caps the captures read for a prefix listing.
const listLimit = 5000

type pageRow struct {
	When, Title, Site, URL, Replay, Calendar string
}

// handleHome is the search box and the most recent captures with titles.
func (s *Server) handleHome(w http.ResponseWriter, r *http.Request) {
	pages, err := s.idx.RecentPages(r.Context(), recentCount)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	total, _ := s.idx.Count(r.Context())
	rows := make([]pageRow, 0, len(pages))
	for _, p := range pages {
		rows = append(rows, pageRow{
			When: captureTime(p.Timestamp).Format("2006-01-02 15:04"), Title: p.Title, Site: p.SiteName, URL: p.URL,
			Replay: mementoURL(Prefix, p.Timestamp, "", p.URL), Calendar: Prefix + "*/" + p.URL,
		})
	}
	s.render(w, http.StatusOK, "home.html", map[string]any{"Title": "Archive", "Pages": rows, "Total": total})
}

type calCapture struct {
	Time, Replay, Title, Screenshot string
	Revisit                         bool
}
type calDay struct {
	Day      int
	Captures []calCapture
}
type calMonth struct {
	Name string
	Days []*calDay
}
type calYear struct {
	Year   int
	Months []*calMonth
}

// handleCalendar lists every capture of a URL by year, month and day, or,
// for a URL ending in "*", the URLs captured under that prefix.
func (s *Server) handleCalendar(w http.ResponseWriter, r *http.Request, rest string) {
	if strings.HasSuffix(rest, "*") && r.URL.RawQuery == "" {
		s.handleList(w, r, rest)
		return
	}
	original, err := normalizeArchived(rest, r.URL.RawQuery)
	if err != nil {
		s.badRequest(w, r, err.Error())
		return
	}
	key, caps, ok := s.capturesOf(w, r, original)
	if !ok {
		return
	}
	titles := map[string]string{}
	if pages, err := s.idx.PagesOf(r.Context(), key); err == nil {
		for _, p := range pages {
			titles[p.Timestamp] = p.Title
		}
	}
	shots := map[string][]index.Capture{} // by page URL: the captures of one key may spell it differently
	var years []*calYear
	for _, c := range caps {
		t := captureTime(c.Timestamp)
		if len(years) == 0 || years[len(years)-1].Year != t.Year() {
			years = append(years, &calYear{Year: t.Year()})
		}
		y := years[len(years)-1]
		if len(y.Months) == 0 || y.Months[len(y.Months)-1].Name != t.Month().String() {
			y.Months = append(y.Months, &calMonth{Name: t.Month().String()})
		}
		m := y.Months[len(y.Months)-1]
		if len(m.Days) == 0 || m.Days[len(m.Days)-1].Day != t.Day() {
			m.Days = append(m.Days, &calDay{Day: t.Day()})
		}
		d := m.Days[len(m.Days)-1]
		cc := calCapture{Time: t.Format("15:04:05"), Title: titles[c.Timestamp],
			Replay: mementoURL(Prefix, c.Timestamp, "", c.URL), Revisit: c.Type == warc.TypeRevisit}
		if _, ok := shots[c.URL]; !ok {
			shots[c.URL] = s.screenshots(r.Context(), c.URL)
		}
		if shot, ok := screenshotNear(shots[c.URL], c.Timestamp); ok {
			cc.Screenshot = s.screenshotLink(shot)
		}
		d.Captures = append(d.Captures, cc)
	}
	last := caps[len(caps)-1]
	s.render(w, http.StatusOK, "calendar.html", map[string]any{
		"Title": original, "Query": original, "URL": original, "Captures": caps, "Years": years,
		"PageTitle": titles[last.Timestamp], "TimeMap": Prefix + "timemap/link/" + original,
		"Latest": mementoURL(Prefix, last.Timestamp, "", last.URL),
	})
}

type listRow struct {
	URL, Calendar, First, Last, FirstReplay, LastReplay string
	Count                                               int
}

// handleList lists the URLs captured under a prefix.
func (s *Server) handleList(w http.ResponseWriter, r *http.Request, rest string) {
	prefix := strings.TrimSuffix(rest, "*")
	original, err := normalizeArchived(prefix, "")
	if err != nil {
		s.badRequest(w, r, err.Error())
		return
	}
	var rows []*listRow
	byURL := map[string]*listRow{}
	n := 0
	err = s.idx.Lookup(r.Context(), index.Query{URL: original, MatchType: index.MatchType("prefix"), Limit: listLimit}, func(c index.Capture) error {
		n++
		row := byURL[c.URL]
		if row == nil {
			row = &listRow{URL: c.URL, Calendar: Prefix + "*/" + c.URL, First: c.Timestamp[:8],
				FirstReplay: mementoURL(Prefix, c.Timestamp, "", c.URL)}
			byURL[c.URL] = row
			rows = append(rows, row)
		}
		row.Count++
		row.Last, row.LastReplay = c.Timestamp[:8], mementoURL(Prefix, c.Timestamp, "", c.URL)
		return nil
	})
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.render(w, http.StatusOK, "list.html", map[string]any{
		"Title": original + "*", "Query": original + "*", "URL": original + "*", "URLs": rows, "More": n >= listLimit,
	})
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
	data := map[string]any{
		"URL": c.URL, "When": captureTime(c.Timestamp).Format("2006-01-02 15:04:05 UTC"),
		"Calendar": Prefix + "*/" + c.URL, "Content": mementoURL(s.contentPrefix(), c.Timestamp, modMain, c.URL),
		"Sandbox": contentSandbox, "Timestamp": c.Timestamp,
		"Screenshot": s.screenshotURL(r.Context(), c.URL, c.Timestamp),
	}
	if i > 0 {
		data["Prev"] = mementoURL(Prefix, caps[i-1].Timestamp, "", caps[i-1].URL)
	}
	if i+1 < len(caps) {
		data["Next"] = mementoURL(Prefix, caps[i+1].Timestamp, "", caps[i+1].URL)
	}
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
