package warc

// ViewPrefix starts the target URI of a page's screenshot, a resource
// record (image/png) at "urn:view:<page URL>": the convention of
// Browsertrix, whose WARCs replay here with their screenshots. Its CDXJ
// line and index row are under this URN (SURT leaves a urn: as it is), so
// the screenshot is never taken for the page.
const ViewPrefix = "urn:view:"

// ViewURI is the target URI of the screenshot of the page at url.
func ViewURI(url string) string { return ViewPrefix + url }
