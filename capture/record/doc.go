// Package record turns HTTP exchanges into exact WARC records: an exchange
// in, records out. Transport is an http.RoundTripper that dials through
// recording connections, so that a response record holds the status line,
// header case and order, chunk framing and Content-Encoding exactly as they
// crossed the wire (after TLS, before any HTTP parsing); a message too big
// for memory is spooled to an unlinked temporary file. It speaks HTTP/1.1
// only, never decompresses, and cuts a body at the per-URL Limits, saying
// why in WARC-Truncated.
//
// Seam: NewTransport(base *http.Transport, w RecordWriter) *Transport;
// Fetch (or RoundTrip) carries out a request and returns what came back
// and where it was written (Fetched). Recorder is the RecordWriter of a
// capture: NewRecorder(fw *warc.FileWriter, ix Indexer) writes each
// exchange as a request/response pair into rotating WARC files, or as a
// revisit when its payload equals the earlier capture a PriorFunc finds,
// and tells the Indexer what it wrote. Its user is the crawl engine,
// package capture, which supplies the index behind PriorFunc and Indexer;
// of Vellum's packages it imports warc only.
package record
