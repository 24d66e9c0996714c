// Package storage holds the Store interface through which Vellum keeps
// finished WARC and CDXJ files, and reads records back for replay. Its
// backends are storage/local (a directory) and, for S3-compatible object
// stores, storage/s3. Keys are slash-separated paths relative to the
// archive root, the same for every backend (DESIGN §2):
//
//	warcs/2026/11/25/20261125T083731Z-3f9a-00000.warc.gz
//
// Beside the interface it holds what works on any Store: Layered (the local
// archive read first, a remote store for what it lacks), Lazy (a store
// connected on first use, so one that is down at start is used once it
// answers) and the Uploader, which moves finished files to a remote
// FilePutter and keeps their pending state in a FileState (the index).
//
// Seam: it imports nothing of Vellum's; backends and callers import it.
// replay reads records through a Store, capture reads a resumed run's
// records through one, index imports remote CDXJ files from one, and
// cmd/vellum and serve wire the backends together. Every backend and
// wrapper passes the conformance suite in storage/storetest.
package storage
