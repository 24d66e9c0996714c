package testsite

import (
	"strconv"
	"strings"
)

// jsPage is an article page that builds itself: an empty app root that
// names its feed in a data- attribute (which no static extractor reads), a
// <noscript> hint, two scripts, and an empty gallery below a tall spacer.
func jsPage(feed string) string {
	return strings.NewReplacer("{FEED}", feed, "{SPACER}", strconv.Itoa(JSSpacerHeight)).Replace(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>The Example Gazette</title>
<link rel="stylesheet" href="/static/site.css">
<script src="/static/vendor.js" defer></script>
<script src="/static/app.js" defer></script>
</head>
<body>
<header class="masthead"><a href="/">The Example Gazette</a></header>
<noscript>Please turn on JavaScript to read this story.</noscript>
<main id="app" data-feed="{FEED}"></main>
<div class="spacer" style="height: {SPACER}px"></div>
<section id="gallery" aria-label="Photos"></section>
<footer class="site-footer">© 2014 The Example Gazette</footer>
</body>
</html>
`)
}

// jsAppJS builds every JS page: it loads the font with the FontFace API,
// fetches the feed, writes the headline and paragraphs, and gives each
// photo a placeholder that an IntersectionObserver fills with the <img>
// once it comes within 200 px of the viewport. Every URL it uses comes from the page's data-
// attribute or from the feed, never from the HTML a crawler parses.
const jsAppJS = `(function () {
  "use strict";
  var root = document.getElementById("app");
  var gallery = document.getElementById("gallery");
  if (!root || !gallery) return;
  var face = new FontFace("Fixture Serif", "url(/static/serif.ttf)");
  document.fonts.add(face);
  face.load().then(function () {
    document.documentElement.setAttribute("data-font", "loaded");
  }, function () {
    document.documentElement.setAttribute("data-font", "failed");
  });
  fetch(root.getAttribute("data-feed")).then(function (r) {
    if (!r.ok) throw new Error("feed: HTTP " + r.status);
    return r.json();
  }).then(function (story) {
    document.title = story.headline + " | " + story.site;
    var article = document.createElement("article");
    var h1 = document.createElement("h1");
    h1.textContent = story.headline;
    article.appendChild(h1);
    story.paragraphs.forEach(function (text) {
      var p = document.createElement("p");
      p.textContent = text;
      article.appendChild(p);
    });
    root.appendChild(article);
    var pending = new Map();
    var observer = new IntersectionObserver(function (entries) {
      entries.forEach(function (e) {
        var image = pending.get(e.target);
        if (!e.isIntersecting || !image) return;
        pending.delete(e.target);
        observer.unobserve(e.target);
        var img = document.createElement("img");
        img.alt = image.alt;
        img.width = image.width;
        img.height = image.height;
        img.src = image.src;
        e.target.appendChild(img);
      });
    }, {rootMargin: "200px 0px"});
    story.images.forEach(function (image) {
      var fig = document.createElement("figure");
      fig.className = "lazy";
      fig.style.minHeight = image.height + "px";
      gallery.appendChild(fig);
      pending.set(fig, image);
      observer.observe(fig);
    });
    document.documentElement.setAttribute("data-story", "ready");
  }).catch(function (err) {
    document.documentElement.setAttribute("data-story", "failed: " + err);
  });
})();
`

// jsSiteCSS names no URL: the font and photos are the script's alone.
const jsSiteCSS = `body { font-family: "Fixture Serif", serif; margin: 0 auto; max-width: 800px }
.masthead { font-size: 24px; padding: 8px 0 }
/* the photos side by side: one scroll to the end shows them all */
#gallery { display: flex; flex-wrap: wrap; gap: 8px }
#gallery figure { margin: 0 }
`

// staticArticle has plenty of text and no script: a capture that chooses
// per page (--browser=auto) never needs the browser for it.
const staticArticle = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Why the ferry still matters | The Example Gazette</title>
<meta name="author" content="Ada Reporter">
<link rel="stylesheet" href="/static/site.css">
</head>
<body>
<header class="masthead"><a href="/">The Example Gazette</a></header>
<article>
<h1>Why the ferry still matters</h1>
<p class="byline">By Ada Reporter</p>
<p>` + JSArticleText + `, and on market days the queue reaches the church. The bridge that was meant to replace it has been postponed again, this time until the regional budget of 2017.</p>
<p>For the farmers of Upper Ford the ferry is the shortest way to the market town: twenty minutes on the water against an hour and a half by road. Several of them said they would stop selling at the market if the crossing closed.</p>
<p>The ferry's owner, who took over from her father twelve years ago, says the boat needs a new engine within two years. She has asked the council to share the cost, as it did for the harbour wall after the storms of 2010.</p>
<p>Councillors are divided. Some argue that the money would be better spent on the bridge; others point out that the bridge has been promised for thirty years and that the ferry runs today, in every weather but fog.</p>
<p>The council will vote on the engine grant at its meeting next month. Until then, the ferry runs every half hour from seven in the morning, and every quarter of an hour on market days.</p>
</article>
<footer class="site-footer">© 2014 The Example Gazette</footer>
</body>
</html>
`

// escapePage points at hosts that do not exist (EscapeHosts): a browser
// that resolved or reached them directly, not through the capture's proxy,
// would show in a test that maps every host name to a sink.
const escapePage = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Our partners | The Example Gazette</title>
<link rel="dns-prefetch" href="//tracker.example.test">
<link rel="preconnect" href="https://fonts.example.test">
<link rel="stylesheet" href="/static/site.css">
</head>
<body>
<article>
<h1>Our partners</h1>
<p>The Example Gazette works with photographers and printers across the valley. Their logos are shown below with their permission.</p>
<img src="http://cdn.example.test/x.png" alt="A partner's logo" width="120" height="60">
</article>
</body>
</html>
`
