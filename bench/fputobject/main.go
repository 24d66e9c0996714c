package main

import (
	"context"
	"flag"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

func main() {
	bucket := flag.String("bucket", "bench", "bucket")
	prefix := flag.String("prefix", "", "key prefix")
	root := flag.String("root", ".", "files are named relative to this directory")
	partSize := flag.Uint64("part-size", 64<<20, "multipart part size")
	threads := flag.Uint("threads", 4, "parts uploaded at once per file")
	files := flag.Int("files", 2, "files uploaded at once")
	flag.Parse()
	ep, err := url.Parse(os.Getenv("AWS_ENDPOINT_URL"))
	if err != nil || ep.Host == "" {
		fail(fmt.Errorf("AWS_ENDPOINT_URL: %q", os.Getenv("AWS_ENDPOINT_URL")))
	}
	cl, err := minio.New(ep.Host, &minio.Options{
		Creds:  credentials.NewStaticV4(os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY"), ""),
		Secure: ep.Scheme == "https", Region: "us-east-1",
	})
	if err != nil {
		fail(err)
	}
	ctx := context.Background()
	if ok, err := cl.BucketExists(ctx, *bucket); err == nil && !ok {
		if err := cl.MakeBucket(ctx, *bucket, minio.MakeBucketOptions{}); err != nil {
			fail(err)
		}
	}
	start := time.Now()
	var total int64
	var mu sync.Mutex
	sem := make(chan struct{}, *files)
	var wg sync.WaitGroup
	for _, name := range flag.Args() {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			key := strings.TrimPrefix(*prefix+"/"+filepath.ToSlash(name), "/")
			info, err := cl.FPutObject(ctx, *bucket, key, filepath.Join(*root, name),
				minio.PutObjectOptions{PartSize: *partSize, NumThreads: *threads, ContentType: "application/octet-stream"})
			if err != nil {
				fail(fmt.Errorf("%s: %w", name, err))
			}
			mu.Lock()
			total += info.Size
			mu.Unlock()
		}()
	}
	wg.Wait()
	d := time.Since(start)
	fmt.Printf("uploaded %d bytes in %.2f s: %.1f MB/s\n", total, d.Seconds(), float64(total)/1e6/d.Seconds())
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "fputobject:", err)
	os.Exit(1)
}
