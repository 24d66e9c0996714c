package frontier

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	neturl "net/url"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vellumhq/vellum/internal/redistest"
)

func TestMain(m *testing.M) { os.Exit(redistest.Main(m)) }

// open returns a frontier of run on url with a client of its own, as a
// worker process has.
func open(t *testing.T, url, run string, opts Options) *Redis {
	t.Helper()
	c, err := Dial(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return NewRedis(c, run, opts)
}

// fetch is one page or requisite a worker fetched.
type fetch struct {
	worker, url, host string
	start, end        time.Time
}

// site gives the links of a page of the test site: page n of a host links
// to pages n+1 and n+2 of it (each found twice) up to pages, and page 0
// to one requisite.
func site(pages int) func(Item) []Item {
	return func(it Item) []Item {
		if it.Kind != Page {
			return nil
		}
		var host string
		var n int
		fmt.Sscanf(strings.TrimPrefix(it.URL, "http://"), "%s", &host)
		i := strings.LastIndex(it.URL, "/p")
		fmt.Sscanf(it.URL[i:], "/p%d", &n)
		base := it.URL[:i]
		var out []Item
		for _, m := range []int{n + 1, n + 2} {
			if m < pages {
				out = append(out, Item{URL: fmt.Sprintf("%s/p%d", base, m), Kind: Page, Seed: -1, Depth: it.Depth + 1})
			}
		}
		if n == 0 {
			out = append(out, Item{URL: base + "/style.css", Kind: Requisite, Referer: it.URL})
		}
		return out
	}
}

func seeds(hosts ...string) []Item {
	var out []Item
	for i, h := range hosts {
		out = append(out, Item{URL: "http://" + h + "/p0", Kind: Page, Seed: i})
	}
	return out
}

// work runs a worker until the run is drained: it fetches (sleeps for
// took), reports the fetch with delay, adds the links, then finishes the
// claim. It leaves at the end, as a worker that closed its files.
func work(ctx context.Context, f *Redis, worker string, delay, took time.Duration, links func(Item) []Item, rec func(fetch)) error {
	if err := f.Join(ctx, worker); err != nil {
		return err
	}
	kctx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() { _ = f.Keepalive(kctx, worker) })
	defer func() { stop(); wg.Wait() }()
	for {
		c, err := f.Next(ctx, worker)
		if errors.Is(err, ErrDrained) {
			return f.Leave(ctx, worker)
		}
		if err != nil {
			return err
		}
		fe := fetch{worker: worker, url: c.Item.URL, host: c.Host, start: time.Now()}
		time.Sleep(took)
		fe.end = time.Now()
		rec(fe)
		if c.Item.Kind == Page {
			if err := f.Fetched(ctx, c, delay); err != nil {
				return err
			}
		}
		if _, err := f.Add(ctx, links(c.Item)...); err != nil {
			return err
		}
		if err := f.Done(ctx, c); err != nil {
			return err
		}
	}
}

// runWorkers crawls the test site with n workers on url and returns what
// they fetched.
func runWorkers(t *testing.T, url, run string, n, pages int, delay, took time.Duration, opts Options, hosts ...string) []fetch {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	if _, err := open(t, url, run, opts).Add(ctx, seeds(hosts...)...); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var got []fetch
	rec := func(f fetch) { mu.Lock(); got = append(got, f); mu.Unlock() }
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for i := range n {
		f := open(t, url, run, opts)
		wg.Go(func() { errs <- work(ctx, f, fmt.Sprintf("w%d", i), delay, took, site(pages), rec) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	return got
}

// checkOnce fails unless every page and requisite of the site was fetched,
// each exactly once.
func checkOnce(t *testing.T, got []fetch, pages int, hosts ...string) {
	t.Helper()
	count := map[string]int{}
	for _, f := range got {
		count[f.url]++
	}
	for _, h := range hosts {
		want := []string{"http://" + h + "/style.css"}
		for n := range pages {
			want = append(want, fmt.Sprintf("http://%s/p%d", h, n))
		}
		for _, u := range want {
			if count[u] != 1 {
				t.Errorf("%s fetched %d times, want once", u, count[u])
			}
		}
	}
	if len(count) != len(hosts)*(pages+1) {
		t.Errorf("%d URLs fetched, want %d", len(count), len(hosts)*(pages+1))
	}
}

// checkPolite fails when two pages of one host were fetched at once, or
// one started less than delay after the previous one ended.
func checkPolite(t *testing.T, got []fetch, delay time.Duration) {
	t.Helper()
	byHost := map[string][]fetch{}
	for _, f := range got {
		if f.host != "" {
			byHost[f.host] = append(byHost[f.host], f)
		}
	}
	workers := map[string]bool{}
	for host, fs := range byHost {
		sort.Slice(fs, func(i, j int) bool { return fs[i].start.Before(fs[j].start) })
		for i := 1; i < len(fs); i++ {
			workers[fs[i].worker] = true
			// Redis's clock counts whole milliseconds.
			if gap := fs[i].start.Sub(fs[i-1].end); gap < delay-time.Millisecond {
				t.Errorf("%s: %s started %v after %s ended (by %s and %s), want ≥ %v",
					host, fs[i].url, gap, fs[i-1].url, fs[i].worker, fs[i-1].worker, delay)
			}
		}
	}
	if len(workers) < 2 {
		t.Errorf("pages fetched by %d worker(s); the test needs them shared", len(workers))
	}
}

// TestPolitenessAcrossWorkers: three workers with clients of their own
// crawl two hosts; no two pages of a host overlap, the delay separates
// them, and every URL is fetched once.
func TestPolitenessAcrossWorkers(t *testing.T) {
	url := redistest.Shared(t).URL(t)
	const pages, delay = 12, 40 * time.Millisecond
	hosts := []string{"a.test", "b.test"}
	got := runWorkers(t, url, "polite", 3, pages, delay, 5*time.Millisecond, Options{}, hosts...)
	checkOnce(t, got, pages, hosts...)
	checkPolite(t, got, delay)
	st, err := open(t, url, "polite", Options{}).State(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if !st.Ended() || st.Counters["done"] != int64(len(got)) || st.Counters["pages"] != pages*2 {
		t.Errorf("state after the run: %+v", st)
	}
}

// TestNothingHandedOutTwice: with no delay, many workers race for the
// same queue; each URL still goes to one of them.
func TestNothingHandedOutTwice(t *testing.T) {
	url := redistest.Shared(t).URL(t)
	hosts := []string{"a.test", "b.test", "c.test", "d.test"}
	got := runWorkers(t, url, "race", 4, 40, 0, 0, Options{Poll: 5 * time.Millisecond}, hosts...)
	checkOnce(t, got, 40, hosts...)
}

// TestVisitedSet: a URL is added once per run, whoever adds it, and the
// page budget holds across workers; another run has its own set.
func TestVisitedSet(t *testing.T) {
	ctx := t.Context()
	url := redistest.Shared(t).URL(t)
	a, b := open(t, url, "r1", Options{MaxPages: 3}), open(t, url, "r1", Options{MaxPages: 3})
	page := func(u string) Item { return Item{URL: u, Kind: Page, Seed: -1} }
	added, err := a.Add(ctx, page("http://h/1"), page("http://h/1"), Item{URL: "http://h/s.css", Kind: Requisite})
	if err != nil || fmt.Sprint(added) != "[true false true]" {
		t.Fatalf("first add: %v, %v", added, err)
	}
	added, err = b.Add(ctx, page("http://h/1"), page("http://h/2"), page("http://h/3"), page("http://h/4"), Item{URL: "http://h/t.css", Kind: Requisite})
	if err != nil || fmt.Sprint(added) != "[false true true false true]" {
		t.Fatalf("second worker's add: %v, %v; want h/1 seen, h/4 over the budget of 3 pages", added, err)
	}
	added, err = open(t, url, "r2", Options{}).Add(ctx, page("http://h/1"))
	if err != nil || !added[0] {
		t.Fatalf("another run: %v, %v", added, err)
	}
	st, err := a.State(ctx)
	if err != nil || st.Queued != 5 || st.Counters["pages"] != 3 || st.Drained() {
		t.Fatalf("state: %+v, %v", st, err)
	}
}

// TestLeaseExpiry: a worker that stops renewing its lease loses its claim
// (and its host's turn) to another worker, and its late Done is refused.
func TestLeaseExpiry(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	url := redistest.Shared(t).URL(t)
	opts := Options{Lease: 300 * time.Millisecond, Poll: 10 * time.Millisecond}
	a, b := open(t, url, "lease", opts), open(t, url, "lease", opts)
	if _, err := a.Add(ctx, seeds("h.test")...); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Add(ctx, Item{URL: "http://h.test/p1", Kind: Page, Seed: -1}); err != nil {
		t.Fatal(err)
	}
	if err := a.Join(ctx, "crashed"); err != nil {
		t.Fatal(err)
	}
	ca, err := a.Next(ctx, "crashed") // and then nothing: no Keepalive, no Done
	if err != nil || ca.Item.URL != "http://h.test/p0" {
		t.Fatalf("first claim: %+v, %v", ca, err)
	}
	if err := b.Join(ctx, "alive"); err != nil {
		t.Fatal(err)
	}
	kctx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() { _ = b.Keepalive(kctx, "alive") })
	defer func() { stop(); wg.Wait() }()
	var urls []string
	for {
		c, err := b.Next(ctx, "alive")
		if errors.Is(err, ErrDrained) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		urls = append(urls, c.Item.URL)
		if err := b.Done(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	// p0 first, as the host's turn it held; p1 only after it.
	if fmt.Sprint(urls) != "[http://h.test/p0 http://h.test/p1]" {
		t.Errorf("the live worker got %v; want the crashed worker's p0, then p1", urls)
	}
	if err := a.Done(ctx, ca); !errors.Is(err, ErrLeaseLost) {
		t.Errorf("the crashed worker's Done: %v, want ErrLeaseLost", err)
	}
	if _, err := a.Next(ctx, "crashed"); !errors.Is(err, ErrLeaseLost) {
		t.Errorf("the crashed worker's Next: %v, want ErrLeaseLost", err)
	}
	st, err := b.State(ctx)
	if err != nil || st.Open != 1 || !st.Drained() || st.Ended() || st.Counters["requeued"] != 1 {
		t.Fatalf("state before the live worker leaves: %+v, %v", st, err)
	}
	if err := b.Leave(ctx, "alive"); err != nil {
		t.Fatal(err)
	}
	if st, err := b.State(ctx); err != nil || !st.Ended() {
		t.Fatalf("state after it left: %+v, %v", st, err)
	}
}

// syncBuffer is a log destination several goroutines write.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// TestRedisRestart: Redis is killed and started again mid-run; the
// workers wait, say so, and carry on: every URL fetched once, politely.
func TestRedisRestart(t *testing.T) {
	srv := redistest.Start(t)
	url := srv.URL(t)
	var logs syncBuffer
	opts := Options{Log: slog.New(slog.NewTextHandler(&logs, nil)), Poll: 10 * time.Millisecond}
	const pages, delay = 30, 20 * time.Millisecond
	hosts := []string{"a.test", "b.test"}
	probe := open(t, url, "restart", Options{})
	restarted := make(chan struct{})
	go func() {
		defer close(restarted)
		// Once a third of the site is done, kill Redis mid-run.
		deadline := time.Now().Add(30 * time.Second)
		for time.Now().Before(deadline) {
			if st, err := probe.State(t.Context()); err == nil && st.Counters["done"] >= pages*2/3 {
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
		srv.Stop(t)
		time.Sleep(300 * time.Millisecond) // an outage the workers notice
		srv.Restart(t)
	}()
	got := runWorkers(t, url, "restart", 3, pages, delay, 2*time.Millisecond, opts, hosts...)
	<-restarted
	checkOnce(t, got, pages, hosts...)
	checkPolite(t, got, delay)
	out := logs.String()
	if !strings.Contains(out, "redis unavailable: waiting to retry") || !strings.Contains(out, "redis is back: carrying on") {
		t.Errorf("the workers did not log the outage and the recovery:\n%s", out)
	}
}

// TestRedisOutageLongerThanLease: Redis is down for longer than the
// workers' leases (1 s; 3 s down). Its restart does not make the
// workers' leases look expired: they carry on, every URL fetched once,
// none of them told its lease was lost.
func TestRedisOutageLongerThanLease(t *testing.T) {
	srv := redistest.Start(t)
	url := srv.URL(t)
	opts := Options{Lease: time.Second, Poll: 10 * time.Millisecond}
	const pages, delay = 30, 20 * time.Millisecond
	hosts := []string{"a.test", "b.test"}
	probe := open(t, url, "outage", Options{})
	restarted := make(chan struct{})
	go func() {
		defer close(restarted)
		deadline := time.Now().Add(30 * time.Second)
		for time.Now().Before(deadline) {
			if st, err := probe.State(t.Context()); err == nil && st.Counters["done"] >= pages/2 {
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
		srv.Stop(t)
		time.Sleep(3 * time.Second) // three leases
		srv.Restart(t)
	}()
	got := runWorkers(t, url, "outage", 3, pages, delay, 2*time.Millisecond, opts, hosts...)
	<-restarted
	checkOnce(t, got, pages, hosts...)
	if st, err := probe.State(t.Context()); err != nil || st.Counters["requeued"] != 0 {
		t.Errorf("after the outage: %+v, %v; want no claim requeued", st, err)
	}
}

// TestCollyStorage: what one worker's collector visited, and the cookies
// it got, another worker's collector of the same run sees; another run
// does not.
func TestCollyStorage(t *testing.T) {
	url := redistest.Shared(t).URL(t)
	a, b := open(t, url, "colly", Options{}).CollyStorage(), open(t, url, "colly", Options{}).CollyStorage()
	other := open(t, url, "colly2", Options{}).CollyStorage()
	if err := a.Init(); err != nil {
		t.Fatal(err)
	}
	if err := a.Visited(42); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		s    *CollyStorage
		id   uint64
		want bool
	}{{b, 42, true}, {b, 43, false}, {other, 42, false}} {
		if got, err := c.s.IsVisited(c.id); err != nil || got != c.want {
			t.Errorf("IsVisited(%d) = %v, %v; want %v", c.id, got, err, c.want)
		}
	}
	u, _ := neturl.Parse("http://h.test/p")
	if got := b.Cookies(u); got != "" {
		t.Errorf("cookies before any: %q", got)
	}
	a.SetCookies(u, "session=1")
	if got := b.Cookies(u); got != "session=1" {
		t.Errorf("the other worker's cookies: %q", got)
	}
}
