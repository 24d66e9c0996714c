package testsite

import (
	"fmt"
	"net/http"
	"strings"
)

// Robots is the main site's robots.txt: /private/ is off limits.
const Robots = "User-agent: *\nDisallow: /private/\n\nUser-agent: vellum\nDisallow: /private/\nCrawl-delay: 0\n"

// appJS marks the page when it runs and, like real news sites, swaps lazy
// images' data-src/data-srcset into place once the document is parsed.
const appJS = `document.documentElement.dataset.appRan = "yes";
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("img.lazy").forEach(function (img) {
    if (img.dataset.src) img.src = img.dataset.src;
    if (img.dataset.srcset) img.srcset = img.dataset.srcset;
  });
});
`

const siteCSS = `@import url("/css/fonts.css");
body { font-family: "Fixture Serif", serif; margin: 0 auto; max-width: 800px }
/* a comment with url(/img/not-a-requisite.png) inside */
.logo { background: url(../img/logo.png) no-repeat; width: 20px; height: 20px }
`

const fontsCSS = `@font-face {
  font-family: "Fixture Serif";
  src: url("/fonts/serif.ttf") format("truetype");
}
`

func (s *Site) serveMain(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	switch {
	case p == ArticlePath:
		s.serveArticle(w)
	case p == "/robots.txt":
		text(w, "text/plain", Robots)
	case p == "/":
		html(w, fmt.Sprintf(simplePage, "The Example Gazette", "The Example Gazette",
			`Today: <a href="/2014/08/story.html">Borderland river floods</a>.`))
	case p == "/2014/08/other.html":
		html(w, fmt.Sprintf(simplePage, "Harvest festival postponed", "Harvest festival postponed",
			"The harvest festival will take place a week later than planned."))
	case p == "/2014/08/story2.html":
		html(w, fmt.Sprintf(simplePage, "Bridge reopens", "Bridge reopens",
			"The old bridge reopened to traffic on Monday."))
	case p == "/about.html":
		html(w, fmt.Sprintf(simplePage, "About us", "About us", "A small newspaper for a small valley."))
	case p == "/private/secret.html":
		html(w, fmt.Sprintf(simplePage, "Members", "Members", "Robots must never see this."))
	case p == "/latest":
		http.Redirect(w, r, ArticlePath, http.StatusFound)
	case p == "/old-story":
		http.Redirect(w, r, "/2014/08/story2.html", http.StatusMovedPermanently)
	case p == "/latin1.html":
		w.Header().Set("Content-Type", "text/html") // no charset: the meta tag tells
		w.Write(latin1Page())
	case p == "/css/site.css":
		text(w, "text/css", siteCSS)
	case p == "/css/fonts.css":
		text(w, "text/css", fontsCSS)
	case p == "/fonts/serif.ttf":
		blob(w, "font/ttf", fontBytes)
	case p == "/js/app.js":
		text(w, "application/javascript", appJS)
	case p == "/js/preloaded.js":
		text(w, "application/javascript", `window.preloaded = true;`)
	case p == "/favicon.ico":
		blob(w, "image/png", PNG(16, 16, Grey))
	case p == "/media/clip.mp4":
		blob(w, "video/mp4", append([]byte("\x00\x00\x00\x18ftypmp42"), make([]byte, 4000)...))
	case strings.HasPrefix(p, "/img/"):
		serveImage(w, p)
	default:
		http.NotFound(w, r)
	}
}

func (s *Site) serveCDN(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/robots.txt":
		text(w, "text/plain", "User-agent: *\nAllow: /\n")
	case "/cdn/og-lead.jpg", "/cdn/twitter-card.jpg":
		blob(w, "image/jpeg", JPEG(120, 60, Purple))
	case "/cdn/photo.jpg":
		blob(w, "image/jpeg", JPEG(300, 200, Blue))
	case "/elsewhere.html":
		html(w, fmt.Sprintf(simplePage, "Partner", "Partner", "Another site."))
	default:
		http.NotFound(w, r)
	}
}

func serveImage(w http.ResponseWriter, p string) {
	switch {
	case strings.HasSuffix(p, ".jpg"):
		blob(w, "image/jpeg", JPEG(400, 300, Red))
	case strings.Contains(p, "lazy"):
		blob(w, "image/png", PNG(100, 80, Green))
	case strings.Contains(p, "pic"):
		blob(w, "image/png", PNG(200, 100, Yellow))
	default:
		blob(w, "image/png", PNG(40, 40, Grey))
	}
}

func html(w http.ResponseWriter, body string) { text(w, "text/html; charset=utf-8", body) }

func text(w http.ResponseWriter, ct, body string) {
	w.Header().Set("Content-Type", ct)
	w.Write([]byte(body))
}

func blob(w http.ResponseWriter, ct string, b []byte) {
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Content-Length", fmt.Sprint(len(b)))
	w.Write(b)
}
