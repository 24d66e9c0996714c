package replay

import (
	"net/http"
	"strings"

	"github.com/vellumhq/vellum/index"
	"github.com/vellumhq/vellum/warc"
)

// handleTimeGate answers /web/<url>: a 302 to the memento closest to the
// Accept-Datetime header (RFC 7089), or to the latest one without it.
func (s *Server) handleTimeGate(w http.ResponseWriter, r *http.Request, rest string) {
	original, err := normalizeArchived(rest, r.URL.RawQuery)
	if err != nil {
		s.badRequest(w, r, err.Error())
		return
	}
	key, err := warc.SURT(original)
	if err != nil {
		s.badRequest(w, r, err.Error())
		return
	}
	want := "99991231235959"
	if ad := r.Header.Get("Accept-Datetime"); ad != "" {
		t, err := http.ParseTime(ad)
		if err != nil {
			s.badRequest(w, r, "Accept-Datetime: not an HTTP date: "+ad)
			return
		}
		want = warc.Timestamp14(t)
	}
	caps, err := s.idx.Closest(r.Context(), key, want, 1)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if len(caps) == 0 {
		s.notArchived(w, r, original)
		return
	}
	c := caps[0]
	h := w.Header()
	h.Set("Vary", "accept-datetime")
	h.Set("Link", LinkHeader(s.uiPrefix(), c.URL, nil, nil, nil, nil))
	redirect(w, mementoURL(Prefix, c.Timestamp, "", c.URL), http.StatusFound)
}

// handleTimeMap answers /web/timemap/<link|json|cdxj>/<url>.
func (s *Server) handleTimeMap(w http.ResponseWriter, r *http.Request, rest string) {
	format, target, ok := strings.Cut(rest, "/")
	if !ok || (format != "link" && format != "json" && format != "cdxj") {
		s.badRequest(w, r, "TimeMap format must be link, json or cdxj: /web/timemap/link/<url>")
		return
	}
	original, err := normalizeArchived(target, r.URL.RawQuery)
	if err != nil {
		s.badRequest(w, r, err.Error())
		return
	}
	_, caps, ok := s.capturesOf(w, r, original)
	if !ok {
		return
	}
	if err := TimeMap(w, format, original, s.uiPrefix(), caps); err != nil {
		s.log.Debug("timemap", "err", err)
	}
}

// uniqueMementos drops, from captures in time order, those that name the
// same memento as a later one (same timestamp and URL: the same capture
// in two files, or attempts within one second), so TimeMaps and calendars
// list each memento once. The last is kept, as replay prefers the final
// attempt. caps is reused.
func uniqueMementos(caps []index.Capture) []index.Capture {
	out := caps[:0]
	for i := 0; i < len(caps); {
		j := i + 1
		for j < len(caps) && caps[j].Timestamp == caps[i].Timestamp {
			j++
		}
		if j-i == 1 {
			out = append(out, caps[i])
			i = j
			continue
		}
		last := make(map[string]int, j-i) // URL → its last capture in this second
		for k := i; k < j; k++ {
			last[caps[k].URL] = k
		}
		for k := i; k < j; k++ {
			if last[caps[k].URL] == k {
				out = append(out, caps[k])
			}
		}
		i = j
	}
	return out
}
