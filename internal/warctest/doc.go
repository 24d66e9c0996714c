// Package warctest is for tests only: it reads WARC files with an
// implementation that is not ours, nlnwa/gowarc v3's validating reader, so
// that a file our `warc` package wrote is checked by an independent reader.
// It is given a file path and returns the records read and each problem
// found; the tests of `warc` and `cmd/vellum` use it. No non-test package may
// import it (it brings gowarc into the build).
package warctest
