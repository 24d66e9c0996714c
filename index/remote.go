package index

import (
	"bufio"
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/vellumhq/vellum/internal/layout"
	"github.com/vellumhq/vellum/storage"
	"github.com/vellumhq/vellum/warc"
)

// maxCDXJLine bounds one line of a remote CDXJ file.
const maxCDXJLine = 1 << 20

// SyncRemote imports the CDXJ files of a remote store that this index has
// not seen (or has seen at another size), so captures uploaded by any
// machine become replayable: replay then reads each record with one ranged
// GET. It returns how many files it imported; a damaged file is skipped and
// reported in the joined error while the others are imported. A CDXJ file
// whose WARC file is also local (haveLocal says so) is skipped: the local
// WARC indexes itself, with record IDs and revisit details CDXJ lacks.
func (x *Index) SyncRemote(ctx context.Context, remote storage.Store, haveLocal func(warcName string) bool) (int, error) {
	return SyncRemoteInto(ctx, x, remote, haveLocal)
}

// CDXJImporter is an index that imports the CDXJ files of a remote store:
// *Index, and the PostgreSQL index (index/postgres).
type CDXJImporter interface {
	ImportedCDXJ(ctx context.Context, name string, size int64) (bool, error)
	ImportCDXJ(ctx context.Context, cdxjName string, size int64, warcName string, caps []Capture, pages []Page) error
}

// SyncRemoteInto is SyncRemote for any index that imports CDXJ files.
func SyncRemoteInto(ctx context.Context, x CDXJImporter, remote storage.Store, haveLocal func(warcName string) bool) (int, error) {
	var todo []storage.Info
	err := remote.List(ctx, layout.WARCDir+"/", func(in storage.Info) error {
		if !strings.HasSuffix(in.Key, ".cdxj") {
			return nil
		}
		stem := strings.TrimSuffix(in.Key, ".cdxj") // of "x.warc.gz", or of an imported "x.warc"
		if haveLocal != nil && (haveLocal(stem+".warc.gz") || haveLocal(stem+".warc")) {
			return nil
		}
		done, err := x.ImportedCDXJ(ctx, in.Key, in.Size)
		if err != nil {
			return err
		}
		if !done {
			todo = append(todo, in)
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("index: list remote CDXJ files: %w", err)
	}
	n := 0
	var errs []string
	for _, in := range todo {
		if err := importRemoteCDXJ(ctx, x, remote, in); err != nil {
			errs = append(errs, err.Error())
			continue
		}
		n++
	}
	if len(errs) > 0 {
		return n, fmt.Errorf("index: %s", strings.Join(errs, "; "))
	}
	return n, nil
}

func importRemoteCDXJ(ctx context.Context, x CDXJImporter, remote storage.Store, in storage.Info) error {
	rc, err := remote.Open(ctx, in.Key, 0, -1)
	if err != nil {
		return fmt.Errorf("read %s: %w", in.Key, err)
	}
	defer rc.Close()
	warcName := strings.TrimSuffix(in.Key, ".cdxj") + ".warc.gz"
	var caps, infos []Capture
	sc := bufio.NewScanner(rc)
	sc.Buffer(make([]byte, 64<<10), maxCDXJLine)
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			continue
		}
		c, err := CaptureOfCDXJ(line)
		if err != nil {
			return fmt.Errorf("%s: %w", in.Key, err)
		}
		if c.Filename == "" {
			c.Filename = warcName
		}
		warcName = c.Filename
		if warc.PageOfInfo(c.URL) != c.URL {
			infos = append(infos, c) // a page's metadata record, not a capture
			continue
		}
		caps = append(caps, c)
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read %s: %w", in.Key, err)
	}
	pages, err := remotePages(ctx, remote, warcName, caps, infos)
	if err != nil {
		return fmt.Errorf("%s: %w", in.Key, err)
	}
	return x.ImportCDXJ(ctx, in.Key, in.Size, warcName, caps, pages)
}

// CaptureOfCDXJ reads one CDXJ line (pywb's fields) into a capture row.
// What CDXJ does not carry (record ID, a revisit's refers-to fields) stays
// empty; replay resolves revisits by digest without it.
func CaptureOfCDXJ(line string) (Capture, error) {
	l, err := warc.ParseCDXJ(line)
	if err != nil {
		return Capture{}, err
	}
	f := l.Fields
	c := Capture{
		URLKey: l.URLKey, Timestamp: l.Timestamp, URL: f["url"], MIME: f["mime"], Digest: f["digest"],
		Filename: f["filename"], Type: warc.TypeResponse,
	}
	if c.MIME == "warc/revisit" {
		c.Type = warc.TypeRevisit
	}
	c.Status, _ = strconv.Atoi(f["status"])
	if c.Length, err = strconv.ParseInt(f["length"], 10, 64); err != nil {
		return Capture{}, fmt.Errorf("CDXJ line without a length: %q", line)
	}
	if c.Offset, err = strconv.ParseInt(f["offset"], 10, 64); err != nil {
		return Capture{}, fmt.Errorf("CDXJ line without an offset: %q", line)
	}
	if c.URL == "" || len(c.Timestamp) != 14 {
		return Capture{}, fmt.Errorf("CDXJ line without a URL or a 14-digit time: %q", line)
	}
	return c, nil
}
