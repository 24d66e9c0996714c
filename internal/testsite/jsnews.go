package testsite

import (
	"encoding/json"
	"fmt"
	"image/color"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

// The news page built by script (JSNews): its HTML has no text and no URL of
// what the script loads, so only a browser archives the story, its photos and
// its font.
const (
	JSStoryPath   = "/live/story.html"    // the page
	JSFeedPath    = "/live/story.json"    // its story, fetched after load
	JSFontPath    = "/static/serif.ttf"   // the web font, loaded by the FontFace API
	JSScriptPath  = "/static/app.js"      // the script that builds every JS page
	JSArticlePath = "/live/analysis.html" // a static article: long text, no script
	JSEscapePath  = "/live/escape.html"   // a page naming hosts that do not exist (EscapeHosts)

	// JSHeadline and JSParagraph arrive with the feed: a capture has them in
	// its text only if a browser ran the page.
	JSHeadline  = "Night trains return to the valley line"
	JSParagraph = "The first night train in eleven years left Borderland station at a quarter past ten, carrying two hundred passengers and a brass band that played until the border."
	// JSArticleText is a sentence of the static article.
	JSArticleText = "The council's own figures show that the ferry has carried more passengers every year since 2009"

	// JSSpacerHeight is the CSS height of the spacer above the photos: the
	// page is at least this tall, and its photos load only once scrolled to.
	JSSpacerHeight = 3000
)

// JSImages are the story's photos, inserted by an IntersectionObserver when
// they scroll into view.
var JSImages = []string{"/live/img/station.png", "/live/img/band.png", "/live/img/border.png"}

// EscapeHosts are the host names the escape page (JSEscapePath) points at:
// an image, a dns-prefetch and a preconnect. None exists.
var EscapeHosts = []string{"cdn.example.test", "tracker.example.test", "fonts.example.test"}

// JSNews is a news site whose article pages build themselves in the
// browser: the page fetches its headline and paragraphs as JSON after load,
// loads its web font with the FontFace API, and inserts its photos, below a
// tall spacer, as they scroll into view. Besides the fixture story it
// serves Pages generated articles of the same kind, linked from "/" (for
// the browser benchmark), a static article and the escape page. It counts
// the requests it receives per path. It is an http.Handler; NewJSNewsSite
// serves it on http and https for tests, bench/jssite for the benchmark.
type JSNews struct {
	Pages int

	mu       sync.Mutex
	hits     map[string]int
	requests int
	notFound int
	images   map[string][]byte
}

// NewJSNews returns the site with pages generated articles (/a/1.html ...).
func NewJSNews(pages int) *JSNews {
	return &JSNews{Pages: pages, hits: map[string]int{}, images: map[string][]byte{}}
}

// Count is the number of requests for path (query included when it has one).
func (s *JSNews) Count(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits[path]
}

// Stats returns the requests received, the distinct paths requested and
// the requests answered 404, since the start or the last Reset.
func (s *JSNews) Stats() (requests, unique, notFound int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests, len(s.hits), s.notFound
}

// Reset zeroes the counters.
func (s *JSNews) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hits, s.requests, s.notFound = map[string]int{}, 0, 0
}

// ArticleImages is the number of photos of generated article n: 2 or 3.
func ArticleImages(n int) int { return 2 + n%2 }

// CrawlURLs is the number of URLs a browser capture of "/" with depth 1
// fetches from the site: robots.txt, the index, the shared stylesheet,
// scripts and font, and each article's page, JSON and photos. A static
// capture misses the JSON, the photos and the font.
func (s *JSNews) CrawlURLs() int {
	n := 6
	for i := 1; i <= s.Pages; i++ {
		n += 2 + ArticleImages(i)
	}
	return n
}

func (s *JSNews) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	s.mu.Lock()
	s.hits[r.URL.RequestURI()]++
	s.requests++
	s.mu.Unlock()
	if !s.serve(w, p) {
		s.mu.Lock()
		s.notFound++
		s.mu.Unlock()
		http.NotFound(w, r)
	}
}

// serve writes the resource at p; false when there is none.
func (s *JSNews) serve(w http.ResponseWriter, p string) bool {
	switch p {
	case "/robots.txt":
		text(w, "text/plain", "User-agent: *\nAllow: /\n")
	case "/":
		html(w, s.index())
	case JSStoryPath:
		html(w, jsPage(JSFeedPath))
	case JSFeedPath:
		feed(w, story{Site: "The Example Gazette", Headline: JSHeadline, Paragraphs: storyParagraphs, Images: storyImages()})
	case JSArticlePath:
		html(w, staticArticle)
	case JSEscapePath:
		html(w, escapePage)
	case "/static/site.css":
		text(w, "text/css", jsSiteCSS)
	case JSScriptPath:
		text(w, "application/javascript", jsAppJS)
	case "/static/vendor.js":
		text(w, "application/javascript", `window.gazette = {edition: "valley", version: 3};`+"\n")
	case JSFontPath:
		blob(w, "font/ttf", fontBytes)
	default:
		return s.serveGenerated(w, p)
	}
	return true
}

var storyParagraphs = []string{
	JSParagraph,
	"Rail enthusiasts had camped on the platform since the afternoon. Some had travelled on the last night train in 2003 and brought their old tickets to show the conductor, who stamped them again.",
	"The operator says the service will run three times a week until the end of the year and every night from the spring, if the timber trade keeps the freight line busy enough to share its costs.",
	"Not everyone is pleased. Residents of Mill Lane, which backs onto the line, say the trains will wake them at midnight, and the council has promised to measure the noise during the first month.",
}

func storyImages() []feedImage {
	alts := []string{"The train at Borderland station", "The brass band on the platform", "Crossing the border at dawn"}
	out := make([]feedImage, len(JSImages))
	for i, p := range JSImages {
		out[i] = feedImage{Src: p, Alt: alts[i], Width: 160 - 20*i, Height: 90}
	}
	return out
}

// story is the JSON a page fetches (JSFeedPath, /a/N.json).
type story struct {
	Site       string      `json:"site"`
	Headline   string      `json:"headline"`
	Paragraphs []string    `json:"paragraphs"`
	Images     []feedImage `json:"images"`
}

type feedImage struct {
	Src    string `json:"src"`
	Alt    string `json:"alt"`
	Width  int    `json:"width"`
	Height int    `json:"height"`
}

func feed(w http.ResponseWriter, st story) {
	b, _ := json.Marshal(st)
	blob(w, "application/json", b)
}

// serveGenerated serves the generated articles (/a/N.html, /a/N.json) and
// the photos (/live/img/..., /a/img/N-K.png).
func (s *JSNews) serveGenerated(w http.ResponseWriter, p string) bool {
	if rest, ok := strings.CutPrefix(p, "/a/"); ok && !strings.HasPrefix(rest, "img/") {
		name, ext, _ := strings.Cut(rest, ".")
		n, err := strconv.Atoi(name)
		if err != nil || n < 1 || n > s.Pages || strconv.Itoa(n) != name {
			return false
		}
		switch ext {
		case "html":
			html(w, jsPage(fmt.Sprintf("/a/%d.json", n)))
		case "json":
			feed(w, generatedStory(n))
		default:
			return false
		}
		return true
	}
	for i, img := range JSImages {
		if p == img {
			blob(w, "image/png", s.image(p, 160-20*i, 90, jsColours[i%len(jsColours)]))
			return true
		}
	}
	var n, k int
	if _, err := fmt.Sscanf(p, "/a/img/%d-%d.png", &n, &k); err == nil && p == fmt.Sprintf("/a/img/%d-%d.png", n, k) &&
		n >= 1 && n <= s.Pages && k >= 1 && k <= ArticleImages(n) {
		// Each photo's own size, so no two have the same bytes (a capture
		// would store a repeated one as a revisit).
		blob(w, "image/png", s.image(p, 120+n%97, 80+10*k, jsColours[(n+k)%len(jsColours)]))
		return true
	}
	return false
}

var jsColours = []color.RGBA{Blue, Green, Yellow, Red, Purple}

// image encodes a photo once.
func (s *JSNews) image(key string, w, h int, c color.RGBA) []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	if b, ok := s.images[key]; ok {
		return b
	}
	b := PNG(w, h, c)
	s.images[key] = b
	return b
}

// generatedStory is article n's JSON: a headline and four paragraphs of
// varied sentences, and its photos.
func generatedStory(n int) story {
	places := []string{"Borderland", "Mill Lane", "the old meadows", "the harbour", "Upper Ford", "the quarry"}
	subjects := []string{"The council", "A local bakery", "The water authority", "Volunteers", "The school board", "Farmers"}
	verbs := []string{"announced plans for", "met to discuss", "raised money for", "voted against", "opened", "repaired"}
	things := []string{"a new footbridge", "the summer market", "flood barriers", "a night bus", "the library roof", "a bike path"}
	pick := func(list []string, i int) string { return list[(n*7+i*3)%len(list)] }
	st := story{Site: "The Example Gazette", Headline: fmt.Sprintf("%s %s %s (story %d)", pick(subjects, 0), pick(verbs, 1), pick(things, 2), n)}
	for i := 0; i < 4; i++ {
		st.Paragraphs = append(st.Paragraphs, fmt.Sprintf(
			"%s %s %s near %s on day %d of the month, story %d, paragraph %d. "+
				"Residents said they had waited a long time for it, and several of them spoke at the meeting for more than an hour about %s.",
			pick(subjects, i+1), pick(verbs, i+2), pick(things, i+3), pick(places, i), 1+(n+i)%28, n, i+1, pick(things, i+4)))
	}
	for k := 1; k <= ArticleImages(n); k++ {
		st.Images = append(st.Images, feedImage{Src: fmt.Sprintf("/a/img/%d-%d.png", n, k),
			Alt: fmt.Sprintf("Photo %d of story %d", k, n), Width: 120 + n%97, Height: 80 + 10*k})
	}
	return st
}

// index links every generated article, or the fixture pages when there are none.
func (s *JSNews) index() string {
	var b strings.Builder
	b.WriteString(`<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>The Example Gazette</title>
<link rel="stylesheet" href="/static/site.css"></head><body><h1>The Example Gazette</h1><ul>
`)
	if s.Pages == 0 {
		fmt.Fprintf(&b, "<li><a href=%q>Night trains</a></li>\n<li><a href=%q>The ferry</a></li>\n", JSStoryPath, JSArticlePath)
	}
	for i := 1; i <= s.Pages; i++ {
		fmt.Fprintf(&b, "<li><a href=\"/a/%d.html\">Story %d</a></li>\n", i, i)
	}
	b.WriteString("</ul></body></html>\n")
	return b.String()
}
