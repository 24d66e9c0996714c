package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"html"
	"math/rand/v2"
	"strings"
	"sync/atomic"
	"time"
)

// resource is one URL of the generated site, held in memory both as is and
// gzipped, so that serving it costs no more than a copy.
type resource struct {
	contentType string
	body        []byte
	gz          []byte // nil for images: random bytes do not compress
	hits        atomic.Int64
}

// site is the whole generated site, keyed by path.
type site struct {
	res   map[string]*resource
	paths []string // every path, in generation order
}

// sitePaths lists every path of a site of n articles; it depends on n alone,
// so a probe knows the URLs without generating the content.
func sitePaths(n int) []string {
	paths := make([]string, 0, 4+6*n)
	paths = append(paths, "/robots.txt", "/", "/css/site.css", "/js/app.js")
	for i := 1; i <= n; i++ {
		paths = append(paths,
			fmt.Sprintf("/a/%d.html", i),
			fmt.Sprintf("/css/%d.css", i),
			fmt.Sprintf("/img/%d-bg.png", i),
			fmt.Sprintf("/img/%d-lead.jpg", i),
			fmt.Sprintf("/img/%d-lead2x.jpg", i),
			fmt.Sprintf("/img/%d-thumb.png", i))
	}
	return paths
}

// newSite generates a site of n articles from seed; the same seed and n give
// the same bytes.
func newSite(n int, seed uint64, imageKB int) (*site, error) {
	g := &gen{rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), imageKB: imageKB}
	s := &site{res: make(map[string]*resource, 4+6*n)}
	add := func(path, ct string, body []byte) error {
		r := &resource{contentType: ct, body: body}
		if !strings.HasPrefix(ct, "image/") {
			gz, err := gzipBytes(body)
			if err != nil {
				return fmt.Errorf("gzip %s: %w", path, err)
			}
			if len(gz) < len(body) {
				r.gz = gz
			}
		}
		s.res[path] = r
		s.paths = append(s.paths, path)
		return nil
	}
	const (
		htmlType = "text/html; charset=utf-8"
		cssType  = "text/css; charset=utf-8"
	)
	shared := []struct{ path, ct, body string }{
		{"/robots.txt", "text/plain; charset=utf-8", "User-agent: *\nAllow: /\n"},
		{"/", htmlType, g.index(n)},
		{"/css/site.css", cssType, g.siteCSS()},
		{"/js/app.js", "text/javascript; charset=utf-8", g.appJS()},
	}
	for _, r := range shared {
		if err := add(r.path, r.ct, []byte(r.body)); err != nil {
			return nil, err
		}
	}
	for i := 1; i <= n; i++ {
		items := []struct {
			path, ct string
			body     []byte
		}{
			{fmt.Sprintf("/a/%d.html", i), htmlType, []byte(g.article(i, n))},
			{fmt.Sprintf("/css/%d.css", i), cssType, []byte(g.articleCSS(i))},
			{fmt.Sprintf("/img/%d-bg.png", i), "image/png", g.image(pngMagic)},
			{fmt.Sprintf("/img/%d-lead.jpg", i), "image/jpeg", g.image(jpegMagic)},
			{fmt.Sprintf("/img/%d-lead2x.jpg", i), "image/jpeg", g.image(jpegMagic)},
			{fmt.Sprintf("/img/%d-thumb.png", i), "image/png", g.image(pngMagic)},
		}
		for _, it := range items {
			if err := add(it.path, it.ct, it.body); err != nil {
				return nil, err
			}
		}
	}
	return s, nil
}

func gzipBytes(b []byte) ([]byte, error) {
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	if _, err := zw.Write(b); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// gen makes the site's content from one seeded generator.
type gen struct {
	rng     *rand.Rand
	imageKB int // mean image size; 0 = 4 (2–6 KB)
}

var (
	pngMagic  = []byte("\x89PNG\r\n\x1a\n")
	jpegMagic = []byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00")

	words = strings.Fields(`the council river harbour election minister budget school hospital
		village market storm winter summer museum archive report witness court police mayor
		farmers railway bridge festival library teachers nurses workers union strike vote
		survey scientists study climate flood drought coast mountain forest road traffic
		company profits prices housing rent tenants landlords plan proposal committee
		hearing evidence record history families residents neighbours volunteers charity
		said told added explained warned argued confirmed denied announced promised
		expected reported published revealed according while after before during since
		although because however meanwhile yesterday today morning evening last week
		month year decade local regional national public private new old small large
		early late former current first second final major minor recent several many
		few most some other each every whole half quarter million thousand hundred
		about across against along among around behind beyond under within without
		open closed rising falling steady quiet busy crowded empty remote central
		northern southern eastern western ancient modern rural urban coastal inland`)
	authors  = []string{"Ana Ribeiro", "Tomás Novák", "Ingrid Halvorsen", "Kwame Mensah", "Leila Haddad", "Sean O'Connell", "Mei Lin", "Jonas Berg", "Priya Raman", "Olu Adeyemi"}
	sections = []string{"Local", "Politics", "Business", "Environment", "Culture", "Transport", "Health", "Education"}
)

func (g *gen) words(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = words[g.rng.IntN(len(words))]
	}
	return out
}

func (g *gen) sentence() string {
	w := g.words(8 + g.rng.IntN(15))
	w[0] = strings.ToUpper(w[0][:1]) + w[0][1:]
	if len(w) > 10 && g.rng.IntN(3) == 0 {
		w[len(w)/2] += ","
	}
	return strings.Join(w, " ") + "."
}

func (g *gen) headline() string {
	w := g.words(5 + g.rng.IntN(5))
	for i, s := range w {
		w[i] = strings.ToUpper(s[:1]) + s[1:]
	}
	return strings.Join(w, " ")
}

func (g *gen) paragraph() string {
	n := 3 + g.rng.IntN(4)
	s := make([]string, n)
	for i := range s {
		s[i] = g.sentence()
	}
	return strings.Join(s, " ")
}

// image returns random bytes behind the format's magic number: 2–6 KB, or
// with imageKB set, imageKB/2 to 3·imageKB/2 KB.
func (g *gen) image(magic []byte) []byte {
	lo, span := 2048, 4097
	if g.imageKB > 0 {
		lo, span = g.imageKB<<9, g.imageKB<<10+1
	}
	b := make([]byte, lo+g.rng.IntN(span))
	for i := range b {
		b[i] = byte(g.rng.Uint32())
	}
	copy(b, magic)
	return b
}

func (g *gen) index(n int) string {
	var b strings.Builder
	b.WriteString(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>The Benchmark Courier — all articles</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/css/site.css">
<script src="/js/app.js" defer></script>
</head>
<body>
<header class="masthead"><a href="/">The Benchmark Courier</a></header>
<main><h1>All articles</h1>
<ul class="archive">
`)
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "<li><a href=\"/a/%d.html\">%s</a></li>\n", i, html.EscapeString(g.headline()))
	}
	b.WriteString("</ul>\n</main>\n</body>\n</html>\n")
	return b.String()
}

// article returns page i of n: about 8 KB of HTML (7–9 KB) whose requisites are
// the two shared files and /css/i.css, /img/i-lead.jpg (and its 2x), /img/i-thumb.png.
func (g *gen) article(i, n int) string {
	title := g.headline()
	author := authors[g.rng.IntN(len(authors))]
	section := sections[g.rng.IntN(len(sections))]
	published := time.Date(2024, 1, 1, 6, 0, 0, 0, time.UTC).
		Add(time.Duration(i)*97*time.Minute + time.Duration(g.rng.IntN(3600))*time.Second)
	desc := g.sentence()
	ld, _ := json.Marshal(struct {
		Context   string   `json:"@context"`
		Type      string   `json:"@type"`
		Headline  string   `json:"headline"`
		Published string   `json:"datePublished"`
		Author    []any    `json:"author"`
		Section   string   `json:"articleSection"`
		Image     []string `json:"image"`
	}{"https://schema.org", "NewsArticle", title, published.Format(time.RFC3339),
		[]any{map[string]string{"@type": "Person", "name": author}}, section,
		[]string{fmt.Sprintf("/img/%d-lead.jpg", i)}})

	var b strings.Builder
	target := 7*1024 + g.rng.IntN(2*1024)
	fmt.Fprintf(&b, `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>%[1]s | The Benchmark Courier</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="description" content="%[2]s">
<meta name="author" content="%[3]s">
<link rel="canonical" href="/a/%[4]d.html">
<link rel="stylesheet" href="/css/site.css">
<link rel="stylesheet" href="/css/%[4]d.css">
<script src="/js/app.js" defer></script>
<script type="application/ld+json">%[5]s</script>
</head>
<body class="article section-%[6]s">
<header class="masthead"><a href="/">The Benchmark Courier</a>
<nav><a href="/">Home</a> <a href="/a/%[7]d.html">Previous</a> <a href="/a/%[8]d.html">Next</a></nav></header>
<main>
<article>
<p class="kicker">%[9]s</p>
<h1>%[1]s</h1>
<p class="byline">By <span class="author">%[3]s</span> · <time datetime="%[10]s">%[11]s</time></p>
<figure class="lead">
<img src="/img/%[4]d-lead.jpg" srcset="/img/%[4]d-lead.jpg 1x, /img/%[4]d-lead2x.jpg 2x" alt="%[2]s" width="960" height="540">
<figcaption>%[12]s</figcaption>
</figure>
`, html.EscapeString(title), html.EscapeString(desc), html.EscapeString(author), i, ld,
		strings.ToLower(section), (i+n-2)%n+1, i%n+1, section,
		published.Format(time.RFC3339), published.Format("2 January 2006, 15:04"),
		html.EscapeString(g.sentence()))

	tail := fmt.Sprintf(`<aside class="related"><img src="/img/%d-thumb.png" alt="" width="160" height="90">
<p>%s</p></aside>
</article>
</main>
<footer><p>© 2024 The Benchmark Courier. Generated for benchmarks; every word is random.</p></footer>
</body>
</html>
`, i, html.EscapeString(g.sentence()))
	for b.Len()+len(tail) < target {
		if g.rng.IntN(5) == 0 {
			fmt.Fprintf(&b, "<h2>%s</h2>\n", html.EscapeString(g.headline()))
		}
		fmt.Fprintf(&b, "<p>%s</p>\n", html.EscapeString(g.paragraph()))
	}
	b.WriteString(tail)
	return b.String()
}

func (g *gen) articleCSS(i int) string {
	return fmt.Sprintf(`/* article %[1]d */
body.article { background: #%06[2]x url(/img/%[1]d-bg.png) repeat-x top left; }
.article h1 { color: #%06[3]x; letter-spacing: -0.01em; }
.article .kicker { color: #%06[4]x; text-transform: uppercase; }
`, i, g.rng.IntN(1<<24), g.rng.IntN(1<<24), g.rng.IntN(1<<24))
}

func (g *gen) siteCSS() string {
	var b strings.Builder
	b.WriteString(`:root { --ink: #1a1a1a; --paper: #fdfcf8; --accent: #a4161a; }
* { box-sizing: border-box; }
body { margin: 0; font: 18px/1.6 Georgia, "Times New Roman", serif; color: var(--ink); background: var(--paper); }
.masthead { padding: 1rem 2rem; border-bottom: 3px double var(--ink); font: 700 2rem/1 Georgia, serif; }
.masthead nav a { font-size: 0.9rem; margin-right: 1rem; }
main { max-width: 44rem; margin: 2rem auto; padding: 0 1rem; }
figure.lead img { width: 100%; height: auto; }
figcaption, .byline { font: 0.85rem/1.4 system-ui, sans-serif; color: #555; }
.related { border-top: 1px solid #ccc; margin-top: 2rem; padding-top: 1rem; }
footer { font-size: 0.8rem; text-align: center; padding: 2rem; }
`)
	for _, s := range sections {
		fmt.Fprintf(&b, ".section-%s .kicker { border-left: 4px solid #%06x; padding-left: .5rem; }\n",
			strings.ToLower(s), g.rng.IntN(1<<24))
	}
	return b.String()
}

func (g *gen) appJS() string {
	var b strings.Builder
	b.WriteString(`"use strict";
// Reading-time badge and a sticky header; no network requests.
(function () {
  function readingTime(el) {
    var words = (el.textContent || "").trim().split(/\s+/).length;
    return Math.max(1, Math.round(words / 230));
  }
  document.addEventListener("DOMContentLoaded", function () {
    var art = document.querySelector("article");
    if (!art) { return; }
    var badge = document.createElement("span");
    badge.className = "reading-time";
    badge.textContent = readingTime(art) + " min read";
    var by = art.querySelector(".byline");
    if (by) { by.appendChild(badge); }
  });
})();
`)
	for k := 0; k < 40; k++ {
		fmt.Fprintf(&b, "function f%d(x) { return (x * %d + %d) %% %d; }\n",
			k, g.rng.IntN(1000), g.rng.IntN(1000), 1+g.rng.IntN(997))
	}
	return b.String()
}
