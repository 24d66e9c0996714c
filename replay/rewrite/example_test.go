package rewrite_test

import (
	"fmt"
	"net/url"
	"os"
	"strings"

	"github.com/vellumhq/vellum/replay/rewrite"
)

func ExampleURLRewriter_Rewrite() {
	base, _ := url.Parse("http://news.example/2014/08/story.html")
	u := &rewrite.URLRewriter{Prefix: "/web/", Timestamp: "20140812093000", Base: base}
	fmt.Println(u.Rewrite("../img/a.jpg", "im_"))
	fmt.Println(u.Rewrite("//cdn.example/app.js", "js_"))
	fmt.Println(u.Rewrite("other.html#comments", ""))
	fmt.Println(u.Rewrite("mailto:desk@news.example", ""))
	// Output:
	// /web/20140812093000im_/http://news.example/2014/img/a.jpg
	// /web/20140812093000js_/http://cdn.example/app.js
	// /web/20140812093000/http://news.example/2014/08/other.html#comments
	// mailto:desk@news.example
}

func ExampleHTML() {
	base, _ := url.Parse("http://news.example/2014/08/story.html")
	u := &rewrite.URLRewriter{Prefix: "/web/", Timestamp: "20140812093000", Base: base}
	page := `<html><head><link rel=stylesheet href="/site.css"></head>` +
		`<body><img src="lead.jpg" srcset="lead.jpg 1x, lead@2x.jpg 2x"><a href="/">Home</a></body></html>`
	opts := rewrite.HTMLOptions{HeadInsert: []byte(`<script src="/_vellum/runtime.js"></script>`)}
	if err := rewrite.HTML(os.Stdout, strings.NewReader(page), u, opts); err != nil {
		fmt.Println(err)
	}
	// Output:
	// <html><head><script src="/_vellum/runtime.js"></script><link rel=stylesheet href="/web/20140812093000cs_/http://news.example/site.css"></head><body><img src="/web/20140812093000im_/http://news.example/2014/08/lead.jpg" srcset="/web/20140812093000im_/http://news.example/2014/08/lead.jpg 1x, /web/20140812093000im_/http://news.example/2014/08/lead@2x.jpg 2x"><a href="/web/20140812093000/http://news.example/">Home</a></body></html>
}

func ExampleCSS() {
	base, _ := url.Parse("http://news.example/css/site.css")
	u := &rewrite.URLRewriter{Prefix: "/web/", Timestamp: "20140812093000", Base: base}
	css := `@import "fonts.css"; .hero { background: url(../img/hero.png) }`
	if err := rewrite.CSS(os.Stdout, strings.NewReader(css), u); err != nil {
		fmt.Println(err)
	}
	// Output:
	// @import "/web/20140812093000cs_/http://news.example/css/fonts.css"; .hero { background: url(/web/20140812093000im_/http://news.example/img/hero.png) }
}
