// Package replay serves archived captures over HTTP at Wayback-style URLs
// (/web/<timestamp><modifier>/<url>), with rewriting, Memento headers and a
// CDX API.
//
// The server arrives with the "Replay" issue.
package replay
