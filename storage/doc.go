// Package storage holds the Store interface through which Vellum keeps
// finished WARC and CDXJ files, and reads records back for replay. Its
// backends are storage/local (a directory) and, for S3-compatible object
// stores, storage/s3. Keys are slash-separated paths relative to the
// archive root, the same for every backend (DESIGN §2):
//
//	warcs/2026/11/25/20261125T083731Z-3f9a-00000.warc.gz
//
// Every backend passes the conformance suite in storage/storetest.
package storage
