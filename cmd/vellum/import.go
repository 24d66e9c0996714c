package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/vellumhq/vellum/capture/upload"
	"github.com/vellumhq/vellum/index"
	"github.com/vellumhq/vellum/internal/oneline"
	"github.com/vellumhq/vellum/wacz"
	"github.com/vellumhq/vellum/warc"
)

func newImportCmd() *cobra.Command {
	archive, remoteFlag, logLevel := "archive", "", "info"
	cmd := &cobra.Command{
		Use:   "import [--archive DIR] FILE.wacz|FILE.warc.gz...",
		Short: "Add WACZ and WARC files of any tool to the archive",
		Long: "import copies the WARC files of each WACZ (and each WARC file given) into the archive, under\n" +
			"ARCHIVE/warcs/imported/<first 16 hex digits of the file's SHA-256>/, as they are, and indexes them.\n" +
			"A WACZ's pages.jsonl gives the pages' titles and text when its WARCs carry no metadata records.\n" +
			"A file already in the archive is not added again. With --remote the new files are uploaded.",
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			logger, err := newLogger(logLevel)
			if err != nil {
				return &exitError{2, err.Error()}
			}
			for _, a := range args {
				if _, err := os.Stat(a); err != nil {
					return &exitError{2, "import: " + oneline.Of(err)}
				}
			}
			rem, err := parseRemote(remoteFlag)
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			idx, _, err := index.OpenArchive(ctx, archive, true)
			if err != nil {
				return err
			}
			defer idx.Close()
			var ups *upload.Session
			if rem != nil {
				if ups, err = upload.Start(ctx, archive, idx, rem, true, logger); err != nil {
					return err
				}
				defer ups.Close()
			}
			out := cmd.OutOrStdout()
			failed := 0
			for _, a := range args {
				var res wacz.ImportResult
				if strings.HasSuffix(strings.ToLower(a), ".wacz") {
					res, err = wacz.ImportWACZ(ctx, archive, idx, a)
				} else {
					res, err = wacz.ImportWARC(ctx, archive, idx, a)
				}
				for _, ad := range res.Added {
					fmt.Fprintf(out, "added %s: %d captures, %d pages, %s\n", ad.Name, ad.Captures, ad.Pages, humanBytes(ad.Size))
					if ups != nil {
						ups.FileClosed(warc.ClosedFile{Filename: ad.Name, Size: ad.Size, SHA256: ad.SHA256})
					}
				}
				for _, p := range res.Present {
					fmt.Fprintf(out, "already in the archive: %s\n", p)
				}
				for _, h := range res.Held {
					fmt.Fprintf(out, "%s: already in the archive as %s\n", h.Name, h.As)
				}
				if err != nil {
					fmt.Fprintf(cmd.ErrOrStderr(), "vellum: import %s: %s\n", a, oneline.Of(err))
					failed++
				}
			}
			if ups != nil {
				if err := ups.Finish(ctx, out); err != nil {
					return err
				}
			}
			if failed > 0 {
				return &exitError{1, fmt.Sprintf("%d of %d files not imported whole", failed, len(args))}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&archive, "archive", archive, "archive directory")
	f.StringVar(&remoteFlag, "remote", "", "also upload the added files to this S3-compatible store, s3://bucket/prefix")
	f.StringVar(&logLevel, "log-level", logLevel, "debug, info, warn or error")
	return cmd
}
