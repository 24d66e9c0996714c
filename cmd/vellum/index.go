package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/vellumhq/vellum/capture"
	"github.com/vellumhq/vellum/index"
	"github.com/vellumhq/vellum/index/postgres"
	"github.com/vellumhq/vellum/internal/layout"
	"github.com/vellumhq/vellum/internal/oneline"
)

func newIndexCmd() *cobra.Command {
	archive, remoteFlag, indexFlag := "archive", "", ""
	var ff frontierFlags
	cmd := &cobra.Command{
		Use:   "index",
		Short: "Rebuild the index (vellum.db) from the WARC files alone",
		Long: "index repairs WARC files a crash left open, then reads every WARC file under ARCHIVE/warcs\n" +
			"(Vellum's own and other tools' files, WARC 1.0 or 1.1) and rebuilds the capture index from them.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			rem, err := parseRemote(remoteFlag)
			if err != nil {
				return err
			}
			if err := checkIndexFlag(indexFlag, rem != nil, false); err != nil {
				return err
			}
			var abandon capture.Abandon // a dead cluster worker's file: see upload
			if ff.url != "" {
				log, err := newLogger("warn")
				if err != nil {
					return err
				}
				client, err := ff.dial(ctx, log)
				if err != nil {
					return err
				}
				defer client.Close()
				abandon = ff.abandon(client, log)
			}
			if sharedIndex(indexFlag) {
				if !dirExists(archive) && rem == nil {
					return &exitError{2, fmt.Sprintf("index: nothing to add to %s: no archive at %s and no --remote", postgres.Redact(indexFlag), archive)}
				}
				x, err := openShared(ctx, indexFlag)
				if err != nil {
					return err
				}
				defer x.Close()
				return indexShared(ctx, cmd.OutOrStdout(), x, archive, rem, abandon)
			}
			var idx *index.Index
			if indexFlag != "" {
				if idx, err = index.Open(ctx, indexFlag); err != nil {
					return &exitError{1, "--index " + indexFlag + ": " + oneline.Of(err)}
				}
			} else if idx, _, err = index.OpenArchive(ctx, archive, rem != nil); err != nil {
				// With --remote the folder is made, as serve makes it: the
				// remote store is the archive then.
				return err
			}
			defer idx.Close()
			repaired, err := capture.RepairArchive(ctx, archive, idx, abandon)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			printRepaired(out, repaired)
			st, err := idx.Rebuild(ctx, archive)
			if err != nil {
				return err
			}
			for _, p := range st.Problems {
				fmt.Fprintln(out, p)
			}
			fmt.Fprintf(out, "indexed %d captures and %d pages from %d WARC files\n", st.Captures, st.Pages, st.Files)
			runs, bad, err := capture.ImportRunHistory(ctx, idx, archive)
			if err != nil {
				return err
			}
			for _, p := range bad {
				fmt.Fprintln(out, "run summary unreadable:", p)
			}
			if runs > 0 {
				fmt.Fprintf(out, "restored %d runs from %s/\n", runs, layout.RunsDir)
			}
			if rem != nil {
				n, err := idx.SyncRemote(ctx, rem.Store, layout.HaveLocal(archive))
				if err != nil {
					return fmt.Errorf("index from %s: %v", rem, oneline.Of(err))
				}
				fmt.Fprintf(out, "indexed %d remote CDXJ files from %s\n", n, rem)
				// Rebuild indexed the local pages' words; now the remote ones'.
				if _, err := idx.UpdateSearch(ctx); err != nil {
					return err
				}
			}
			if len(st.Problems) > 0 {
				return &exitError{1, fmt.Sprintf("%d WARC files are damaged; their readable records are indexed (run vellum verify)", len(st.Problems))}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&archive, "archive", archive, "archive directory")
	cmd.Flags().StringVar(&remoteFlag, "remote", "", "also index the CDXJ files of this S3-compatible store, s3://bucket/prefix")
	ff.add(cmd.Flags())
	cmd.Flags().Lookup("frontier").Usage = frontierRepairUsage
	cmd.Flags().StringVar(&indexFlag, "index", "", "the index to build: postgres://user@host/db adds the archive's vellum.db (or its WARC files) and the CDXJ files of --remote to the index a cluster shares, replacing nothing else; or the path of a SQLite file (default: vellum.db in the archive)")
	return cmd
}
