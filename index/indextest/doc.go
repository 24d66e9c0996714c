// Package indextest is the conformance suite every implementation of the
// capture index must pass (SQLite in package index, PostgreSQL in
// index/postgres): the semantics users depend on, written as tests —
// pywb-style closest lookups, prefix, host and domain listings, revisits
// found with their originals, a run's retried attempts hidden behind the
// final one, pages and full-text search, the run history, page changes,
// skipped and failed URLs, and the upload state of files.
//
// Seam: an implementation's test calls Run with a constructor of empty
// indexes (Index, the methods the suite covers); Run reports through the
// *testing.T it is given.
//
//	func TestConformance(t *testing.T) {
//		indextest.Run(t, func(t *testing.T) indextest.Index { ... })
//	}
package indextest
