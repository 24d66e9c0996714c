// Package pause waits for a while unless a context ends first: the pause
// between retries of the crawl (capture) and of webhooks (capture/jobs).
// Its seam is one function, For, that reports whether the whole time passed.
package pause
