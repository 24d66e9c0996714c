package replay

import (
	"context"
	"strings"
	"time"

	"github.com/vellumhq/vellum/index"
	"github.com/vellumhq/vellum/warc"
)

// screenshotWindow is how far in time a screenshot may be from the capture
// of its page and still be shown as that capture's. A browser capture takes
// it once the page is loaded and the network quiet (--browser-timeout, 30 s
// by default); Browsertrix after a page load of up to 90 s. A capture of
// the page without a browser, minutes away, must not show it.
const screenshotWindow = 5 * time.Minute

// screenshots returns the screenshots taken of the page at url: the
// captures of "urn:view:<url>" (warc.ViewURI) that are images, oldest
// first. The capture side writes them as resource records; an index made
// from CDXJ lines alone knows them only by their MIME type.
func (s *Server) screenshots(ctx context.Context, url string) []index.Capture {
	key, err := warc.SURT(warc.ViewURI(url))
	if err != nil {
		return nil
	}
	caps, err := s.idx.Captures(ctx, key)
	if err != nil {
		s.log.Warn("screenshots", "url", url, "err", err)
		return nil
	}
	var images []index.Capture
	for _, c := range caps {
		if strings.HasPrefix(c.MIME, "image/") {
			images = append(images, c)
		}
	}
	return images
}

// screenshotNear returns the screenshot of shots nearest in time to the
// capture at ts (the earlier on a tie), if one is within screenshotWindow.
func screenshotNear(shots []index.Capture, ts string) (index.Capture, bool) {
	if len(shots) == 0 {
		return index.Capture{}, false
	}
	c := shots[nearest(shots, ts)]
	d := captureTime(c.Timestamp).Sub(captureTime(ts))
	if d > screenshotWindow || d < -screenshotWindow {
		return index.Capture{}, false
	}
	return c, true
}

// screenshotURL is the address of the screenshot of the capture of url at
// ts ("" when it has none): its image as archived (id_), on the origin
// archived content is served from, like any archived bytes.
func (s *Server) screenshotURL(ctx context.Context, url, ts string) string {
	shot, ok := screenshotNear(s.screenshots(ctx, url), ts)
	if !ok {
		return ""
	}
	return s.screenshotLink(shot)
}

// screenshotLink is the address a screenshot capture is opened at.
func (s *Server) screenshotLink(shot index.Capture) string {
	prefix := Prefix
	if s.framed() {
		prefix = s.contentPrefix()
	}
	return mementoURL(prefix, shot.Timestamp, modRaw, shot.URL)
}
