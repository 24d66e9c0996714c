package capture_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vellumhq/vellum/capture"
	"github.com/vellumhq/vellum/index"
	"github.com/vellumhq/vellum/internal/layout"
	"github.com/vellumhq/vellum/internal/testsite"
	"github.com/vellumhq/vellum/warc"
)

// TestAnOpenFileLeftByACrashIsRepairedOnStart leaves behind what a killed
// capture leaves: a ".open" WARC cut in the middle of a record. The next
// capture trims it to its last whole record, closes it, and indexes it.
func TestAnOpenFileLeftByACrashIsRepairedOnStart(t *testing.T) {
	site := testsite.New(t)
	cfg := testConfig(t)
	run(t, cfg, site.ArticleURL())
	files := warcFiles(t, cfg.Archive)
	if len(files) != 1 {
		t.Fatalf("files: %v", files)
	}
	whole, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	recs := readFile(t, files[0])
	// The crashed file: everything up to the middle of the 10th record.
	cut := recs[9].Offset + (recs[10].Offset-recs[9].Offset)/2
	crashed := filepath.Join(filepath.Dir(files[0]), "20200101T000000Z-dead-00000.warc.gz.open")
	if err := os.WriteFile(crashed, whole[:cut], 0o644); err != nil {
		t.Fatal(err)
	}

	res := run(t, cfg, site.URL("/about.html"))
	if len(res.Repaired) != 1 || res.Repaired[0].KeptRecords != 9 {
		t.Fatalf("repaired: %+v", res.Repaired)
	}
	closed := strings.TrimSuffix(crashed, ".open")
	if _, err := os.Stat(crashed); !os.IsNotExist(err) {
		t.Errorf("the .open file is still there")
	}
	got, err := os.ReadFile(closed)
	if err != nil {
		t.Fatalf("repaired file not closed under its final name: %v", err)
	}
	if !bytes.Equal(got, whole[:recs[9].Offset]) {
		t.Errorf("repaired file is %d bytes, want the %d bytes of its 9 whole records", len(got), recs[9].Offset)
	}
	if st, err := warc.VerifyFile(closed, func(p warc.Problem) { t.Errorf("repaired file: %+v", p) }); err != nil || st.Records != 9 {
		t.Errorf("verify repaired: %v, %d records", err, st.Records)
	}
	if _, err := os.Stat(strings.TrimSuffix(closed, ".warc.gz") + ".cdxj"); err != nil {
		t.Errorf("repaired file has no CDXJ: %v", err)
	}
	idx, err := index.Open(context.Background(), filepath.Join(cfg.Archive, layout.IndexFile))
	if err != nil {
		t.Fatal(err)
	}
	defer idx.Close()
	caps, _ := idx.AllCaptures(context.Background())
	name := "warcs/" + strings.TrimPrefix(filepath.ToSlash(closed), filepath.ToSlash(cfg.Archive)+"/warcs/")
	n := 0
	for _, c := range caps {
		if c.Filename == name {
			n++
		}
	}
	if n == 0 {
		t.Errorf("repaired file's captures are not in the index (%s)", name)
	}
}

// TestCancelClosesFilesCleanly cancels a capture stuck on a slow body: Run
// returns promptly and every file it wrote is closed and valid.
func TestCancelClosesFilesCleanly(t *testing.T) {
	bad := testsite.NewBad(t)
	cfg := testConfig(t)
	cfg.Limits.Timeout = time.Minute
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(700*time.Millisecond, cancel)
	start := time.Now()
	res, err := capture.Run(ctx, cfg, []string{bad.URL + "/page.html", bad.URL + "/trickle"})
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("cancelled run took %s", d)
	}
	if res.Seeds[0].Err != nil {
		t.Errorf("the page before the cancel: %v", res.Seeds[0].Err)
	}
	if open, _ := filepath.Glob(filepath.Join(cfg.Archive, "warcs", "*", "*", "*", "*.open")); len(open) > 0 {
		t.Errorf(".open files after cancel: %v", open)
	}
	readArchive(t, cfg.Archive)
}
