// Package warc reads and writes WARC/1.1 files (ISO 28500), the format Vellum
// archives web pages in.
//
// Writing: FileWriter writes records into rotating files in the folders its
// caller names (FileWriterConfig.Dir; Vellum's are the archive's
// warcs/YYYY/MM/DD/ of internal/layout), one gzip member per record, with
// sha256 block and payload digests (the payload digest over the de-chunked,
// still content-encoded HTTP entity), a warcinfo record first in each file,
// and a CDXJ index beside each finished file. Files are written as ".open"
// under an exclusive lock, through a buffer that reaches the file within a
// second; RepairOpenFiles trims and closes those left by a crash. Writer is
// the underlying single-stream writer.
//
// Reading: Reader reads files written by any tool (WARC/1.0 or 1.1, plain or
// gzipped, one or many records per gzip member, target URIs in angle brackets),
// EntryOf and ScanFile describe records for an index, ReadRecordAt reads one
// record for replay, and VerifyFile checks framing and digests.
//
// Indexing: SURT, Entry.CDXJ and ParseCDXJ produce and parse pywb-compatible
// CDXJ lines; Timestamp14, ParseTimestamp14 and PadTimestamp (pywb's padding
// of a 0–14 digit request timestamp) are the one home of 14-digit timestamps.
//
// Seam: it imports nothing of Vellum's. It is given Records and folders, and
// returns Entry structs (one per record written or read) that index stores and
// capture and replay use. The package does no logging; errors wrap
// ErrTruncated, ErrMalformed, ErrLocked or ErrClosed where they apply.
package warc
