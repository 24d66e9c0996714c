package warc

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/klauspost/compress/gzip"
)

// benchPairs is a fixed set of realistic request/response pairs: an HTML page
// (~30 KB, compressible), a script and a stylesheet (~10 KB each) and a
// JPEG-like image (~50 KB, incompressible).
func benchPairs() [][2]*Record {
	rng := rand.New(rand.NewPCG(1, 2))
	text := func(n int, words []string) []byte {
		var b bytes.Buffer
		for b.Len() < n {
			b.WriteString(words[rng.IntN(len(words))])
			b.WriteByte(' ')
			if rng.IntN(12) == 0 {
				b.WriteString("\n")
			}
		}
		return b.Bytes()[:n]
	}
	html := text(30000, []string{"<p>", "</p>", "<div class=\"story\">", "council", "bridge", "the", "river", "said", "mayor", "2024", "<a href=\"/news/\">", "vote"})
	js := text(10000, []string{"function", "var", "return", "(a,b)", "{", "}", "window.addEventListener", "'load'", "=>", "const", "x1"})
	css := text(10000, []string{".story{", "margin:0;", "padding:4px;", "color:#333;", "}", "@media", "font-family:serif;", "display:flex;"})
	jpeg := make([]byte, 50000)
	for i := range jpeg {
		jpeg[i] = byte(rng.Uint32())
	}
	var pairs [][2]*Record
	for i, r := range []struct {
		ctype string
		body  []byte
	}{{"text/html; charset=utf-8", html}, {"application/javascript", js}, {"text/css", css}, {"image/jpeg", jpeg}} {
		uri := fmt.Sprintf("https://www.example.com/asset/%d", i)
		resp := bytesRecord(TypeResponse, uri, "application/http; msgtype=response", httpResponse(200, r.ctype, r.body))
		req := bytesRecord(TypeRequest, uri, "application/http; msgtype=request", httpRequest(uri))
		req.Header.Add("WARC-Concurrent-To", "<urn:uuid:00000000-0000-4000-8000-000000000000>")
		pairs = append(pairs, [2]*Record{req, resp})
	}
	return pairs
}

// benchRecordBytes returns the uncompressed WARC bytes of each record of pairs.
func benchRecordBytes(b *testing.B, pairs [][2]*Record) [][]byte {
	var out [][]byte
	for _, p := range pairs {
		for _, rec := range p {
			var buf bytes.Buffer
			w, _ := NewWriter(&buf, false)
			if _, err := w.Write(rec); err != nil {
				b.Fatal(err)
			}
			out = append(out, buf.Bytes())
		}
	}
	return out
}

func totalLen(recs [][]byte) (n int64) {
	for _, r := range recs {
		n += int64(len(r))
	}
	return n
}

// withDigests returns copies of pairs whose digests are given, as a capture
// that digests while it records would pass them.
func withDigests(b *testing.B, pairs [][2]*Record) [][2]*Record {
	var out [][2]*Record
	for _, p := range pairs {
		var q [2]*Record
		for i, rec := range p {
			var buf bytes.Buffer
			w, _ := NewWriter(&buf, false)
			es, err := w.Write(rec)
			if err != nil {
				b.Fatal(err)
			}
			c := *rec
			c.Header = rec.Header.Clone()
			c.Header.Add("WARC-Block-Digest", es[0].BlockDigest)
			if es[0].PayloadDigest != "" {
				c.Header.Add("WARC-Payload-Digest", es[0].PayloadDigest)
			}
			q[i] = &c
		}
		out = append(out, q)
	}
	return out
}

// cpuTime returns the CPU time (user and system) used by the process so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPU adds "cpu-MB/s": bytes per second of CPU time, which a shared,
// busy machine disturbs less than wall-clock MB/s.
func reportCPU(b *testing.B, start time.Duration, bytesPerOp int64) {
	if cpu := cpuTime() - start; cpu > 0 {
		b.ReportMetric(float64(bytesPerOp)*float64(b.N)/cpu.Seconds()/1e6, "cpu-MB/s")
	}
}

// BenchmarkFileWriter writes the pairs through a FileWriter (digests, headers,
// one gzip member per record, file writes, CDXJ, rotation at the default size),
// from one goroutine and from GOMAXPROCS goroutines, with digests computed by
// the writer or given by the caller.
func BenchmarkFileWriter(b *testing.B) {
	computed := benchPairs()
	size := totalLen(benchRecordBytes(b, computed))
	given := withDigests(b, computed)
	run := func(b *testing.B, pairs [][2]*Record, parallel bool) {
		fw, err := NewFileWriter(FileWriterConfig{Root: b.TempDir(), Dir: dated, Prefix: "bench"})
		if err != nil {
			b.Fatal(err)
		}
		b.SetBytes(size)
		b.ReportAllocs()
		b.ResetTimer()
		start := cpuTime()
		writeSet := func() {
			for _, p := range pairs {
				if _, err := fw.Write(p[0], p[1]); err != nil {
					b.Error(err)
					return
				}
			}
		}
		if parallel {
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					writeSet()
				}
			})
		} else {
			for b.Loop() {
				writeSet()
			}
		}
		reportCPU(b, start, size)
		b.StopTimer()
		if err := fw.Close(); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("serial", func(b *testing.B) { run(b, computed, false) })
	b.Run("parallel", func(b *testing.B) { run(b, computed, true) })
	b.Run("serial-given", func(b *testing.B) { run(b, given, false) })
	b.Run("parallel-given", func(b *testing.B) { run(b, given, true) })
}

// BenchmarkGzipCeiling compresses the same record bytes, one member per record,
// with a bare reused klauspost gzip writer into io.Discard: the upper bound of
// BenchmarkFileWriter. "serial-file" also writes the members to a file, through
// a buffer of the FileWriter's size: the bound for a writer that must write.
func BenchmarkGzipCeiling(b *testing.B) {
	recs := benchRecordBytes(b, benchPairs())
	compressSet := func(zw *gzip.Writer) {
		for _, r := range recs {
			zw.Reset(io.Discard)
			_, _ = zw.Write(r)
			_ = zw.Close()
		}
	}
	b.Run("serial", func(b *testing.B) {
		zw := gzip.NewWriter(io.Discard)
		b.SetBytes(totalLen(recs))
		start := cpuTime()
		for b.Loop() {
			compressSet(zw)
		}
		reportCPU(b, start, totalLen(recs))
	})
	b.Run("serial-file", func(b *testing.B) {
		f, err := os.Create(filepath.Join(b.TempDir(), "ceiling.warc.gz"))
		if err != nil {
			b.Fatal(err)
		}
		defer f.Close()
		bw := bufio.NewWriterSize(f, fileBufferSize)
		zw := gzip.NewWriter(bw)
		b.SetBytes(totalLen(recs))
		start := cpuTime()
		for b.Loop() {
			for _, r := range recs {
				zw.Reset(bw)
				_, _ = zw.Write(r)
				_ = zw.Close()
			}
		}
		if err := bw.Flush(); err != nil {
			b.Fatal(err)
		}
		reportCPU(b, start, totalLen(recs))
	})
	b.Run("parallel", func(b *testing.B) {
		b.SetBytes(totalLen(recs))
		start := cpuTime()
		b.RunParallel(func(pb *testing.PB) {
			zw := gzip.NewWriter(io.Discard)
			for pb.Next() {
				compressSet(zw)
			}
		})
		reportCPU(b, start, totalLen(recs))
	})
}
