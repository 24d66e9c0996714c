package replay

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

const saveToken = "newsroom-token-0123456789"

// fakeSaveNow queues nothing: it keeps the requests and answers states the
// test sets.
type fakeSaveNow struct {
	mu     sync.Mutex
	saved  []SaveRequest
	states map[string]SaveStatus
	full   bool
}

func (f *fakeSaveNow) CheckToken(tok string) bool { return tok == saveToken }

func (f *fakeSaveNow) Save(req SaveRequest) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.full {
		return "", &BusyError{Msg: "the capture queue is full; try again in 10s", RetryAfter: 9500 * time.Millisecond}
	}
	f.saved = append(f.saved, req)
	return "c1", nil
}

func (f *fakeSaveNow) SaveStatus(id string) (SaveStatus, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	st, ok := f.states[id]
	return st, ok
}

func (f *fakeSaveNow) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.saved)
}

// browserClient keeps cookies and does not follow redirects.
func browserClient(t *testing.T) *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func get(t *testing.T, c *http.Client, u string) (*http.Response, string) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func post(t *testing.T, c *http.Client, u string, form url.Values) (*http.Response, string) {
	t.Helper()
	resp, err := c.PostForm(u, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func csrfOf(t *testing.T, page string) string {
	t.Helper()
	m := csrfField.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no CSRF token in the form:\n%s", page)
	}
	return m[1]
}

func saveServer(t *testing.T, sn SaveNow) string {
	t.Helper()
	f := newFixture(t, nil, Options{SaveNow: sn})
	srv := httptest.NewServer(f.srv)
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestSaveNowFormOnlyWithTokens: without SaveNow the home page has no
// form and /save is not there.
func TestSaveNowFormOnlyWithTokens(t *testing.T) {
	base := saveServer(t, nil)
	c := browserClient(t)
	if _, home := get(t, c, base+"/"); strings.Contains(home, "Save Page Now") || strings.Contains(home, `action="/save`) {
		t.Errorf("the home page shows Save Page Now with no tokens configured")
	}
	if resp, _ := post(t, c, base+"/save", url.Values{"url": {"https://a.example/"}}); resp.StatusCode != http.StatusNotFound && resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST /save with Save Page Now off: %d", resp.StatusCode)
	}
}

// TestSaveNowSignInAndSave: the sign-in form's token is checked (a wrong
// one and a missing CSRF token are refused, no session given); a session
// cookie is HttpOnly and SameSite=Strict; a save without the session's
// CSRF token is refused and queues nothing; with it, the capture is queued
// and its page shows progress, then leads to the replay.
func TestSaveNowSignInAndSave(t *testing.T) {
	sn := &fakeSaveNow{states: map[string]SaveStatus{}}
	base := saveServer(t, sn)
	c := browserClient(t)
	_, home := get(t, c, base+"/")
	if !strings.Contains(home, `action="/save/signin"`) {
		t.Fatalf("no sign-in form on the home page:\n%s", home)
	}
	signinCSRF := csrfOf(t, home)
	signedIn := func() bool {
		for _, ck := range c.Jar.Cookies(mustURL(base)) {
			if ck.Name == sessionCookie && ck.Value != "" {
				return true
			}
		}
		return false
	}

	if resp, _ := post(t, c, base+"/save/signin", url.Values{"token": {saveToken}}); resp.StatusCode != http.StatusForbidden || signedIn() {
		t.Errorf("sign-in without CSRF token: %d, session %v; want 403 and none", resp.StatusCode, signedIn())
	}
	if resp, _ := post(t, c, base+"/save/signin", url.Values{"token": {"wrong-token-0123456789"}, "csrf": {signinCSRF}}); resp.StatusCode != http.StatusForbidden || signedIn() {
		t.Errorf("sign-in with a wrong token: %d, session %v; want 403 and none", resp.StatusCode, signedIn())
	}
	resp, _ := post(t, c, base+"/save/signin", url.Values{"token": {saveToken}, "csrf": {signinCSRF}})
	cookie := ""
	for _, h := range resp.Header.Values("Set-Cookie") {
		if strings.HasPrefix(h, sessionCookie+"=") {
			cookie = h
		}
	}
	if resp.StatusCode != http.StatusSeeOther || !strings.Contains(cookie, "HttpOnly") || !strings.Contains(cookie, "SameSite=Strict") || !strings.Contains(cookie, "Path=/") {
		t.Fatalf("sign-in: %d, cookie %q; want 303 and an HttpOnly, SameSite=Strict session cookie", resp.StatusCode, cookie)
	}
	_, home = get(t, c, base+"/")
	if !strings.Contains(home, `action="/save"`) {
		t.Fatalf("no save form once signed in:\n%s", home)
	}
	csrf := csrfOf(t, home)

	for name, form := range map[string]url.Values{
		"no CSRF token":          {"url": {"https://news.example/a"}},
		"the sign-in CSRF token": {"url": {"https://news.example/a"}, "csrf": {signinCSRF}},
		"a made-up CSRF token":   {"url": {"https://news.example/a"}, "csrf": {strings.Repeat("A", len(csrf))}},
	} {
		if resp, _ := post(t, c, base+"/save", form); resp.StatusCode != http.StatusForbidden {
			t.Errorf("save with %s: %d; want 403", name, resp.StatusCode)
		}
	}
	if resp, _ := post(t, c, base+"/save", url.Values{"url": {"javascript:alert(1)"}, "csrf": {csrf}}); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("save of a javascript: URL: %d; want 400", resp.StatusCode)
	}
	if sn.count() != 0 {
		t.Fatalf("%d captures queued by refused forms", sn.count())
	}
	resp, _ = post(t, c, base+"/save", url.Values{"url": {"https://news.example/a"}, "depth": {"1"}, "browser": {"1"}, "csrf": {csrf}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/save/c1" {
		t.Fatalf("save: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if sn.saved[0] != (SaveRequest{URL: "https://news.example/a", Depth: 1, Browser: true}) {
		t.Errorf("queued %+v", sn.saved[0])
	}

	sn.mu.Lock()
	sn.states["c1"] = SaveStatus{State: "running", PagesFound: 3, PagesDone: 1, Lines: []string{"running https://news.example/a"}}
	sn.mu.Unlock()
	resp, page := get(t, c, base+"/save/c1")
	if resp.StatusCode != 200 || resp.Header.Get("Refresh") == "" || !strings.Contains(page, "1 of 3 pages done") {
		t.Errorf("progress page: %d, Refresh %q:\n%s", resp.StatusCode, resp.Header.Get("Refresh"), page)
	}
	sn.mu.Lock()
	sn.states["c2"] = SaveStatus{State: "failed", Lines: []string{"FAILED https://news.example/gone: 404 Not Found"}}
	sn.mu.Unlock()
	if resp, page := get(t, c, base+"/save/c2"); resp.StatusCode != 200 || resp.Header.Get("Refresh") != "" || !strings.Contains(page, "FAILED https://news.example/gone: 404") {
		t.Errorf("failed capture's page: %d, Refresh %q:\n%s", resp.StatusCode, resp.Header.Get("Refresh"), page)
	}
	sn.mu.Lock()
	sn.states["c1"] = SaveStatus{State: "done", Replay: "/web/20260101000000/https://news.example/a"}
	sn.mu.Unlock()
	if resp, _ := get(t, c, base+"/save/c1"); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/web/20260101000000/https://news.example/a" {
		t.Errorf("done: %d to %q; want the replay", resp.StatusCode, resp.Header.Get("Location"))
	}
	// Another browser, never signed in, sees no progress page.
	if resp, _ := get(t, browserClient(t), base+"/save/c1"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("progress page without a session: %d", resp.StatusCode)
	}
	// Signed out, the session no longer saves.
	post(t, c, base+"/save/signout", url.Values{"csrf": {csrf}})
	if resp, _ := post(t, c, base+"/save", url.Values{"url": {"https://news.example/b"}, "csrf": {csrf}}); resp.StatusCode != http.StatusForbidden || sn.count() != 1 {
		t.Errorf("save after sign-out: %d, %d queued", resp.StatusCode, sn.count())
	}
}

// TestSaveNowFullQueueIsSaid: a capture the queue refuses is said on the
// home page, with the URL kept in the field: 429 with Retry-After, as the
// API answers.
func TestSaveNowFullQueueIsSaid(t *testing.T) {
	sn := &fakeSaveNow{full: true}
	base := saveServer(t, sn)
	c := browserClient(t)
	_, home := get(t, c, base+"/")
	post(t, c, base+"/save/signin", url.Values{"token": {saveToken}, "csrf": {csrfOf(t, home)}})
	_, home = get(t, c, base+"/")
	resp, page := post(t, c, base+"/save", url.Values{"url": {"https://news.example/a"}, "csrf": {csrfOf(t, home)}})
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "10" || !strings.Contains(page, "queue is full") ||
		!strings.Contains(page, `value="https://news.example/a"`) {
		t.Errorf("full queue: %d, Retry-After %q\n%s", resp.StatusCode, resp.Header.Get("Retry-After"), page)
	}
}

func mustURL(s string) *url.URL {
	u, _ := url.Parse(s)
	return u
}

// TestSaveNowIsNotOnTheContentOrigin: archived content's origin serves
// none of Save Page Now's routes.
func TestSaveNowIsNotOnTheContentOrigin(t *testing.T) {
	f := newFixture(t, nil, Options{SaveNow: &fakeSaveNow{}, ContentOrigin: testContent, UIOrigin: testUI})
	srv := httptest.NewServer(f.srv.ContentHandler())
	t.Cleanup(srv.Close)
	c := browserClient(t)
	if resp, _ := post(t, c, srv.URL+"/save/signin", url.Values{"token": {saveToken}}); resp.StatusCode != http.StatusNotFound || len(resp.Cookies()) > 0 {
		t.Errorf("sign-in on the content origin: %d, cookies %v", resp.StatusCode, resp.Cookies())
	}
	if resp, _ := get(t, c, srv.URL+"/save/c1"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("progress page on the content origin: %d", resp.StatusCode)
	}
}
