package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/vellumhq/vellum/capture"
)

// On a terminal, a log line never shares a line with the progress line: it
// is cleared first and drawn again below, and it shows pages done of pages
// found, with no estimate of the time left.
func TestProgressLineAndLogLinesNeverShareALine(t *testing.T) {
	var out bytes.Buffer
	con := newConsole(&out, true)
	logger, err := newLoggerTo("info", con)
	if err != nil {
		t.Fatal(err)
	}
	p := newProgress(con, logger)
	p.update(capture.Stats{PagesFound: 21, PagesDone: 18, Pages: 17, Requisites: 40, Bytes: 3 << 20, Skipped: 1, Elapsed: 5 * time.Second})
	logger.Warn("page failed", "url", "http://news.example/gone.html", "err", "HTTP 404 Not Found")
	p.update(capture.Stats{PagesFound: 30, PagesDone: 19, Pages: 18, Requisites: 41, Bytes: 3 << 20, Skipped: 1, Errors: 1, Elapsed: 6 * time.Second})
	logger.Info("WARC written", "file", "warcs/x.warc.gz")
	p.finish()

	if logs := checkScreen(t, screen(out.Bytes())); len(logs) != 2 {
		t.Errorf("%d log lines shown, want 2:\n%q", len(logs), logs)
	}
	raw := out.String()
	if !strings.Contains(raw, "pages 18/21") || !strings.Contains(raw, "pages 19/30") {
		t.Errorf("progress does not show pages done of found:\n%q", raw)
	}
	if strings.Contains(raw, "0s]") || strings.Contains(raw, "left") {
		t.Errorf("progress shows an estimate:\n%q", raw)
	}
}
