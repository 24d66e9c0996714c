package wacz

import (
	"archive/zip"
	"encoding/json"
	"fmt"
	"io"
	"path"
	"sort"
	"strings"
)

// Archive is a WACZ opened for import.
type Archive struct {
	zr     *zip.Reader
	hashes map[string]string // path → "sha256:<hex>" from datapackage.json
	sizes  map[string]int64  // path → bytes from datapackage.json
}

// WARC is a WARC file inside a WACZ.
type WARC struct {
	Name string // its name without folders, safe to use as a file name
	Path string // in the zip
	Hash string // as datapackage.json lists it; "" when not listed
	Size int64  // as the zip declares it
	want int64  // as datapackage.json lists it; -1 when not listed
	f    *zip.File
}

// Open reads the zip directory of a WACZ and its datapackage.json, if any.
func Open(ra io.ReaderAt, size int64) (*Archive, error) {
	zr, err := zip.NewReader(ra, size)
	if err != nil {
		return nil, fmt.Errorf("not a WACZ (zip) file: %v", err)
	}
	a := &Archive{zr: zr, hashes: map[string]string{}, sizes: map[string]int64{}}
	for _, f := range zr.File {
		if f.Name != "datapackage.json" {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return nil, fmt.Errorf("datapackage.json: %v", err)
		}
		var pkg Package
		err = json.NewDecoder(io.LimitReader(rc, maxJSON)).Decode(&pkg)
		rc.Close()
		if err != nil {
			return nil, fmt.Errorf("datapackage.json: %v", err)
		}
		for _, r := range pkg.Resources {
			a.hashes[r.Path] = r.Hash
			a.sizes[r.Path] = r.Bytes
		}
	}
	return a, nil
}

// WARCs lists the WARC files under archive/, by name.
func (a *Archive) WARCs() []WARC {
	var out []WARC
	for _, f := range a.zr.File {
		name := path.Base(f.Name)
		if !strings.HasPrefix(f.Name, "archive/") || strings.HasSuffix(f.Name, "/") || name == ".." || name == "." ||
			!(strings.HasSuffix(name, ".warc") || strings.HasSuffix(name, ".warc.gz")) {
			continue
		}
		out = append(out, WARC{Name: name, Path: f.Name, Hash: a.hashes[f.Name], Size: int64(f.UncompressedSize64),
			want: a.size(f.Name), f: f})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

// Open reads the WARC file's bytes, no more than datapackage.json lists.
func (w WARC) Open() (io.ReadCloser, error) { return openBounded(w.f, w.want) }

// size is the bytes datapackage.json lists for the file at path, -1 when it
// does not list it.
func (a *Archive) size(path string) int64 {
	if n, ok := a.sizes[path]; ok {
		return n
	}
	return -1
}

// openBounded opens a file of the zip to read at most want bytes, its size
// in datapackage.json (-1 when not listed: the zip reader stops at the size
// the zip declares). A small compressed entry may declare, and expand to,
// any size: one whose declared size is not datapackage.json's is refused
// before a byte of it is read.
func openBounded(f *zip.File, want int64) (io.ReadCloser, error) {
	if want >= 0 && f.UncompressedSize64 != uint64(want) {
		return nil, fmt.Errorf("the zip declares %d bytes uncompressed, datapackage.json says %d", f.UncompressedSize64, want)
	}
	rc, err := f.Open()
	if err != nil || want < 0 {
		return rc, err
	}
	return &bounded{ReadCloser: rc, want: want, left: want}, nil
}

// bounded fails a read past want bytes.
type bounded struct {
	io.ReadCloser
	want, left int64
}

func (b *bounded) Read(p []byte) (int, error) {
	if int64(len(p)) > b.left+1 {
		p = p[:b.left+1]
	}
	n, err := b.ReadCloser.Read(p)
	b.left -= int64(n)
	if b.left < 0 {
		return n, fmt.Errorf("more than the %d bytes datapackage.json says", b.want)
	}
	return n, err
}

// Pages calls fn with every page of pages/pages.jsonl (none when it is
// missing). Lines that are no page are skipped.
func (a *Archive) Pages(fn func(Page) error) error {
	for _, f := range a.zr.File {
		if f.Name != PagesPath {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return fmt.Errorf("%s: %v", PagesPath, err)
		}
		defer rc.Close()
		return readPages(rc, fn, func(int, error) {})
	}
	return nil
}

// pagesHash is the SHA-256 of pages/pages.jsonl ("" when there is none).
func (a *Archive) pagesHash() (string, error) {
	for _, f := range a.zr.File {
		if f.Name == PagesPath {
			_, sum, err := hashFile(f, a.size(f.Name))
			return sum, err
		}
	}
	return "", nil
}
