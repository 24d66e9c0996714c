package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/vellumhq/vellum/capture"
	"github.com/vellumhq/vellum/capture/jobs"
	"github.com/vellumhq/vellum/index"
	"github.com/vellumhq/vellum/storage"
	"github.com/vellumhq/vellum/warc"
)

func newUploadCmd() *cobra.Command {
	archive, remoteFlag, logLevel := "archive", "", "info"
	keepLocal := true
	attempts := 4
	cmd := &cobra.Command{
		Use:   "upload",
		Short: "Upload every finished WARC and CDXJ file not yet in the remote store",
		Long: "upload sends every finished WARC file of the archive, and its CDXJ file, that is not yet verified\n" +
			"in the remote store (--remote s3://bucket/prefix; endpoint and credentials from AWS_ENDPOINT_URL,\n" +
			"AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION). Each upload counts only once the store's copy\n" +
			"matches the local SHA-256. Failures are retried with backoff; what still fails stays pending.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			logger, err := newLogger(logLevel)
			if err != nil {
				return &exitError{2, err.Error()}
			}
			if remoteFlag == "" {
				return &exitError{2, "upload: no --remote given (s3://bucket/prefix)"}
			}
			rem, err := parseRemote(remoteFlag)
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			idx, _, err := index.OpenArchive(ctx, archive, false)
			if err != nil {
				return err
			}
			defer idx.Close()
			if _, err := capture.RepairArchive(ctx, archive, idx); err != nil {
				return err
			}
			if err := markLocalFiles(ctx, archive, idx); err != nil {
				return err
			}
			up := newUploader(archive, idx, rem, keepLocal)
			before, _ := idx.Pending(ctx)
			pending, err := up.Retry(ctx, attempts, time.Second, 15*time.Second)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "uploaded %d files to %s; %d pending\n", len(before)-pending, rem, pending)
			logger.Debug("upload done", "pending", pending)
			return pendingReport(ctx, idx, rem, up)
		},
	}
	f := cmd.Flags()
	f.StringVar(&archive, "archive", archive, "archive directory")
	f.StringVar(&remoteFlag, "remote", "", "S3-compatible store, s3://bucket/prefix")
	f.BoolVar(&keepLocal, "keep-local", true, "keep local files after a verified upload")
	f.IntVar(&attempts, "attempts", attempts, "rounds of attempts, with backoff, before giving up")
	f.StringVar(&logLevel, "log-level", logLevel, "debug, info, warn or error")
	return cmd
}

// uploadSession uploads a capture's files while it runs.
type uploadSession struct {
	archive string
	rem     *remote
	idx     *index.Index
	up      *storage.Uploader
	ctx     context.Context
	log     *slog.Logger

	earlier     chan struct{} // closed when the files left pending before were tried
	earlierSent int           // how many of those went up

	mu    sync.Mutex
	added []string // files of this capture, handed to the uploader
}

var _ jobs.Uploads = (*uploadSession)(nil)

// startJobUploads is the jobs runner's StartUploads: to the S3-compatible
// store of the job's remote.
func startJobUploads(ctx context.Context, c jobs.UploadConfig) (jobs.Uploads, error) {
	rem, err := parseRemote(c.Remote)
	if err != nil {
		return nil, err
	}
	s, err := startUploads(ctx, c.Archive, c.Index, rem, c.KeepLocal, c.Log)
	if err != nil {
		return nil, err
	}
	return s, nil
}

// startUploads starts sending files left pending by earlier runs, beside
// the capture; the upload state is kept in idx, the archive's open index,
// which the caller closes after the session.
func startUploads(ctx context.Context, archive string, idx *index.Index, rem *remote, keepLocal bool, log *slog.Logger) (*uploadSession, error) {
	s := &uploadSession{archive: archive, rem: rem, idx: idx, up: newUploader(archive, idx, rem, keepLocal), ctx: ctx, log: log}
	if err := markLocalFiles(ctx, archive, idx); err != nil {
		return nil, err
	}
	s.earlier = make(chan struct{})
	go func() {
		defer close(s.earlier)
		n, pending, err := s.up.UploadPending(ctx)
		s.earlierSent = n
		switch {
		case err != nil:
			log.Warn("files left pending before not uploaded", "pending", pending, "err", oneLine(err))
		case n > 0:
			log.Info("uploaded files left pending before", "files", n, "pending", pending)
		}
	}()
	return s, nil
}

// FileClosed is the capture's OnFileClosed: upload the WARC and its CDXJ.
func (s *uploadSession) FileClosed(f warc.ClosedFile) {
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
func (s *uploadSession) Remote() storage.Store { return s.rem.store }

// Finish waits for the uploads, says how many files went up (to out, when
// not nil) and reports what is still pending.
func (s *uploadSession) Finish(ctx context.Context, out io.Writer) error {
	<-s.earlier
	s.up.Wait()
	sent := s.earlierSent
	s.mu.Lock()
	for _, name := range s.added {
		if st, err := s.idx.FileState(ctx, name); err == nil && st == index.StateUploaded {
			sent++
		}
	}
	s.mu.Unlock()
	if sent > 0 && out != nil {
		fmt.Fprintf(out, "uploaded %d files to %s\n", sent, s.rem)
	}
	return pendingReport(ctx, s.idx, s.rem, s.up)
}

// Close waits for the uploads still going; the caller then closes the index.
func (s *uploadSession) Close() {
	<-s.earlier
	s.up.Wait()
}
