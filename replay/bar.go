package replay

import (
	"context"

	"github.com/vellumhq/vellum/index"
)

// captureBar is what the bar above a replayed page shows, in both modes:
// the UI's frame page renders it, and with one origin banner.js draws it
// from these fields (their JSON names are banner.js's).
type captureBar struct {
	URL        string `json:"original"`
	When       string `json:"date"`
	Timestamp  string `json:"ts"`
	Calendar   string `json:"calendar"`
	Prev       string `json:"prev,omitempty"`
	Next       string `json:"next,omitempty"`
	Screenshot string `json:"screenshot,omitempty"`
	// Compare is the word diff of the page's text with the previous
	// capture's, when the index holds both texts.
	Compare string `json:"compare,omitempty"`
}

// newCaptureBar is the bar of caps[i], caps being every memento of its URL
// oldest first.
func (s *Server) newCaptureBar(ctx context.Context, caps []index.Capture, i int) captureBar {
	c := caps[i]
	b := captureBar{URL: c.URL, When: uiTime(c.Timestamp), Timestamp: c.Timestamp, Calendar: Prefix + "*/" + c.URL,
		Screenshot: s.screenshotURL(ctx, c.URL, c.Timestamp)}
	if i+1 < len(caps) {
		b.Next = mementoURL(Prefix, caps[i+1].Timestamp, "", caps[i+1].URL)
	}
	if i == 0 {
		return b
	}
	p := caps[i-1]
	b.Prev = mementoURL(Prefix, p.Timestamp, "", p.URL)
	pages, _ := s.idx.PageHeads(ctx, c.URLKey) // without them, no compare link
	if texts := textSources(caps, pages); hasText(texts, p.Timestamp) && hasText(texts, c.Timestamp) {
		b.Compare = comparePath(c.URL, p.Timestamp, c.Timestamp)
	}
	return b
}

// barFor is the bar of capture c among all, the captures of its URL key in
// time order as the index gives them (all is not changed).
func (s *Server) barFor(ctx context.Context, c index.Capture, all []index.Capture) captureBar {
	caps := uniqueMementos(append([]index.Capture(nil), all...))
	for i := range caps {
		if caps[i].Timestamp == c.Timestamp && caps[i].URL == c.URL {
			return s.newCaptureBar(ctx, caps, i)
		}
	}
	return s.newCaptureBar(ctx, []index.Capture{c}, 0)
}
