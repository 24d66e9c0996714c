package main

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// The origins of `vellum serve`. Archived content gets an origin of its own
// whose host name differs from the UI's: cookies ignore ports, so content
// on a second port of the UI's host name would still share its cookies.

// listenOrigin is the origin browsers reach a listener at: the host given
// in its address flag (a name stays a name), the port it really got.
func listenOrigin(flagAddr string, got net.Addr) string {
	host, _, _ := net.SplitHostPort(flagAddr)
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	_, port, _ := net.SplitHostPort(got.String())
	return "http://" + net.JoinHostPort(host, port)
}

// nextAddr is the default content address: the UI's host, the next port
// (or any free port when the UI's is 0).
func nextAddr(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr // net.Listen names the problem
	}
	if p, err := strconv.Atoi(port); err == nil && p > 0 && p < 65535 {
		return net.JoinHostPort(host, strconv.Itoa(p+1))
	}
	return net.JoinHostPort(host, "0")
}

// contentOrigin is the default origin of the content listener: its own
// origin, with the loopback host named the other way (localhost beside
// 127.0.0.1) when that is the UI's host name. Any other name stays as it
// is, even the UI's (the caller warns).
func contentOrigin(uiOrigin, flagAddr string, got net.Addr) string {
	origin := listenOrigin(flagAddr, got)
	u, _ := url.Parse(origin)
	if !sameHost(origin, uiOrigin) || !loopbackName(u.Hostname()) {
		return origin
	}
	other := "localhost"
	if u.Hostname() == "localhost" {
		other = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(other, u.Port())
}

func loopbackName(host string) bool {
	ip := net.ParseIP(host)
	return host == "localhost" || ip != nil && ip.IsLoopback()
}

// parseOrigin checks an origin flag's value: scheme and host, nothing more.
func parseOrigin(flag, s string) (string, error) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
		strings.Trim(u.Path, "/") != "" || u.RawQuery != "" || u.User != nil {
		return "", fmt.Errorf("--%s %q: want an origin such as http://localhost:8081", flag, s)
	}
	return u.Scheme + "://" + u.Host, nil
}

// sameHost reports two origins with one host name (ports aside).
func sameHost(a, b string) bool {
	ua, errA := url.Parse(a)
	ub, errB := url.Parse(b)
	return errA == nil && errB == nil && ua.Hostname() == ub.Hostname()
}

// toUIOrigin redirects a request that reached the UI under another loopback
// name (localhost:8080 for a UI at 127.0.0.1:8080, as Docker suggests) to
// the UI's own origin: archived content lets only that origin frame it, and
// under the content's host name the UI would share its cookies. Only with the
// default UI origin: behind a proxy, where the Host seen may be anything,
// --ui-origin is set and nothing is redirected.
func toUIOrigin(uiOrigin string, next http.Handler) http.Handler {
	u, err := url.Parse(uiOrigin)
	if err != nil || !loopbackName(u.Hostname()) {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if host, _, err := net.SplitHostPort(r.Host); err == nil && host != u.Hostname() && loopbackName(host) {
			http.Redirect(w, r, uiOrigin+r.URL.RequestURI(), http.StatusTemporaryRedirect)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// listening names where l listens when origin, set by a flag, names another
// host (a proxy's or a LAN name), so that the user sees both.
func listening(origin string, l net.Listener) string {
	u, err := url.Parse(origin)
	host, port, _ := net.SplitHostPort(l.Addr().String())
	if err != nil || u.Port() == port && (u.Hostname() == host || loopbackName(u.Hostname())) {
		return ""
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return " (listening on http://" + net.JoinHostPort(host, port) + ")"
}
