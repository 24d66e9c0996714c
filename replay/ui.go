package replay

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"html/template"
	"net/http"
	"path"
	"strings"

	"github.com/vellumhq/vellum/index"
	"github.com/vellumhq/vellum/replay/rewrite"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed assets/*
var assetFS embed.FS

var templates = template.Must(template.New("").Funcs(template.FuncMap{"wbr": wbrURL}).ParseFS(templateFS, "templates/*.html"))

// wbrURL is a URL for display that may wrap after each "/", "?" and "&"
// rather than anywhere: long URLs break at path boundaries.
func wbrURL(u string) template.HTML {
	var b strings.Builder
	start := 0
	for i := 0; i < len(u); i++ {
		if c := u[i]; (c == '/' || c == '?' || c == '&') && i+1 < len(u) && u[i+1] != '/' {
			b.WriteString(template.HTMLEscapeString(u[start : i+1]))
			b.WriteString("<wbr>")
			start = i + 1
		}
	}
	b.WriteString(template.HTMLEscapeString(u[start:]))
	return template.HTML(b.String())
}

// uiCSP is the policy of the UI's own pages: its scripts and styles only,
// and frames from the content origin.
func (s *Server) uiCSP() string {
	frame := "'self'"
	if s.framed() {
		frame = s.opts.ContentOrigin
	}
	return "default-src 'self'; frame-src " + frame + "; img-src 'self' data:; form-action 'self'; base-uri 'self'; frame-ancestors 'none'"
}

func (s *Server) render(w http.ResponseWriter, status int, name string, data any) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", s.uiCSP())
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	w.WriteHeader(status)
	if err := templates.ExecuteTemplate(w, name, data); err != nil {
		s.log.Debug("template", "name", name, "err", err)
	}
}

// handleAsset serves the UI's stylesheet and the scripts replayed pages load.
func (s *Server) handleAsset(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("file")
	var body []byte
	switch name {
	case "runtime.js":
		body = []byte(rewrite.RuntimeScript())
	default:
		b, err := assetFS.ReadFile(path.Join("assets", path.Base(name)))
		if err != nil || name != path.Base(name) {
			http.NotFound(w, r)
			return
		}
		body = b
	}
	ct := "application/javascript; charset=utf-8"
	if strings.HasSuffix(name, ".css") {
		ct = "text/css; charset=utf-8"
	}
	h := w.Header()
	h.Set("Content-Type", ct)
	h.Set("Cache-Control", "public, max-age=3600")
	h.Set("X-Content-Type-Options", "nosniff")
	w.Write(body)
}

// htmlInserts builds what goes into a replayed page's head: the runtime
// settings and script, and the banner (with a link to the capture's
// screenshot when it has one) unless it is off or the UI frames the page.
func (s *Server) htmlInserts(ctx context.Context, mr mementoRequest, c index.Capture, all []index.Capture) rewrite.HTMLOptions {
	cfg := map[string]any{"prefix": s.prefixFor(mr), "ts": c.Timestamp, "url": c.URL, "mod": mr.Mod}
	if s.opts.Banner && mr.Mod == modNone && !s.framed() {
		cfg["banner"] = s.barFor(ctx, c, all)
	}
	js, _ := json.Marshal(cfg) // escapes <, > and &: safe inside <script>
	assets := s.opts.ContentOrigin + "/_vellum/"
	if !s.framed() {
		assets = "/_vellum/"
	}
	var b strings.Builder
	b.WriteString(`<script>window.__vellum=`)
	b.Write(js)
	b.WriteString(`;</script>`)
	if cfg["banner"] != nil { // before the runtime script, which would take its URL for the archived site's
		b.WriteString(`<script src="` + assets + `banner.js" defer></script>`)
	}
	b.WriteString(`<script src="` + assets + `runtime.js"></script>`)
	if s.framed() && (mr.Mod == modMain || mr.Mod == modNone) {
		b.WriteString(`<script>if(window.parent!==window){window.parent.postMessage({vellum:"location",url:window.__vellum.url,ts:window.__vellum.ts},"*")}</script>`)
	}
	return rewrite.HTMLOptions{HeadInsert: []byte(b.String())}
}

// errorPage is the data of the error template.
type errorPage struct {
	Title, Query, Heading, Message, URL, Calendar string
}

func (s *Server) notArchived(w http.ResponseWriter, r *http.Request, original string) {
	s.render(w, http.StatusNotFound, "error.html", errorPage{
		Title: "Not archived", Heading: "Not in this archive",
		Message: "This URL has never been captured, so there is nothing to replay:", URL: original,
	})
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request, msg string) {
	s.render(w, http.StatusNotFound, "error.html", errorPage{Title: "Not found", Heading: "Not found", Message: msg})
}

func (s *Server) badRequest(w http.ResponseWriter, r *http.Request, msg string) {
	s.render(w, http.StatusBadRequest, "error.html", errorPage{Title: "Bad request", Heading: "Bad request", Message: msg})
}

// unreadable reports a capture whose WARC record cannot be read; the server
// goes on serving everything else.
func (s *Server) unreadable(w http.ResponseWriter, r *http.Request, original string, err error) {
	msg := "The archive lists this capture, but its WARC record cannot be read."
	if err != nil && errors.Is(err, errUnreadable) {
		msg += " " + strings.TrimPrefix(err.Error(), errUnreadable.Error()+": ")
	}
	cal := ""
	if original != "" {
		cal = Prefix + "*/" + original
	}
	s.render(w, http.StatusBadGateway, "error.html", errorPage{
		Title: "Capture unreadable", Heading: "This capture cannot be read", Message: msg, URL: original, Calendar: cal,
	})
}

func (s *Server) serverError(w http.ResponseWriter, r *http.Request, err error) {
	s.log.Error("replay", "path", r.URL.Path, "err", err)
	s.render(w, http.StatusInternalServerError, "error.html", errorPage{
		Title: "Error", Heading: "Something went wrong", Message: "The index could not be read; details are in the server log.",
	})
}
