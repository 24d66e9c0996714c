package replay

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Save Page Now signs a user in once with an API token: the token is
// checked, and the browser then holds a random session id in a cookie
// (HttpOnly, SameSite=Strict, Path=/) that the server knows until it
// expires. Every form carries a CSRF token derived from the cookie it goes
// with (an HMAC under a key made at start), checked on POST: the sign-in
// form's from a sign-in cookie, the others' from the session.

const (
	sessionCookie = "vellum_session"
	signinCookie  = "vellum_signin"
	sessionTTL    = 12 * time.Hour
	maxSessions   = 10000
)

// sessions are the signed-in sessions, held in memory: a restart signs
// everyone out.
type sessions struct {
	key    [32]byte // CSRF tokens are HMACs under it
	secure bool     // cookies only over https

	mu   sync.Mutex
	byID map[string]time.Time // session id → expiry
}

func newSessions(secure bool) *sessions {
	s := &sessions{secure: secure, byID: map[string]time.Time{}}
	_, _ = rand.Read(s.key[:])
	return s
}

func randomID() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// start makes a session and sets its cookie.
func (s *sessions) start(w http.ResponseWriter) string {
	id := randomID()
	now := time.Now()
	s.mu.Lock()
	for k, exp := range s.byID {
		if now.After(exp) {
			delete(s.byID, k)
		}
	}
	for k := range s.byID { // still full: drop any one
		if len(s.byID) < maxSessions {
			break
		}
		delete(s.byID, k)
	}
	s.byID[id] = now.Add(sessionTTL)
	s.mu.Unlock()
	s.setCookie(w, sessionCookie, id, sessionTTL)
	return id
}

// current returns the request's live session id, or "".
func (s *sessions) current(r *http.Request) string {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return ""
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	exp, ok := s.byID[c.Value]
	if !ok {
		return ""
	}
	if time.Now().After(exp) {
		delete(s.byID, c.Value)
		return ""
	}
	return c.Value
}

// end forgets the request's session and clears its cookie.
func (s *sessions) end(w http.ResponseWriter, r *http.Request) {
	s.drop(r)
	s.setCookie(w, sessionCookie, "", -1)
}

// drop forgets the request's session, if any.
func (s *sessions) drop(r *http.Request) {
	if c, err := r.Cookie(sessionCookie); err == nil {
		s.mu.Lock()
		delete(s.byID, c.Value)
		s.mu.Unlock()
	}
}

// signinID returns the request's sign-in cookie, setting a new one when
// there is none: the sign-in form's CSRF token is bound to it.
func (s *sessions) signinID(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(signinCookie); err == nil && len(c.Value) >= 43 {
		return c.Value
	}
	id := randomID()
	s.setCookie(w, signinCookie, id, sessionTTL)
	return id
}

// csrf is the CSRF token of forms sent with the cookie value id.
func (s *sessions) csrf(kind, id string) string {
	m := hmac.New(sha256.New, s.key[:])
	m.Write([]byte(kind + "\x00" + id))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// checkCSRF reports whether the form's csrf field is the token of id.
func (s *sessions) checkCSRF(r *http.Request, kind, id string) bool {
	got := r.PostFormValue("csrf")
	return id != "" && got != "" && hmac.Equal([]byte(got), []byte(s.csrf(kind, id)))
}

func (s *sessions) setCookie(w http.ResponseWriter, name, value string, ttl time.Duration) {
	c := &http.Cookie{Name: name, Value: value, Path: "/", HttpOnly: true, Secure: s.secure,
		SameSite: http.SameSiteStrictMode}
	if ttl < 0 {
		c.MaxAge = -1
	} else {
		c.MaxAge = int(ttl.Seconds())
	}
	http.SetCookie(w, c)
}

// secureOrigin reports an https UI origin, whose cookies are Secure.
func secureOrigin(origin string) bool { return strings.HasPrefix(origin, "https://") }
