// Package storage holds the Store interface that puts finished WARC and CDXJ
// files somewhere durable, and its backends: storage/local for a directory
// and storage/s3 for S3-compatible object stores.
//
// The backends arrive with the "S3 storage" issue; the capture core writes
// to the local archive directory directly.
package storage
