package wacz

import (
	"archive/zip"
	"bufio"
	"crypto/ecdsa"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path"
	"time"

	"github.com/vellumhq/vellum/warc"
)

// Version is the WACZ version written.
const Version = "1.1.1"

// Options are a Writer's settings. The zero value works: no title, the
// system's temporary folder, the clock's time.
type Options struct {
	Title    string
	Software string    // "" means "vellum"
	Created  time.Time // zero means now
	// TempDir holds the spools of the index and pages while writing ("" means
	// the system's temporary folder).
	TempDir string
	// SignKey, when set, signs datapackage-digest.json (sign.go).
	SignKey *ecdsa.PrivateKey
	// CompressIndexOver is the size of the CDXJ index above which it is
	// written in its compressed, block-indexed form (indexes/index.cdx.gz and
	// index.idx); 0 means 4 MiB, a negative value always.
	CompressIndexOver int64
}

// Resource is a file of the WACZ as datapackage.json lists it.
type Resource struct {
	Name  string `json:"name"`
	Path  string `json:"path"`
	Hash  string `json:"hash"` // "sha256:<hex>"
	Bytes int64  `json:"bytes"`
}

// Writer writes a WACZ file to a stream, one file of the zip at a time: the
// WARC files first (CreateWARC), then, at Close, the index, the pages and
// the manifests. It is not safe for concurrent use.
type Writer struct {
	opts      Options
	zw        *zip.Writer
	resources []Resource
	cdxj      *spool // unsorted CDXJ lines
	pages     *spool // pages.jsonl lines after the header
	open      *WARCFile
	names     map[string]bool
	line      []byte
	closed    bool
}

// NewWriter starts a WACZ written to out.
func NewWriter(out io.Writer, opts Options) (*Writer, error) {
	if opts.Software == "" {
		opts.Software = "vellum"
	}
	if opts.Created.IsZero() {
		opts.Created = time.Now()
	}
	cdxj, err := newSpool(opts.TempDir, "wacz-index-*")
	if err != nil {
		return nil, err
	}
	pages, err := newSpool(opts.TempDir, "wacz-pages-*")
	if err != nil {
		cdxj.remove()
		return nil, err
	}
	return &Writer{opts: opts, zw: zip.NewWriter(out), cdxj: cdxj, pages: pages, names: map[string]bool{}}, nil
}

// WARCFile is a WARC file being written into the WACZ under archive/.
type WARCFile struct {
	w    *Writer
	name string
	dst  io.Writer
	h    hash.Hash
	n    int64
}

// CreateWARC starts the WARC file archive/name (name without folders). Copy
// its bytes into the returned file and Add the entry of every record to
// index, then Close it before creating another file.
func (w *Writer) CreateWARC(name string) (*WARCFile, error) {
	if w.open != nil {
		return nil, errors.New("wacz: a WARC file is still open")
	}
	if name == "" || path.Base(name) != name || w.names[name] {
		return nil, fmt.Errorf("wacz: bad or repeated WARC name %q", name)
	}
	dst, err := w.create("archive/"+name, zip.Store)
	if err != nil {
		return nil, err
	}
	w.names[name] = true
	w.open = &WARCFile{w: w, name: name, dst: dst, h: sha256.New()}
	return w.open, nil
}

// Name is the file's name under archive/: the filename of its CDXJ lines.
func (f *WARCFile) Name() string { return f.name }

// Offset is the number of bytes written so far: the offset of the next record.
func (f *WARCFile) Offset() int64 { return f.n }

func (f *WARCFile) Write(p []byte) (int, error) {
	n, err := f.dst.Write(p)
	f.h.Write(p[:n])
	f.n += int64(n)
	return n, err
}

// Add indexes a record of the file: e's Offset and Length are its place in
// this file. Only captures (responses, revisits, resources) get a line, and
// only records reachable alone (not sharing a gzip member).
func (f *WARCFile) Add(e warc.Entry) error {
	if !warc.Indexed(e) || e.Length <= 0 {
		return nil
	}
	e.Filename = f.name
	line, err := e.CDXJ()
	if err != nil {
		return nil // no SURT key: nothing can look it up
	}
	return f.w.cdxj.writeLine(line)
}

// Close ends the file and records its hash and size.
func (f *WARCFile) Close() error {
	if f.w.open != f {
		return errors.New("wacz: WARC file closed twice")
	}
	f.w.open = nil
	f.w.resources = append(f.w.resources, Resource{Name: f.name, Path: "archive/" + f.name,
		Hash: "sha256:" + hex.EncodeToString(f.h.Sum(nil)), Bytes: f.n})
	return nil
}

// create starts a file of the zip.
func (w *Writer) create(name string, method uint16) (io.Writer, error) {
	if w.closed {
		return nil, errors.New("wacz: writer closed")
	}
	fw, err := w.zw.CreateHeader(&zip.FileHeader{Name: name, Method: method, Modified: w.opts.Created})
	if err != nil {
		return nil, fmt.Errorf("wacz: %s: %w", name, err)
	}
	return fw, nil
}

// addFile writes a whole file of the zip from r and lists it.
func (w *Writer) addFile(name string, method uint16, r io.Reader) (Resource, error) {
	fw, err := w.create(name, method)
	if err != nil {
		return Resource{}, err
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(fw, h), r)
	if err != nil {
		return Resource{}, fmt.Errorf("wacz: write %s: %w", name, err)
	}
	return Resource{Name: path.Base(name), Path: name, Hash: "sha256:" + hex.EncodeToString(h.Sum(nil)), Bytes: n}, nil
}

// Close writes the index, pages/pages.jsonl, datapackage.json and
// datapackage-digest.json, and ends the zip. It does not close the stream.
func (w *Writer) Close() error {
	if w.closed {
		return nil
	}
	defer w.cdxj.remove()
	defer w.pages.remove()
	if w.open != nil {
		return errors.New("wacz: close with a WARC file still open")
	}
	if err := w.writeIndex(); err != nil {
		return err
	}
	if err := w.writePages(); err != nil {
		return err
	}
	pkg, err := json.MarshalIndent(w.manifest(), "", "  ")
	if err != nil {
		return err
	}
	if _, err := w.addFile("datapackage.json", zip.Deflate, bytesReader(pkg)); err != nil {
		return err
	}
	dg, err := digestOf(pkg, w.opts)
	if err != nil {
		return err
	}
	if _, err := w.addFile("datapackage-digest.json", zip.Deflate, bytesReader(dg)); err != nil {
		return err
	}
	w.closed = true
	if err := w.zw.Close(); err != nil {
		return fmt.Errorf("wacz: finish zip: %w", err)
	}
	return nil
}

// Abort ends a WACZ that will not be finished: it removes the temporary
// spools, and writes nothing more. It may follow Close, and does nothing then.
func (w *Writer) Abort() {
	if w.closed {
		return
	}
	w.closed = true
	w.cdxj.remove()
	w.pages.remove()
}

// Package is datapackage.json.
type Package struct {
	Profile     string     `json:"profile"`
	WACZVersion string     `json:"wacz_version"`
	Title       string     `json:"title,omitempty"`
	Software    string     `json:"software"`
	Created     string     `json:"created"`
	Resources   []Resource `json:"resources"`
}

func (w *Writer) manifest() Package {
	return Package{Profile: "data-package", WACZVersion: Version, Title: w.opts.Title, Software: w.opts.Software,
		Created: w.opts.Created.UTC().Format(time.RFC3339), Resources: w.resources}
}

// spool is a temporary file of lines.
type spool struct {
	f    *os.File
	w    *bufio.Writer
	size int64
	n    int64 // lines
}

func newSpool(dir, pattern string) (*spool, error) {
	f, err := os.CreateTemp(dir, pattern)
	if err != nil {
		return nil, fmt.Errorf("wacz: %w", err)
	}
	return &spool{f: f, w: bufio.NewWriterSize(f, 64<<10)}, nil
}

func (s *spool) writeLine(line string) error {
	n, err := s.w.WriteString(line)
	if err == nil {
		err = s.w.WriteByte('\n')
	}
	s.size += int64(n) + 1
	s.n++
	if err != nil {
		return fmt.Errorf("wacz: spool: %w", err)
	}
	return nil
}

// reader flushes the spool and reads it from its start.
func (s *spool) reader() (*io.SectionReader, error) {
	if err := s.w.Flush(); err != nil {
		return nil, fmt.Errorf("wacz: spool: %w", err)
	}
	return io.NewSectionReader(s.f, 0, s.size), nil
}

func (s *spool) remove() {
	_ = s.f.Close()
	_ = os.Remove(s.f.Name())
}
