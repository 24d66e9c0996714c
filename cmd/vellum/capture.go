package main

import (
	"bufio"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"os/user"
	"strings"

	"github.com/redis/go-redis/v9"
	"github.com/spf13/cobra"

	"github.com/vellumhq/vellum/capture"
	"github.com/vellumhq/vellum/capture/jobs"
	"github.com/vellumhq/vellum/capture/upload"
	"github.com/vellumhq/vellum/index"
)

func newCaptureCmd() *cobra.Command {
	cfg := capture.DefaultConfig()
	var scope, seedsFile, logLevel, cpuProfile, memProfile, remoteFlag, indexFlag, metricsAddr string
	replayBase := "http://127.0.0.1:8080"
	var include, exclude []string
	var browserMode string
	var noProgress bool
	var ff frontierFlags
	keepLocal := true
	cmd := &cobra.Command{
		Use:   "capture [flags] URL...",
		Short: "Capture pages now, with their requisites and a metadata record each",
		Example: "  vellum capture https://news.example/2014/08/story.html\n" +
			"  vellum capture --depth 1 --scope host https://news.example/\n" +
			"  vellum capture --depth 1 --include /2014/ --exclude '/(tag|author)/' --exclude '\\.mp4$' https://news.example/\n" +
			"  vellum capture --browser https://news.example/live-blog\n" +
			"  vellum capture --seeds urls.txt --archive /data/archive",
		RunE: func(cmd *cobra.Command, args []string) error {
			seeds := append([]string(nil), args...)
			if seedsFile != "" {
				more, err := readSeeds(seedsFile)
				if err != nil {
					return &exitError{2, err.Error()}
				}
				seeds = append(seeds, more...)
			}
			if len(seeds) == 0 {
				return &exitError{2, "capture: no URL given (pass URLs or --seeds FILE)"}
			}
			sc, err := capture.ParseScope(scope)
			if err != nil {
				return &exitError{2, "--scope: " + err.Error()}
			}
			cfg.Scope = sc
			if cfg.Include, err = capture.CompilePatterns("--include", include); err != nil {
				return &exitError{2, err.Error()}
			}
			if cfg.Exclude, err = capture.CompilePatterns("--exclude", exclude); err != nil {
				return &exitError{2, err.Error()}
			}
			if cfg.Browser.Mode, err = capture.ParseBrowserMode(browserMode); err != nil {
				return &exitError{2, err.Error()}
			}
			cfg.Browser.Flags = chromiumFlags()
			if cfg.Operator == "" {
				if u, err := user.Current(); err == nil {
					cfg.Operator = u.Username
				}
			}
			con := newConsole(cmd.ErrOrStderr(), !noProgress && isTerminal(cmd.ErrOrStderr()))
			logger, err := newLoggerTo(logLevel, con)
			if err != nil {
				return &exitError{2, err.Error()}
			}
			cfg.Logger = logger
			prog := newProgress(con, logger)
			cfg.OnProgress = prog.update
			if err := cfg.Validate(); err != nil {
				return &exitError{2, err.Error()}
			}
			var met *workerMetrics
			if metricsAddr != "" {
				if met, err = startWorkerMetrics(metricsAddr, capture.DefaultWorker(), logger); err != nil {
					return err
				}
				defer met.close()
			}
			var shared redis.UniversalClient
			if ff.url != "" {
				if shared, err = ff.dial(cmd.Context(), logger); err != nil {
					return err
				}
				defer shared.Close()
			}
			rem, err := parseRemote(remoteFlag)
			if err != nil {
				return err
			}
			if err := checkIndexFlag(indexFlag, rem != nil, true); err != nil {
				return err
			}
			given, err := openIndexFlag(cmd.Context(), indexFlag, logger)
			if err != nil {
				return err
			}
			if given != nil {
				defer given.Close()
				cfg.Index = given
			}
			var up *upload.Session
			if rem != nil {
				// The uploads and the capture share the archive's index.
				var idx jobs.Index = given
				if given == nil {
					x, _, err := index.OpenArchive(cmd.Context(), cfg.Archive, true)
					if err != nil {
						return err
					}
					defer x.Close()
					idx = x
				}
				st := uploadState(cfg.Archive, idx, sharedIndex(indexFlag))
				if up, err = upload.Start(cmd.Context(), cfg.Archive, st, rem, keepLocal, logger); err != nil {
					return err
				}
				defer up.Close()
				cfg.OnFileClosed = up.FileClosed
				cfg.Index = idx
			}
			stopProfiles, err := startProfiles(cpuProfile, memProfile)
			if err != nil {
				return &exitError{2, err.Error()}
			}
			if shared != nil { // joined last: a worker that joins the run starts its part at once
				f, err := ff.join(cmd.Context(), shared, captureWork(cfg, seeds), cfg.MaxPages, logger)
				if err != nil {
					stopProfiles()
					return err
				}
				chain(joined(f), met.watch("", f))(&cfg)
			} else {
				chain(met.watch("", nil))(&cfg)
			}
			res, err := capture.Run(cmd.Context(), cfg, seeds)
			prog.finish()
			stopProfiles()
			if res != nil {
				printCapture(cmd.OutOrStdout(), cmd.ErrOrStderr(), cfg.Archive, replayBase, res)
				for _, f := range res.Files {
					logger.Info("WARC written", "file", f.Filename, "bytes", f.Size, "records", f.Records)
				}
			}
			if full := capture.DiskFull(cfg.Archive, err, res); full != nil {
				return &exitError{1, full.Error()}
			}
			if err != nil {
				return err
			}
			var uploadErr error
			if up != nil {
				uploadErr = up.Finish(cmd.Context(), cmd.OutOrStdout())
			}
			if cmd.Context().Err() != nil {
				return &exitError{130, "capture interrupted; the WARC files written so far are closed and valid"}
			}
			if uploadErr == nil && res.Failed() > 0 {
				return &exitError{1, ""} // each failed seed has its line, and the summary counts them
			}
			return uploadErr
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg.Archive, "archive", cfg.Archive, "archive directory (WARCs, CDXJ, vellum.db)")
	f.IntVar(&cfg.Depth, "depth", cfg.Depth, "link hops to follow from each seed (0 = the page and its requisites)")
	f.StringVar(&scope, "scope", string(cfg.Scope), "pages followed: page, prefix, host or domain")
	// StringArray, not StringSlice: a comma belongs to a pattern (a{1,3}).
	// VELLUM_INCLUDE and VELLUM_EXCLUDE give one pattern each (flagsFromEnv).
	f.StringArrayVar(&include, "include", nil, "follow only linked pages whose URL matches `REGEX` (repeatable; on top of --scope; seeds are always captured)")
	f.StringArrayVar(&exclude, "exclude", nil, "never fetch a URL that matches `REGEX`: seed, page, requisite or redirect (repeatable)")
	f.StringVar(&seedsFile, "seeds", "", "file of seed URLs, one a line (# comments allowed)")
	addBrowserFlags(f, &cfg.Browser, &browserMode)
	f.BoolVar(&cfg.IgnoreRobots, "ignore-robots", false, "fetch what robots.txt disallows")
	f.StringVar(&cfg.UserAgent, "user-agent", cfg.UserAgent, "User-Agent header")
	f.DurationVar(&cfg.Delay, "delay", cfg.Delay, "pause between two pages of one host")
	f.IntVar(&cfg.MaxPages, "max-pages", 0, "pages to capture at most (0 = no limit)")
	f.Int64Var(&cfg.Limits.MaxBody, "max-size", cfg.Limits.MaxBody, "bytes of one response body to record at most (more is cut, WARC-Truncated: length)")
	f.DurationVar(&cfg.Limits.Timeout, "timeout", cfg.Limits.Timeout, "time one URL may take in all, retries included (a body still arriving is cut, WARC-Truncated: time)")
	f.IntVar(&cfg.Retries, "retries", cfg.Retries, "extra attempts after a 429, 5xx, timeout or reset")
	f.BoolVar(&cfg.Insecure, "insecure", false, "accept any TLS certificate")
	f.StringVar(&cfg.CAFile, "ca-file", "", "PEM file of extra certificate authorities to trust")
	f.Int64Var(&cfg.MaxFileSize, "warc-size", cfg.MaxFileSize, "rotate WARC files at this many bytes")
	f.StringVar(&cfg.Operator, "operator", "", "operator named in warcinfo (default: the current user)")
	f.StringVar(&remoteFlag, "remote", "", "also upload to this S3-compatible store, s3://bucket/prefix (endpoint and keys from AWS_*)")
	f.BoolVar(&keepLocal, "keep-local", true, "keep local WARC files after a verified upload")
	addIndexFlag(f, &indexFlag)
	ff.add(f)
	addMetricsFlag(f, &metricsAddr)
	f.StringVar(&replayBase, "replay-url", replayBase, "base URL of vellum serve, for the replay URLs printed")
	f.StringVar(&logLevel, "log-level", "info", "debug, info, warn or error")
	f.BoolVar(&noProgress, "no-progress", false, "no progress line, even on a terminal")
	f.StringVar(&cpuProfile, "cpuprofile", "", "write a CPU profile (pprof) of the capture to this file")
	f.StringVar(&memProfile, "memprofile", "", "write a heap profile (pprof) at the end of the capture to this file")
	_ = f.MarkHidden("cpuprofile")
	_ = f.MarkHidden("memprofile")
	return cmd
}

// printCapture prints each seed's line with its replay URL, the run's
// summary line, and (on stderr) how to replay what was archived.
func printCapture(out, hint io.Writer, archive, replayBase string, res *capture.Result) {
	base := strings.TrimSuffix(replayBase, "/")
	archived := false
	for _, s := range res.Seeds {
		fmt.Fprintln(out, s.LineAt(base))
		archived = archived || s.Timestamp != ""
	}
	fmt.Fprintln(out, runSummaryLine(res))
	if archived {
		serve := "vellum serve --archive " + archive
		if u, err := url.Parse(base); err == nil && u.Host != "" && u.Host != "127.0.0.1:8080" {
			serve += " --addr " + u.Host
		}
		fmt.Fprintf(hint, "To replay: run `%s` and open the URLs above.\n", serve)
	}
}

// readSeeds reads one URL a line; blank lines and # comments are skipped.
func readSeeds(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("--seeds: %w", err)
	}
	defer f.Close()
	var seeds []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		seeds = append(seeds, line)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("--seeds %s: %w", path, err)
	}
	return seeds, nil
}

func newLogger(level string) (*slog.Logger, error) { return newLoggerTo(level, os.Stderr) }

// newLoggerTo logs to w: a command's console, when it shows progress.
func newLoggerTo(level string, w io.Writer) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level %q: want debug, info, warn or error", level)
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l})), nil
}
