package jobs

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/vellumhq/vellum/capture"
	"github.com/vellumhq/vellum/index"
	"github.com/vellumhq/vellum/internal/pause"
)

// ChangeNotice is the JSON body POSTed to a job's webhook when a run found
// pages changed.
type ChangeNotice struct {
	Job     string          `json:"job"`
	Run     string          `json:"run"`
	RunURL  string          `json:"run_url"`
	Status  string          `json:"status"`
	Started time.Time       `json:"started"`
	Ended   time.Time       `json:"ended"`
	Changed []ChangedPage   `json:"changed"`
	Counts  index.RunCounts `json:"counts"`
}

// ChangedPage is one changed page with links to both captures and to the
// word diff between them.
type ChangedPage struct {
	URL    string `json:"url"`
	Before string `json:"before"` // replay URL of the earlier capture
	After  string `json:"after"`  // replay URL of this run's capture
	Diff   string `json:"diff"`   // the word diff of the two main texts
}

// NewChangeNotice builds the notice of a run; replayBase is where `vellum
// serve` answers (http://host:port). It is nil when no page changed.
func NewChangeNotice(replayBase string, r index.Run, changes []index.Change) *ChangeNotice {
	base := strings.TrimSuffix(replayBase, "/")
	n := &ChangeNotice{Job: r.Job, Run: r.ID, RunURL: base + "/runs/" + url.PathEscape(r.ID), Status: r.Status,
		Started: r.Started, Ended: r.Ended, Counts: r.Counts}
	for _, c := range changes {
		if c.Change != index.ChangeChanged {
			continue
		}
		n.Changed = append(n.Changed, ChangedPage{
			URL:    c.URL,
			Before: base + "/web/" + c.PrevTS + "/" + c.URL,
			After:  base + "/web/" + c.TS + "/" + c.URL,
			Diff:   base + DiffPath(r.ID, c.URL),
		})
	}
	if len(n.Changed) == 0 {
		return nil
	}
	return n
}

// DiffPath is where the replay UI shows the word diff of a page a run found
// changed.
func DiffPath(runID, pageURL string) string {
	return "/runs/" + url.PathEscape(runID) + "/diff?url=" + url.QueryEscape(pageURL)
}

// Notify POSTs the notice to webhook as JSON, trying up to three times
// (with a pause) on a network error or a 5xx; a 2xx is success.
func Notify(ctx context.Context, client *http.Client, webhook string, n *ChangeNotice) error {
	return notify(ctx, client, webhook, n, pause.For)
}

// notify is Notify with the pause between attempts given, so that tests
// need not wait for it: pause waits d or until ctx ends and reports whether
// the full time passed.
func notify(ctx context.Context, client *http.Client, webhook string, n *ChangeNotice, pause func(ctx context.Context, d time.Duration) bool) error {
	body, err := json.Marshal(n)
	if err != nil {
		return err
	}
	// Errors name the webhook's host only: its path or query often holds a token.
	where := "webhook"
	if u, err := url.Parse(webhook); err == nil && u.Host != "" {
		where = "webhook on " + u.Host
	}
	if client == nil {
		client = &http.Client{Timeout: 15 * time.Second}
	}
	var last error
	for attempt := range 3 {
		if attempt > 0 && !pause(ctx, time.Duration(attempt)*time.Second) {
			break
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, webhook, bytes.NewReader(body))
		if err != nil {
			return fmt.Errorf("%s: %w", where, err)
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("User-Agent", "Vellum/"+capture.Version)
		resp, err := client.Do(req)
		if err != nil {
			last = err
			continue
		}
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		if resp.StatusCode >= 200 && resp.StatusCode < 300 {
			return nil
		}
		last = fmt.Errorf("HTTP %d", resp.StatusCode)
		if resp.StatusCode < 500 {
			break
		}
	}
	if ue, ok := last.(*url.Error); ok {
		last = ue.Err // without the URL
	}
	return fmt.Errorf("%s: %w", where, last)
}
