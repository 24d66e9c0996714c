package warctest

import (
	"bufio"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/nlnwa/gowarc/v3"
)

// Result is what gowarc found in one file.
type Result struct {
	Records  int      // records read whole
	Problems []string // one line per finding: "offset N (record ID): message"
}

// Valid reports whether gowarc found nothing wrong.
func (r Result) Valid() bool { return len(r.Problems) == 0 }

func (r Result) String() string {
	return fmt.Sprintf("records=%d problems=%d\n%s", r.Records, len(r.Problems), strings.Join(r.Problems, "\n"))
}

// options make gowarc validate everything it can: the record syntax, the
// WARC headers and the block and payload digests (all spec violations).
// Findings are collected (ErrWarn) rather than failing at the first
// (ErrFail) so that one finding can be set aside: see chunkedPayload. The
// HTTP content itself is not judged (the block error policy stays at
// ErrIgnore): a malformed server response is what was captured.
var options = []gowarc.WarcRecordOption{
	gowarc.WithSyntaxErrorPolicy(gowarc.ErrWarn),
	gowarc.WithSpecViolationPolicy(gowarc.ErrWarn),
	gowarc.WithUnknownRecordTypePolicy(gowarc.ErrWarn),
}

// Verify reads every record of the file at path with gowarc's validating
// reader. A gzipped file must hold one gzip member per record (what our
// writer makes): gowarc v3 reads only the first record of a member holding
// several and silently skips the rest, so Verify also counts the records
// of the decompressed file and reports a difference as a problem. Read a
// whole-file-gzipped WARC with VerifyGunzipped instead. The error is for a
// file that cannot be opened; everything wrong inside it is a problem.
func Verify(path string) (Result, error) {
	f, err := os.Open(path)
	if err != nil {
		return Result{}, err
	}
	defer f.Close()
	res := read(struct{ io.Reader }{f}) // gowarc's Close would close f
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return res, err
	}
	magic := make([]byte, 2)
	if _, err := io.ReadFull(f, magic); err != nil || magic[0] != 0x1f || magic[1] != 0x8b {
		return res, nil
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return res, err
	}
	// gowarc v3 ends quietly at a gzip member cut short (a truncated file
	// read 46 records and no problem): the gzip stream is checked to its end.
	if zr, err := gzip.NewReader(bufio.NewReader(f)); err != nil {
		res.Problems = append(res.Problems, "gzip: "+err.Error())
	} else if _, err := io.Copy(io.Discard, zr); err != nil {
		res.Problems = append(res.Problems, "gzip: "+err.Error()+" (the file is cut short or damaged)")
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return res, err
	}
	if whole := countGunzipped(f); whole > res.Records {
		res.Problems = append(res.Problems, fmt.Sprintf(
			"gowarc read %d records, the decompressed file holds %d: several records share a gzip member", res.Records, whole))
	}
	return res, nil
}

// VerifyGunzipped is the workaround for a whole-file-gzipped WARC (one gzip
// stream for many records, which gowarc v3 reads as its first record only):
// it decompresses the file as one stream and has gowarc read the plain WARC.
// A gzip error (a truncated or damaged file) is a problem.
func VerifyGunzipped(path string) (Result, error) {
	f, err := os.Open(path)
	if err != nil {
		return Result{}, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(bufio.NewReader(f))
	if err != nil {
		return Result{Problems: []string{"gzip: " + err.Error()}}, nil
	}
	return read(zr), nil
}

// read has gowarc read records from r until the end or a fatal error.
func read(r io.Reader) Result {
	var res Result
	wf, err := gowarc.NewWarcFileReaderFromStream(r, 0, options...)
	if err != nil {
		return Result{Problems: []string{err.Error()}}
	}
	defer wf.Close()
	for {
		rec, err := wf.Next()
		if errors.Is(err, io.EOF) && rec.WarcRecord == nil {
			return res
		}
		where := fmt.Sprintf("offset %d", rec.Offset)
		if rec.WarcRecord != nil {
			where += " (" + rec.WarcRecord.WarcHeader().Get(gowarc.WarcRecordID) + ")"
		}
		for _, v := range rec.Validation {
			if !chunkedPayload(rec.WarcRecord, v) {
				res.Problems = append(res.Problems, where+": "+v.Error())
			}
		}
		if err != nil {
			// A damaged record ends the reading: gowarc cannot find the next.
			res.Problems = append(res.Problems, where+": "+err.Error())
			_ = rec.Close()
			return res
		}
		res.Records++
		_ = rec.Close()
	}
}

// chunkedPayload reports whether finding v is a payload digest mismatch on a
// response sent with Transfer-Encoding: chunked. gowarc v3 digests such a
// payload with its chunk framing; our writer digests it de-chunked, as
// iipc/warc-specifications#22 asks (and as warcio and pywb expect), so gowarc
// flags spec-correct digests as wrong. Our own reader checks those digests;
// the block digest of such a record, which covers the bytes as sent, is
// still checked here.
func chunkedPayload(rec gowarc.WarcRecord, v error) bool {
	var de *gowarc.DigestError
	if rec == nil || !errors.As(v, &de) || !strings.HasPrefix(v.Error(), "payload:") {
		return false
	}
	b, ok := rec.Block().(gowarc.HttpResponseBlock)
	if !ok {
		return false
	}
	// The raw header, not HttpHeader(): net/http's parser drops
	// Transfer-Encoding from the header map.
	for line := range strings.Lines(string(b.ProtocolHeaderBytes())) {
		name, value, found := strings.Cut(line, ":")
		if found && strings.EqualFold(strings.TrimSpace(name), "Transfer-Encoding") &&
			strings.Contains(strings.ToLower(value), "chunked") {
			return true
		}
	}
	return false
}

// countGunzipped counts the records gowarc finds in the decompressed file
// (a multistream gzip reader joins the members), or -1 when the file does
// not decompress.
func countGunzipped(r io.Reader) int {
	zr, err := gzip.NewReader(bufio.NewReader(r))
	if err != nil {
		return -1
	}
	wf, err := gowarc.NewWarcFileReaderFromStream(zr, 0, gowarc.WithNoValidation())
	if err != nil {
		return -1
	}
	defer wf.Close()
	n := 0
	for {
		rec, err := wf.Next()
		if err != nil {
			return n
		}
		n++
		_ = rec.Close()
	}
}
