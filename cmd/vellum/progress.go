package main

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/mattn/go-isatty"

	"github.com/vellumhq/vellum/capture"
)

// console is a command's stderr: log lines and, on a terminal, one status
// line below them. A log line clears the status line before it is written
// and the status line is drawn again after it, so the two never share a
// line. The slog handler writes each record in one Write.
type console struct {
	mu     sync.Mutex
	w      io.Writer
	live   bool   // a terminal: the status line is drawn
	status string // the status line on screen; "" when none
}

// clearLine returns the cursor to the start of the line and erases it.
const clearLine = "\r\x1b[K"

func newConsole(w io.Writer, live bool) *console { return &console{w: w, live: live} }

// isTerminal reports whether w is a terminal, where a status line can be
// drawn and redrawn in place.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && isatty.IsTerminal(f.Fd())
}

func (c *console) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.status != "" {
		io.WriteString(c.w, clearLine)
	}
	n, err := c.w.Write(p)
	if c.status != "" {
		io.WriteString(c.w, c.status)
	}
	return n, err
}

// show replaces the status line; "" removes it.
func (c *console) show(status string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.live || status == c.status {
		return
	}
	io.WriteString(c.w, clearLine+status)
	c.status = status
}

// progress shows a capture's progress: a status line on a terminal, a log
// line every few seconds otherwise. It shows what is known — pages done of
// pages found so far — and no estimate of the time left: the number of
// pages grows as links are found, and delays between pages are waited out.
type progress struct {
	mu      sync.Mutex
	con     *console
	log     *slog.Logger
	lastLog time.Time
}

func newProgress(con *console, log *slog.Logger) *progress {
	return &progress{con: con, log: log, lastLog: time.Now()}
}

func (p *progress) update(s capture.Stats) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.con.live {
		p.con.show(fmt.Sprintf("capturing: pages %d/%d · requisites %d · %s · %d failed · %d skipped · %s",
			s.PagesDone, s.PagesFound, s.Requisites, humanBytes(s.Bytes), s.Errors, s.Skipped, s.Elapsed.Round(time.Second)))
		return
	}
	if time.Since(p.lastLog) >= 5*time.Second {
		p.lastLog = time.Now()
		p.log.Info("progress", "pages_done", s.PagesDone, "pages_found", s.PagesFound, "requisites", s.Requisites,
			"queued", s.Queued, "bytes", s.Bytes, "failed", s.Errors, "skipped", s.Skipped)
	}
}

// finish removes the status line.
func (p *progress) finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.con.show("")
}

func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
