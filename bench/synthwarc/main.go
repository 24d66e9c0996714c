package main

import (
	"compress/gzip"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/vellumhq/vellum/internal/layout"
	"github.com/vellumhq/vellum/warc"
)

func main() {
	archive := flag.String("archive", "", "archive folder to write")
	size := flag.String("size", "2G", "approximate total size of the WARC files (K, M, G suffixes)")
	fileSize := flag.String("file-size", "1G", "rotate WARC files at this size")
	seed := flag.Uint64("seed", 1, "random seed")
	flag.Parse()
	total, err1 := parseSize(*size)
	rot, err2 := parseSize(*fileSize)
	if *archive == "" || err1 != nil || err2 != nil {
		fmt.Fprintln(os.Stderr, "usage: synthwarc -archive DIR -size 2G [-file-size 1G]")
		os.Exit(2)
	}
	if err := run(*archive, total, rot, *seed); err != nil {
		fmt.Fprintln(os.Stderr, "synthwarc:", err)
		os.Exit(1)
	}
}

func parseSize(s string) (int64, error) {
	mult := int64(1)
	switch {
	case strings.HasSuffix(s, "K"):
		mult, s = 1<<10, strings.TrimSuffix(s, "K")
	case strings.HasSuffix(s, "M"):
		mult, s = 1<<20, strings.TrimSuffix(s, "M")
	case strings.HasSuffix(s, "G"):
		mult, s = 1<<30, strings.TrimSuffix(s, "G")
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n * mult, err
}

var words = strings.Fields(`council election budget storm river school hospital court rail bridge market startup
	vaccine drought festival museum harbour strike summit minister mayor police energy wind solar housing rent`)

func run(archive string, total, rot int64, seed uint64) error {
	rng := rand.New(rand.NewPCG(seed, 7))
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := start
	fw, err := warc.NewFileWriter(warc.FileWriterConfig{Root: archive, Dir: layout.Day, Prefix: "20240101T000000Z-be0c",
		MaxSize: rot, GzipLevel: gzip.BestSpeed, Now: func() time.Time { return clock }})
	if err != nil {
		return err
	}
	img := make([]byte, 256<<10)
	var written int64
	for page := 0; written < total; page++ {
		clock = start.Add(time.Duration(page) * time.Second)
		host := fmt.Sprintf("https://www.%s-news-%d.example", words[page%len(words)], page%50)
		u := fmt.Sprintf("%s/2024/%02d/story-%d.html", host, page%12+1, page)
		var text strings.Builder
		for i := 0; i < 1500+rng.IntN(3000); i++ {
			text.WriteString(words[rng.IntN(len(words))])
			text.WriteByte(' ')
		}
		title := fmt.Sprintf("%s %s, story %d", words[rng.IntN(len(words))], words[rng.IntN(len(words))], page)
		html := fmt.Sprintf("<!doctype html><html><head><title>%s</title></head><body><h1>%s</h1><p>%s</p></body></html>", title, title, text.String())
		recs := exchange(u, "text/html; charset=utf-8", []byte(html), clock)
		meta, _ := json.Marshal(map[string]any{"title": title, "text": text.String(), "authors": []string{}})
		recs = append(recs, &warc.Record{Type: warc.TypeMetadata, TargetURI: warc.PageInfoURI(u), Date: clock,
			ContentType: "application/json", Block: strings.NewReader(string(meta)), BlockSize: int64(len(meta))})
		for i := 0; i < 3; i++ {
			n := 20<<10 + rng.IntN(len(img)-20<<10)
			for j := 0; j < n; j += 8 {
				v := rng.Uint64()
				for k := 0; k < 8 && j+k < n; k++ {
					img[j+k] = byte(v >> (8 * k))
				}
			}
			recs = append(recs, exchange(fmt.Sprintf("%s/img/%d-%d.jpg", host, page, i), "image/jpeg", img[:n], clock)...)
		}
		ents, err := fw.Write(recs...)
		if err != nil {
			return err
		}
		for _, e := range ents {
			written += e.Length
		}
	}
	return fw.Close()
}

// exchange is a request and its response record.
func exchange(u, mime string, body []byte, t time.Time) []*warc.Record {
	id := warc.NewRecordID()
	resp := fmt.Sprintf("HTTP/1.1 200 OK\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n%s", mime, len(body), body)
	req := fmt.Sprintf("GET %s HTTP/1.1\r\nHost: example\r\nUser-Agent: vellum\r\n\r\n", u)
	var h warc.Header
	h.Add("WARC-Concurrent-To", id)
	return []*warc.Record{
		{Type: warc.TypeResponse, ID: id, TargetURI: u, Date: t, ContentType: "application/http; msgtype=response",
			Block: strings.NewReader(resp), BlockSize: int64(len(resp))},
		{Type: warc.TypeRequest, TargetURI: u, Date: t, ContentType: "application/http; msgtype=request", Header: h,
			Block: strings.NewReader(req), BlockSize: int64(len(req))},
	}
}
