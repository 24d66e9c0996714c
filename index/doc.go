// Package index is Vellum's capture index: a SQLite database (vellum.db in the
// archive directory, named by internal/layout) that says, for every archived
// URL and time, which WARC file holds the record and at which offset, plus the
// article metadata of each captured page and a full-text index of it
// (Search, fulltext.go); and the run history (runs, the pages
// each run found changed, and a running run's frontier, for resuming it).
//
// The WARC files and their CDXJ files are the truth; the index is derived
// from them and Rebuild makes it again from the WARCs alone:
//
//	idx, err := index.Open(ctx, "archive/vellum.db")
//	if err != nil { ... }
//	defer idx.Close()
//	err = idx.Add(ctx, entries, pages)
//
// Seam: it is given warc.Entry values (from a Batcher fed by the capture's
// FileWriter, from WARC files, or from the CDXJ of a storage.Store), and
// returns Capture, Page, Run and Change structs, and SearchResults. capture
// writes to it; replay and cmd/vellum read it, each through the methods it
// needs. It is
// the storage.FileState that keeps the uploader's pending files, and
// SyncRemote imports the CDXJ files of a remote storage.Store. serve.Node
// owns the one a serving node opens (OpenArchive), and closes it after every
// loop using it has ended. index/postgres is the same index on PostgreSQL:
// Batcher, FrontierWriter, SyncRemoteInto and AddFileTo write to either,
// PlanLookup and PlanSearch read queries for both, and index/indextest is
// the suite both pass.
package index
