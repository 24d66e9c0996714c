package replay

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/vellumhq/vellum/index"
	"github.com/vellumhq/vellum/storage"
	"github.com/vellumhq/vellum/warc"
)

// Prefix is where mementos live: /web/<ts><mod>/<url>.
const Prefix = "/web/"

// Options configure a Server.
type Options struct {
	// ContentOrigin, when set ("http://localhost:8081"), is the separate
	// origin archived content is served from: the UI then frames it, so
	// archived scripts can never act on the UI. It needs a host name other
	// than the UI's, since cookies ignore ports. Empty: one origin for both,
	// and archived scripts run on the UI's origin.
	ContentOrigin string
	// UIOrigin is the UI's own origin ("http://127.0.0.1:8080"), allowed to
	// frame content when ContentOrigin is set; top-level content pages are
	// sent to it to be framed.
	UIOrigin string
	// Banner shows the capture bar on replayed pages.
	Banner bool
	// RunLive tells whether a run recorded as running is really going on;
	// nil takes the record's word. The run pages show the others as
	// crashed.
	RunLive func(id string) bool
	// SaveNow, when set, puts the Save Page Now form on the home page:
	// sign in once with an API token, then queue captures through it.
	SaveNow SaveNow
	Logger  *slog.Logger
}

// Index is what the replay server reads of the capture index
// (*index.Index is one): captures by URL and time, the pages with article
// metadata and their full-text search, and the run history with its
// changes and problems.
type Index interface {
	Lookuper
	Closest(ctx context.Context, urlkey, ts string, n int) ([]index.Capture, error)
	Captures(ctx context.Context, urlkey string) ([]index.Capture, error)
	Count(ctx context.Context) (int64, error)
	RecentPages(ctx context.Context, n int) ([]index.Page, error)
	PageHeads(ctx context.Context, urlkey string) ([]index.Page, error)
	PageAt(ctx context.Context, urlkey, ts string) (index.Page, bool, error)
	Search(ctx context.Context, q index.SearchQuery) (index.SearchResults, error)
	Runs(ctx context.Context, job string, n int) ([]index.Run, error)
	GetRun(ctx context.Context, id string) (index.Run, bool, error)
	Changes(ctx context.Context, runID, kind string) ([]index.Change, error)
	FrontierChanges(ctx context.Context, runID string) ([]index.Change, error)
	Problems(ctx context.Context, runID string) ([]index.Problem, error)
	RunFiles(ctx context.Context, runID string) ([]index.RunFile, error)
}

var _ Index = (*index.Index)(nil)

// Server replays an archive over HTTP. It is an http.Handler for the UI
// origin; ContentHandler serves the content origin when there is one.
type Server struct {
	idx   Index
	store storage.Store
	opts  Options
	log   *slog.Logger
	ui    *http.ServeMux

	sessions *sessions // Save Page Now's; nil without Options.SaveNow
}

// NewServer returns the replay server of an index whose records are read
// through store (keys are the index's file names).
func NewServer(idx Index, store storage.Store, opts Options) *Server {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	opts.ContentOrigin = strings.TrimSuffix(opts.ContentOrigin, "/")
	opts.UIOrigin = strings.TrimSuffix(opts.UIOrigin, "/")
	s := &Server{idx: idx, store: store, opts: opts, log: opts.Logger.With("component", "replay")}
	s.ui = http.NewServeMux()
	s.ui.HandleFunc("GET /{$}", s.handleHome)
	s.ui.HandleFunc("GET /search", s.handleSearch)
	s.ui.HandleFunc("GET /_vellum/{file}", s.handleAsset)
	s.ui.Handle("GET /web/cdx", CDXHandler(idx, CDXOptions{}))
	s.ui.HandleFunc("GET /runs", s.handleRuns)
	s.ui.HandleFunc("GET /runs/{id}", s.handleRun)
	s.ui.HandleFunc("GET /runs/{id}/diff", s.handleDiff)
	s.ui.HandleFunc("GET /diff", s.handleCompare)
	if opts.SaveNow != nil {
		s.sessions = newSessions(secureOrigin(opts.UIOrigin))
		s.ui.HandleFunc("POST /save/signin", s.handleSignIn)
		s.ui.HandleFunc("POST /save/signout", s.handleSignOut)
		s.ui.HandleFunc("POST /save", s.handleSave)
		s.ui.HandleFunc("GET /save/{id}", s.handleSaveStatus)
	}
	return s
}

// framed reports whether content has an origin of its own.
func (s *Server) framed() bool { return s.opts.ContentOrigin != "" }

// contentPrefix is the prefix of memento URLs inside replayed content.
func (s *Server) contentPrefix() string { return s.opts.ContentOrigin + Prefix }

// ServeHTTP serves the UI origin. /web/ paths are routed by hand: their
// archived URLs hold "//", which ServeMux would "clean" with a redirect.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if rest, ok := requestRest(r, Prefix); ok && rest != "cdx" {
		s.serveWeb(w, r, rest, false)
		return
	}
	s.ui.ServeHTTP(w, r)
}

// ContentHandler serves the content origin: mementos and the scripts
// replayed pages load, nothing of the UI.
func (s *Server) ContentHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if rest, ok := requestRest(r, Prefix); ok && rest != "cdx" {
			s.serveWeb(w, r, rest, true)
			return
		}
		if strings.HasPrefix(r.URL.Path, "/_vellum/") {
			r.SetPathValue("file", strings.TrimPrefix(r.URL.Path, "/_vellum/"))
			s.handleAsset(w, r)
			return
		}
		s.notFound(w, r, "This address serves archived content only.")
	})
}

// serveWeb dispatches a /web/ request: a memento, a TimeGate, a TimeMap or
// a calendar. onContent is true on the content origin.
func (s *Server) serveWeb(w http.ResponseWriter, r *http.Request, rest string, onContent bool) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	switch {
	case strings.HasPrefix(rest, "timemap/"):
		s.handleTimeMap(w, r, strings.TrimPrefix(rest, "timemap/"))
		return
	case strings.HasPrefix(rest, "*/"):
		if onContent {
			s.notFound(w, r, "Calendars are served by the UI.")
			return
		}
		s.handleCalendar(w, r, strings.TrimPrefix(rest, "*/"), "")
		return
	}
	if sel, u, ok := calendarPath(rest); ok {
		if onContent {
			s.notFound(w, r, "Calendars are served by the UI.")
			return
		}
		s.handleCalendar(w, r, u, sel)
		return
	}
	mr, ok, err := parseMementoPath(rest, r.URL.RawQuery)
	if err != nil {
		s.badRequest(w, r, err.Error())
		return
	}
	if !ok {
		s.handleTimeGate(w, r, rest)
		return
	}
	if mr.Want, err = warc.PadTimestamp(mr.Timestamp); err != nil {
		s.badRequest(w, r, err.Error())
		return
	}
	page := mr.Mod == modNone || mr.Mod == modMain
	switch {
	case !onContent && s.framed() && page:
		s.handleFrame(w, r, mr)
		return
	case !onContent && s.framed():
		// Archived bytes never come from the UI's origin, not even raw ones.
		redirect(w, s.opts.ContentOrigin+r.URL.RequestURI(), http.StatusFound)
		return
	case onContent && topLevel(r) && (page || mr.Mod == modIframe) && s.opts.UIOrigin != "":
		// Opened on its own (a typed address, a popup), the page would be
		// free to navigate anywhere: it is shown framed by the UI instead.
		redirect(w, mementoURL(s.uiPrefix(), mr.Timestamp, "", mr.URL), http.StatusFound)
		return
	case onContent && topLevel(r):
		// Raw bytes or an embed opened as a page: shown inert, no script runs.
		w.Header().Add("Content-Security-Policy", inertCSP)
	}
	if onContent && mr.Mod == modNone {
		mr.Mod = modMain // a link followed inside the frame
	}
	s.serveMemento(w, r, mr)
}

// topLevel reports a request for a top-level document: the address bar or
// a new window, not a frame or a subresource.
func topLevel(r *http.Request) bool { return r.Header.Get("Sec-Fetch-Dest") == "document" }

// redirect sends a redirect to loc as given: http.Redirect would clean the
// path and turn the archived URL's "//" into "/".
func redirect(w http.ResponseWriter, loc string, code int) {
	w.Header().Set("Location", loc)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(code)
	fmt.Fprintf(w, "<a href=\"%s\">%s</a>\n", template.HTMLEscapeString(loc), http.StatusText(code))
}

// mementoURL is the replay URL of a capture.
func mementoURL(prefix, ts, mod, original string) string {
	return prefix + ts + mod + "/" + original
}

// normalizeArchived makes the archived URL of a TimeGate or calendar request.
func normalizeArchived(rest, rawQuery string) (string, error) {
	if rest == "" {
		return "", errors.New("no URL given")
	}
	u, err := archivedURL(rest, rawQuery)
	if err != nil {
		return "", err
	}
	if _, err := url.Parse(u); err != nil {
		return "", fmt.Errorf("not a URL: %q", u)
	}
	return u, nil
}
