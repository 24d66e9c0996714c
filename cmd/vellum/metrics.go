package main

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/vellumhq/vellum/capture/jobs"
	"github.com/vellumhq/vellum/index"
)

// metrics is what `vellum serve` exports at /metrics: the run history and
// upload state read from vellum.db at each scrape (so runs made by `vellum
// run` in other processes count too), and the replay requests it served.
type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
}

// metricsIndex is what /metrics reads of the index at each scrape.
type metricsIndex interface {
	RunsByStatus(ctx context.Context) (map[string]int64, error)
	RunsWithStatus(ctx context.Context, status string) ([]index.Run, error)
	RunTotals(ctx context.Context) (index.RunCounts, error)
	CountFiles(ctx context.Context, state string) (int64, error)
	Count(ctx context.Context) (int64, error)
	LastRuns(ctx context.Context) ([]index.Run, error)
}

// newMetrics reads idx at each scrape. runLive tells whether a run
// recorded as running goes on (else it counts as crashed); nil: every one
// does, as on a shared index, whose runs are other machines'.
func newMetrics(idx metricsIndex, runLive func(id string) bool, sched func() *jobs.Scheduler) *metrics {
	m := &metrics{reg: prometheus.NewRegistry()}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "vellum_replay_requests_total",
		Help: "Replay HTTP requests served, by kind of page and status code.",
	}, []string{"kind", "code"})
	m.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "vellum_replay_request_duration_seconds",
		Help:    "Time to serve a replay HTTP request, by kind of page.",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
	}, []string{"kind"})
	m.reg.MustRegister(m.requests, m.latency, collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}), &archiveCollector{idx: idx, runLive: runLive, sched: sched})
	return m
}

// handler serves /metrics.
func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
}

// wrap counts and times the requests h serves.
func (m *metrics) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, code: http.StatusOK}
		h.ServeHTTP(sw, r)
		kind := requestKind(r.URL.Path)
		m.requests.WithLabelValues(kind, strconv.Itoa(sw.code)).Inc()
		m.latency.WithLabelValues(kind).Observe(time.Since(start).Seconds())
	})
}

// requestKind names what a request asked for, with few distinct values.
func requestKind(p string) string {
	switch {
	case p == "/metrics":
		return "metrics"
	case strings.HasPrefix(p, "/web/cdx"):
		return "cdx"
	case strings.HasPrefix(p, "/web/timemap/"):
		return "timemap"
	case strings.HasPrefix(p, "/web/*/"):
		return "calendar"
	case strings.HasPrefix(p, "/web/"):
		rest := strings.TrimPrefix(p, "/web/")
		if i := strings.IndexByte(rest, '/'); i > 0 && rest[0] >= '0' && rest[0] <= '9' {
			return "memento"
		}
		return "timegate"
	case strings.HasPrefix(p, "/runs"):
		return "runs"
	case strings.HasPrefix(p, "/_vellum/"):
		return "asset"
	}
	return "ui"
}

type statusWriter struct {
	http.ResponseWriter
	code  int
	wrote bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wrote {
		w.code, w.wrote = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(p []byte) (int, error) {
	w.wrote = true
	return w.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach the connection (flushes, deadlines).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// archiveCollector reads the run history and the upload state at scrape time.
type archiveCollector struct {
	idx     metricsIndex
	runLive func(id string) bool // nil: every run recorded as running is
	sched   func() *jobs.Scheduler
}

var (
	descRuns      = prometheus.NewDesc("vellum_runs", "Runs in the history, by status (ok, failed, interrupted, running, crashed: recorded as running, its process gone).", []string{"status"}, nil)
	descPages     = prometheus.NewDesc("vellum_run_pages_total", "Pages archived by all runs.", nil, nil)
	descReqs      = prometheus.NewDesc("vellum_run_requisites_total", "Requisites archived by all runs.", nil, nil)
	descBytes     = prometheus.NewDesc("vellum_run_bytes_total", "Response bytes fetched by all runs.", nil, nil)
	descErrors    = prometheus.NewDesc("vellum_run_errors_total", "URLs that failed in all runs.", nil, nil)
	descRunSkip   = prometheus.NewDesc("vellum_run_skipped_total", "URLs all runs skipped because robots.txt forbids them (not errors).", nil, nil)
	descChanges   = prometheus.NewDesc("vellum_run_pages_by_change_total", "Pages archived by all runs, by what changed since their previous capture.", []string{"change"}, nil)
	descRevisits  = prometheus.NewDesc("vellum_run_revisits_total", "Responses written as revisit records (identical payload) by all runs.", nil, nil)
	descPending   = prometheus.NewDesc("vellum_uploads_pending", "Finished files waiting for a verified upload to the remote store.", nil, nil)
	descCaptures  = prometheus.NewDesc("vellum_captures", "Replayable captures in the index.", nil, nil)
	descLastEnd   = prometheus.NewDesc("vellum_job_last_run_end_timestamp_seconds", "When the latest run of each job ended (0 while it runs), with its status.", []string{"job", "status"}, nil)
	descSkipped   = prometheus.NewDesc("vellum_job_skipped_turns_total", "Scheduled turns skipped because the job's previous run was still going.", []string{"job"}, nil)
	descScrapeErr = prometheus.NewDesc("vellum_metrics_errors", "1 when reading the index for these metrics failed.", nil, nil)
)

func (c *archiveCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descRuns, descPages, descReqs, descBytes, descErrors, descRunSkip, descChanges, descRevisits,
		descPending, descCaptures, descLastEnd, descSkipped, descScrapeErr} {
		ch <- d
	}
}

func (c *archiveCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	failed := 0.0
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	counter := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v, labels...)
	}
	if by, err := c.idx.RunsByStatus(ctx); err == nil {
		var crashed int64
		if by[index.RunRunning] > 0 {
			if running, err := c.idx.RunsWithStatus(ctx, index.RunRunning); err == nil {
				for _, r := range running {
					if c.runLive != nil && !c.runLive(r.ID) {
						crashed++
					}
				}
			}
		}
		by[index.RunRunning] -= crashed
		for _, s := range []string{index.RunOK, index.RunFailed, index.RunInterrupted, index.RunRunning} {
			gauge(descRuns, float64(by[s]), s)
		}
		gauge(descRuns, float64(crashed), "crashed")
	} else {
		failed = 1
	}
	if t, err := c.idx.RunTotals(ctx); err == nil {
		counter(descPages, float64(t.Pages))
		counter(descReqs, float64(t.Requisites))
		counter(descBytes, float64(t.Bytes))
		counter(descErrors, float64(t.Errors))
		counter(descRunSkip, float64(t.Skipped))
		counter(descRevisits, float64(t.Revisits))
		counter(descChanges, float64(t.New), index.ChangeNew)
		counter(descChanges, float64(t.Changed), index.ChangeChanged)
		counter(descChanges, float64(t.Unchanged), index.ChangeUnchanged)
	} else {
		failed = 1
	}
	if n, err := c.idx.CountFiles(ctx, index.StatePending); err == nil {
		gauge(descPending, float64(n))
	} else {
		failed = 1
	}
	if n, err := c.idx.Count(ctx); err == nil {
		gauge(descCaptures, float64(n))
	} else {
		failed = 1
	}
	if last, err := c.idx.LastRuns(ctx); err == nil {
		for _, r := range last {
			end := 0.0
			if !r.Ended.IsZero() {
				end = float64(r.Ended.Unix())
			}
			status := r.Status
			if status == index.RunRunning && c.runLive != nil && !c.runLive(r.ID) {
				status = "crashed"
			}
			gauge(descLastEnd, end, jobName(r.Job), status)
		}
	} else {
		failed = 1
	}
	if c.sched != nil {
		if s := c.sched(); s != nil {
			for _, job := range s.Jobs() {
				counter(descSkipped, float64(s.Skipped(job)), job)
			}
		}
	}
	gauge(descScrapeErr, failed)
}

// jobName is how a run's job is shown: a `vellum capture` run has none and
// is named "(capture)", as on the replay UI's /runs.
func jobName(job string) string {
	if job == "" {
		return "(capture)"
	}
	return job
}
