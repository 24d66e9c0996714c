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
}

// WARC is a WARC file inside a WACZ.
type WARC struct {
	Name string // its name without folders, safe to use as a file name
	Path string // in the zip
	Hash string // as datapackage.json lists it; "" when not listed
	Size int64
	f    *zip.File
}

// Open reads the zip directory of a WACZ and its datapackage.json, if any.
func Open(ra io.ReaderAt, size int64) (*Archive, error) {
	zr, err := zip.NewReader(ra, size)
	if err != nil {
		return nil, fmt.Errorf("not a WACZ (zip) file: %v", err)
	}
	a := &Archive{zr: zr, hashes: map[string]string{}}
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
		out = append(out, WARC{Name: name, Path: f.Name, Hash: a.hashes[f.Name], Size: int64(f.UncompressedSize64), f: f})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

// Open reads the WARC file's bytes.
func (w WARC) Open() (io.ReadCloser, error) { return w.f.Open() }

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
			_, sum, err := hashFile(f)
			return sum, err
		}
	}
	return "", nil
}
