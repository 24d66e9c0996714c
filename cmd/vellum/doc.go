// Command vellum captures web pages into WARC files, replays them in a
// browser at pywb-style URLs, runs scheduled preservation runs, verifies and
// indexes archives, and uploads them to S3-compatible storage.
//
// This package is flag parsing and wiring only (DESIGN.md §3): one file a
// subcommand (capture, run, serve, index, verify, upload, version), each
// turning its flags into the Config of the package that does the work
// (capture, capture/jobs, capture/upload, serve, replay, index, storage)
// and the package's results into lines on the terminal and an exit
// status. What the terminal shows is its own: the progress line
// (progress.go), the one-line errors and their exit codes (main.go), the
// origins serve listens on (origins.go). Nothing imports it.
package main
