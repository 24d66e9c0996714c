package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/spf13/pflag"

	"github.com/vellumhq/vellum/capture"
	"github.com/vellumhq/vellum/capture/frontier"
	"github.com/vellumhq/vellum/internal/oneline"
	"github.com/vellumhq/vellum/warc"
)

// frontierFlags are --frontier and its hidden lease, on capture, run and
// serve (whose scheduled runs it shares).
type frontierFlags struct {
	url   string
	lease time.Duration
}

func (ff *frontierFlags) add(f *pflag.FlagSet) {
	f.StringVar(&ff.url, "frontier", "", "share the run with other workers through this Redis, `redis://[:password@]host:port/db` (one run across machines); a Redis Cluster as redis://host:port?addr=host2:port2&addr=host3:port3")
	// How long a worker's claims outlive its last renewal: tests shorten it
	// to see a killed worker's pages come back.
	f.DurationVar(&ff.lease, "frontier-lease", 30*time.Second, "lease of a worker's claims on the shared frontier")
	_ = f.MarkHidden("frontier-lease")
}

// dial connects to --frontier's Redis. A URL that is not one, or a Redis
// that does not answer, is one line naming the URL, its password left out.
func (ff *frontierFlags) dial(ctx context.Context, log *slog.Logger) (redis.UniversalClient, error) {
	shown := redactURL(ff.url)
	redis.SetLogger(redisLog{log})
	if ff.lease <= 0 {
		return nil, &exitError{2, fmt.Sprintf("--frontier-lease %s: must be positive", ff.lease)}
	}
	client, err := frontier.Dial(ff.url)
	if err != nil {
		return nil, &exitError{2, fmt.Sprintf("--frontier %s: not a Redis URL (redis://host:port/db): %s", shown, strings.TrimPrefix(oneline.Of(err), "frontier: "))}
	}
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := client.Ping(pctx).Err(); err != nil {
		client.Close()
		return nil, &exitError{1, fmt.Sprintf("--frontier %s: cannot reach Redis: %s", shown, oneline.Of(err))}
	}
	return client, nil
}

// join joins this worker to the run of work that is going on across the
// cluster, or starts one (frontier.JoinRun).
func (ff *frontierFlags) join(ctx context.Context, client redis.UniversalClient, work string, maxPages int, log *slog.Logger) (*frontier.Redis, error) {
	shown := redactURL(ff.url)
	opts := frontier.Options{Lease: ff.lease, MaxPages: maxPages, Log: log}
	f, err := frontier.JoinRun(ctx, client, work, capture.NewRunID(time.Now()), capture.DefaultWorker(), opts)
	if err != nil {
		return nil, fmt.Errorf("--frontier %s: %s", shown, oneline.Of(err))
	}
	log.Info("joined the run on the shared frontier", "run", f.RunID(), "worker", capture.DefaultWorker(), "frontier", shown)
	return f, nil
}

// joined makes a run's settings a worker's part of the shared run f.
func joined(f *frontier.Redis) func(*capture.Config) {
	return func(cfg *capture.Config) {
		cfg.RunID, cfg.Resume = f.RunID(), false
		cfg.Frontier, cfg.Worker = f, capture.DefaultWorker()
		cfg.Abandon = f.AbandonIn
	}
}

// frontierRepairUsage is --frontier of the commands that repair an archive
// (upload, index).
const frontierRepairUsage = "the Redis of the shared frontier the archive's worker was on, `redis://[:password@]host:port/db`: a file it left open leaves out the records the other workers fetched again"

// abandon is how a repair gives the claims of a dead worker of a run on
// the frontier back (capture.RepairArchive).
func (ff *frontierFlags) abandon(client redis.UniversalClient, log *slog.Logger) capture.Abandon {
	opts := frontier.Options{Lease: ff.lease, Log: log}
	return func(ctx context.Context, runID, worker string) ([]string, error) {
		return frontier.NewRedis(client, runID, opts).Abandon(ctx, worker)
	}
}

// logRepaired logs the files a repair closed.
func logRepaired(log *slog.Logger, repaired []warc.Repaired) {
	for _, r := range repaired {
		log.Warn("repaired a WARC file left open by a crash", "file", r.Filename, "records", r.KeptRecords, "trimmed_bytes", r.TrimmedBytes, "left_to_other_workers", r.Dropped)
	}
}

// captureWork names a capture's work for frontier.JoinRun: workers given
// the same seeds (in the same order) with the same settings share a run.
func captureWork(cfg capture.Config, seeds []string) string {
	h := sha256.New()
	for _, s := range seeds {
		fmt.Fprintf(h, "seed %s\n", s)
	}
	fmt.Fprintf(h, "depth %d\nscope %s\nmax-pages %d\n", cfg.Depth, cfg.Scope, cfg.MaxPages)
	for _, p := range cfg.Include {
		fmt.Fprintf(h, "include %s\n", p)
	}
	for _, p := range cfg.Exclude {
		fmt.Fprintf(h, "exclude %s\n", p)
	}
	return "capture:" + hex.EncodeToString(h.Sum(nil))[:32]
}

// redisLog takes go-redis's own lines (its pool's dial errors) off
// stderr into the log at debug level: the frontier logs every outage it
// waits out, once, as a clear line of its own.
type redisLog struct{ log *slog.Logger }

func (l redisLog) Printf(ctx context.Context, format string, v ...any) {
	l.log.DebugContext(ctx, fmt.Sprintf(format, v...), "component", "go-redis")
}

// redactURL is a --frontier value fit to print: its password replaced.
func redactURL(raw string) string {
	if u, err := url.Parse(raw); err == nil {
		return u.Redacted()
	}
	// Not a URL: whatever stands before an @ may be a password.
	if at := strings.LastIndex(raw, "@"); at >= 0 {
		scheme := ""
		if i := strings.Index(raw, "://"); i >= 0 && i < at {
			scheme = raw[:i+3]
		}
		return scheme + "xxxxx@" + raw[at+1:]
	}
	return raw
}
