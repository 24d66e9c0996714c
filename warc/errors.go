package warc

import "errors"

// Sentinel errors. Errors returned by this package wrap them, so test with errors.Is.
var (
	// ErrTruncated reports a record cut short: the input ended inside its header,
	// its block or its gzip member.
	ErrTruncated = errors.New("warc: truncated record")
	// ErrMalformed reports bytes that are not a WARC record where one was expected:
	// a bad version line, header, Content-Length, gzip member or record end.
	ErrMalformed = errors.New("warc: malformed record")
	// ErrLocked reports an ".open" file still locked by a live writer.
	ErrLocked = errors.New("warc: file locked by a live writer")
	// ErrClosed reports a write to a closed FileWriter.
	ErrClosed = errors.New("warc: writer closed")
)
