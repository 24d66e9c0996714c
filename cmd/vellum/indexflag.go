package main

import (
	"context"
	"errors"
	"log/slog"
	"strings"

	"github.com/spf13/pflag"

	"github.com/vellumhq/vellum/api"
	"github.com/vellumhq/vellum/capture/jobs"
	"github.com/vellumhq/vellum/capture/upload"
	"github.com/vellumhq/vellum/index"
	"github.com/vellumhq/vellum/index/postgres"
	"github.com/vellumhq/vellum/internal/oneline"
	"github.com/vellumhq/vellum/replay"
	"github.com/vellumhq/vellum/serve"
)

// The --index flag of capture, run, serve and index (VELLUM_INDEX too, by
// flagsFromEnv): where the capture index is. Without it the archive's own
// vellum.db, as always; a path names another SQLite file; postgres://… the
// index a cluster shares, whose files are in the bucket of --remote.

// openedIndex is an index as the commands use it, whichever kind --index
// opened: what a run, replay, a serving node, the API and /metrics take.
type openedIndex interface {
	jobs.Index
	replay.Index
	serve.Index
	api.Searcher
	api.RunIndex
	metricsIndex
	Close() error
}

// Both kinds of index plug into every seam; the packages behind the seams
// import neither index/postgres nor each other's index types.
var (
	_ openedIndex = (*index.Index)(nil)
	_ openedIndex = (*postgres.Index)(nil)
	_ exportIndex = (*index.Index)(nil)
	_ exportIndex = (*postgres.Index)(nil)
)

const indexUsage = "the capture index: postgres://user@host/db for the index a cluster shares (with --remote), or the path of a SQLite file (default: vellum.db in the archive)"

// addIndexFlag adds --index to a command's flags.
func addIndexFlag(f *pflag.FlagSet, v *string) { f.StringVar(v, "index", "", indexUsage) }

// sharedIndex reports whether --index names a PostgreSQL index.
func sharedIndex(flag string) bool {
	return strings.HasPrefix(flag, "postgres://") || strings.HasPrefix(flag, "postgresql://")
}

// checkIndexFlag refuses, before anything is opened, an --index that names
// neither a file nor a PostgreSQL server, and a shared index without a
// remote store when the command writes or reads WARC files (needRemote).
func checkIndexFlag(flag string, haveRemote, needRemote bool) error {
	switch {
	case sharedIndex(flag):
		if needRemote && !haveRemote {
			return &exitError{2, "--index " + postgres.Redact(flag) + ": a shared index needs --remote s3://bucket/prefix: the cluster keeps its WARC files in the bucket"}
		}
	case strings.Contains(flag, "://"):
		return &exitError{2, "--index " + postgres.Redact(flag) + ": want postgres://… or postgresql://…, or the path of a SQLite file"}
	}
	return nil
}

// openIndexFlag opens the index --index names; nil (and no error) without
// the flag, when the command opens the archive's vellum.db as it always
// did. The caller closes it. A PostgreSQL index gets its migrations, and
// its writes wait for a server that restarts, saying so in log.
func openIndexFlag(ctx context.Context, flag string, log *slog.Logger) (openedIndex, error) {
	switch {
	case flag == "":
		return nil, nil
	case sharedIndex(flag):
		x, err := openShared(ctx, flag)
		if err != nil {
			return nil, err
		}
		x.SetRetry(postgres.DefaultRetryFor, log)
		return x, nil
	}
	x, err := index.Open(ctx, flag)
	if err != nil {
		return nil, &exitError{1, "--index " + flag + ": " + oneline.Of(err)}
	}
	return x, nil
}

// openShared opens the PostgreSQL index: exit 2 for a string that is no
// connection string, 1 for a server that cannot be reached; the password
// is never shown.
func openShared(ctx context.Context, url string) (*postgres.Index, error) {
	x, err := postgres.Open(ctx, url)
	if err == nil {
		return x, nil
	}
	name := "--index " + postgres.Redact(url) + ": "
	if errors.Is(err, postgres.ErrBadURL) {
		_, why, _ := strings.Cut(err.Error(), postgres.ErrBadURL.Error())
		return nil, &exitError{2, name + postgres.ErrBadURL.Error() + why}
	}
	if inner := errors.Unwrap(err); inner != nil {
		err = inner // Open's error names the URL too
	}
	if ctx.Err() != nil {
		return nil, err
	}
	return nil, &exitError{1, name + "cannot open the index: " + oneline.Of(err)}
}

// uploadState is the upload state a machine's uploads keep in idx: on a
// shared index, narrowed to the files in its own archive.
func uploadState(archive string, idx upload.State, shared bool) upload.State {
	if shared {
		return upload.LocalState(archive, idx)
	}
	return idx
}
