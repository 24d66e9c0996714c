package warc

import (
	"bufio"
	"bytes"
	"io"
)

// chunkCheckWindow is how much of a chunked body NewDechunkReader looks at
// before deciding whether it is in chunks at all.
const chunkCheckWindow = 16 << 10

// NewDechunkReader returns a reader of the entity of an HTTP body sent with
// "Transfer-Encoding: chunked", read from r (the bytes after the header):
// chunk framing removed, trailer dropped. A body that is not in chunks —
// its framing breaks, or it ends, before its first chunk is complete, as in records
// written by tools that stored the body de-chunked but kept the header
// (pywb issue 584) — is read as stored, from its first byte. Framing that
// breaks after a complete chunk passes the rest through unchanged, as the
// payload digest is computed. Bare LF is accepted where CRLF belongs.
// When the first chunk is longer than 16 KiB its framing is trusted.
func NewDechunkReader(r io.Reader) io.Reader {
	br := bufio.NewReaderSize(r, chunkCheckWindow)
	head, err := br.Peek(chunkCheckWindow)
	var probe dechunker
	probe.w = io.Discard
	_, _ = probe.Write(head)
	if probe.notChunks(err != nil) {
		return br
	}
	d := &dechunkReader{src: br, buf: make([]byte, 4<<10)}
	d.chunk.w = &d.out
	return d
}

// dechunkReader removes chunk framing while reading.
type dechunkReader struct {
	src   io.Reader
	chunk dechunker // writes into out
	out   bytes.Buffer
	buf   []byte
	err   error
}

func (d *dechunkReader) Read(p []byte) (int, error) {
	for d.out.Len() == 0 {
		if d.err != nil {
			return 0, d.err
		}
		if d.chunk.st == csDone {
			return 0, io.EOF // what follows the trailer is not the entity
		}
		n, err := d.src.Read(d.buf)
		_, _ = d.chunk.Write(d.buf[:n])
		if err != nil {
			d.err = err
		}
	}
	return d.out.Read(p)
}
