package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// runProbe fetches every URL of a site of n articles at addr once, over
// conns keep-alive connections with Accept-Encoding: gzip, and prints the
// rate. It stops at the first failure.
func runProbe(ctx context.Context, addr string, n, conns int) error {
	if err := checkLoopback(addr); err != nil {
		return err
	}
	if conns < 1 {
		conns = 1
	}
	tr := &http.Transport{
		MaxIdleConnsPerHost: conns,
		MaxConnsPerHost:     conns,
		DisableCompression:  true, // ask for gzip ourselves and leave it undecoded, as a crawler does
	}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}

	paths := sitePaths(n)
	jobs := make(chan string)
	var (
		bytes    atomic.Int64
		firstErr error
		errOnce  sync.Once
		wg       sync.WaitGroup
	)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	fail := func(err error) {
		errOnce.Do(func() { firstErr = err; cancel() })
	}
	start := time.Now()
	for range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for p := range jobs {
				nb, err := fetch(ctx, client, "http://"+addr+p)
				if err != nil {
					fail(err)
					return
				}
				bytes.Add(nb)
			}
		}()
	}
feed:
	for _, p := range paths {
		select {
		case jobs <- p:
		case <-ctx.Done():
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	if firstErr != nil {
		return fmt.Errorf("probe: %w", firstErr)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("probe: %w", err)
	}
	d := time.Since(start)
	fmt.Printf("probe: %d URLs, %.1f MB in %.2f s over %d keep-alive connection(s): %.0f URLs/s\n",
		len(paths), float64(bytes.Load())/1e6, d.Seconds(), conns, float64(len(paths))/d.Seconds())
	return nil
}

// fetch GETs one URL and reads its body; anything but 200 is an error.
func fetch(ctx context.Context, client *http.Client, u string) (int64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Accept-Encoding", "gzip")
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	n, err := io.Copy(io.Discard, resp.Body)
	if err != nil {
		return n, fmt.Errorf("GET %s: %w", u, err)
	}
	if resp.StatusCode != http.StatusOK {
		return n, fmt.Errorf("GET %s: %s", u, resp.Status)
	}
	return n, nil
}
