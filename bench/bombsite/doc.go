// Command bombsite serves the hostile pages of internal/testsite (gzip bombs,
// a page of links of any size, deeply nested divs) on loopback, for
// bench/bombs.sh to measure what `vellum capture` spends on them.
//
//	bombsite -addr 127.0.0.1:0
//
// prints its listen address (host:port) as the first line on stdout, then
// serves /gzip-bomb?size=N, /links?size=N and /deep?n=N (see
// testsite.BombHandler) until it is interrupted.
package main
