package warc_test

import (
	"bytes"
	"fmt"
	"io"
	"log"
	"os"
	"time"

	"github.com/vellumhq/vellum/warc"
)

func Example() {
	root, err := os.MkdirTemp("", "archive")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(root)

	var info warc.Header
	info.Add("software", "Vellum")
	fw, err := warc.NewFileWriter(warc.FileWriterConfig{
		Root:     root,
		Dir:      func(t time.Time) string { return "warcs/" + t.Format("2006/01/02") },
		Prefix:   "run-1",
		Warcinfo: info,
		Now:      func() time.Time { return time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC) },
		OnClose:  func(f warc.ClosedFile) { fmt.Println("closed", f.Filename, f.Records, "records") },
	})
	if err != nil {
		log.Fatal(err)
	}
	const uri = "https://www.example.com/news/story.html"
	req := []byte("GET /news/story.html HTTP/1.1\r\nHost: www.example.com\r\n\r\n")
	resp := []byte("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 5\r\n\r\nhello")
	// A request and its response land in the same file.
	entries, err := fw.Write(
		&warc.Record{Type: warc.TypeRequest, TargetURI: uri, ContentType: "application/http; msgtype=request",
			Block: bytes.NewReader(req), BlockSize: int64(len(req))},
		&warc.Record{Type: warc.TypeResponse, TargetURI: uri, ContentType: "application/http; msgtype=response",
			Block: bytes.NewReader(resp), BlockSize: int64(len(resp))},
	)
	if err != nil {
		log.Fatal(err)
	}
	if err := fw.Close(); err != nil {
		log.Fatal(err)
	}
	line, err := entries[1].CDXJ()
	if err != nil {
		log.Fatal(err)
	}
	p, _ := warc.ParseCDXJ(line)
	fmt.Println(p.URLKey, p.Timestamp, p.Fields["mime"], p.Fields["status"])

	// Read the response back for replay.
	f, err := os.Open(root + "/" + entries[1].Filename)
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	rec, err := warc.ReadRecordAt(f, entries[1].Offset, entries[1].Length)
	if err != nil {
		log.Fatal(err)
	}
	block, _ := io.ReadAll(rec.Block)
	fmt.Println(rec.Header.Get("WARC-Type"), len(block), "bytes")

	st, _ := warc.VerifyFile(f.Name(), nil)
	fmt.Println(st.Records, "records,", st.Problems, "problems")
	// Output:
	// closed warcs/2024/03/01/run-1-00000.warc.gz 3 records
	// com,example)/news/story.html 20240301120000 text/html 200
	// response 68 bytes
	// 3 records, 0 problems
}

func ExampleSURT() {
	key, _ := warc.SURT("https://www.Example.com:443/2014/08/Story.html?b=2&a=1#top")
	fmt.Println(key)
	// Output: com,example)/2014/08/story.html?a=1&b=2
}
