package main

import (
	"context"
	"encoding/json"
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

	"github.com/vellumhq/vellum/internal/testsite"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "loopback `host:port` to listen on (port 0 picks a free one)")
	pages := flag.Int("pages", 200, "articles on the site")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("jssite: ")
	if *pages < 1 {
		log.Fatal("-pages must be at least 1")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := serve(ctx, *addr, *pages); err != nil {
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
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("address %q is not a loopback address (127.0.0.0/8, ::1 or localhost)", addr)
	}
	return nil
}

func serve(ctx context.Context, addr string, pages int) error {
	if err := checkLoopback(addr); err != nil {
		return err
	}
	site := testsite.NewJSNews(pages)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	// The first line on stdout is the contract with browser.sh.
	fmt.Println(ln.Addr().String())
	log.Printf("%d articles, %d URLs for a browser capture; serving on http://%s/", pages, site.CrawlURLs(), ln.Addr())

	mux := http.NewServeMux()
	mux.HandleFunc("GET /__stats", func(w http.ResponseWriter, r *http.Request) {
		req, uniq, nf := site.Stats()
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]int{"requests": req, "unique": uniq, "not_found": nf, "site_urls": site.CrawlURLs()})
	})
	mux.HandleFunc("POST /__reset", func(w http.ResponseWriter, r *http.Request) {
		site.Reset()
		w.WriteHeader(http.StatusNoContent)
	})
	mux.Handle("/", site)
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
