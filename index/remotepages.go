package index

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"

	"golang.org/x/sync/errgroup"

	"github.com/vellumhq/vellum/storage"
	"github.com/vellumhq/vellum/warc"
)

// remotePageReads bounds the ranged GETs of metadata records in flight
// while one remote CDXJ file is imported.
const remotePageReads = 8

// remotePages reads the page rows (title, text, ...) of a remote WARC file
// whose CDXJ lines are caps (captures) and infos (the lines of its pages'
// metadata records at urn:pageinfo:<url>): each metadata record is read
// with one ranged GET. CDXJ files written before metadata records had lines
// list none; when such a file lists HTML pages, its WARC is read once from
// start to end instead, keeping only the metadata records (old form too).
// A record that is not a readable page is skipped, as Rebuild skips it; a
// failed read is an error, so the import is tried again at the next sync.
func remotePages(ctx context.Context, remote storage.Store, warcName string, caps, infos []Capture) ([]Page, error) {
	if len(infos) == 0 {
		if !listsHTMLPages(caps) {
			return nil, nil
		}
		return scanRemotePages(ctx, remote, warcName)
	}
	found := make([]Page, len(infos))
	ok := make([]bool, len(infos))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(remotePageReads)
	for i, c := range infos {
		g.Go(func() error {
			var err error
			found[i], ok[i], err = readRemotePage(gctx, remote, c)
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	pages := make([]Page, 0, len(found))
	for i, p := range found {
		if ok[i] {
			pages = append(pages, p)
		}
	}
	return pages, nil
}

// listsHTMLPages reports whether captures include an HTML page, which a
// capture gives a metadata record.
func listsHTMLPages(caps []Capture) bool {
	for _, c := range caps {
		if c.Type == warc.TypeResponse && c.Status == 200 && (c.MIME == "text/html" || c.MIME == "application/xhtml+xml") {
			return true
		}
	}
	return false
}

// readRemotePage reads the metadata record a CDXJ line locates; ok is false
// when it holds no page (another kind of record, damage, bad JSON).
func readRemotePage(ctx context.Context, remote storage.Store, c Capture) (p Page, ok bool, err error) {
	n := c.Length
	if n <= 0 {
		n = -1
	}
	rc, err := remote.Open(ctx, c.Filename, c.Offset, n)
	if err != nil {
		return Page{}, false, fmt.Errorf("read %s at %d: %w", c.Filename, c.Offset, err)
	}
	defer rc.Close()
	rd, err := warc.NewReader(rc)
	if err != nil {
		return Page{}, false, fmt.Errorf("read %s at %d: %w", c.Filename, c.Offset, err)
	}
	defer rd.Close()
	rec, err := rd.Next()
	if err != nil {
		return Page{}, false, damageOr(err, c)
	}
	if rec.Header.Get("WARC-Type") != warc.TypeMetadata {
		return Page{}, false, nil
	}
	block, err := io.ReadAll(io.LimitReader(rec.Block, maxMetadataBlock))
	if err != nil {
		return Page{}, false, damageOr(err, c)
	}
	e, err := warc.EntryOf(rec, c.Filename)
	if err != nil {
		return Page{}, false, damageOr(err, c)
	}
	e.Offset = c.Offset
	if !IsPage(e) {
		return Page{}, false, nil
	}
	if p, err = PageOf(e, block); err != nil {
		return Page{}, false, nil
	}
	return p, true, nil
}

// damageOr is nil for a malformed record (it will not read better next
// time), and err otherwise (a network failure may pass).
func damageOr(err error, c Capture) error {
	if errors.Is(err, warc.ErrMalformed) {
		return nil
	}
	return fmt.Errorf("read %s at %d: %w", c.Filename, c.Offset, err)
}

// scanRemotePages reads a remote WARC file from start to end for its page
// rows. A malformed record ends the reading and the pages before it are
// kept; a file cut short may be a dropped connection, and is an error.
func scanRemotePages(ctx context.Context, remote storage.Store, warcName string) ([]Page, error) {
	rc, err := remote.Open(ctx, warcName, 0, -1)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", warcName, err)
	}
	defer rc.Close()
	_, pages, err := readRows(bufio.NewReaderSize(rc, 256<<10), warcName)
	if err != nil && !errors.Is(err, warc.ErrMalformed) {
		return nil, err
	}
	return pages, nil
}
