package capture

import (
	"errors"
	"io"
	"math"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/vellumhq/vellum/capture/record"
	"github.com/vellumhq/vellum/internal/netguard"
)

// maxRedirects is how many redirect hops one URL may take.
const maxRedirects = 10

const (
	acceptPage = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
	acceptAny  = "*/*"
)

// ErrRobots is the failure of a URL that robots.txt disallows.
var ErrRobots = errors.New("disallowed by robots.txt")

// chain is one URL fetched with its redirects followed, each hop recorded
// (see crawl.fetch).
type chain struct {
	first    *record.Fetched // the first hop: its time is the capture's time
	final    *record.Fetched // the last hop
	finalURL *url.URL
	hops     int
	err      error
}

func retryableStatus(code int) bool {
	return code == http.StatusTooManyRequests || code == http.StatusRequestTimeout ||
		code == http.StatusBadGateway || code == http.StatusServiceUnavailable ||
		code == http.StatusGatewayTimeout || code == http.StatusInternalServerError
}

// retryableErr tells transient network trouble (worth another try) from
// failures that will not change (no such host, refused, bad certificate,
// malformed HTTP, the SSRF guard's refusal).
func retryableErr(err error) bool {
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return dnsErr.IsTemporary || dnsErr.IsTimeout
	}
	if errors.Is(err, syscall.ECONNREFUSED) {
		return false
	}
	if errors.Is(err, syscall.ECONNRESET) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// guardRefusal returns the refusal of the SSRF guard (internal/netguard, in
// Config.Dialer) that err carries: a dial it refused is reported as the
// guard words it, without the dialer's "dial tcp <addr>: " before it.
func guardRefusal(err error) (*netguard.RefusedError, bool) {
	var r *netguard.RefusedError
	return r, errors.As(err, &r)
}

// retryAfter reads a Retry-After value: seconds or an HTTP date.
func retryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(min(s, int(math.MaxInt64/time.Second))) * time.Second, true // no overflow to a negative wait
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// IsParseable says whether a response's media type is one Vellum parses for
// links and requisites.
func IsParseable(contentType string) bool {
	ct := strings.ToLower(contentType)
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = ct[:i]
	}
	switch strings.TrimSpace(ct) {
	case "text/html", "application/xhtml+xml", "text/css":
		return true
	}
	return false
}
