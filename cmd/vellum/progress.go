package main

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/schollz/progressbar/v3"

	"github.com/vellumhq/vellum/capture"
)

// progress shows a capture's progress: a bar on a terminal, a log line every
// few seconds otherwise.
type progress struct {
	mu      sync.Mutex
	bar     *progressbar.ProgressBar
	log     *slog.Logger
	lastLog time.Time
}

func newProgress(w io.Writer, allowBar bool, log *slog.Logger) *progress {
	p := &progress{log: log, lastLog: time.Now()}
	if f, ok := w.(*os.File); ok && allowBar && isatty.IsTerminal(f.Fd()) {
		p.bar = progressbar.NewOptions64(-1,
			progressbar.OptionSetWriter(w),
			progressbar.OptionSetDescription("capturing"),
			progressbar.OptionShowCount(),
			progressbar.OptionSetElapsedTime(true),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionClearOnFinish(),
		)
	}
	return p
}

func (p *progress) update(s capture.Stats) {
	p.mu.Lock()
	defer p.mu.Unlock()
	done := s.Pages + s.Requisites
	if p.bar != nil {
		p.bar.ChangeMax64(done + s.Queued)
		p.bar.Describe(fmt.Sprintf("pages %d · requisites %d · %s · errors %d",
			s.Pages, s.Requisites, humanBytes(s.Bytes), s.Errors))
		_ = p.bar.Set64(done)
		return
	}
	if time.Since(p.lastLog) >= 5*time.Second {
		p.lastLog = time.Now()
		p.log.Info("progress", "pages", s.Pages, "requisites", s.Requisites, "queued", s.Queued,
			"bytes", s.Bytes, "errors", s.Errors)
	}
}

func (p *progress) finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bar != nil {
		_ = p.bar.Finish()
	}
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
