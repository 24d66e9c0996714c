package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "loopback `host:port` to listen on (port 0 picks a free one)")
	pages := flag.Int("pages", 2000, "articles on the site")
	seed := flag.Uint64("seed", 1, "generator seed; the same seed and -pages give the same site")
	probe := flag.String("probe", "", "instead of serving, fetch every URL of the site at this loopback `host:port` and print the rate")
	conns := flag.Int("conns", 1, "keep-alive connections the probe uses")
	imageKB := flag.Int("image-kb", 0, "mean image size in KB (each image is half to one and a half times it); 0 = 2–6 KB")
	write := flag.String("write", "", "instead of serving, write every URL of the site as a file under `DIR` (/ as index.html) and print the number of URLs")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("benchsite: ")

	if *pages < 1 {
		log.Fatal("-pages must be at least 1")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	switch {
	case *probe != "":
		err = runProbe(ctx, *probe, *pages, *conns)
	case *write != "":
		err = writeFiles(*write, *pages, *seed, *imageKB)
	default:
		err = serve(ctx, *addr, *pages, *seed, *imageKB)
	}
	if err != nil {
		log.Fatal(err)
	}
}

// checkLoopback refuses any address that is not on this machine: the
// benchmark's traffic stays on loopback.
func checkLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("address %q: %w", addr, err)
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("address %q is not a loopback address (127.0.0.0/8, ::1 or localhost)", addr)
	}
	return nil
}

// writeFiles generates the site and writes it under dir for a static server
// (capture.sh's nginx mode); its first line on stdout is the number of URLs.
func writeFiles(dir string, pages int, seed uint64, imageKB int) error {
	s, err := newSite(pages, seed, imageKB)
	if err != nil {
		return err
	}
	if err := writeSite(s, dir); err != nil {
		return err
	}
	fmt.Println(len(s.paths))
	return nil
}

func serve(ctx context.Context, addr string, pages int, seed uint64, imageKB int) error {
	if err := checkLoopback(addr); err != nil {
		return err
	}
	start := time.Now()
	s, err := newSite(pages, seed, imageKB)
	if err != nil {
		return err
	}
	var size, gz int64
	for _, r := range s.res {
		size += int64(len(r.body))
		gz += int64(len(r.gz))
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	// The first line on stdout is the contract with capture.sh.
	fmt.Println(ln.Addr().String())
	log.Printf("%d URLs, %.1f MB (+%.1f MB gzipped) generated in %v; serving on http://%s/",
		len(s.paths), float64(size)/1e6, float64(gz)/1e6, time.Since(start).Round(time.Millisecond), ln.Addr())

	st := newStats(s)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /__stats", st.serveStats)
	mux.HandleFunc("POST /__reset", st.serveReset)
	mux.Handle("/", st)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutCtx); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
