package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/spf13/pflag"

	"github.com/vellumhq/vellum/capture"
	"github.com/vellumhq/vellum/capture/frontier"
	"github.com/vellumhq/vellum/internal/oneline"
	"github.com/vellumhq/vellum/warc"
)

// workerMetrics is what `vellum capture` and `vellum run` serve at
// /metrics with --metrics ADDR while they run (they have no HTTP server of
// their own; `vellum serve` has its /metrics beside the UI): the Go
// runtime and the process, this worker's capture counters summed over
// the runs it made, and, on a shared frontier, the run's frontier read at
// each scrape. Every vellum_ series has the worker's name as its worker
// label (the name in its WARC files' names and in the frontier).
type workerMetrics struct {
	reg    *prometheus.Registry
	srv    *http.Server
	served chan error // Serve's end

	mu    sync.Mutex
	done  capture.Stats // the sums of the runs that ended
	cur   capture.Stats // the run going on, as of its latest progress
	files struct{ n, records, bytes int64 }
	front frontierState // the run's shared frontier; nil without one
	run   string
	job   string
}

// frontierState is what /metrics reads of a run's shared frontier.
type frontierState interface {
	State(ctx context.Context) (frontier.State, error)
}

// addMetricsFlag adds --metrics (VELLUM_METRICS too, by flagsFromEnv).
func addMetricsFlag(f *pflag.FlagSet, addr *string) {
	f.StringVar(addr, "metrics", "", "serve Prometheus metrics of this worker at http://`ADDR`/metrics while it runs (host:port, e.g. 127.0.0.1:9101)")
}

// startWorkerMetrics listens on addr (--metrics) and serves /metrics
// until close. An address it cannot listen on is a usage error naming it.
func startWorkerMetrics(addr, worker string, log *slog.Logger) (*workerMetrics, error) {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, &exitError{2, fmt.Sprintf("--metrics %s: %s (want host:port, e.g. 127.0.0.1:9101)", addr, oneline.Of(err))}
	}
	m := &workerMetrics{reg: prometheus.NewRegistry(), served: make(chan error, 1)}
	m.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	prometheus.WrapRegistererWith(prometheus.Labels{"worker": worker}, m.reg).MustRegister(workerCollector{m})
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError}))
	m.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { m.served <- m.srv.Serve(l) }()
	log.Info("serving this worker's metrics", "url", "http://"+l.Addr().String()+"/metrics")
	return m, nil
}

// close stops the server, letting a scrape under way end, and waits for it.
func (m *workerMetrics) close() {
	if m == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = m.srv.Shutdown(ctx)
	<-m.served
}

// watch returns what makes a run's settings report to m: its progress
// and its closed files, and its shared frontier f (nil: none). Nil when
// there are no metrics. Given last (after joined), it sees the run's ID.
func (m *workerMetrics) watch(job string, f frontierState) func(*capture.Config) {
	if m == nil {
		return nil
	}
	return func(cfg *capture.Config) {
		m.mu.Lock()
		m.done = addStats(m.done, m.cur)
		m.cur = capture.Stats{}
		m.front, m.run, m.job = f, cfg.RunID, job
		m.mu.Unlock()
		progress, closed := cfg.OnProgress, cfg.OnFileClosed
		cfg.OnProgress = func(s capture.Stats) {
			m.progress(s)
			if progress != nil {
				progress(s)
			}
		}
		cfg.OnFileClosed = func(wf warc.ClosedFile) {
			m.mu.Lock()
			m.files.n++
			m.files.records += int64(wf.Records)
			m.files.bytes += wf.Size
			m.mu.Unlock()
			if closed != nil {
				closed(wf)
			}
		}
	}
}

// progress keeps a run's latest counts. A count never goes down (the
// counts at a run's end are recounted from its lists, and a counter must
// not fall), Queued aside, which is a level.
func (m *workerMetrics) progress(s capture.Stats) {
	m.mu.Lock()
	defer m.mu.Unlock()
	c := &m.cur
	c.Pages, c.Requisites, c.Bytes = max(c.Pages, s.Pages), max(c.Requisites, s.Requisites), max(c.Bytes, s.Bytes)
	c.Errors, c.Skipped, c.Revisits = max(c.Errors, s.Errors), max(c.Skipped, s.Skipped), max(c.Revisits, s.Revisits)
	c.Browsed, c.PagesDone = max(c.Browsed, s.Browsed), max(c.PagesDone, s.PagesDone)
	c.Queued = s.Queued
}

// addStats adds the counts of b to a (Queued is b's: a level, not a count).
func addStats(a, b capture.Stats) capture.Stats {
	return capture.Stats{Pages: a.Pages + b.Pages, Requisites: a.Requisites + b.Requisites, Bytes: a.Bytes + b.Bytes,
		Errors: a.Errors + b.Errors, Skipped: a.Skipped + b.Skipped, Revisits: a.Revisits + b.Revisits,
		Browsed: a.Browsed + b.Browsed, PagesDone: a.PagesDone + b.PagesDone, Queued: b.Queued}
}

// chain applies each of sets that is not nil, in order.
func chain(sets ...func(*capture.Config)) func(*capture.Config) {
	return func(cfg *capture.Config) {
		for _, set := range sets {
			if set != nil {
				set(cfg)
			}
		}
	}
}

var (
	descWPages     = prometheus.NewDesc("vellum_worker_pages_total", "Pages this worker archived.", nil, nil)
	descWPagesDone = prometheus.NewDesc("vellum_worker_pages_done_total", "Pages this worker finished: archived, failed, skipped or redirected elsewhere.", nil, nil)
	descWReqs      = prometheus.NewDesc("vellum_worker_requisites_total", "Requisites this worker fetched.", nil, nil)
	descWBytes     = prometheus.NewDesc("vellum_worker_bytes_total", "Response bytes this worker recorded.", nil, nil)
	descWErrors    = prometheus.NewDesc("vellum_worker_errors_total", "URLs that failed on this worker.", nil, nil)
	descWSkipped   = prometheus.NewDesc("vellum_worker_skipped_total", "URLs this worker skipped because robots.txt forbids them (not errors).", nil, nil)
	descWRevisits  = prometheus.NewDesc("vellum_worker_revisits_total", "Responses this worker wrote as revisit records (identical payload).", nil, nil)
	descWBrowsed   = prometheus.NewDesc("vellum_worker_browsed_total", "Pages this worker loaded in the browser.", nil, nil)
	descWQueued    = prometheus.NewDesc("vellum_worker_queued", "URLs this worker has waiting or in flight.", nil, nil)
	descWFiles     = prometheus.NewDesc("vellum_worker_files_total", "WARC files this worker closed.", nil, nil)
	descWRecords   = prometheus.NewDesc("vellum_worker_records_total", "WARC records in the files this worker closed.", nil, nil)
	descWFileBytes = prometheus.NewDesc("vellum_worker_file_bytes_total", "Bytes of the WARC files this worker closed.", nil, nil)

	runLabels       = []string{"run", "job"}
	descFQueued     = prometheus.NewDesc("vellum_frontier_queued", "URLs waiting in the run's shared frontier.", runLabels, nil)
	descFInFlight   = prometheus.NewDesc("vellum_frontier_inflight", "URLs of the run's shared frontier claimed by a worker and not done.", runLabels, nil)
	descFOpen       = prometheus.NewDesc("vellum_frontier_workers_open", "Workers of the run with their files open (joined, not left).", runLabels, nil)
	descFDone       = prometheus.NewDesc("vellum_frontier_done_total", "URLs of the run done, by all its workers.", runLabels, nil)
	descFRequeued   = prometheus.NewDesc("vellum_frontier_requeued_total", "Claims given back to the queue (a worker's lease expired, or it left before they were done).", runLabels, nil)
	descFPages      = prometheus.NewDesc("vellum_frontier_pages_total", "Pages the run queued (its page budget counts these).", runLabels, nil)
	descFScrapeErrs = prometheus.NewDesc("vellum_metrics_errors", "1 when reading the run's shared frontier for these metrics failed.", nil, nil)
)

// workerCollector reads m at each scrape.
type workerCollector struct{ m *workerMetrics }

func (c workerCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descWPages, descWPagesDone, descWReqs, descWBytes, descWErrors, descWSkipped, descWRevisits,
		descWBrowsed, descWQueued, descWFiles, descWRecords, descWFileBytes,
		descFQueued, descFInFlight, descFOpen, descFDone, descFRequeued, descFPages, descFScrapeErrs} {
		ch <- d
	}
}

func (c workerCollector) Collect(ch chan<- prometheus.Metric) {
	m := c.m
	m.mu.Lock()
	s := addStats(m.done, m.cur)
	files := m.files
	front, run, job := m.front, m.run, m.job
	m.mu.Unlock()
	counter := func(d *prometheus.Desc, v int64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}
	gauge := func(d *prometheus.Desc, v int64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, float64(v), labels...)
	}
	counter(descWPages, s.Pages)
	counter(descWPagesDone, s.PagesDone)
	counter(descWReqs, s.Requisites)
	counter(descWBytes, s.Bytes)
	counter(descWErrors, s.Errors)
	counter(descWSkipped, s.Skipped)
	counter(descWRevisits, s.Revisits)
	counter(descWBrowsed, s.Browsed)
	gauge(descWQueued, s.Queued)
	counter(descWFiles, files.n)
	counter(descWRecords, files.records)
	counter(descWFileBytes, files.bytes)
	gauge(descFScrapeErrs, c.collectFrontier(ch, front, run, jobName(job)))
}

// collectFrontier reads the run's shared frontier, when there is one; it
// returns 1 when that failed.
func (c workerCollector) collectFrontier(ch chan<- prometheus.Metric, front frontierState, labels ...string) int64 {
	if front == nil {
		return 0
	}
	// Bounded: the frontier's own retries wait out a Redis restart, a
	// scrape must not.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	st, err := front.State(ctx)
	if err != nil {
		return 1
	}
	for _, v := range []struct {
		d *prometheus.Desc
		t prometheus.ValueType
		n int64
	}{
		{descFQueued, prometheus.GaugeValue, st.Queued},
		{descFInFlight, prometheus.GaugeValue, st.InFlight},
		{descFOpen, prometheus.GaugeValue, st.Open},
		{descFDone, prometheus.CounterValue, st.Counters["done"]},
		{descFRequeued, prometheus.CounterValue, st.Counters["requeued"]},
		{descFPages, prometheus.CounterValue, st.Counters["pages"]},
	} {
		ch <- prometheus.MustNewConstMetric(v.d, v.t, float64(v.n), labels...)
	}
	return 0
}
