package wacz

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/vellumhq/vellum/warc"
)

// recordVerifier reads the record each index line points to.
type recordVerifier struct {
	v      *verifier
	stored map[string]bool // WARC files reported as unreadable by range
}

// check reads the record of one index line: it must be whole, have the
// line's URL and, when the line has one, its payload digest.
func (rv *recordVerifier) check(index string, n int, l warc.CDXJLine) {
	v := rv.v
	name := "archive/" + l.Fields["filename"]
	off, err1 := strconv.ParseInt(l.Fields["offset"], 10, 64)
	length, err2 := strconv.ParseInt(l.Fields["length"], 10, 64)
	if l.Fields["filename"] == "" || err1 != nil || err2 != nil || off < 0 || length <= 0 {
		v.bad(index, "line %d: no filename, offset or length", n)
		return
	}
	if rv.stored[name] {
		return
	}
	sr, err := v.section(name)
	if err != nil {
		rv.stored[name] = true
		v.bad(index, "line %d: %v", n, err)
		return
	}
	v.st.Records++
	at := fmt.Sprintf("record at offset %d (index line %d)", off, n)
	if length > sr.Size() || off > sr.Size()-length {
		v.bad(name, "%s: ends past the file's %d bytes", at, sr.Size())
		return
	}
	rec, err := warc.ReadRecordAt(sr, off, length)
	if err != nil {
		v.bad(name, "%s: %v", at, err)
		return
	}
	target := rec.Header.Get("WARC-Target-URI")
	target = strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(target), "<"), ">")
	if u := l.Fields["url"]; u != "" && target != u {
		v.bad(name, "%s: is of %s, the index says %s", at, target, u)
	}
	if d := l.Fields["digest"]; d != "" {
		if got := rec.Header.Get("WARC-Payload-Digest"); !digestsEqual(got, d) {
			v.bad(name, "%s: payload digest %s, the index says %s", at, got, d)
		}
	}
	if _, err := io.Copy(io.Discard, rec.Block); err != nil {
		v.bad(name, "%s: %v", at, err)
	}
}

// digestsEqual compares digests as "algo:value", the algorithm's case aside.
func digestsEqual(a, b string) bool {
	aa, av, _ := strings.Cut(a, ":")
	ba, bv, _ := strings.Cut(b, ":")
	return strings.EqualFold(aa, ba) && av == bv
}
