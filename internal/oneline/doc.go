// Package oneline turns an error into its message on one line, for a log
// attribute or a line of a command's output: an error that joins others
// (errors.Join, a server's multi-line body) would otherwise break the line.
//
// Its seam: given an error, it returns a string. cmd/vellum, serve,
// capture/jobs and capture/upload use it; it imports nothing.
package oneline
