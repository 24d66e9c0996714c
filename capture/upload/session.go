package upload

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sync"

	"github.com/vellumhq/vellum/index"
	"github.com/vellumhq/vellum/internal/oneline"
	"github.com/vellumhq/vellum/storage"
	"github.com/vellumhq/vellum/warc"
)

// Session uploads a capture's files while it runs. Start starts it; Close
// (or Finish, then Close) waits for the goroutines it started.
type Session struct {
	archive string
	rem     *storage.Remote
	st      State
	up      *storage.Uploader
	ctx     context.Context
	log     *slog.Logger

	earlier      chan struct{} // closed when the files left pending before were tried
	earlierNames []string      // those files, pending when the session started

	mu    sync.Mutex
	added []string // files of this capture, handed to the uploader
}

// Start marks the archive's local files that are not uploaded as pending
// and starts sending them, beside the capture; the upload state is kept
// in st, the archive's open index, which the caller closes after the
// session.
func Start(ctx context.Context, archive string, st State, rem *storage.Remote, keepLocal bool, log *slog.Logger) (*Session, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Session{archive: archive, rem: rem, st: st, up: NewUploader(archive, st, rem, keepLocal), ctx: ctx, log: log}
	if err := MarkLocal(ctx, archive, st); err != nil {
		return nil, err
	}
	// What was pending before this capture, listed before it can add any of
	// its own: Finish counts each file that went up once, whichever pass sent it.
	before, err := st.Pending(ctx)
	if err != nil {
		return nil, err
	}
	for _, f := range before {
		s.earlierNames = append(s.earlierNames, f.Name)
	}
	s.earlier = make(chan struct{})
	go func() {
		defer close(s.earlier)
		n, pending, err := s.up.UploadPending(ctx)
		switch {
		case err != nil:
			log.Warn("files left pending before not uploaded", "pending", pending, "err", oneline.Of(err))
		case n > 0:
			log.Info("uploaded files left pending before", "files", n, "pending", pending)
		}
	}()
	return s, nil
}

// FileClosed is the capture's OnFileClosed: upload the WARC and its CDXJ.
func (s *Session) FileClosed(f warc.ClosedFile) {
	files := filesOf(s.archive, f)
	if err := s.up.Add(s.ctx, files...); err != nil {
		s.log.Error("cannot record a file for upload", "file", f.Filename, "err", err)
		return
	}
	s.mu.Lock()
	for _, fl := range files {
		s.added = append(s.added, fl.Name)
	}
	s.mu.Unlock()
}

// Remote is the store the files go to, connected on first use.
func (s *Session) Remote() storage.Store { return s.rem.Store }

// Finish waits for the uploads, says how many files went up (to out, when
// not nil) and returns Pending's error for what is still pending.
func (s *Session) Finish(ctx context.Context, out io.Writer) error {
	s.Close()
	s.mu.Lock()
	names := append(slices.Clone(s.earlierNames), s.added...)
	s.mu.Unlock()
	slices.Sort(names)
	sent := 0
	for _, name := range slices.Compact(names) {
		if st, err := s.st.FileState(ctx, name); err == nil && st == index.StateUploaded {
			sent++
		}
	}
	if sent > 0 && out != nil {
		fmt.Fprintf(out, "uploaded %d files to %s\n", sent, s.rem)
	}
	return Pending(ctx, s.st, s.rem, s.up)
}

// Close waits for the uploads still going; the caller then closes the
// index. It may be called more than once.
func (s *Session) Close() {
	<-s.earlier
	s.up.Wait()
}
