package warc

import "io"

type chunkState uint8

const (
	csSize    chunkState = iota // hex digits of a chunk size
	csExt                       // chunk extension, up to LF
	csSizeLF                    // LF after the size line's CR
	csData                      // chunk data
	csDataCR                    // CR after chunk data
	csDataLF                    // LF after chunk data
	csTrailer                   // trailer fields after the last chunk
	csDone                      // after the trailer: ignored
	csBad                       // malformed framing: the rest passes through
)

// dechunker removes chunked transfer-coding from a body fed in any slicing and
// writes the entity to w. Bare LF is accepted where CRLF belongs. On malformed
// framing the offending byte and everything after it are written unchanged, so
// the outcome is deterministic for any input.
type dechunker struct {
	w      io.Writer
	st     chunkState
	size   int64 // size being parsed, then data bytes left in the chunk
	digits int
	tlen   int // length of the current trailer line
	chunks int // chunks whose framing was complete (the last chunk included)
}

func (c *dechunker) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		switch c.st {
		case csData:
			k := int(min(c.size, int64(len(p))))
			_, _ = c.w.Write(p[:k])
			p = p[k:]
			if c.size -= int64(k); c.size == 0 {
				c.st = csDataCR
			}
			continue
		case csBad:
			_, _ = c.w.Write(p)
			return n, nil
		case csDone:
			return n, nil
		}
		c.step(p[0])
		if c.st == csBad {
			continue // the offending byte passes through
		}
		p = p[1:]
	}
	return n, nil
}

// step advances the framing state machine by one byte outside chunk data.
func (c *dechunker) step(b byte) {
	switch c.st {
	case csSize:
		switch v := unhex(b); {
		case v >= 0:
			if c.digits == 15 {
				c.st = csBad
				return
			}
			c.size = c.size<<4 | int64(v)
			c.digits++
		case c.digits == 0:
			c.st = csBad
		case b == ';' || b == ' ' || b == '\t':
			c.st = csExt
		case b == '\r':
			c.st = csSizeLF
		case b == '\n':
			c.endSizeLine()
		default:
			c.st = csBad
		}
	case csExt:
		if b == '\n' {
			c.endSizeLine()
		}
	case csSizeLF:
		if b != '\n' {
			c.st = csBad
			return
		}
		c.endSizeLine()
	case csDataCR:
		switch b {
		case '\r':
			c.st = csDataLF
		case '\n':
			c.st, c.size, c.digits = csSize, 0, 0
			c.chunks++
		default:
			c.st = csBad
		}
	case csDataLF:
		if b != '\n' {
			c.st = csBad
			return
		}
		c.st, c.size, c.digits = csSize, 0, 0
		c.chunks++
	case csTrailer:
		switch {
		case b == '\n' && c.tlen == 0:
			c.st = csDone
		case b == '\n':
			c.tlen = 0
		case b != '\r':
			c.tlen++
		}
	}
}

func (c *dechunker) endSizeLine() {
	if c.size == 0 {
		c.st, c.tlen = csTrailer, 0
		c.chunks++
		return
	}
	c.st = csData
}

func unhex(b byte) int {
	switch {
	case '0' <= b && b <= '9':
		return int(b - '0')
	case 'a' <= b && b <= 'f':
		return int(b-'a') + 10
	case 'A' <= b && b <= 'F':
		return int(b-'A') + 10
	}
	return -1
}

// notChunks reports whether the body fed so far is not in chunks at all,
// although the header says "Transfer-Encoding: chunked": the framing broke,
// or (atEOF: the whole body was fed) the body ended, before any chunk was
// complete. pywb recorded responses so, keeping the header while storing
// the entity de-chunked (pywb issue 584). An empty body is not such a body.
func (c *dechunker) notChunks(atEOF bool) bool {
	if c.chunks > 0 {
		return false
	}
	return c.st == csBad || atEOF && !(c.st == csSize && c.digits == 0)
}
