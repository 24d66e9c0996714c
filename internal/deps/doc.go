// Package deps holds no code: its test checks the direction of the imports
// between Vellum's packages (DESIGN.md §3) with `go list`, so that a change
// that makes warc import index, or replay import capture, fails `make test`
// instead of waiting for a reviewer to notice.
package deps
