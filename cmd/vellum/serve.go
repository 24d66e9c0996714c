package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/spf13/cobra"
	"golang.org/x/sync/errgroup"

	"github.com/vellumhq/vellum/api"
	"github.com/vellumhq/vellum/capture"
	"github.com/vellumhq/vellum/capture/jobs"
	"github.com/vellumhq/vellum/internal/netguard"
	"github.com/vellumhq/vellum/internal/oneline"
	"github.com/vellumhq/vellum/replay"
	"github.com/vellumhq/vellum/serve"
)

func newServeCmd() *cobra.Command {
	archive, addr, contentAddr, logLevel := "archive", "127.0.0.1:8080", "", "info"
	var allowTargets string
	var cpuProfile, remoteFlag, jobsFile, contentOriginFlag, uiOriginFlag, indexFlag string
	singleOrigin := false
	syncEvery := time.Minute
	noBanner := false
	var browserCfg capture.BrowserConfig // for jobs with browser: true or auto
	var tokensFile string
	private := false
	captureWorkers, captureQueue := 2, 100
	captureDelay := capture.DefaultConfig().Delay
	var ff frontierFlags
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Replay the archive in a browser at Wayback-style URLs",
		Long: "serve replays every capture of the archive at /web/<timestamp>/<url>, with a search page at /,\n" +
			"calendars at /web/*/<url>, Memento TimeGates and TimeMaps, and the CDX API at /web/cdx.\n" +
			"Replayed pages never reach the live web. Archived content is served from a second origin (the\n" +
			"next port, named localhost beside 127.0.0.1) that the UI frames, so archived scripts cannot act on the UI.\n" +
			"A JSON API under /api/ (see /api/openapi.json) searches the archive and, with --api-tokens, queues captures.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			logger, err := newLogger(logLevel)
			if err != nil {
				return &exitError{2, err.Error()}
			}
			if singleOrigin && (contentAddr != "" || contentOriginFlag != "") {
				return &exitError{2, "--unsafe-single-origin serves no content origin: drop --content-addr and --content-origin"}
			}
			if contentOriginFlag != "" {
				if contentOriginFlag, err = parseOrigin("content-origin", contentOriginFlag); err != nil {
					return &exitError{2, err.Error()}
				}
			}
			if uiOriginFlag != "" {
				if uiOriginFlag, err = parseOrigin("ui-origin", uiOriginFlag); err != nil {
					return &exitError{2, err.Error()}
				}
			}
			ctx := cmd.Context()
			rem, err := parseRemote(remoteFlag)
			if err != nil {
				return err
			}
			var jobList []jobs.Job
			if jobsFile != "" {
				// An invalid jobs file stops serve before it listens.
				if jobList, err = jobs.LoadJobs(jobsFile); err != nil {
					return &exitError{2, err.Error()}
				}
			}
			guard, err := netguard.Parse(allowTargets)
			if err != nil {
				return &exitError{2, err.Error()}
			}
			tokens, err := loadAPITokens(tokensFile)
			if err != nil {
				return err
			}
			if private && tokens.Len() == 0 {
				return &exitError{2, "--private: no API token to read with; give --api-tokens FILE or " + tokensEnv}
			}
			if captureWorkers < 1 || captureQueue < 1 {
				return &exitError{2, fmt.Sprintf("--capture-workers %d, --capture-queue %d: both must be at least 1", captureWorkers, captureQueue)}
			}
			if captureDelay < 0 {
				return &exitError{2, fmt.Sprintf("--capture-delay %s: must not be negative", captureDelay)}
			}
			if err := checkIndexFlag(indexFlag, rem != nil, true); err != nil {
				return err
			}
			var frontierClient redis.UniversalClient
			if ff.url != "" {
				if len(jobList) == 0 {
					return &exitError{2, "--frontier: serve shares the runs of its --jobs; give --jobs FILE"}
				}
				if frontierClient, err = ff.dial(ctx, logger); err != nil {
					return err
				}
				defer frontierClient.Close()
			}
			browserCfg.Flags = chromiumFlags()
			// One runner for the scheduled jobs and the captures asked for
			// over HTTP; its index and replay base are set once they are known,
			// before anything is served.
			runner := &jobs.Runner{Archive: archive, Resume: true, Remote: remoteFlag,
				KeepLocal: true, Log: logger, Uploads: startJobUploads, Browser: browserCfg}
			if frontierClient != nil { // a capture over HTTP repairs a file of this node's dead turn too
				runner.Abandon = ff.abandon(frontierClient, logger)
			}
			nodeCfg := serve.Config{Archive: archive, Remote: rem, SyncEvery: syncEvery, Logger: logger,
				CaptureWorkers: captureWorkers, CaptureQueue: captureQueue}
			if tokens.Len() > 0 { // without tokens no capture can be asked for
				nodeCfg.Capture = (&httpCaptures{runner: runner, jobs: jobList, delay: captureDelay, guard: guard}).run
				nodeCfg.JobRunning = runner.Running
			}
			shared := sharedIndex(indexFlag)
			given, err := openIndexFlag(ctx, indexFlag, logger)
			if err != nil {
				return err
			}
			if given != nil {
				defer given.Close() // after node.Close, deferred below
				nodeCfg.Index, nodeCfg.Shared = given, shared
				if shared {
					nodeCfg.UploadState = uploadState(archive, given, true)
					runner.Shared, runner.Uploads = true, startSharedUploads
				}
			}
			node, err := serve.Open(ctx, nodeCfg)
			if err != nil {
				return err
			}
			defer func() { // after the servers stopped: it stops the scheduler, waits for the loops, then closes the index
				if err := node.Close(); err != nil {
					logger.Error("closing the archive", "err", oneline.Of(err))
				}
			}()
			var idx openedIndex = given
			if given == nil {
				idx = node.Index()
			}
			runner.Index = idx
			// A shared index holds other machines' runs, whose liveness
			// this one cannot see: they show as they are recorded.
			runLive := func(id string) bool { return capture.RunLive(archive, id) }
			if shared {
				runLive = nil
			}
			ui, err := net.Listen("tcp", addr)
			if err != nil {
				return fmt.Errorf("--addr %s: %w", addr, err)
			}
			opts := replay.Options{Banner: !noBanner, Logger: logger, UIOrigin: uiOriginFlag,
				RunLive: runLive}
			if opts.UIOrigin == "" {
				opts.UIOrigin = listenOrigin(addr, ui.Addr())
			}
			if q := node.Captures(); q != nil {
				opts.SaveNow = saveNow{tokens: tokens, queue: q}
			}
			var content net.Listener
			if !singleOrigin {
				if contentAddr == "" {
					contentAddr = nextAddr(addr)
				}
				if content, err = net.Listen("tcp", contentAddr); err != nil {
					ui.Close()
					return fmt.Errorf("--content-addr %s: %w", contentAddr, err)
				}
				if opts.ContentOrigin = contentOriginFlag; opts.ContentOrigin == "" {
					opts.ContentOrigin = contentOrigin(opts.UIOrigin, contentAddr, content.Addr())
				}
				if sameHost(opts.ContentOrigin, opts.UIOrigin) {
					logger.Warn("archived content shares the UI's host name, and with it its cookies; give --content-origin another name",
						"ui", opts.UIOrigin, "content", opts.ContentOrigin)
				}
			}
			runner.ReplayBase = opts.UIOrigin
			srv := replay.NewServer(idx, node.Store(), opts)
			var sched *jobs.Scheduler
			met := newMetrics(idx, runLive, func() *jobs.Scheduler { return sched })
			// Not a ServeMux: it would "clean" the "//" of archived URLs in /web/ paths.
			metricsHandler := met.handler()
			var pages http.Handler = srv
			if content != nil && uiOriginFlag == "" {
				pages = toUIOrigin(opts.UIOrigin, srv)
			}
			apiCfg := api.Config{Tokens: tokens, Private: private, Search: idx, Runs: idx, Jobs: apiJobs(jobList),
				NextRun: func(job string) time.Time {
					if sched == nil {
						return time.Time{}
					}
					return sched.NextRun(job)
				},
				BaseURL: opts.UIOrigin, Logger: logger}
			if q := node.Captures(); q != nil {
				apiCfg.Captures = q
			}
			apiHandler := api.New(apiCfg)
			mux := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				switch {
				case r.URL.Path == "/metrics":
					metricsHandler.ServeHTTP(w, r)
				case strings.HasPrefix(r.URL.Path, "/api/"): // no cookies: any host name of the UI will do
					apiHandler.ServeHTTP(w, r)
				default:
					pages.ServeHTTP(w, r)
				}
			})
			if len(jobList) > 0 {
				if sched, err = jobs.NewScheduler(jobList, runner.RunAndLog, logger); err != nil {
					ui.Close()
					return &exitError{2, err.Error()}
				}
				if frontierClient != nil {
					// Each turn fires on one scheduler node of the cluster,
					// whose run the workers of the job join.
					sched.TurnLock = jobs.NewRedisTurnLock(frontierClient)
					runner.Join = func(ctx context.Context, j jobs.Job) (func(*capture.Config), error) {
						f, err := ff.join(ctx, frontierClient, "job:"+j.Name, j.MaxPages, logger.With("job", j.Name))
						if err != nil {
							return nil, err
						}
						return joined(f), nil
					}
				}
				node.Schedule(sched) // node.Close shuts it down
				for _, name := range sched.Jobs() {
					logger.Info("job scheduled", "job", name, "next", sched.NextRun(name))
				}
			}
			servers := []*http.Server{newHTTPServer(met.wrap(mux))}
			listeners := []net.Listener{ui}
			if content != nil {
				servers = append(servers, newHTTPServer(met.wrap(srv.ContentHandler())))
				listeners = append(listeners, content)
			}
			stopProfiles, err := startProfiles(cpuProfile, "")
			if err != nil {
				return &exitError{2, err.Error()}
			}
			defer stopProfiles()
			fmt.Fprintf(cmd.OutOrStdout(), "Vellum replays %s at %s/%s\n", archive, opts.UIOrigin, listening(opts.UIOrigin, ui))
			if content != nil {
				fmt.Fprintf(cmd.OutOrStdout(), "Archived content is served from %s/%s\n", opts.ContentOrigin, listening(opts.ContentOrigin, content))
			}
			err = runServers(ctx, servers, listeners)
			logger.Info("serve stopped", "addr", ui.Addr().String())
			return err
		},
	}
	f := cmd.Flags()
	addBrowserFlags(f, &browserCfg, nil)
	ff.add(f)
	f.StringVar(&archive, "archive", archive, "archive directory")
	f.StringVar(&addr, "addr", addr, "address of the UI (and of content, with --unsafe-single-origin)")
	f.StringVar(&contentAddr, "content-addr", "", "address archived content is served from, its own origin (default: --addr's host, next port)")
	f.StringVar(&uiOriginFlag, "ui-origin", "", "origin browsers reach --addr at, allowed to frame archived content (default: --addr's host, 127.0.0.1 for 0.0.0.0; set it and --content-origin behind a proxy or for a LAN name)")
	f.StringVar(&contentOriginFlag, "content-origin", "", "origin browsers reach --content-addr at, with a host name other than the UI's (default: localhost beside 127.0.0.1, and the other way round)")
	f.BoolVar(&singleOrigin, "unsafe-single-origin", false, "serve archived content on the UI's own origin, unframed: archived scripts can then read and set the UI's cookies and storage, call the UI as the user and lead the window to the live web")
	f.BoolVar(&noBanner, "no-banner", false, "no capture banner on replayed pages")
	f.StringVar(&logLevel, "log-level", logLevel, "debug, info, warn or error")
	f.StringVar(&remoteFlag, "remote", "", "also replay from this S3-compatible store, s3://bucket/prefix, and upload pending files to it")
	addIndexFlag(f, &indexFlag)
	f.DurationVar(&syncEvery, "sync-interval", syncEvery, "how often to look for new remote CDXJ files and retry pending uploads")
	f.StringVar(&allowTargets, "allow-targets", "", "CIDR[,CIDR...] that captures asked for through the API or Save Page Now may reach although not public (loopback, private, link-local, CGNAT, multicast and cloud-metadata addresses are refused otherwise); the jobs' captures are not limited")
	f.StringVar(&jobsFile, "jobs", "", "also run the jobs of this jobs file (YAML) on their schedules")
	f.StringVar(&tokensFile, "api-tokens", "", "file of API tokens, one a line (# comments allowed), also taken from "+tokensEnv+" (comma or space separated); without any, the API's write endpoints and Save Page Now are off")
	// The environment variable holds tokens, not a file name.
	_ = f.SetAnnotation("api-tokens", noEnvAnnotation, []string{tokensEnv})
	f.BoolVar(&private, "private", false, "the API's read endpoints need a token too")
	f.IntVar(&captureWorkers, "capture-workers", captureWorkers, "captures asked for over HTTP that run at once")
	f.IntVar(&captureQueue, "capture-queue", captureQueue, "captures asked for over HTTP that may wait; more are refused (429)")
	f.DurationVar(&captureDelay, "capture-delay", captureDelay, "pause between two pages of one host in captures asked for over HTTP (captures queued together run as one run)")
	f.StringVar(&cpuProfile, "cpuprofile", "", "write a CPU profile (pprof) of the server to this file on exit")
	_ = f.MarkHidden("cpuprofile")
	return cmd
}

// newHTTPServer bounds what slow or idle clients can hold.
func newHTTPServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       time.Minute,
		WriteTimeout:      30 * time.Minute, // long enough for a large video over a slow link
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
	}
}

// runServers serves until ctx ends, then shuts the servers down gracefully.
func runServers(ctx context.Context, servers []*http.Server, listeners []net.Listener) error {
	g, gctx := errgroup.WithContext(ctx)
	for i, srv := range servers {
		l := listeners[i]
		g.Go(func() error {
			if err := srv.Serve(l); !errors.Is(err, http.ErrServerClosed) {
				return err
			}
			return nil
		})
	}
	g.Go(func() error {
		<-gctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		var errs []error
		for _, srv := range servers {
			errs = append(errs, srv.Shutdown(sctx))
		}
		return errors.Join(errs...)
	})
	return g.Wait()
}
