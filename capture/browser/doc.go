// Package browser loads pages in headless Chromium for browser capture, so
// that what a page builds with script (JSON fetched after load, images
// inserted as they scroll into view, fonts loaded by the FontFace API) is
// archived with the same guarantees as a static fetch.
//
// It has two halves that meet at one loopback address:
//
//   - The recording proxy and its per-run CA (proxy.go, ca.go). The capture
//     engine plugs its fetch into the proxy, so every request the browser
//     makes goes out through the recording transport like any other fetch:
//     wire bytes, redirect pairs, digests, cut-offs, robots and revisits. For
//     https the proxy terminates TLS with a CA generated for the run, kept in
//     the run's temporary directory only; Chromium trusts it by the SPKI hash
//     of its key, never through a system store.
//   - The browser driver (chromium.go, flags.go, tab.go, page.go): [Start]
//     runs Chromium with every request sent to that proxy (loopback
//     included) and its background traffic switched off; [Browser.Load] opens a page in one of at most
//     Options.Tabs tabs, scrolls it to the end, waits until the network is
//     quiet or the per-page timeout, and returns the rendered DOM and a PNG of
//     the whole page. A page that opens popups or navigates away is stopped
//     and reported in Page.Problems; one that hangs fails with one line, its
//     tab closed; a crashed Chromium fails the page it was loading and is
//     started again by the next Load.
//
// The usual call, given the proxy's address and the SPKI hash of its CA:
//
//	path, err := browser.Find(flagChromium) // one line saying how to install it
//	b, err := browser.Start(ctx, browser.Options{Path: path, Proxy: addr, SPKI: spki})
//	defer b.Close()
//	p, err := b.Load(ctx, "https://example.com/news/")
//	// p.HTML, p.Screenshot, p.Problems
//
// The package imports nothing of Vellum's: the capture engine imports it.
package browser
