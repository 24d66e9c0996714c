// Package layout is the one place that names what an archive folder holds:
// the index (vellum.db), the WARC and CDXJ files in date folders
// (warcs/YYYY/MM/DD/), and the run summaries and locks (runs/). It is given
// an archive folder (or a time) and returns paths and names; index, capture
// and cmd/vellum build every archive path with it. warc imports nothing of
// ours, so its callers hand it the folders computed here.
package layout
