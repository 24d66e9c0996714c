package warc

import (
	"bytes"
	"strconv"
	"strings"
)

const (
	// maxHTTPHeader bounds the HTTP header parsed inside a block; a longer header
	// counts as one that never completed.
	maxHTTPHeader = 1 << 20
	// maxHTTPLine bounds how much of one header line is kept for parsing.
	maxHTTPLine = 8 << 10
)

// httpHead parses an HTTP message header fed in any slicing. It keeps only what
// an index needs: the status, the media type and whether the body is chunked.
type httpHead struct {
	n       int    // header bytes consumed
	line    []byte // current line, capped at maxHTTPLine
	lines   int    // complete lines seen
	done    bool   // the blank line ending the header was seen
	failed  bool   // the header exceeded maxHTTPHeader
	status  int
	mime    string
	chunked bool
}

// feed consumes header bytes from p and returns how many belonged to the header;
// once done, the rest of p is the start of the body.
func (h *httpHead) feed(p []byte) int {
	i := 0
	for i < len(p) && !h.done && !h.failed {
		seg := p[i:]
		j := bytes.IndexByte(seg, '\n')
		if j >= 0 {
			seg = seg[:j+1]
		}
		if h.n+len(seg) > maxHTTPHeader {
			h.failed = true
			return len(p)
		}
		h.n += len(seg)
		i += len(seg)
		if room := maxHTTPLine - len(h.line); room > 0 {
			h.line = append(h.line, seg[:min(room, len(seg))]...)
		}
		if j >= 0 {
			h.endLine()
		}
	}
	return i
}

func (h *httpHead) endLine() {
	line := strings.TrimRight(string(h.line), "\r\n")
	h.line = h.line[:0]
	if line == "" {
		h.done = true
		h.line = nil
		return
	}
	h.lines++
	if h.lines == 1 {
		h.status = parseStatusLine(line)
		return
	}
	name, value, ok := strings.Cut(line, ":")
	if !ok {
		return
	}
	name = strings.TrimSpace(name)
	value = strings.TrimSpace(value)
	switch {
	case strings.EqualFold(name, "Content-Type"):
		if h.mime == "" {
			h.mime = mediaType(value)
		}
	case strings.EqualFold(name, "Transfer-Encoding"):
		codings := strings.Split(value, ",")
		h.chunked = strings.EqualFold(strings.TrimSpace(codings[len(codings)-1]), "chunked")
	}
}

// Status returns the parsed status once the header completed, else 0.
func (h *httpHead) Status() int {
	if !h.done {
		return 0
	}
	return h.status
}

// MIME returns the parsed media type once the header completed, else "".
func (h *httpHead) MIME() string {
	if !h.done {
		return ""
	}
	return h.mime
}

// parseStatusLine returns the status code of "HTTP/1.1 200 OK", or 0 for
// anything else (a request line, garbage).
func parseStatusLine(line string) int {
	if !strings.HasPrefix(line, "HTTP/") {
		return 0
	}
	f := strings.Fields(line)
	if len(f) < 2 || len(f[1]) != 3 {
		return 0
	}
	n, err := strconv.Atoi(f[1])
	if err != nil || n < 100 {
		return 0
	}
	return n
}

// mediaType returns the lowercased media type of a Content-Type value, without
// parameters ("" when empty).
func mediaType(v string) string {
	mt, _, _ := strings.Cut(v, ";")
	return strings.ToLower(strings.TrimSpace(mt))
}
