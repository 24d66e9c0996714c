package index

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"path/filepath"
	"testing"

	"github.com/vellumhq/vellum/internal/layout"
	"github.com/vellumhq/vellum/warc"
)

const (
	runA = "warcs/2026/12/06/20261206T010000Z-aaaa-00000.warc.gz"
	runB = "warcs/2026/12/07/20261207T010000Z-bbbb-00000.warc.gz"
)

func attempt(t *testing.T, u, ts, file string, offset int64, status int, truncated string) Capture {
	t.Helper()
	key, err := warc.SURT(u)
	if err != nil {
		t.Fatal(err)
	}
	return Capture{URLKey: key, Timestamp: ts, URL: u, Type: warc.TypeResponse, MIME: "text/html", Status: status,
		Digest: fmt.Sprintf("sha256:%d", offset), Length: 100, Offset: offset, Filename: file, Truncated: truncated}
}

// openIndex opens a new, empty index, closed when the test ends.
func openIndex(t *testing.T) *Index {
	t.Helper()
	x, err := Open(context.Background(), filepath.Join(t.TempDir(), layout.IndexFile))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { x.Close() })
	return x
}

func seen(t *testing.T, x *Index, key string) []string {
	t.Helper()
	caps, err := x.Closest(context.Background(), key, "2000", 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, c := range caps {
		out = append(out, fmt.Sprintf("%s %d %d", c.Timestamp, c.Status, c.Offset))
	}
	return out
}

func TestFinalAttemptOfARunIsTheCapture(t *testing.T) {
	ctx := context.Background()
	x := openIndex(t)
	const u = "http://news.example/story"
	key, _ := warc.SURT(u)
	// Run A: a 500, a cut-off 200, a whole 200. Run B: a whole 500, then a
	// cut-off 200. Another tool's file: two captures, both kept.
	must(t, x.Add(ctx, []Capture{attempt(t, u, "20261206010001", runA, 100, 500, "")}, nil))
	must(t, x.Add(ctx, []Capture{attempt(t, u, "20261206010002", runA, 200, 200, "disconnect")}, nil))
	must(t, x.Add(ctx, []Capture{
		attempt(t, u, "20261206010004", runA, 300, 200, ""),
		attempt(t, u, "20261207010001", runB, 100, 500, ""),
		attempt(t, u, "20261207010003", runB, 200, 200, "disconnect"),
		attempt(t, u, "20261208010000", "other/crawl.warc.gz", 100, 200, ""),
		attempt(t, u, "20261208020000", "other/crawl.warc.gz", 200, 200, ""),
	}, nil))
	want := []string{"20261206010004 200 300", "20261207010001 500 100", "20261208010000 200 100", "20261208020000 200 200"}
	if got := seen(t, x, key); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("closest to 2000:\n got %q\nwant %q", got, want)
	}
	if n, _ := x.Count(ctx); n != 4 {
		t.Errorf("Count = %d, want 4", n)
	}
	// The final attempt's file is re-read without it (a repair trimmed it):
	// the attempt before it is the capture again.
	var keep []Capture
	for _, c := range []Capture{attempt(t, u, "20261206010001", runA, 100, 500, ""), attempt(t, u, "20261206010002", runA, 200, 200, "disconnect")} {
		keep = append(keep, c)
	}
	must(t, x.ReplaceFile(ctx, runA, keep, nil))
	if got := seen(t, x, key); len(got) != 4 || got[0] != "20261206010001 500 100" {
		t.Errorf("after the final attempt went, closest to 2000: %q", got)
	}
}

// An index made before captures had the columns of attempts.go opens, and
// its rows stay found.
func TestIndexOfAnOlderVellumIsMigrated(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), layout.IndexFile)
	db, err := sql.Open("sqlite", "file:"+(&url.URL{Path: path}).EscapedPath())
	if err != nil {
		t.Fatal(err)
	}
	_, err = db.ExecContext(ctx, `CREATE TABLE captures (urlkey TEXT NOT NULL, ts TEXT NOT NULL, url TEXT NOT NULL,
		type TEXT NOT NULL, mime TEXT NOT NULL, status INTEGER NOT NULL, digest TEXT NOT NULL, length INTEGER NOT NULL,
		offset INTEGER NOT NULL, filename TEXT NOT NULL, record_id TEXT NOT NULL, refers_to_url TEXT NOT NULL,
		refers_to_ts TEXT NOT NULL, PRIMARY KEY (filename, offset)) WITHOUT ROWID;
		CREATE INDEX captures_lookup ON captures (urlkey, ts, filename, offset, url, type, mime, status, digest, length,
		record_id, refers_to_url, refers_to_ts);
		INSERT INTO captures VALUES ('example,news)/story', '20141231120000', 'http://news.example/story', 'response',
		'text/html', 200, 'sha256:1', 100, 0, 'old.warc.gz', '<urn:uuid:1>', '', ''),
		('example,news)/retried', '20261206010001', 'http://news.example/retried', 'response',
		'text/html', 500, 'sha256:2', 100, 100, '`+runA+`', '<urn:uuid:2>', '', ''),
		('example,news)/retried', '20261206010002', 'http://news.example/retried', 'response',
		'text/html', 200, 'sha256:3', 100, 200, '`+runA+`', '<urn:uuid:3>', '', '');
		CREATE TABLE remote_cdxj (name TEXT PRIMARY KEY, size INTEGER NOT NULL, imported TEXT NOT NULL) WITHOUT ROWID;
		INSERT INTO remote_cdxj VALUES ('warcs/2026/12/06/x.cdxj', 10, '2026-12-06T00:00:00Z')`)
	must(t, err)
	must(t, db.Close())
	x, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("Open of an older index: %v", err)
	}
	defer x.Close()
	if got := seen(t, x, "example,news)/story"); len(got) != 1 || got[0] != "20141231120000 200 0" {
		t.Errorf("older row: %q", got)
	}
	// The run's retried URL is settled at once, and the remote CDXJ files
	// are to be read again (their pages and runs).
	if got := seen(t, x, "example,news)/retried"); fmt.Sprint(got) != fmt.Sprint([]string{"20261206010002 200 200"}) {
		t.Errorf("a retried URL of an older index: %q, want its final attempt alone", got)
	}
	if ok, err := x.ImportedCDXJ(ctx, "warcs/2026/12/06/x.cdxj", 10); err != nil || ok {
		t.Errorf("remote CDXJ still counted as imported after the migration: %v %v", ok, err)
	}
}

// Attempts are settled in batches of groups and by file: a retried URL
// among thousands of others, past the first batch of groups, still has its
// final attempt found, whether its rows are added as they are or held apart
// until their file is closed.
func TestRetriedURLAmongManyIsSettled(t *testing.T) {
	for _, held := range []bool{false, true} {
		t.Run(fmt.Sprintf("held=%v", held), func(t *testing.T) {
			ctx := context.Background()
			x, err := Open(ctx, filepath.Join(t.TempDir(), layout.IndexFile))
			if err != nil {
				t.Fatal(err)
			}
			defer x.Close()
			var caps []Capture
			for i := range 2*settleChunk + 10 {
				caps = append(caps, attempt(t, fmt.Sprintf("http://news.example/%d", i), "20261206010001", runA, int64(i), 200, ""))
			}
			const u = "http://news.example/retried"
			caps = append(caps,
				attempt(t, u, "20261206010001", runA, 5000, 500, ""),
				attempt(t, u, "20261206010002", runA, 5001, 200, "disconnect"),
				attempt(t, u, "20261206010003", runA, 5002, 503, ""))
			if held {
				b := x.NewBatcher()
				b.FileOpened(runA)
				must(t, b.Add(caps, nil))
				b.FileClosed(runA)
				must(t, b.Close())
			} else {
				must(t, x.Add(ctx, caps, nil)) // one batch: its groups are settled in chunks
			}
			key, _ := warc.SURT(u)
			if got := seen(t, x, key); len(got) != 1 || got[0] != "20261206010003 503 5002" {
				t.Errorf("captures of a URL tried three times: %q, want only the final attempt", got)
			}
			if n, _ := x.Count(ctx); n != int64(2*settleChunk+11) {
				t.Errorf("Count = %d, want %d", n, 2*settleChunk+11)
			}
		})
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// BenchmarkAddVellumFiles measures Add of captures in Vellum's run files,
// whose attempts are settled, against the same rows in files of other names.
func BenchmarkAddVellumFiles(b *testing.B) {
	for _, file := range []string{runA, "other/crawl.warc.gz"} {
		b.Run(filepath.Base(file), func(b *testing.B) {
			ctx := context.Background()
			x, err := Open(ctx, filepath.Join(b.TempDir(), layout.IndexFile))
			if err != nil {
				b.Fatal(err)
			}
			defer x.Close()
			caps := make([]Capture, 1000)
			b.ResetTimer()
			for i := range b.N {
				for j := range caps {
					u := fmt.Sprintf("http://news.example/%d/%d", i, j)
					key, _ := warc.SURT(u)
					caps[j] = Capture{URLKey: key, Timestamp: "20261206010000", URL: u, Type: "response", MIME: "text/html",
						Status: 200, Offset: int64(i*1000 + j), Filename: file}
				}
				if err := x.Add(ctx, caps, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// A 200 cut at --max-size (WARC-Truncated: length) is how a large file is
// archived, not a failed attempt: it wins over the 503 retried before it.
func TestSizeCutFinalAttemptWinsOverAnEarlierError(t *testing.T) {
	ctx := context.Background()
	x := openIndex(t)
	const u = "http://news.example/video.mp4"
	key, _ := warc.SURT(u)
	must(t, x.Add(ctx, []Capture{
		attempt(t, u, "20261206010001", runA, 100, 503, ""),
		attempt(t, u, "20261206010003", runA, 200, 200, "length"),
	}, nil))
	if got := seen(t, x, key); fmt.Sprint(got) != fmt.Sprint([]string{"20261206010003 200 200"}) {
		t.Errorf("closest to 2000: %q, want the size-cut 200", got)
	}
}

// A run's captures, as resume reads them back, are its final attempts: the
// whole 503 over a 200 cut by a reset, as replay has it.
func TestCapturesOfRunAreTheFinalAttempts(t *testing.T) {
	ctx := context.Background()
	x := openIndex(t)
	const u = "http://news.example/story"
	must(t, x.Add(ctx, []Capture{
		attempt(t, u, "20261206010001", runA, 100, 503, ""),
		attempt(t, u, "20261206010003", runA, 200, 200, "disconnect"),
	}, nil))
	caps, err := x.CapturesOfRun(ctx, "20261206T010000Z-aaaa")
	if err != nil {
		t.Fatal(err)
	}
	if len(caps) != 1 || caps[0].Status != 503 {
		t.Errorf("captures of the run: %+v, want the whole 503 alone", caps)
	}
}

// TestRunOfFile: the run ID is read out of Vellum's file names, with or
// without a worker's name (a run on a shared frontier); other names have
// none.
func TestRunOfFile(t *testing.T) {
	for name, want := range map[string]string{
		runA: "20261206T010000Z-aaaa",
		"warcs/2026/12/06/20261206T010000Z-aaaa-node-1.example-4242-00003.warc.gz": "20261206T010000Z-aaaa",
		"warcs/2026/12/06/20261206T010000Z-aaaa-w1-00000.warc":                     "20261206T010000Z-aaaa",
		"warcs/imported/0123456789abcdef/crawl-00001.warc.gz":                      "",
		"warcs/2026/12/06/20261206T010000Z-aaaa-w_1-00000.warc.gz":                 "",
	} {
		if got := RunOfFile(name); got != want {
			t.Errorf("RunOfFile(%s) = %q, want %q", name, got, want)
		}
	}
}
