package testsite

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"net/http"
	"strings"
)

// Requisites lists the article's requisites on the main site and on the CDN:
// a crawl of the article must fetch each of them.
var (
	MainRequisites = []string{
		"/css/site.css", "/css/fonts.css", "/fonts/serif.ttf", "/favicon.ico", "/img/touch-icon.png",
		"/js/preloaded.js", "/js/app.js", "/img/hero-bg.png", "/img/inline-bg.png", "/img/logo.png",
		"/img/lead-400.jpg", "/img/lead-800.jpg", "/img/pic-wide.png", "/img/pic-narrow.png",
		"/img/pic-fallback.png", "/img/lazy.png", "/img/lazy-set.png", "/img/poster.png", "/media/clip.mp4",
	}
	CDNRequisites = []string{"/cdn/og-lead.jpg", "/cdn/twitter-card.jpg", "/cdn/photo.jpg"}
)

// ArticleText is a sentence of the article body that the metadata text must contain.
const ArticleText = "The river rose by more than two metres overnight"

func articleHTML(cdn string) string {
	return strings.ReplaceAll(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Borderland river floods for the third time this year | The Example Gazette</title>
<meta name="description" content="Residents of the Borderland valley are cleaning up after the third flood of the year.">
<meta property="og:site_name" content="The Example Gazette">
<meta property="og:image" content="{CDN}/cdn/og-lead.jpg">
<meta name="twitter:image" content="{CDN}/cdn/twitter-card.jpg">
<meta name="author" content="Ada Reporter">
<meta property="article:published_time" content="2014-08-12T09:30:00+02:00">
<link rel="canonical" href="/2014/08/story.html">
<link rel="stylesheet" href="/css/site.css">
<link rel="icon" href="/favicon.ico">
<link rel="apple-touch-icon" href="/img/touch-icon.png">
<link rel="preload" href="/js/preloaded.js" as="script">
<script type="application/ld+json">
{"@context":"https://schema.org","@graph":[
 {"@type":"WebSite","name":"The Example Gazette"},
 {"@type":"NewsArticle","headline":"Borderland river floods for the third time this year",
  "datePublished":"2014-08-12T09:30:00+02:00",
  "author":[{"@type":"Person","name":"Ada Reporter"},{"@type":"Person","name":"Ben Photographer"}],
  "publisher":{"@type":"Organization","name":"The Example Gazette"},
  "image":"{CDN}/cdn/og-lead.jpg"}]}
</script>
<style>.hero { background-image: url("/img/hero-bg.png"); height: 40px }</style>
<script src="/js/app.js"></script>
</head>
<body>
<nav class="site-nav"><a href="/">Home</a> | <a href="/2014/08/other.html">Other story</a> |
<a href="/private/secret.html">Members only</a> | <a href="{CDN}/elsewhere.html">Partner site</a> |
<a href="/old-story">Old link</a> | <a href="/latin1.html">Archives</a></nav>
<article>
<h1>Borderland river floods for the third time this year</h1>
<p class="byline">By Ada Reporter and Ben Photographer · <time datetime="2014-08-12T09:30:00+02:00">12 August 2014</time></p>
<div class="hero"></div>
<div class="inline" style="background: url('/img/inline-bg.png') no-repeat; height: 40px"></div>
<img id="lead" src="/img/lead-400.jpg" srcset="/img/lead-400.jpg 400w, /img/lead-800.jpg 800w" sizes="(max-width: 600px) 400px, 800px" alt="The flooded high street" width="400" height="300">
<picture><source media="(min-width: 600px)" srcset="/img/pic-wide.png 2x, /img/pic-narrow.png 1x"><img id="pic" src="/img/pic-fallback.png" alt="Map of the valley"></picture>
<img id="lazy" class="lazy" src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" data-src="/img/lazy.png" alt="Sandbags">
<img id="lazyset" class="lazy" data-srcset="/img/lazy-set.png 1x" alt="Volunteers">
<video id="clip" poster="/img/poster.png" controls width="320"><source src="/media/clip.mp4" type="video/mp4"></video>
<figure><img id="cdnphoto" src="{CDN}/cdn/photo.jpg" alt="Aerial view"><figcaption>The valley from above.</figcaption></figure>
<p>The river rose by more than two metres overnight, flooding the high street of Borderland for the third time this year. Shopkeepers who had only just reopened after the spring floods were again carrying stock to upper floors before dawn.</p>
<p>"We have stopped counting the sandbags," said Marta Quill, who runs the bakery on the corner of Mill Lane. "Every time we think the worst is over, the water comes back higher than before." Volunteers from three neighbouring villages joined the effort as the water kept rising through the morning.</p>
<p>The regional water authority said the new flood barrier, promised after the floods of 2012, would not be finished before next spring. Engineers blame the delay on a dispute over the route of the embankment through the old meadows south of the bridge.</p>
<p>Residents will meet the authority at the town hall on Thursday evening. Many of them say they want a firm date for the barrier and compensation for the businesses that have flooded three times in eight months.</p>
</article>
<footer class="site-footer"><p>© 2014 The Example Gazette. All rights reserved.</p><a href="/about.html">About us</a></footer>
</body>
</html>
`, "{CDN}", cdn)
}

// rawArticle is the article's full HTTP response: gzip, chunked, headers in
// mixed case and a deliberate order, exactly as the server writes it.
func rawArticle(html string) []byte {
	var z bytes.Buffer
	zw := gzip.NewWriter(&z)
	zw.Write([]byte(html))
	zw.Close()
	var b bytes.Buffer
	b.WriteString("HTTP/1.1 200 OK\r\n")
	b.WriteString("Content-Type: text/html; charset=utf-8\r\n")
	b.WriteString("X-Fixture-Header: Mixed-Case-Value\r\n")
	b.WriteString("content-encoding: gzip\r\n")
	b.WriteString("Transfer-Encoding: chunked\r\n")
	b.WriteString("cache-control: max-age=60\r\n")
	b.WriteString("Connection: close\r\n\r\n")
	data := z.Bytes()
	for len(data) > 0 { // uneven chunk sizes, as real servers flush
		n := min(len(data), 700)
		fmt.Fprintf(&b, "%x\r\n", n)
		b.Write(data[:n])
		b.WriteString("\r\n")
		data = data[n:]
	}
	b.WriteString("0\r\n\r\n")
	return b.Bytes()
}

func (s *Site) serveArticle(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		http.Error(w, "no hijack", 500)
		return
	}
	conn, buf, err := hj.Hijack()
	if err != nil {
		return
	}
	defer conn.Close()
	buf.Write(s.ArticleBytes())
	buf.Flush()
}

const simplePage = `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>%s</title>
<link rel="stylesheet" href="/css/site.css"></head><body><article><h1>%s</h1><p>%s</p></article>
<a href="/2014/08/story.html">Back to the flood story</a></body></html>`

// Latin1Title is the title of the latin-1 page, as it must read once decoded.
const Latin1Title = "Café, crème brûlée and Ärger in Borderland"

func latin1Page() []byte {
	page := `<!DOCTYPE html><html lang="de"><head><meta charset="iso-8859-1"><title>` + Latin1Title + `</title></head>
<body><article><h1>` + Latin1Title + `</h1><p>Über die Brücke, durch das Tor: die Bäckerei öffnet um sieben Uhr. Größere Schäden gab es nicht, sagte die Bürgermeisterin.</p></article></body></html>`
	out := make([]byte, 0, len(page))
	for _, r := range page {
		out = append(out, byte(r)) // every rune here is below 256: latin-1
	}
	return out
}
