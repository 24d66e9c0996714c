package replay

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// SaveNow is what the Save Page Now form needs of the capture side: cmd
// injects it (replay never imports capture). A nil SaveNow in Options
// leaves the form out: a server with no API token takes no captures.
type SaveNow interface {
	// CheckToken reports whether token is one of the server's API tokens.
	CheckToken(token string) bool
	// Save queues a capture and returns its id; its error is shown to the
	// user as it is (a full queue, say).
	Save(req SaveRequest) (id string, err error)
	// SaveStatus reports a queued capture; false when there is none.
	SaveStatus(id string) (SaveStatus, bool)
}

// BusyError is what SaveNow.Save returns when its queue is full: the
// form answers 429 with Retry-After, as the API does.
type BusyError struct {
	Msg        string
	RetryAfter time.Duration
}

func (e *BusyError) Error() string { return e.Msg }

// SaveRequest is the Save Page Now form.
type SaveRequest struct {
	URL     string
	Depth   int
	Browser bool
}

// SaveStatus is how a queued capture is going.
type SaveStatus struct {
	State      string // queued, running, done or failed
	Position   int    // place in the queue while queued
	PagesFound int64
	PagesDone  int64
	Requisites int64
	Bytes      int64
	Lines      []string // each seed's status line
	Replay     string   // /web/<ts>/<url> of the page, once archived
	Error      string
}

// maxSaveDepth is the deepest the form offers.
const maxSaveDepth = 2

// saveForm is the data of the Save Page Now form on the home page.
type saveForm struct {
	SignedIn bool
	CSRF     string
	Error    string
	URL      string
	Depths   []int
}

// saveForm returns the form's data for this request, setting the
// sign-in cookie its CSRF token is bound to when needed; nil without
// SaveNow.
func (s *Server) saveForm(w http.ResponseWriter, r *http.Request) *saveForm {
	if s.opts.SaveNow == nil {
		return nil
	}
	w.Header().Set("Cache-Control", "no-store") // the page holds a CSRF token
	f := &saveForm{Depths: []int{0, 1, 2}}
	if id := s.sessions.current(r); id != "" {
		f.SignedIn, f.CSRF = true, s.sessions.csrf(sessionCookie, id)
	} else {
		f.CSRF = s.sessions.csrf(signinCookie, s.sessions.signinID(w, r))
	}
	return f
}

// handleSignIn checks the token of the sign-in form and starts a session.
func (s *Server) handleSignIn(w http.ResponseWriter, r *http.Request) {
	c, err := r.Cookie(signinCookie)
	if err != nil || !s.sessions.checkCSRF(r, signinCookie, c.Value) {
		s.forbidden(w, r)
		return
	}
	if !s.opts.SaveNow.CheckToken(strings.TrimSpace(r.PostFormValue("token"))) {
		s.log.Warn("Save Page Now: sign-in with a wrong token", "remote", r.RemoteAddr)
		// 403, not 401: a form, not HTTP authentication (401 needs a WWW-Authenticate challenge).
		s.renderHome(w, r, http.StatusForbidden, "That is not one of this server's API tokens.", "")
		return
	}
	s.sessions.drop(r) // a new id at each sign-in: no session fixation
	s.sessions.start(w)
	s.sessions.setCookie(w, signinCookie, "", -1)
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// handleSignOut ends the session.
func (s *Server) handleSignOut(w http.ResponseWriter, r *http.Request) {
	if !s.sessions.checkCSRF(r, sessionCookie, s.sessions.current(r)) {
		s.forbidden(w, r)
		return
	}
	s.sessions.end(w, r)
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// handleSave queues the capture of the form's URL and sends the browser
// to its progress page.
func (s *Server) handleSave(w http.ResponseWriter, r *http.Request) {
	if !s.sessions.checkCSRF(r, sessionCookie, s.sessions.current(r)) {
		s.forbidden(w, r)
		return
	}
	raw := strings.TrimSpace(r.PostFormValue("url"))
	if !strings.Contains(raw, "://") && raw != "" {
		raw = "https://" + raw // "news.example/story" as typed in an address bar
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" || u.User != nil {
		s.renderHome(w, r, http.StatusBadRequest, fmt.Sprintf("%q is not an http or https URL.", r.PostFormValue("url")), r.PostFormValue("url"))
		return
	}
	depth, err := strconv.Atoi(r.PostFormValue("depth"))
	if r.PostFormValue("depth") == "" {
		depth, err = 0, nil
	}
	if err != nil || depth < 0 || depth > maxSaveDepth {
		s.renderHome(w, r, http.StatusBadRequest, fmt.Sprintf("Depth %q: choose 0 to %d.", r.PostFormValue("depth"), maxSaveDepth), raw)
		return
	}
	id, err := s.opts.SaveNow.Save(SaveRequest{URL: u.String(), Depth: depth, Browser: r.PostFormValue("browser") != ""})
	var busy *BusyError
	if errors.As(err, &busy) {
		w.Header().Set("Retry-After", strconv.Itoa(max(1, int(math.Ceil(busy.RetryAfter.Seconds())))))
		s.renderHome(w, r, http.StatusTooManyRequests, "Not queued: "+err.Error(), raw)
		return
	}
	if err != nil {
		s.renderHome(w, r, http.StatusServiceUnavailable, "Not queued: "+err.Error(), raw)
		return
	}
	http.Redirect(w, r, "/save/"+url.PathEscape(id), http.StatusSeeOther)
}

// handleSaveStatus shows a queued capture's progress, reloading itself
// every second, and sends the browser to the replay of the page once it
// is archived.
func (s *Server) handleSaveStatus(w http.ResponseWriter, r *http.Request) {
	if s.sessions.current(r) == "" {
		s.forbidden(w, r)
		return
	}
	st, ok := s.opts.SaveNow.SaveStatus(r.PathValue("id"))
	if !ok {
		s.notFound(w, r, "No such capture: captures are remembered until the server restarts.")
		return
	}
	if st.State == "done" && st.Replay != "" {
		redirect(w, st.Replay, http.StatusSeeOther)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	if st.State == "queued" || st.State == "running" {
		w.Header().Set("Refresh", "1")
	}
	s.render(w, http.StatusOK, "save.html", map[string]any{"Title": "Saving", "Status": st, "Progress": progressLine(st)})
}

// progressLine says how far a capture has come.
func progressLine(st SaveStatus) string {
	switch {
	case st.State == "queued" && st.Position > 0:
		return fmt.Sprintf("In the queue, number %d.", st.Position)
	case st.State == "queued":
		return "In the queue."
	case st.State == "running" && st.PagesFound == 0:
		return "Fetching the page…"
	case st.State == "running":
		return fmt.Sprintf("%d of %d pages done, %d requisites, %s.", st.PagesDone, st.PagesFound, st.Requisites, sizeOf(st.Bytes))
	case st.State == "failed" && st.Error != "":
		return "The capture failed: " + st.Error
	case st.State == "failed":
		return "The capture failed."
	}
	return "Done."
}

// sizeOf writes a byte count as people read it.
func sizeOf(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%d kB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// forbidden refuses a form that is not this site's own (no or a wrong
// CSRF token, no session): nothing is done.
func (s *Server) forbidden(w http.ResponseWriter, r *http.Request) {
	s.render(w, http.StatusForbidden, "error.html", errorPage{Title: "Refused", Heading: "Refused",
		Message: "This form has expired or did not come from this page. Nothing was done: reload the home page, sign in and try again."})
}
