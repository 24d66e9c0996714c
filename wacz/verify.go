package wacz

import (
	"archive/zip"
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/vellumhq/vellum/warc"
)

// Problem is one thing wrong with a WACZ, named by the file of the zip it
// concerns ("" for the zip itself).
type Problem struct {
	Path string
	Msg  string
}

func (p Problem) String() string {
	if p.Path == "" {
		return p.Msg
	}
	return p.Path + ": " + p.Msg
}

// Stats says what Verify checked.
type Stats struct {
	Files, Records, Pages int
	Signed                bool   // an anonymous signature that verifies
	Signer                string // its key's Fingerprint
	// Unchecked says why a signature was not checked ("" when there is
	// none, or it was): a domain signature needs its certificate chain and
	// a timestamp authority, which verify does not reach.
	Unchecked string
}

// maxJSON bounds the manifests read into memory.
const maxJSON = 64 << 20

// Verify checks a WACZ: that it is a zip; that every file datapackage.json
// lists is there with its size and SHA-256, and nothing else;
// datapackage-digest.json's hash of datapackage.json and its signature when
// present; that each index line's offset and length read a record with its
// URL and digest from a WARC stored uncompressed; and that every page of
// pages.jsonl has a capture in the index. It calls fn once per problem. The
// error is for a file that is not a zip at all, or that cannot be read.
func Verify(ra io.ReaderAt, size int64, fn func(Problem)) (Stats, error) {
	var st Stats
	zr, err := zip.NewReader(ra, size)
	if err != nil {
		return st, fmt.Errorf("not a WACZ (zip) file: %v", err)
	}
	v := &verifier{ra: ra, zr: zr, files: map[string]*zip.File{}, fn: fn, st: &st}
	for _, f := range zr.File {
		if v.files[f.Name] != nil {
			v.bad(f.Name, "appears twice in the zip")
		}
		v.files[f.Name] = f
	}
	pkg := v.checkPackage()
	v.checkDigest(pkg)
	pages := v.readPageURLs()
	v.checkIndex(pages)
	var missing []string
	for _, u := range pages {
		if !u.found {
			missing = append(missing, fmt.Sprintf("line %d: %s has no capture in the index", u.line, u.url))
		}
	}
	sort.Strings(missing)
	for _, m := range missing {
		v.bad(PagesPath, "%s", m)
	}
	return st, nil
}

type verifier struct {
	ra    io.ReaderAt
	zr    *zip.Reader
	files map[string]*zip.File
	fn    func(Problem)
	st    *Stats
}

func (v *verifier) bad(path, format string, args ...any) {
	v.fn(Problem{Path: path, Msg: fmt.Sprintf(format, args...)})
}

// readAll reads a small file of the zip whole.
func (v *verifier) readAll(name string) ([]byte, bool) {
	f := v.files[name]
	if f == nil {
		return nil, false
	}
	rc, err := f.Open()
	if err != nil {
		v.bad(name, "%v", err)
		return nil, false
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, maxJSON))
	if err != nil {
		v.bad(name, "%v", err)
		return nil, false
	}
	return b, true
}

// checkPackage checks every file datapackage.json lists, and returns its bytes.
func (v *verifier) checkPackage() []byte {
	b, ok := v.readAll("datapackage.json")
	if !ok {
		if v.files["datapackage.json"] == nil {
			v.bad("datapackage.json", "missing")
		}
		return nil
	}
	var pkg Package
	if err := json.Unmarshal(b, &pkg); err != nil {
		v.bad("datapackage.json", "not JSON: %v", err)
		return b
	}
	if pkg.WACZVersion == "" {
		v.bad("datapackage.json", "no wacz_version")
	}
	listed := map[string]bool{"datapackage.json": true, "datapackage-digest.json": true}
	for _, r := range pkg.Resources {
		listed[r.Path] = true
		v.st.Files++
		f := v.files[r.Path]
		if f == nil {
			v.bad(r.Path, "listed in datapackage.json but not in the zip")
			continue
		}
		n, sum, err := hashFile(f, r.Bytes)
		switch {
		case err != nil:
			v.bad(r.Path, "%v", err)
		case n != r.Bytes:
			v.bad(r.Path, "%d bytes, datapackage.json says %d", n, r.Bytes)
		case !strings.EqualFold(sum, r.Hash):
			v.bad(r.Path, "%s does not match the hash in datapackage.json (%s): the file was changed", sum, r.Hash)
		}
	}
	for _, f := range v.zr.File {
		if !listed[f.Name] && !strings.HasSuffix(f.Name, "/") {
			v.bad(f.Name, "not listed in datapackage.json")
		}
	}
	return b
}

// hashFile hashes a file of the zip, reading no more than want bytes (its
// size in datapackage.json; -1 when not listed).
func hashFile(f *zip.File, want int64) (int64, string, error) {
	rc, err := openBounded(f, want)
	if err != nil {
		return 0, "", err
	}
	defer rc.Close()
	h := sha256.New()
	n, err := io.Copy(h, rc)
	if err != nil {
		return n, "", err
	}
	return n, "sha256:" + hex.EncodeToString(h.Sum(nil)), nil
}

// checkDigest checks datapackage-digest.json against datapackage.json and
// its signature when it carries one.
func (v *verifier) checkDigest(pkg []byte) {
	const name = "datapackage-digest.json"
	b, ok := v.readAll(name)
	if !ok || pkg == nil {
		return
	}
	var d Digest
	if err := json.Unmarshal(b, &d); err != nil {
		v.bad(name, "not JSON: %v", err)
		return
	}
	sum := sha256.Sum256(pkg)
	want := "sha256:" + hex.EncodeToString(sum[:])
	if !strings.EqualFold(d.Hash, want) {
		v.bad(name, "hash %s is not that of datapackage.json (%s)", d.Hash, want)
	}
	if d.SignedData == nil {
		return
	}
	sd := *d.SignedData
	if sd.PublicKey == "" {
		if sd.DomainCert == "" {
			// Nothing names the signer: anyone could have written it.
			v.bad(name, "signedData has neither a publicKey nor a domainCert: the signature names no signer")
			return
		}
		v.st.Unchecked = "a domain signature (certificate chain for " + sd.Domain + "), not checked"
		return
	}
	if !strings.EqualFold(sd.Hash, want) {
		v.bad(name, "signedData signs hash %s, not that of datapackage.json (%s)", sd.Hash, want)
	}
	if err := CheckSignature(sd); err != nil {
		v.bad(name, "signedData: %v", err)
		return
	}
	v.st.Signed = strings.EqualFold(sd.Hash, want)
	v.st.Signer = Fingerprint(sd.PublicKey)
}

// pageURL is a page of pages.jsonl, found or not in the index.
type pageURL struct {
	url   string
	line  int
	found bool
}

// readPageURLs reads the pages of pages.jsonl by SURT key.
func (v *verifier) readPageURLs() map[string]*pageURL {
	pages := map[string]*pageURL{}
	f := v.files[PagesPath]
	if f == nil {
		return pages
	}
	rc, err := f.Open()
	if err != nil {
		v.bad(PagesPath, "%v", err)
		return pages
	}
	defer rc.Close()
	line := 0
	err = readPages(rc, func(p Page) error {
		line++
		v.st.Pages++
		key, err := warc.SURT(p.URL)
		if err != nil {
			v.bad(PagesPath, "%s: %v", p.URL, err)
			return nil
		}
		if pages[key] == nil {
			pages[key] = &pageURL{url: p.URL, line: line + 1}
		}
		return nil
	}, func(n int, err error) { v.bad(PagesPath, "line %d: %v", n, err) })
	if err != nil {
		v.bad(PagesPath, "%v", err)
	}
	return pages
}

// checkIndex reads every index line and the record it points to.
func (v *verifier) checkIndex(pages map[string]*pageURL) {
	rv := &recordVerifier{v: v, stored: map[string]bool{}}
	found := false
	for _, f := range v.zr.File {
		if !strings.HasPrefix(f.Name, "indexes/") {
			continue
		}
		switch {
		case strings.HasSuffix(f.Name, ".cdxj") || strings.HasSuffix(f.Name, ".cdx"):
			found = true
			rc, err := f.Open()
			if err != nil {
				v.bad(f.Name, "%v", err)
				continue
			}
			v.scanLines(f.Name, rc, rv, pages)
			rc.Close()
		case strings.HasSuffix(f.Name, ".idx"):
			found = true
			v.checkBlocks(f, rv, pages)
		}
	}
	if !found {
		v.bad("indexes/", "no index (index.cdxj, or index.idx with index.cdx.gz)")
	}
}

func (v *verifier) scanLines(name string, r io.Reader, rv *recordVerifier, pages map[string]*pageURL) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if line == "" || line[0] == '!' {
			continue
		}
		l, err := warc.ParseCDXJ(line)
		if err != nil {
			v.bad(name, "line %d: %v", n, err)
			continue
		}
		if p := pages[l.URLKey]; p != nil {
			p.found = true
		}
		rv.check(name, n, l)
	}
	if err := sc.Err(); err != nil {
		v.bad(name, "%v", err)
	}
}

// checkBlocks reads the compressed index: every block index.idx lists.
func (v *verifier) checkBlocks(idx *zip.File, rv *recordVerifier, pages map[string]*pageURL) {
	rc, err := idx.Open()
	if err != nil {
		v.bad(idx.Name, "%v", err)
		return
	}
	defer rc.Close()
	sc := bufio.NewScanner(rc)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if line == "" || line[0] == '!' {
			continue
		}
		b, err := parseIdxLine(line)
		if err != nil {
			v.bad(idx.Name, "line %d: %v", n, err)
			continue
		}
		l, _ := warc.ParseCDXJ(line)
		gzName := "indexes/" + l.Fields["filename"]
		sr, err := v.section(gzName)
		if err != nil {
			v.bad(idx.Name, "line %d: %v", n, err)
			continue
		}
		if b.offset > sr.Size() || b.length > sr.Size()-b.offset {
			v.bad(gzName, "block at %d+%d: past the file's %d bytes", b.offset, b.length, sr.Size())
			continue
		}
		blk := make([]byte, b.length)
		if _, err := sr.ReadAt(blk, b.offset); err != nil {
			v.bad(gzName, "block at %d+%d: %v", b.offset, b.length, err)
			continue
		}
		if b.digest != "" {
			sum := sha256.Sum256(blk)
			if got := "sha256:" + hex.EncodeToString(sum[:]); got != b.digest {
				v.bad(gzName, "block at %d: %s, index.idx says %s", b.offset, got, b.digest)
				continue
			}
		}
		zr, err := gzip.NewReader(bytes.NewReader(blk))
		if err != nil {
			v.bad(gzName, "block at %d: %v", b.offset, err)
			continue
		}
		v.scanLines(gzName+" block at "+strconv.FormatInt(b.offset, 10), zr, rv, pages)
	}
}

// section is the bytes of a file stored uncompressed in the zip, where a
// range can be read.
func (v *verifier) section(name string) (*io.SectionReader, error) {
	f := v.files[name]
	if f == nil {
		return nil, fmt.Errorf("%s is not in the zip", name)
	}
	if f.Method != zip.Store {
		return nil, fmt.Errorf("%s is compressed in the zip: its ranges cannot be read", name)
	}
	off, err := f.DataOffset()
	if err != nil {
		return nil, err
	}
	return io.NewSectionReader(v.ra, off, int64(f.CompressedSize64)), nil
}
