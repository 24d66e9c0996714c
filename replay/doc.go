// Package replay serves an archive over HTTP as pywb and the Wayback Machine
// do: mementos at /web/<timestamp><modifier>/<url> (HTML and CSS rewritten so
// every URL stays in the archive, raw bytes with id_), Memento TimeGates and
// TimeMaps (RFC 7089), calendars, the CDX API (/web/cdx), and the UI pages
// (search, recent pages, runs and their changes, and Save Page Now: sign in
// with an API token, queue a capture, follow it to its replay).
//
// Seam: NewServer is given the capture index through the small Index
// interface it reads (*index.Index is one), a storage.Store whose keys are
// the index's file names, and Options (origins, banner, a RunLive func
// injected by the caller, since replay never imports capture; SaveNow, the
// capture queue as the Save Page Now form needs it, likewise). It returns a
// *Server, the http.Handler of the UI origin; ContentHandler serves archived
// content from an origin of its own. CDXHandler alone needs only a Lookuper.
// cmd/vellum's serve wires them.
package replay
