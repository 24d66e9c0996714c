// Package postgres is the capture index on PostgreSQL, for a cluster: the
// same captures, pages, full-text search, run history, page changes,
// problems and upload state as the SQLite index of package index, shared
// by every crawl worker and replay node, which then keep no local state.
//
//	x, err := postgres.Open(ctx, "postgres://vellum@db/vellum")
//	defer x.Close()
//
// Seam: given a connection string, it returns an *Index with every method
// of index.Index (it is a capture.Index, a replay.Index and a
// storage.FileState, and passes index/indextest), taking and returning the
// index package's Capture, Page, Run, Change, Problem and SearchResults; a
// crawl writes through index.Batcher and index.FrontierWriter, which write
// their batches with WriteBatch and WriteFrontier. Open applies the schema's migrations (schema.go) under an
// advisory lock, so nodes starting together migrate once. Full-text search
// is PostgreSQL's own (search.go).
package postgres
