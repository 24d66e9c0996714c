package replay

import (
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode"

	"github.com/vellumhq/vellum/index"
)

// searchPageSize is how many hits a page of search results shows.
const searchPageSize = 20

// handleSearch takes what the home page's box was given: a URL goes to its
// calendar, a URL prefix ("…*") to its listing, and words to the full-text
// search of the pages' article metadata.
func (s *Server) handleSearch(w http.ResponseWriter, r *http.Request) {
	v := r.URL.Query()
	q := strings.TrimSpace(v.Get("q"))
	site, from, to := strings.TrimSpace(v.Get("site")), strings.TrimSpace(v.Get("from")), strings.TrimSpace(v.Get("to"))
	if q == "" && site == "" && from == "" && to == "" {
		http.Redirect(w, r, "/", http.StatusFound)
		return
	}
	if q != "" && isURLQuery(q) {
		redirect(w, Prefix+"*/"+q, http.StatusFound)
		return
	}
	page, _ := strconv.Atoi(v.Get("page"))
	page = max(page, 1)
	data := searchPage{Title: "Search", Query: q, Site: site, From: from, To: to}
	if q == "" {
		data.Error = "Type a URL, or words to find in the archived pages."
		s.render(w, http.StatusBadRequest, "search.html", data)
		return
	}
	sq := index.SearchQuery{Words: q, Site: site, From: dateParam(from), To: dateParam(to),
		Limit: searchPageSize, Offset: (page - 1) * searchPageSize}
	res, err := s.idx.Search(r.Context(), sq)
	if errors.Is(err, index.ErrBadQuery) {
		data.Error = badSearchMessage(err)
		s.render(w, http.StatusBadRequest, "search.html", data)
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	data.Title = q + " · search"
	data.Results = groupHits(res.Hits)
	data.Total, data.More = res.Total, res.More
	if len(res.Hits) > 0 {
		data.First, data.Last = sq.Offset+1, sq.Offset+len(res.Hits)
	}
	link := func(p int) string {
		u := url.Values{"q": {q}}
		for k, val := range map[string]string{"site": site, "from": from, "to": to} {
			if val != "" {
				u.Set(k, val)
			}
		}
		if p > 1 {
			u.Set("page", strconv.Itoa(p))
		}
		return "/search?" + u.Encode()
	}
	if page > 1 {
		data.Prev = link(page - 1)
	}
	if data.Last > 0 && data.Last < res.Total {
		data.Next = link(page + 1)
	}
	s.render(w, http.StatusOK, "search.html", data)
}

// searchPage is the data of the search results template.
type searchPage struct {
	Title, Query, Site, From, To string
	Error                        string
	Results                      []searchResult
	Total, First, Last           int
	More                         bool // more than Total pages match
	Prev, Next                   string
}

// searchResult is one URL among the hits: its best capture, and the other
// captures of it that came right after it in the hits (the same text, or
// nearly).
type searchResult struct {
	Title, URL, Host, SiteName, When, Replay, Calendar string
	Snippet                                            template.HTML // escaped by the index, with <mark>s
	Also                                               []alsoCapture
}

type alsoCapture struct{ When, Replay string }

// groupHits makes one result of consecutive hits of the same URL: captures
// of a page whose text did not change rank the same, and a page captured
// daily would otherwise fill the results with copies of itself.
func groupHits(hits []index.SearchHit) []searchResult {
	var out []searchResult
	for _, h := range hits {
		p := h.Page
		when := captureTime(p.Timestamp).Format(timeFormat)
		replay := mementoURL(Prefix, p.Timestamp, "", p.URL)
		if n := len(out); n > 0 && out[n-1].URL == p.URL {
			out[n-1].Also = append(out[n-1].Also, alsoCapture{When: when, Replay: replay})
			continue
		}
		host := ""
		if u, err := url.Parse(p.URL); err == nil {
			host = u.Host
		}
		out = append(out, searchResult{
			Title: p.Title, URL: p.URL, Host: host, SiteName: p.SiteName, When: when, Replay: replay,
			Calendar: Prefix + "*/" + p.URL,
			Snippet:  template.HTML(h.Snippet), // index.Search escapes the text and adds only <mark> elements
		})
	}
	return out
}

// timeFormat is how the search results give a capture's time.
const timeFormat = "2006-01-02 15:04:05 UTC"

// dateParam turns a date input's "2014-08-12" into the timestamp prefix
// "20140812"; digits pass as they are, and anything else goes to the index
// unchanged, to be refused there.
func dateParam(d string) string {
	if len(d) == 10 && d[4] == '-' && d[7] == '-' {
		return d[:4] + d[5:7] + d[8:]
	}
	return d
}

func badSearchMessage(err error) string {
	msg := strings.TrimPrefix(err.Error(), index.ErrBadQuery.Error()+": ")
	if strings.Contains(msg, "no words") {
		return "Type a URL, or words to find in the archived pages (punctuation alone finds nothing)."
	}
	return "This search cannot be run: " + msg + "."
}

// isURLQuery tells a URL (or URL prefix) typed in the search box from
// words. A scheme ("https://…") makes a URL; a space makes words; otherwise
// the text up to the first "/", "?" or "#" must read as a host: a name of
// two or more dot-separated labels of letters, digits and hyphens whose
// last label is not a number ("example.com", "news.example/story*"), an
// IPv4 address, or either with a port ("localhost:8080/" too). So
// "servicemen", "front*", "3.5" and "U.S." are words.
func isURLQuery(q string) bool {
	if strings.Contains(q, "://") {
		return true
	}
	if strings.ContainsFunc(q, unicode.IsSpace) {
		return false
	}
	host := q
	if i := strings.IndexAny(host, "/?#"); i >= 0 {
		host = host[:i]
	}
	host = strings.TrimSuffix(host, "*")
	if h, port, ok := strings.Cut(host, ":"); ok {
		if _, err := strconv.ParseUint(port, 10, 16); err != nil {
			return false
		}
		return h != "" && (h == "localhost" || isHostName(h))
	}
	return isHostName(host)
}

// isHostName reports whether h is a dotted host name or IPv4 address.
func isHostName(h string) bool {
	h = strings.TrimPrefix(h, "*.") // the domain form of a prefix query
	labels := strings.Split(h, ".")
	if len(labels) < 2 {
		return false
	}
	numeric := 0
	for _, l := range labels {
		if l == "" || strings.HasPrefix(l, "-") || strings.HasSuffix(l, "-") {
			return false
		}
		digits := true
		for _, r := range l {
			if !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '-' {
				return false
			}
			digits = digits && unicode.IsDigit(r)
		}
		if digits {
			numeric++
		}
	}
	if numeric == len(labels) {
		return len(labels) == 4 // an IPv4 address
	}
	last := labels[len(labels)-1]
	return strings.IndexFunc(last, func(r rune) bool { return !unicode.IsDigit(r) }) >= 0
}
