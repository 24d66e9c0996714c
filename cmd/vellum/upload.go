package main

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/vellumhq/vellum/capture"
	"github.com/vellumhq/vellum/capture/jobs"
	"github.com/vellumhq/vellum/capture/upload"
	"github.com/vellumhq/vellum/index"
)

func newUploadCmd() *cobra.Command {
	archive, remoteFlag, logLevel, indexFlag := "archive", "", "info", ""
	keepLocal := true
	attempts := 4
	var ff frontierFlags
	cmd := &cobra.Command{
		Use:   "upload",
		Short: "Upload every finished WARC and CDXJ file not yet in the remote store",
		Long: "upload sends every finished WARC file of the archive, and its CDXJ file, that is not yet verified\n" +
			"in the remote store (--remote s3://bucket/prefix; endpoint and credentials from AWS_ENDPOINT_URL,\n" +
			"AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION). Each upload counts only once the store's copy\n" +
			"matches the local SHA-256. Failures are retried with backoff; what still fails stays pending.\n" +
			"A file left open by a crash is repaired first; with --frontier (a cluster's worker that died), the\n" +
			"records of the pages it had not reported done are left out of it: its claims went back to the\n" +
			"queue, and the worker that fetches them again writes them.",
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
			if err := checkIndexFlag(indexFlag, true, true); err != nil {
				return err
			}
			ctx := cmd.Context()
			var idx openedIndex
			if given, err := openIndexFlag(ctx, indexFlag, logger); err != nil {
				return err
			} else if given != nil {
				idx = given
			} else {
				x, _, err := index.OpenArchive(ctx, archive, false)
				if err != nil {
					return err
				}
				idx = x
			}
			defer idx.Close()
			st := uploadState(archive, idx, sharedIndex(indexFlag))
			var abandon capture.Abandon
			if ff.url != "" {
				client, err := ff.dial(ctx, logger)
				if err != nil {
					return err
				}
				defer client.Close()
				abandon = ff.abandon(client, logger)
			}
			repaired, err := capture.RepairArchive(ctx, archive, idx, abandon)
			if err != nil {
				return err
			}
			logRepaired(logger, repaired)
			if err := upload.MarkLocal(ctx, archive, st); err != nil {
				return err
			}
			up := upload.NewUploader(archive, st, rem, keepLocal)
			before, _ := st.Pending(ctx)
			pending, err := up.Retry(ctx, attempts, time.Second, 15*time.Second)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "uploaded %d files to %s; %d pending\n", len(before)-pending, rem, pending)
			logger.Debug("upload done", "pending", pending)
			return upload.Pending(ctx, st, rem, up)
		},
	}
	f := cmd.Flags()
	f.StringVar(&archive, "archive", archive, "archive directory")
	f.StringVar(&remoteFlag, "remote", "", "S3-compatible store, s3://bucket/prefix")
	f.BoolVar(&keepLocal, "keep-local", true, "keep local files after a verified upload")
	f.IntVar(&attempts, "attempts", attempts, "rounds of attempts, with backoff, before giving up")
	ff.add(f)
	f.Lookup("frontier").Usage = frontierRepairUsage
	addIndexFlag(f, &indexFlag)
	f.StringVar(&logLevel, "log-level", logLevel, "debug, info, warn or error")
	return cmd
}

// startJobUploads is the jobs runner's StartUploads: to the S3-compatible
// store of the job's remote.
func startJobUploads(ctx context.Context, c jobs.UploadConfig) (jobs.Uploads, error) {
	return startUploads(ctx, c, false)
}

// startSharedUploads is startJobUploads for a runner on a shared index:
// each machine uploads the files of its own archive (uploadState).
func startSharedUploads(ctx context.Context, c jobs.UploadConfig) (jobs.Uploads, error) {
	return startUploads(ctx, c, true)
}

func startUploads(ctx context.Context, c jobs.UploadConfig, shared bool) (jobs.Uploads, error) {
	rem, err := parseRemote(c.Remote)
	if err != nil {
		return nil, err
	}
	s, err := upload.Start(ctx, c.Archive, uploadState(c.Archive, c.Index, shared), rem, c.KeepLocal, c.Log)
	if err != nil {
		return nil, err
	}
	return s, nil
}
