package capture

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"regexp"
	"time"

	"github.com/gocolly/colly/v2"

	"github.com/vellumhq/vellum/capture/record"
	"github.com/vellumhq/vellum/storage"
	"github.com/vellumhq/vellum/warc"
)

// Version is Vellum's version, written into every warcinfo record.
const Version = "0.1.0"

// DefaultUserAgent names Vellum honestly while looking enough like a
// browser for sites that serve bots differently.
const DefaultUserAgent = "Mozilla/5.0 (compatible; Vellum/" + Version + "; +https://github.com/vellumhq/vellum)"

// Config is everything a capture run needs to know.
type Config struct {
	Archive string // archive directory (WARCs, CDXJ, vellum.db)
	Depth   int    // link hops from the seeds (0 = the seeds and their requisites)
	Scope   Scope  // which linked pages are followed
	// Include and Exclude narrow which linked pages are followed, on top of
	// Scope: with Include given, a linked page must match one of its
	// patterns; a URL matching an Exclude pattern is never fetched (seeds,
	// requisites and redirect hops included). Both are Colly URL filters.
	Include      []*regexp.Regexp
	Exclude      []*regexp.Regexp
	IgnoreRobots bool          // fetch what robots.txt disallows
	UserAgent    string        // User-Agent header
	Delay        time.Duration // pause between two pages of one host
	MaxPages     int           // pages at most (0 = no limit); seeds count
	Limits       record.Limits // per-URL size and time limits
	Retries      int           // extra attempts after a 429, a 5xx, a timeout or a reset
	RetryBackoff time.Duration // first pause before a retry; doubles each time
	MaxRetryWait time.Duration // longest Retry-After honoured; longer ones end the retries
	ConnsPerHost int           // parallel connections per host for requisites (pages have one more of their own)
	Workers      int           // requisite fetchers in all
	Parsers      int           // pages parsed at once
	Insecure     bool          // accept any TLS certificate
	CAFile       string        // extra PEM roots to trust
	MaxFileSize  int64         // WARC files rotate at this size
	Job          string        // job name for warcinfo ("" for an ad-hoc capture)
	Operator     string        // who runs the capture, for warcinfo
	RunID        string        // "" = made from the clock
	Resume       bool          // carry on the unfinished run RunID (its seeds, frontier and WARCs) rather than start one
	Records      storage.Store // where a resumed run reads back its own records (keys as in the index); nil = the local files
	Index        Index         // Archive's open index, owned by the caller (serve keeps one); nil = Run opens and closes its own
	Logger       *slog.Logger
	OnProgress   func(Stats)           // called a few times a second and once at the end; may be nil
	OnFileClosed func(warc.ClosedFile) // called when a WARC file (and its CDXJ) is final, e.g. to upload it; may be nil
	Dialer       *net.Dialer           // nil = a default dialer (tests inject a resolver)

	// Collector, when set, is called once with the run's colly.Collector
	// before the first fetch, for a program embedding Vellum to add
	// callbacks: OnHTML rules that visit more pages (Request.Visit), headers
	// set in OnRequest. Pages its callbacks visit are queued in Vellum's own
	// scheduler (host lanes, robots.txt, --depth, --max-pages, --exclude, the
	// frontier), never fetched around it; --scope and --include do not apply
	// to them. OnHTML callbacks get HTML pages decoded to UTF-8; other
	// responses reach callbacks without a body. Change none of the
	// collector's settings (transport, redirect handler, filters, limits).
	// With Browser, pages are the browser's requests: callbacks then see
	// them (from several goroutines at once) without bodies, and headers
	// set in OnRequest do not replace the browser's.
	Collector func(*colly.Collector)

	// Browser loads pages in headless Chromium (--browser, --browser=auto).
	Browser BrowserConfig

	// Frontier, when set, is the run's shared frontier (--frontier): this
	// process is one worker of a run that many share, RunID being that
	// run's (frontier.JoinRun agrees on it). Pages and requisites then come
	// from the frontier rather than from this process's lanes and pool;
	// without it the engine runs on its own (shared.go).
	Frontier Frontier
	// Worker is this worker's name in Frontier, also in its WARC files'
	// names; "" = DefaultWorker().
	Worker string
	// Abandon, with a shared frontier, is how the repair of a dead worker's
	// file (left open by a crash of this archive's last capture) gives its
	// claims back and leaves their records out (RepairArchive).
	Abandon Abandon

	// RobotsTimeout bounds the fetch of one robots.txt in all (attempts,
	// pauses and redirects); 0 means DefaultRobotsTimeout. Never more than
	// Limits.Timeout.
	RobotsTimeout time.Duration
}

// DefaultConfig returns the defaults of `vellum capture`.
func DefaultConfig() Config {
	return Config{
		Archive:      "archive",
		Scope:        ScopeHost,
		UserAgent:    DefaultUserAgent,
		Delay:        time.Second,
		Limits:       record.DefaultLimits(),
		Retries:      2,
		RetryBackoff: time.Second,
		MaxRetryWait: 2 * time.Minute,
		ConnsPerHost: 5,
		Workers:      12,
		Parsers:      2,
		MaxFileSize:  1 << 30,
	}
}

// Validate reports the first setting that cannot work.
func (c Config) Validate() error {
	switch {
	case c.Archive == "":
		return errors.New("no archive directory")
	case c.Depth < 0:
		return fmt.Errorf("--depth %d: must be 0 or more", c.Depth)
	case c.Delay < 0:
		return fmt.Errorf("--delay %s: must not be negative", c.Delay)
	case c.MaxPages < 0:
		return fmt.Errorf("--max-pages %d: must be 0 or more", c.MaxPages)
	case c.Retries < 0:
		return fmt.Errorf("--retries %d: must be 0 or more", c.Retries)
	case c.Limits.MaxBody <= 0:
		return fmt.Errorf("--max-size %d: must be positive", c.Limits.MaxBody)
	case c.Limits.Timeout <= 0:
		return fmt.Errorf("--timeout %s: must be positive", c.Limits.Timeout)
	case c.ConnsPerHost <= 0 || c.Workers <= 0 || c.Parsers <= 0:
		return errors.New("connections, workers and parsers must be positive")
	case c.Browser.Tabs < 0:
		return fmt.Errorf("--browser-tabs %d: must be positive", c.Browser.Tabs)
	case c.Browser.Timeout < 0:
		return fmt.Errorf("--browser-timeout %s: must be positive", c.Browser.Timeout)
	case c.MaxFileSize < 1<<20:
		return fmt.Errorf("WARC file size %d: must be at least 1 MiB", c.MaxFileSize)
	}
	if c.Frontier != nil {
		switch {
		case c.RunID == "":
			return errors.New("a shared frontier needs the run ID its workers agreed on")
		case c.Resume:
			return errors.New("a run on a shared frontier is carried on by its frontier, not resumed")
		case c.Browser.Mode == BrowserAuto:
			return errors.New("--browser=auto is not supported with --frontier yet (--browser is)")
		}
	}
	if _, err := ParseScope(string(c.Scope)); err != nil {
		return err
	}
	return nil
}

// robotsTimeout is the limit of one robots.txt fetch.
func (c Config) robotsTimeout() time.Duration {
	d := c.RobotsTimeout
	if d <= 0 {
		d = DefaultRobotsTimeout
	}
	return min(d, c.Limits.Timeout)
}

// baseTransport builds an HTTP transport for the recording transport to
// wrap, with at most conns connections to one host.
func (c Config) baseTransport(conns int) (*http.Transport, error) {
	tlsConfig := &tls.Config{InsecureSkipVerify: c.Insecure} //nolint:gosec // only with --insecure
	if c.CAFile != "" {
		pem, err := os.ReadFile(c.CAFile)
		if err != nil {
			return nil, fmt.Errorf("--ca-file: %w", err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("--ca-file %s: no PEM certificate in it", c.CAFile)
		}
		tlsConfig.RootCAs = pool
	}
	d := c.Dialer
	if d == nil {
		d = &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}
	}
	return &http.Transport{
		DialContext:         d.DialContext,
		TLSClientConfig:     tlsConfig,
		TLSHandshakeTimeout: 30 * time.Second,
		MaxConnsPerHost:     conns,
		MaxIdleConnsPerHost: conns,
		IdleConnTimeout:     30 * time.Second,
		// The per-URL deadline (Limits.Timeout) governs; this only stops a
		// transport-level wait outliving it, so the two never race.
		ResponseHeaderTimeout: c.Limits.Timeout + 5*time.Second,
	}, nil
}
