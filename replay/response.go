package replay

import (
	"context"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/vellumhq/vellum/index"
	"github.com/vellumhq/vellum/replay/rewrite"
	"github.com/vellumhq/vellum/warc"
)

// loadTries is how many of the closest captures are tried when the closest
// cannot be read (a missing or damaged WARC file).
const loadTries = 3

// serveMemento replays the capture of mr.URL closest to mr.Timestamp.
func (s *Server) serveMemento(w http.ResponseWriter, r *http.Request, mr mementoRequest) {
	ctx := r.Context()
	key, err := warc.SURT(mr.URL)
	if err != nil {
		s.badRequest(w, r, err.Error())
		return
	}
	caps, err := s.idx.Closest(ctx, key, mr.Want, loadTries)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if len(caps) == 0 {
		s.notArchived(w, r, mr.URL)
		return
	}
	var p *payload
	var c index.Capture
	var lastErr error
	for _, c = range caps {
		if p, err = s.load(ctx, c); err == nil {
			break
		}
		lastErr = err
		s.log.Warn("capture unreadable", "url", c.URL, "ts", c.Timestamp, "file", c.Filename, "offset", c.Offset, "err", err)
	}
	if p == nil {
		s.unreadable(w, r, mr.URL, lastErr)
		return
	}
	defer p.Close()
	if c.Timestamp != mr.Timestamp && (mr.Mod == modNone || mr.Mod == modMain) {
		// Pages redirect to their exact memento URL, so relative URLs and
		// the address bar name the capture served. The redirect is no
		// memento: a Link header, no Memento-Datetime (RFC 7089 §2.1.1).
		w.Header().Set("Link", LinkHeader(s.uiPrefix(), c.URL, nil, nil, nil, nil))
		redirect(w, mementoURL(s.prefixFor(mr), c.Timestamp, mr.Mod, c.URL), http.StatusFound)
		return
	}
	var all []index.Capture
	if mr.Mod == modNone || mr.Mod == modMain || mr.Mod == modIframe {
		all, _ = s.idx.Captures(ctx, key) // for prev/next links; embeds skip it
	}
	s.mementoHeaders(w, c, all)
	s.writePayload(w, r, mr, c, p, all)
}

// prefixFor is the memento prefix URLs inside this response point to.
func (s *Server) prefixFor(mr mementoRequest) string {
	if s.framed() && mr.Mod != modNone {
		return s.contentPrefix()
	}
	return Prefix
}

// mementoHeaders sets Memento-Datetime, Link and the content security policy.
func (s *Server) mementoHeaders(w http.ResponseWriter, c index.Capture, all []index.Capture) {
	h := w.Header()
	h.Set("Memento-Datetime", httpDate(c.Timestamp))
	var first, prev, next, last *index.Capture
	for i := range all {
		if all[i].Timestamp == c.Timestamp && all[i].Offset == c.Offset && all[i].Filename == c.Filename {
			first, last = &all[0], &all[len(all)-1]
			if i > 0 {
				prev = &all[i-1]
			}
			if i+1 < len(all) {
				next = &all[i+1]
			}
		}
	}
	h.Set("Link", LinkHeader(s.uiPrefix(), c.URL, first, prev, next, last))
	h.Add("Content-Security-Policy", s.contentCSP()) // Add: serveWeb may have set a stricter one
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
}

// uiPrefix is the absolute-or-relative prefix of TimeGates and TimeMaps.
func (s *Server) uiPrefix() string { return s.opts.UIOrigin + Prefix }

// contentCSP confines everything a replayed page loads to the origin it is
// served from: no request can reach the live web. Navigations are confined
// too: frames (no data: or blob: documents) and forms to the same origin,
// no popups and no navigation of the top window (sandbox without
// allow-popups and allow-top-navigation). What the page does to its own
// window's location is the framing UI's to confine (frame-src), and the
// runtime script's, which also removes WebRTC: Chromium ignores the CSP
// webrtc directive (kept for browsers that honour it).
func (s *Server) contentCSP() string {
	ancestors := "'self'"
	if s.framed() && s.opts.UIOrigin != "" {
		ancestors = "'self' " + s.opts.UIOrigin
	}
	return "default-src 'self' 'unsafe-inline' 'unsafe-eval' data: blob:; " +
		"frame-src 'self'; form-action 'self'; base-uri 'self'; frame-ancestors " + ancestors + "; " +
		"sandbox " + contentSandbox + "; webrtc 'block'"
}

// contentSandbox are the sandbox flags of archived content, in its CSP and
// on the UI's frame: the content keeps its own origin (its scripts, forms,
// cookies and storage work) but opens no window and cannot move the top.
const contentSandbox = "allow-scripts allow-same-origin allow-forms allow-modals allow-downloads"

// inertCSP is added to archived bytes opened as a page on the content
// origin outside the UI's frame: nothing in them runs or loads.
const inertCSP = "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:"

// writePayload sends an archived response: raw for id_, rewritten for HTML
// and CSS, streamed (with Range support) for everything else.
func (s *Server) writePayload(w http.ResponseWriter, r *http.Request, mr mementoRequest, c index.Capture, p *payload, all []index.Capture) {
	h := w.Header()
	prefix := s.prefixFor(mr)
	copyArchivedHeader(h, p.header, mr.Mod == modRaw)
	if loc := p.header.Get("Location"); loc != "" && p.status >= 300 && p.status < 400 {
		if abs, err := resolve(c.URL, loc); err == nil {
			h.Set("Location", mementoURL(prefix, c.Timestamp, mr.Mod, abs))
		}
	}
	ct := p.header.Get("Content-Type")
	mt, _, _ := mime.ParseMediaType(ct)
	isHTML := mt == "text/html" || mt == "application/xhtml+xml"
	isCSS := mt == "text/css" || (mr.Mod == modCSS && !isHTML && mt != "application/javascript" && mt != "text/javascript")
	rewriting := mr.Mod != modRaw && ((isHTML && mr.Mod != modJS && mr.Mod != modCSS) || isCSS)
	if !rewriting {
		s.writeRaw(w, r, p, mr.Mod == modRaw)
		return
	}
	body, err := decodedBody(p)
	if err != nil { // an encoding we cannot undo: the browser gets it as archived
		s.writeRaw(w, r, p, true)
		return
	}
	h.Del("Content-Encoding")
	h.Del("Content-Length")
	w.WriteHeader(p.status)
	if r.Method == http.MethodHead {
		return
	}
	base, _ := url.Parse(c.URL)
	u := &rewrite.URLRewriter{Prefix: prefix, Timestamp: c.Timestamp, Base: base}
	if isHTML {
		err = rewrite.HTML(w, body, u, s.htmlInserts(r.Context(), mr, c, all))
	} else {
		err = rewrite.CSS(w, body, u)
	}
	if err != nil && !errors.Is(err, context.Canceled) {
		s.log.Debug("rewrite ended early", "url", c.URL, "err", err)
	}
}

// writeRaw streams the entity as archived. Without Content-Encoding and
// with a known length, a single byte range is honoured (206), so media
// seeks work.
func (s *Server) writeRaw(w http.ResponseWriter, r *http.Request, p *payload, keepEncoding bool) {
	h := w.Header()
	if !keepEncoding && p.header.Get("Content-Encoding") != "" {
		h.Set("Content-Encoding", p.header.Get("Content-Encoding"))
	}
	status, body, n := p.status, p.body, p.size
	if n >= 0 && p.header.Get("Content-Encoding") == "" && status == http.StatusOK {
		h.Set("Accept-Ranges", "bytes")
		if start, end, ok := parseRange(r.Header.Get("Range"), n); ok {
			if _, err := io.CopyN(io.Discard, body, start); err != nil {
				s.unreadable(w, r, "", err)
				return
			}
			h.Set("Content-Range", "bytes "+itoa(start)+"-"+itoa(end)+"/"+itoa(n))
			status, n = http.StatusPartialContent, end-start+1
		} else if r.Header.Get("Range") != "" && !ok && rangeUnsatisfiable(r.Header.Get("Range"), n) {
			h.Set("Content-Range", "bytes */"+itoa(n))
			w.WriteHeader(http.StatusRequestedRangeNotSatisfiable)
			return
		}
	}
	if n >= 0 {
		h.Set("Content-Length", itoa(n))
	}
	w.WriteHeader(status)
	if r.Method == http.MethodHead || n == 0 {
		return
	}
	if n > 0 {
		body = io.LimitReader(body, n)
	}
	buf := copyBufs.Get().(*[]byte)
	defer copyBufs.Put(buf)
	_, _ = io.CopyBuffer(w, body, *buf)
}

// resolve makes loc absolute against base.
func resolve(base, loc string) (string, error) {
	b, err := url.Parse(base)
	if err != nil {
		return "", err
	}
	u, err := b.Parse(strings.TrimSpace(loc))
	if err != nil {
		return "", err
	}
	return u.String(), nil
}
