package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"log"
	"math/rand/v2"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"

	"github.com/vellumhq/vellum/index"
	"github.com/vellumhq/vellum/internal/layout"
	_ "modernc.org/sqlite" // the driver the index uses, for dropping and making its indexes
)

// genVersion names the generator's output in cache directories: change it
// whenever a change here changes the rows a seed gives.
const genVersion = 2

func main() {
	n := flag.Int("n", 1_000_000, "captures to generate")
	archive := flag.String("archive", "", "archive `DIR` whose vellum.db is written")
	seed := flag.Uint64("seed", 1, "generator seed; the same -n and -seed give the same rows")
	urls := flag.String("urls", "", "write a sample of archived URLs to `FILE`, one a line")
	sample := flag.Int("sample", 10000, "URLs in the -urls sample")
	force := flag.Bool("force", false, "replace an existing DIR/vellum.db")
	cached := flag.Bool("cached", false, "use (making it when missing) the archive cached in the temporary directory "+
		"for this -n and -seed, with its sample in urls.txt, and print its directory")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile to `FILE`")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("synthindex: ")
	if (*archive == "") == !*cached || *n < 1 {
		log.Fatal("usage: synthindex -n N (-archive DIR [-urls FILE] [-force] | -cached) [-seed 1] [-sample 10000]")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			log.Fatal(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			log.Fatal(err)
		}
		defer pprof.StopCPUProfile()
	}
	var err error
	if *cached {
		var dir string
		if dir, err = runCached(ctx, *n, *seed, *sample); err == nil {
			fmt.Println(dir)
		}
	} else {
		err = run(ctx, *archive, *n, *seed, *urls, *sample, *force)
	}
	if err != nil {
		pprof.StopCPUProfile()
		log.Fatal(err)
	}
}

// runCached returns the cached archive of n and seed, making it first when
// missing. It is made aside and renamed into place, so concurrent runs (two
// benchmark binaries) never see half of one.
func runCached(ctx context.Context, n int, seed uint64, sample int) (string, error) {
	dir := filepath.Join(os.TempDir(), fmt.Sprintf("vellum-synthindex-v%d-n%d-seed%d", genVersion, n, seed))
	if _, err := os.Stat(filepath.Join(dir, "urls.txt")); err == nil {
		return dir, nil
	}
	tmp, err := os.MkdirTemp(os.TempDir(), filepath.Base(dir)+".tmp")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	if err := run(ctx, tmp, n, seed, filepath.Join(tmp, "urls.txt"), sample, false); err != nil {
		return "", err
	}
	if err := os.Rename(tmp, dir); err != nil {
		if _, serr := os.Stat(filepath.Join(dir, "urls.txt")); serr == nil {
			return dir, nil // another run made it first
		}
		return "", err
	}
	return dir, nil
}

func run(ctx context.Context, dir string, n int, seed uint64, urlsFile string, sample int, force bool) error {
	start := time.Now()
	// A million rows make a big heap of long-lived strings: collect less often.
	debug.SetGCPercent(400)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	path := layout.Index(dir)
	if _, err := os.Stat(path); err == nil {
		if !force {
			return fmt.Errorf("%s exists (use -force to replace it)", path)
		}
		for _, p := range []string{path, path + "-wal", path + "-shm"} {
			if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return err
			}
		}
	}
	g := newGenerator(seed)
	caps := g.captures(n)
	gen := time.Since(start)
	if err := fill(ctx, path, caps); err != nil {
		return err
	}
	if urlsFile != "" {
		if err := writeSample(urlsFile, caps, sample, seed); err != nil {
			return err
		}
	}
	log.Printf("%d captures of %d URLs on %d hosts in %s (generated in %s)",
		len(caps), g.urlCount, len(g.hosts), time.Since(start).Round(time.Millisecond), gen.Round(time.Millisecond))
	return nil
}

// fill adds caps to a new index at path. Rows go in through index.Add, so
// they are exactly what a capture writes; the secondary indexes of the
// captures table are dropped first and made again at the end (one sort
// instead of a million random B-tree inserts: minutes become seconds).
func fill(ctx context.Context, path string, caps []index.Capture) error {
	idx, err := index.Open(ctx, path)
	if err != nil {
		return err
	}
	defer idx.Close()
	db, err := sql.Open("sqlite", "file:"+(&url.URL{Path: path}).EscapedPath()+
		"?_pragma=busy_timeout(10000)&_pragma=cache_size(-524288)&_pragma=temp_store(MEMORY)&_pragma=threads(2)&_pragma=synchronous(OFF)")
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	var ddl []string
	rows, err := db.QueryContext(ctx, `SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'captures' AND sql IS NOT NULL`)
	if err != nil {
		return err
	}
	var names []string
	for rows.Next() {
		var name, stmt string
		if err := rows.Scan(&name, &stmt); err != nil {
			rows.Close()
			return err
		}
		names, ddl = append(names, name), append(ddl, stmt)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return err
	}
	for _, name := range names {
		if _, err := db.ExecContext(ctx, `DROP INDEX "`+name+`"`); err != nil {
			return err
		}
	}
	const batch = 50_000
	for i := 0; i < len(caps); i += batch {
		if err := idx.Add(ctx, caps[i:min(i+batch, len(caps))], nil); err != nil {
			return err
		}
	}
	for _, stmt := range ddl {
		if _, err := db.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("%s: %w", stmt, err)
		}
	}
	if _, err := db.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		return err
	}
	return idx.Close()
}

// writeSample writes up to k distinct URLs of caps, chosen at random.
func writeSample(name string, caps []index.Capture, k int, seed uint64) error {
	rng := rand.New(rand.NewPCG(seed, 0x5a3))
	seen := make(map[string]bool, k)
	var b strings.Builder
	for tries := 0; len(seen) < k && tries < 20*k; tries++ {
		u := caps[rng.IntN(len(caps))].URL
		if !seen[u] {
			seen[u] = true
			b.WriteString(u)
			b.WriteByte('\n')
		}
	}
	return os.WriteFile(name, []byte(b.String()), 0o644)
}
