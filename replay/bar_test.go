package replay

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

const storyEsc = "http%3A%2F%2Fnews.example%2Fstory.html"

// barLinks are the links of the framed UI's capture bar, by their text.
func barLinks(t *testing.T, page string) map[string]string {
	t.Helper()
	bar := regexp.MustCompile(`(?s)<header class="bar replay".*?</header>`).FindString(page)
	if bar == "" {
		t.Fatalf("no capture bar in\n%s", page)
	}
	links := map[string]string{}
	for _, m := range regexp.MustCompile(`(?s)<a [^>]*href="([^"]*)"[^>]*>(.*?)</a>`).FindAllStringSubmatch(bar, -1) {
		links[stripTags(m[2])] = strings.ReplaceAll(m[1], "&amp;", "&")
	}
	return links
}

func TestFramedBarLinksPreviousNextAllAndCompare(t *testing.T) {
	f := calendarArchive(t, framedOptions())
	for _, c := range []struct {
		ts   string
		want map[string]string
	}{
		{"20140812093000", map[string]string{"next →": "/web/20140812170509/" + story, "all captures": "/web/*/" + story}},
		{"20140813093000", map[string]string{
			"← previous": "/web/20140812170509/" + story, "next →": "/web/20150102030405/" + story, "all captures": "/web/*/" + story,
			// the previous is a revisit: compared through the text of the capture it repeats
			"compare with previous": "/diff?url=" + storyEsc + "&a=20140812170509&b=20140813093000",
		}},
		{"20150301235958", map[string]string{"← previous": "/web/20150102030405/" + story, "all captures": "/web/*/" + story,
			"compare with previous": "/diff?url=" + storyEsc + "&a=20150102030405&b=20150301235958"}},
	} {
		r := f.get(t, "/web/"+c.ts+"/"+story)
		b := body(t, r)
		if r.StatusCode != 200 {
			t.Fatalf("%s: %d", c.ts, r.StatusCode)
		}
		got := barLinks(t, b)
		delete(got, "Vellum")
		if len(got) != len(c.want) {
			t.Errorf("%s: bar links %v, want %v", c.ts, got, c.want)
		}
		for text, href := range c.want {
			if got[text] != href {
				t.Errorf("%s: %q links %q, want %q", c.ts, text, got[text], href)
			}
		}
		when := uiTime(c.ts)
		if !strings.Contains(b, `<strong id="vellum-when">`+when+`</strong>`) || !strings.Contains(b, `title="`+story+`"`) {
			t.Errorf("%s: the bar lacks the URL or the time %s:\n%s", c.ts, when, b)
		}
	}
}

func TestBarHasTheScreenshotOfItsCapture(t *testing.T) {
	f, _ := shotArchive(t, framedOptions(), false)
	got := barLinks(t, body(t, f.get(t, "/web/20140812093000/"+livePage)))
	if got["screenshot"] != testContent+day1Shot || got["next →"] != "/web/20140813093000/"+livePage {
		t.Errorf("bar links %v, want the screenshot %s", got, testContent+day1Shot)
	}
}

// bannerSettings are the capture bar's settings in a page replayed on the
// UI's origin, which banner.js draws.
func bannerSettings(t *testing.T, page string) captureBar {
	t.Helper()
	m := regexp.MustCompile(`window\.__vellum=(\{.*?\});</script>`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no settings in\n%s", page)
	}
	var cfg struct{ Banner *captureBar }
	if err := json.Unmarshal([]byte(m[1]), &cfg); err != nil || cfg.Banner == nil {
		t.Fatalf("settings %s: %v", m[1], err)
	}
	return *cfg.Banner
}

func TestSingleOriginBannerHasTheSameLinks(t *testing.T) {
	f := calendarArchive(t, Options{Banner: true})
	got := bannerSettings(t, body(t, f.get(t, "/web/20140813093000/"+story)))
	want := captureBar{URL: story, When: "2014-08-13 09:30:00 UTC", Timestamp: "20140813093000", Calendar: "/web/*/" + story,
		Prev: "/web/20140812170509/" + story, Next: "/web/20150102030405/" + story,
		Compare: "/diff?url=" + storyEsc + "&a=20140812170509&b=20140813093000"}
	if got != want {
		t.Errorf("banner\n%+v\nwant\n%+v", got, want)
	}
	g, _ := shotArchive(t, Options{Banner: true}, false)
	if got := bannerSettings(t, body(t, g.get(t, "/web/20140812093000/"+livePage))); got.Screenshot != day1Shot || got.Compare != "" {
		t.Errorf("banner of a capture with a screenshot and no text: %+v", got)
	}
}

func TestCompareShowsTheWordDiffOfTwoCaptures(t *testing.T) {
	f := calendarArchive(t, Options{})
	r := f.get(t, "/diff?url="+storyEsc+"&a=20140812093000&b=20140813093000")
	b := body(t, r)
	if r.StatusCode != 200 {
		t.Fatalf("compare: %d\n%s", r.StatusCode, b)
	}
	for _, want := range []string{"<del>two</del>", "<ins>three</ins>", "<ins> to traffic</ins>",
		`<a href="/web/20140812093000/` + story + `">2014-08-12 09:30:00 UTC</a>`, `<a href="/web/20140813093000/` + story + `">2014-08-13 09:30:00 UTC</a>`,
		"Title: <del>Floods</del> <ins>Floods: bridge shut</ins>"} {
		if !strings.Contains(b, want) {
			t.Errorf("compare lacks %s:\n%s", want, b)
		}
	}
	if strings.Contains(b, "found by run") {
		t.Errorf("a comparison the reader chose names a run")
	}
	// A revisit compares through the text of the capture it repeats.
	if b := body(t, f.get(t, "/diff?url="+storyEsc+"&a=20140812170509&b=20140813093000")); !strings.Contains(b, "<ins>three</ins>") {
		t.Errorf("compare with a revisit:\n%s", b)
	}
	for path, code := range map[string]int{
		"/diff?url=" + storyEsc + "&a=2014&b=20140813093000":                            http.StatusBadRequest,
		"/diff?a=20140812093000&b=20140813093000":                                       http.StatusBadRequest,
		"/diff?url=" + storyEsc + "&a=20140812093001&b=20140813093000":                  http.StatusNotFound,
		"/diff?url=http%3A%2F%2Fnews.example%2Fs.css&a=20140812093000&b=20140812093000": http.StatusNotFound,
	} {
		if r := f.get(t, path); r.StatusCode != code {
			t.Errorf("%s: %d, want %d", path, r.StatusCode, code)
		}
	}
}
