package wacz

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/vellumhq/vellum/index"
	"github.com/vellumhq/vellum/internal/layout"
	"github.com/vellumhq/vellum/warc"
)

// Target is what Import writes to of an archive's index.
type Target interface {
	AddFile(ctx context.Context, root, name string) (caps, pages int, err error)
	Closest(ctx context.Context, urlkey, ts string, n int) ([]index.Capture, error)
	FileOfRecord(ctx context.Context, id string) (string, error)
}

// Added is a file Import put in the archive.
type Added struct {
	Name     string // relative to the archive, slash-separated
	Size     int64
	SHA256   string // hex
	Captures int
	Pages    int
}

// ImportResult says what Import added, and what it found there already.
type ImportResult struct {
	Added   []Added
	Present []string // files already in the archive (same content)
	Held    []Held   // files whose records the archive holds in another file
}

// Held is a file Import left out because the archive holds its records
// already: a WACZ exported from this archive, or a copy under another name.
type Held struct {
	Name string // as given
	As   string // the archive's file holding its records
}

// ImportWARC copies a WARC file into the archive at root, under a folder
// named by its content (layout.Imported), and indexes it. A file already
// there is left as it is and listed in Present.
func ImportWARC(ctx context.Context, root string, idx Target, src string) (ImportResult, error) {
	var res ImportResult
	f, err := os.Open(src)
	if err != nil {
		return res, err
	}
	defer f.Close()
	_, err = importOne(ctx, root, idx, filepath.Base(src), "", f, &res)
	return res, err
}

// ImportWACZ copies every WARC file of a WACZ into the archive at root as
// ImportWARC does, checking each against its hash in datapackage.json.
// When the WARCs carry no metadata records of pages, the pages of
// pages.jsonl (titles and text) are written as such records in a WARC file
// of their own beside them, so that the index, and a rebuild of it, find
// them.
func ImportWACZ(ctx context.Context, root string, idx Target, src string) (ImportResult, error) {
	var res ImportResult
	f, err := os.Open(src)
	if err != nil {
		return res, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return res, err
	}
	a, err := Open(f, fi.Size())
	if err != nil {
		return res, err
	}
	warcs := a.WARCs()
	if len(warcs) == 0 {
		return res, errors.New("no WARC file under archive/")
	}
	pages := 0
	for _, w := range warcs {
		rc, err := w.Open()
		if err != nil {
			return res, fmt.Errorf("%s: %v", w.Path, err)
		}
		n, err := importOne(ctx, root, idx, w.Name, w.Hash, rc, &res)
		rc.Close()
		if err != nil {
			return res, fmt.Errorf("%s: %w", w.Path, err)
		}
		pages += n
	}
	if pages > 0 || len(res.Held) > 0 {
		return res, nil // the pages came with the WARCs, or are in the archive already
	}
	return res, importPages(ctx, root, idx, a, &res)
}

// importOne copies r to the archive through a temporary file, hashing it on
// the way, then moves it into the folder its hash names and indexes it. It
// returns how many pages the file's records give.
func importOne(ctx context.Context, root string, idx Target, name, want string, r io.Reader, res *ImportResult) (int, error) {
	if !strings.HasSuffix(name, ".warc") && !strings.HasSuffix(name, ".warc.gz") {
		return 0, fmt.Errorf("%s: not a .warc or .warc.gz file", name)
	}
	dir := filepath.Join(root, layout.WARCDir, layout.ImportedDir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, err
	}
	tmp, err := layout.CreateTemp(dir, ".import-")
	if err != nil {
		return 0, err
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	h := sha256.New()
	size, err := io.Copy(io.MultiWriter(tmp, h), r)
	if err != nil {
		return 0, err
	}
	sum := hex.EncodeToString(h.Sum(nil))
	if want != "" && !strings.EqualFold(want, "sha256:"+sum) {
		return 0, fmt.Errorf("sha256:%s does not match datapackage.json (%s); nothing of it imported", sum, want)
	}
	rel := layout.Imported(sum) + "/" + name
	dst := filepath.Join(root, filepath.FromSlash(rel))
	if _, err := os.Stat(dst); err == nil {
		// Indexed again: an import cut short leaves the file in place with
		// part of its rows, and rows already there are replaced by the same.
		_, pages, err := addFile(ctx, root, idx, rel)
		res.Present = append(res.Present, rel)
		return pages, err
	} else if !errors.Is(err, fs.ErrNotExist) {
		return 0, err
	}
	if as, err := heldAs(ctx, idx, tmp.Name(), rel); err != nil || as != "" {
		if as != "" {
			res.Held = append(res.Held, Held{Name: name, As: as})
		}
		return 0, err
	}
	if err := install(tmp, dst); err != nil {
		return 0, err
	}
	// A damaged file is kept: what could be read of it is indexed, as
	// `vellum index` does, and verify names the damage.
	caps, pages, err := addFile(ctx, root, idx, rel)
	res.Added = append(res.Added, Added{Name: rel, Size: size, SHA256: sum, Captures: caps, Pages: pages})
	return pages, err
}

// addFile indexes the archive's file rel and writes its CDXJ beside it, as
// capture does for its own files: a node reading the archive's remote store
// through CDXJ files finds it there once it is uploaded with it.
func addFile(ctx context.Context, root string, idx Target, rel string) (caps, pages int, err error) {
	caps, pages, err = idx.AddFile(ctx, root, rel)
	if _, cerr := warc.WriteCDXJ(filepath.Join(root, filepath.FromSlash(rel)), rel); err == nil {
		err = cerr
	}
	return caps, pages, err
}

// heldAs returns the file of the archive that holds the records of the WARC
// file at path already ("" when none does), by the record IDs of its first
// captures: a WACZ exported from this archive carries its own files.
func heldAs(ctx context.Context, idx Target, path, name string) (string, error) {
	const probes = 3
	var ids []string
	errEnough := errors.New("enough")
	err := warc.ScanFile(path, name, func(e warc.Entry) error {
		if warc.Indexed(e) && e.ID != "" {
			ids = append(ids, e.ID)
		}
		if len(ids) == probes {
			return errEnough
		}
		return nil
	})
	if err != nil && !errors.Is(err, errEnough) && len(ids) == 0 {
		return "", nil // damaged from its start: it is imported, and verify names the damage
	}
	for _, id := range ids {
		as, err := idx.FileOfRecord(ctx, id)
		if err != nil || as != "" {
			return as, err
		}
	}
	return "", nil
}

// pageRecord is the JSON of the metadata record made of a pages.jsonl line.
type pageRecord struct {
	Title string `json:"title"`
	Text  string `json:"text"`
}

// importPages writes the pages of a WACZ as metadata records in
// "pages.warc.gz", in the folder named by its content, and indexes them.
func importPages(ctx context.Context, root string, idx Target, a *Archive, res *ImportResult) error {
	dir := filepath.Join(root, layout.WARCDir, layout.ImportedDir)
	tmp, err := layout.CreateTemp(dir, ".pages-")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	h := sha256.New()
	out := io.MultiWriter(tmp, h)
	// Record IDs made of the pages' hash, and dates from the pages: the same
	// pages make the same file, and importing them twice adds nothing.
	src, err := a.pagesHash()
	if err != nil {
		return err
	}
	n := 0
	ww, err := warc.NewWriter(out, true, warc.WithRecordIDs(func() string {
		n++
		return "<urn:uuid:" + uuid.NewSHA1(uuid.NameSpaceURL, fmt.Appendf(nil, "%s#%d", src, n)).String() + ">"
	}))
	if err != nil {
		return err
	}
	ours := map[string]bool{} // the files of this WACZ
	for _, ad := range res.Added {
		ours[ad.Name] = true
	}
	for _, name := range res.Present {
		ours[name] = true
	}
	count := 0
	err = a.Pages(func(p Page) error {
		key, err := warc.SURT(p.URL)
		if err != nil {
			return nil
		}
		ts := "" // no ts: the latest capture
		if !p.TS.IsZero() {
			ts = warc.Timestamp14(p.TS)
		}
		// Nearest first; only the WACZ's own captures are the page's, not
		// another of the URL the archive holds.
		caps, err := idx.Closest(ctx, key, ts, 0)
		if err != nil {
			return err
		}
		hdr := warc.Header{}
		date := p.TS
		if i := slices.IndexFunc(caps, func(c index.Capture) bool { return ours[c.Filename] }); i >= 0 {
			hdr.Add("WARC-Concurrent-To", caps[i].RecordID)
			if t, err := warc.ParseTimestamp14(caps[i].Timestamp); err == nil {
				date = t // the page row's time is its capture's
			}
		}
		if date.IsZero() {
			date = time.Unix(0, 0)
		}
		b, _ := json.Marshal(pageRecord{Title: p.Title, Text: p.Text})
		_, err = ww.Write(&warc.Record{Type: warc.TypeMetadata, TargetURI: warc.PageInfoURI(p.URL), Date: date,
			ContentType: "application/json", Header: hdr, Block: strings.NewReader(string(b)), BlockSize: int64(len(b))})
		count++
		return err
	})
	if err != nil || count == 0 {
		return err
	}
	sum := hex.EncodeToString(h.Sum(nil))
	rel := path.Join(layout.Imported(sum), "pages.warc.gz")
	dst := filepath.Join(root, filepath.FromSlash(rel))
	if _, err := os.Stat(dst); err == nil {
		res.Present = append(res.Present, rel)
		return nil
	}
	if err := install(tmp, dst); err != nil {
		return err
	}
	_, pages, err := addFile(ctx, root, idx, rel)
	fi, _ := os.Stat(dst)
	res.Added = append(res.Added, Added{Name: rel, Size: fi.Size(), SHA256: sum, Pages: pages})
	return err
}

// install makes the temporary file tmp, written in full, the file dst:
// synced, closed and renamed into place (its folder made when missing).
func install(tmp *os.File, dst string) error {
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), dst)
}
