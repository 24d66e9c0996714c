package replay

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/vellumhq/vellum/index"
	"github.com/vellumhq/vellum/warc"
)

// CDXOptions configures CDXHandler.
type CDXOptions struct {
	// MaxLimit caps the captures one query returns, whatever its limit=
	// says (pywb's query_limit). Default DefaultCDXMaxLimit.
	MaxLimit int
	// PageSize is the captures of a page when page= is given and pageSize=
	// is not. Default 1000 (capped by MaxLimit).
	PageSize int
	// Prefix, when set ("/web/" or "http://host:port/web/"), makes
	// output=link list memento URIs Prefix+timestamp+"/"+url, as a TimeMap
	// does. Without it the links are the archived URLs themselves, as
	// pywb's CDX server gives them.
	Prefix string
}

// DefaultCDXMaxLimit is CDXOptions.MaxLimit's default.
const DefaultCDXMaxLimit = 10000

// Bounds on the filters of one request: their regular expressions are
// compiled for every request.
const (
	maxCDXFilters   = 16
	maxCDXFilterLen = 1024
)

// CDX output formats and their content types, as pywb serves them.
var cdxContentTypes = map[string]string{
	"cdxj": "text/x-cdxj",
	"json": "text/x-ndjson",
	"link": "application/link-format",
	"text": "text/plain",
}

// CDXHandler serves pywb's CDX server API over idx (see pywb's
// cdxserver_api documentation):
//
//	/web/cdx?url=example.com/*&from=2014&to=2015&filter==status:200&fl=url,timestamp&output=json
//
// Parameters: url (required; "*" suffix: prefix, "*." prefix: domain),
// matchType (exact, prefix, host, domain), from and to (0–14 digit
// timestamps, inclusive), limit (capped by MaxLimit; negative: the last N),
// sort (reverse, or closest with closest=<timestamp>; closest= alone sorts
// too, as in pywb), filter (repeatable, ANDed: [!][=|~]field:expression; no
// modifier: the field contains it, "=": equals, "~": a regular expression
// matches at its start, "!": not), fl (fields to write, comma-separated),
// output (cdxj, the default; json: one object a line; link: Memento links;
// text: space-separated fields), page and pageSize (a page of the results;
// showNumPages=true counts them). Fields: urlkey, timestamp, url, mime,
// status, digest, length, offset, filename; all values are strings, and
// status and digest are left out when the capture has none, as in its CDXJ
// line. Bad parameters get a 400 with one line naming the parameter.
// Results are streamed: nothing is buffered beyond 32 KiB.
func CDXHandler(idx Lookuper, opts CDXOptions) http.Handler {
	if opts.MaxLimit <= 0 {
		opts.MaxLimit = DefaultCDXMaxLimit
	}
	if opts.PageSize <= 0 {
		opts.PageSize = 1000
	}
	opts.PageSize = min(opts.PageSize, opts.MaxLimit)
	return &cdxHandler{idx: idx, opts: opts}
}

// Lookuper streams the captures an index query selects, in the order
// index.Index.Lookup gives them: what the CDX API reads of an index.
type Lookuper interface {
	Lookup(ctx context.Context, q index.Query, fn func(index.Capture) error) error
}

type cdxHandler struct {
	idx  Lookuper
	opts CDXOptions
}

// cdxRequest is a parsed CDX API request.
type cdxRequest struct {
	q         index.Query
	output    string
	fields    []cdxField // nil: the format's default fields
	filters   []cdxFilter
	lastN     bool // a negative limit: the last q.Limit captures
	skip      int  // captures before the requested page
	pageSize  int
	countOnly bool // showNumPages
}

func (h *cdxHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	req, err := h.parse(r.URL.Query())
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	out := newCDXWriter(w, cdxContentTypes[req.output])
	defer out.release()
	if err := h.serve(r.Context(), req, out); err != nil {
		if out.started {
			// Part of the answer is out: cut the connection so that the
			// client sees a broken response, not a short one.
			panic(http.ErrAbortHandler)
		}
		var qe *index.QueryError
		var pe paramError
		switch {
		case errors.As(err, &qe):
			http.Error(w, qe.Param+": "+qe.Reason, http.StatusBadRequest)
		case errors.As(err, &pe):
			http.Error(w, string(pe), http.StatusBadRequest)
		case r.Context().Err() != nil:
		default:
			http.Error(w, "index lookup failed: "+err.Error(), http.StatusInternalServerError)
		}
		return
	}
	out.finish() //nolint:errcheck // the client went away: nothing to tell it
}

// paramError is a bad parameter found while answering.
type paramError string

func (e paramError) Error() string { return string(e) }

// parse checks the parameters of a request.
func (h *cdxHandler) parse(v url.Values) (*cdxRequest, error) {
	req := &cdxRequest{output: "cdxj", pageSize: h.opts.PageSize}
	q := &req.q
	if q.URL = v.Get("url"); q.URL == "" {
		return nil, errors.New("url: required, as in cdx?url=example.com/")
	}
	q.MatchType = index.MatchType(v.Get("matchType"))
	q.From, q.To = v.Get("from"), v.Get("to")
	if o := v.Get("output"); o != "" {
		if _, ok := cdxContentTypes[o]; !ok {
			return nil, fmt.Errorf("output: %q is not cdxj, json, link or text", o)
		}
		req.output = o
	}
	switch s := v.Get("sort"); s {
	case "", "default":
	case "reverse":
		q.Reverse = true
	case "closest":
		if v.Get("closest") == "" {
			return nil, errors.New("closest: sort=closest needs closest=<timestamp>")
		}
	default:
		return nil, fmt.Errorf("sort: %q is not reverse or closest", s)
	}
	if c := v.Get("closest"); c != "" {
		ts, err := warc.PadTimestamp(c)
		if err != nil {
			return nil, fmt.Errorf("closest: %w", err)
		}
		q.Closest, q.Reverse = ts, false
	}
	q.Limit = h.opts.MaxLimit
	if l := v.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil {
			return nil, fmt.Errorf("limit: %q is not an integer", l)
		}
		if n < 0 {
			if q.Closest != "" {
				return nil, errors.New("limit: a negative limit (the last N) does not go with sort=closest")
			}
			req.lastN, n = true, -n
		}
		if n != 0 {
			q.Limit = min(n, h.opts.MaxLimit)
		}
	}
	if err := h.parsePage(v, req); err != nil {
		return nil, err
	}
	fl := v.Get("fl")
	if fl == "" {
		fl = v.Get("fields")
	}
	if fl != "" {
		for name := range strings.SplitSeq(fl, ",") {
			f, ok := cdxFieldNamed(strings.TrimSpace(name))
			if !ok {
				return nil, fmt.Errorf("fl: unknown field %q", name)
			}
			req.fields = append(req.fields, f)
		}
	}
	filters := v["filter"]
	if len(filters) > maxCDXFilters {
		return nil, fmt.Errorf("filter: more than %d filters", maxCDXFilters)
	}
	for _, s := range filters {
		f, err := parseCDXFilter(s)
		if err != nil {
			return nil, err
		}
		req.filters = append(req.filters, f)
	}
	if len(req.filters) > 0 {
		scratch := make([]byte, 0, 512)
		q.Filter = func(c *index.Capture) bool {
			for i := range req.filters {
				if !req.filters[i].match(c, &scratch) {
					return false
				}
			}
			return true
		}
	}
	return req, nil
}

// parsePage reads page, pageSize and showNumPages.
func (h *cdxHandler) parsePage(v url.Values, req *cdxRequest) error {
	if s := v.Get("pageSize"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			return fmt.Errorf("pageSize: %q is not a positive integer", s)
		}
		req.pageSize = min(n, h.opts.MaxLimit)
	}
	req.countOnly = v.Get("showNumPages") == "true"
	s := v.Get("page")
	if s == "" {
		return nil
	}
	page, err := strconv.Atoi(s)
	if err != nil || page < 0 {
		return fmt.Errorf("page: %q is not a page number (0, 1, ...)", s)
	}
	if req.lastN {
		return errors.New("page: pages do not go with a negative limit")
	}
	// page*pageSize must not overflow: a negative skip made the limit 0,
	// which the index reads as no limit at all.
	if page > (math.MaxInt-req.pageSize)/req.pageSize {
		return fmt.Errorf("page: %q is past any page there can be", s)
	}
	req.skip = page * req.pageSize
	req.q.Limit = min(req.q.Limit, req.skip+req.pageSize)
	return nil
}

// serve looks the captures up and writes them.
func (h *cdxHandler) serve(ctx context.Context, req *cdxRequest, out *cdxWriter) error {
	if req.countOnly {
		n := 0
		req.q.Limit = 0
		if err := h.idx.Lookup(ctx, req.q, func(index.Capture) error { n++; return nil }); err != nil {
			return err
		}
		pages := max(1, (n+req.pageSize-1)/req.pageSize)
		out.contentType = "application/json"
		out.buf = fmt.Appendf(out.buf, `{"blocks": %d, "pages": %d, "pageSize": %d}`+"\n", n, pages, req.pageSize)
		return nil
	}
	if req.lastN {
		// The last N of an order are the first N of the opposite one.
		q := req.q
		q.Reverse = !q.Reverse
		var caps []index.Capture
		if err := h.idx.Lookup(ctx, q, func(c index.Capture) error { caps = append(caps, c); return nil }); err != nil {
			return err
		}
		slices.Reverse(caps)
		for i := range caps {
			h.write(req, out, &caps[i])
			if err := out.flushIfFull(); err != nil {
				return err
			}
		}
		return nil
	}
	seen := 0
	err := h.idx.Lookup(ctx, req.q, func(c index.Capture) error {
		if seen++; seen > req.skip {
			h.write(req, out, &c)
		}
		return out.flushIfFull()
	})
	if err == nil && req.skip > 0 && seen <= req.skip {
		return paramError(fmt.Sprintf("page: past the last page (%d captures, %d a page)", seen, req.pageSize))
	}
	return err
}

// write appends one capture in the request's format.
func (h *cdxHandler) write(req *cdxRequest, out *cdxWriter, c *index.Capture) {
	switch req.output {
	case "json":
		out.buf = appendCDXJSON(out.buf, c, req.fields)
	case "text":
		out.buf = appendCDXText(out.buf, c, req.fields)
	case "link":
		if out.lines > 0 {
			out.buf = append(out.buf, ",\n"...)
		}
		out.buf = appendMementoLink(out.buf, h.opts.Prefix, c, "memento")
	default:
		out.buf = appendCDXJ(out.buf, c, req.fields)
	}
	out.lines++
}

// cdxWriter streams a response: it buffers up to 32 KiB before the first
// write, so a query that fails early still gets an error status.
type cdxWriter struct {
	w           http.ResponseWriter
	contentType string
	buf         []byte
	lines       int
	started     bool
}

const cdxFlushSize = 32 << 10

var cdxBufs = sync.Pool{New: func() any { b := make([]byte, 0, cdxFlushSize+4096); return &b }}

func newCDXWriter(w http.ResponseWriter, contentType string) *cdxWriter {
	return &cdxWriter{w: w, contentType: contentType, buf: (*cdxBufs.Get().(*[]byte))[:0]}
}

func (o *cdxWriter) flushIfFull() error {
	if len(o.buf) < cdxFlushSize {
		return nil
	}
	o.start()
	_, err := o.w.Write(o.buf)
	o.buf = o.buf[:0]
	return err
}

func (o *cdxWriter) start() {
	if !o.started {
		o.started = true
		h := o.w.Header()
		h.Set("Content-Type", o.contentType)
		h.Set("X-Content-Type-Options", "nosniff")
	}
}

// finish writes what is left; a link-format list ends with a newline.
func (o *cdxWriter) finish() error {
	if o.contentType == cdxContentTypes["link"] && o.lines > 0 {
		o.buf = append(o.buf, '\n')
	}
	if !o.started {
		// All of it is here: a length instead of chunks saves a write.
		o.w.Header().Set("Content-Length", strconv.Itoa(len(o.buf)))
	}
	o.start()
	if len(o.buf) == 0 {
		return nil
	}
	_, err := o.w.Write(o.buf)
	return err
}

func (o *cdxWriter) release() {
	if cap(o.buf) <= 4*cdxFlushSize {
		b := o.buf[:0]
		cdxBufs.Put(&b)
	}
	o.buf = nil
}
