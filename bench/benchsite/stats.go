package main

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// stats serves the site and counts what it served since the last reset.
type stats struct {
	site     *site
	requests atomic.Int64 // every request for the site, 404s included
	notFound atomic.Int64
	bytes    atomic.Int64 // body bytes sent

	mu      sync.Mutex
	cpuBase time.Duration // process CPU time at the last reset
}

func newStats(s *site) *stats {
	return &stats{site: s, cpuBase: cpuTime()}
}

func (st *stats) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	st.requests.Add(1)
	res := st.site.res[r.URL.Path]
	if res == nil {
		st.notFound.Add(1)
		http.NotFound(w, r)
		return
	}
	res.hits.Add(1)
	body := res.body
	h := w.Header()
	h["Content-Type"] = []string{res.contentType}
	if res.gz != nil {
		h["Vary"] = []string{"Accept-Encoding"}
		if acceptsGzip(r.Header.Get("Accept-Encoding")) {
			body = res.gz
			h["Content-Encoding"] = []string{"gzip"}
		}
	}
	h["Content-Length"] = []string{strconv.Itoa(len(body))}
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodGet {
		n, _ := w.Write(body)
		st.bytes.Add(int64(n))
	}
}

// acceptsGzip reports whether an Accept-Encoding value allows gzip.
func acceptsGzip(ae string) bool {
	for _, part := range strings.Split(ae, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(name), "gzip") {
			continue
		}
		q := strings.ReplaceAll(params, " ", "")
		return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
	}
	return false
}

// snapshot is the /__stats answer.
type snapshot struct {
	Requests   int64   `json:"requests"`    // requests served since the reset, 404s included
	Unique     int     `json:"unique"`      // distinct site URLs served since the reset
	NotFound   int64   `json:"not_found"`   // requests for URLs the site does not have
	Bytes      int64   `json:"bytes"`       // body bytes sent (gzipped where the client asked)
	CPUSeconds float64 `json:"cpu_seconds"` // the server's user+system CPU time since the reset
	SiteURLs   int     `json:"site_urls"`   // URLs the site has
}

func (st *stats) serveStats(w http.ResponseWriter, _ *http.Request) {
	unique := 0
	for _, r := range st.site.res {
		if r.hits.Load() > 0 {
			unique++
		}
	}
	st.mu.Lock()
	cpu := cpuTime() - st.cpuBase
	st.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(snapshot{
		Requests:   st.requests.Load(),
		Unique:     unique,
		NotFound:   st.notFound.Load(),
		Bytes:      st.bytes.Load(),
		CPUSeconds: cpu.Seconds(),
		SiteURLs:   len(st.site.paths),
	})
}

func (st *stats) serveReset(w http.ResponseWriter, _ *http.Request) {
	st.requests.Store(0)
	st.notFound.Store(0)
	st.bytes.Store(0)
	for _, r := range st.site.res {
		r.hits.Store(0)
	}
	st.mu.Lock()
	st.cpuBase = cpuTime()
	st.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

// cpuTime is the user+system CPU time this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
