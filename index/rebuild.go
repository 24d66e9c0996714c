package index

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/vellumhq/vellum/internal/layout"
	"github.com/vellumhq/vellum/warc"
)

// maxMetadataBlock bounds how much of a metadata record Rebuild reads.
const maxMetadataBlock = 16 << 20

// RebuildStats says what Rebuild found.
type RebuildStats struct {
	Files    int
	Captures int
	Pages    int
	Problems []error // files or records that could not be read; they are skipped
}

// WARCFiles lists the WARC files under root/warcs (".warc" and ".warc.gz",
// never ".open"), by their paths relative to root, sorted.
func WARCFiles(root string) ([]string, error) {
	var names []string
	dir := layout.WARCs(root)
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && path == dir {
				return filepath.SkipDir
			}
			return err
		}
		n := d.Name()
		if d.IsDir() || !(strings.HasSuffix(n, ".warc") || strings.HasSuffix(n, ".warc.gz")) {
			return nil
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		names = append(names, filepath.ToSlash(rel))
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("index: list %s: %w", dir, err)
	}
	sort.Strings(names)
	return names, nil
}

// Rebuild replaces every capture and page row with what the WARC files under
// root/warcs hold, in one transaction: after it the index says exactly what
// the files say. A damaged record ends the reading of its file; what came
// before it stays indexed and the damage is reported in Problems.
func (x *Index) Rebuild(ctx context.Context, root string) (RebuildStats, error) {
	var st RebuildStats
	names, err := WARCFiles(root)
	if err != nil {
		return st, err
	}
	err = x.inTx(ctx, func(tx *sql.Tx) error {
		if err := clearSearch(ctx, tx); err != nil {
			return err
		}
		for _, q := range []string{`DELETE FROM captures`, `DELETE FROM pages`, `DELETE FROM remote_cdxj`} {
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return err
			}
		}
		if err := dropOrphanedOpenRows(ctx, tx, root); err != nil {
			return err
		}
		for _, name := range names {
			if err := ctx.Err(); err != nil {
				return err
			}
			caps, pages, err := ReadFile(root, name)
			if err != nil {
				st.Problems = append(st.Problems, err)
			}
			if err := insert(ctx, tx, caps, pages); err != nil {
				return err
			}
			st.Files++
			st.Captures += len(caps)
			st.Pages += len(pages)
		}
		_, err := indexPending(ctx, tx, 0)
		return err
	})
	return st, err
}

// ReindexFile replaces the rows of one WARC file (relative to root) with what
// the file holds; a file that is gone (Repair removed it) keeps no rows.
func (x *Index) ReindexFile(ctx context.Context, root, name string) error {
	caps, pages, err := ReadFile(root, name)
	if errors.Is(err, fs.ErrNotExist) {
		caps, pages, err = nil, nil, nil
	}
	if err != nil {
		return err
	}
	return x.ReplaceFile(ctx, name, caps, pages)
}

// ReadFile reads the index rows of one WARC file. On damage it returns the
// rows read before it together with the error.
func ReadFile(root, name string) ([]Capture, []Page, error) {
	f, err := os.Open(filepath.Join(root, filepath.FromSlash(name)))
	if err != nil {
		return nil, nil, fmt.Errorf("index: %w", err)
	}
	defer f.Close()
	return readRows(bufio.NewReaderSize(f, 256<<10), name)
}

// readRows reads the index rows of the WARC file named name from in.
func readRows(in io.Reader, name string) ([]Capture, []Page, error) {
	var caps []Capture
	var pages []Page
	err := eachRow(in, name, func(c *Capture, p *Page) error {
		if c != nil {
			caps = append(caps, *c)
		} else {
			pages = append(pages, *p)
		}
		return nil
	})
	return caps, pages, err
}

// eachRow calls fn with each index row of the WARC file named name read
// from in, a capture or a page (the other nil), in file order. It stops at
// the first damaged record, or fn's error, and returns it.
func eachRow(in io.Reader, name string, fn func(*Capture, *Page) error) error {
	r, err := warc.NewReader(in)
	if err != nil {
		return fmt.Errorf("index: %s: %w", name, err)
	}
	defer r.Close()
	for {
		rec, err := r.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("index: %s: %w", name, err)
		}
		// A metadata block is read before EntryOf, which reads the record to
		// its end to learn its length.
		var block []byte
		if rec.Header.Get("WARC-Type") == warc.TypeMetadata {
			if block, err = io.ReadAll(io.LimitReader(rec.Block, maxMetadataBlock)); err != nil {
				return fmt.Errorf("index: %s at %d: %w", name, rec.Offset, err)
			}
		}
		e, err := warc.EntryOf(rec, name)
		if err != nil {
			return fmt.Errorf("index: %s at %d: %w", name, rec.Offset, err)
		}
		if off, shared := rec.SharedMember(); shared {
			// One gzip stream holds this record and others (a WARC gzipped
			// whole): no offset in the file reaches it alone. Its row gives
			// its place in the decompressed stream, marked by a zero length;
			// replay decompresses the file up to it.
			e.Offset, e.Length = off, 0
		}
		switch {
		case warc.Indexed(e):
			c, err := CaptureOf(e)
			if err != nil {
				continue // a target URI no SURT can be made of cannot be looked up anyway
			}
			if err := fn(&c, nil); err != nil {
				return err
			}
		case IsPage(e):
			if p, err := PageOf(e, block); err == nil {
				if err := fn(nil, &p); err != nil {
					return err
				}
			}
		}
	}
}
