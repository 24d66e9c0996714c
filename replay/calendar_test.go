package replay

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vellumhq/vellum/index"
	"github.com/vellumhq/vellum/warc"
)

// The story of the calendar tests, five captures over two years: A on
// 2014-08-12 twice (the second a revisit), B on 2014-08-13 and again,
// byte for byte, on 2015-01-02, then C on 2015-03-01.
var (
	calA1 = time.Date(2014, 8, 12, 9, 30, 0, 0, time.UTC)
	calA2 = time.Date(2014, 8, 12, 17, 5, 9, 0, time.UTC)
	calB1 = time.Date(2014, 8, 13, 9, 30, 0, 0, time.UTC)
	calB2 = time.Date(2015, 1, 2, 3, 4, 5, 0, time.UTC)
	calC  = time.Date(2015, 3, 1, 23, 59, 58, 0, time.UTC)
)

const (
	textA = "The river rose two metres overnight and the old bridge closed."
	textB = "The river rose three metres overnight and the old bridge closed to traffic."
)

func html(title, text string) []byte {
	return resp(200, "Content-Type: text/html; charset=utf-8\r\n", "<html><title>"+title+"</title><p>"+text+"</p></html>")
}

// calendarArchive holds the story's five captures, the article text of
// A, B and C as the index keeps it, and a stylesheet and an image.
func calendarArchive(t *testing.T, opts Options) *fixture {
	t.Helper()
	f := newFixture(t, []archived{
		{url: story, when: calA1, block: html("Floods", textA)},
		{url: story, when: calA2, typ: warc.TypeRevisit, block: []byte("HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\r\n")},
		{url: story, when: calB1, block: html("Floods: bridge shut", textB)},
		{url: story, when: calB2, block: html("Floods: bridge shut", textB)},
		{url: story, when: calC, block: html("Floods recede", "The water is gone.")},
		{url: "http://news.example/s.css", when: calA1, block: resp(200, "Content-Type: text/css\r\n", "p{}")},
		{url: "http://news.example/img/a.png", when: calA1, block: resp(200, "Content-Type: image/png\r\n", "PNG")},
		{url: "http://news.example/old", when: calA1, block: resp(301, "Location: /story.html\r\n", "")},
	}, opts)
	var pages []index.Page
	for i, p := range []struct {
		when        time.Time
		title, text string
	}{{calA1, "Floods", textA}, {calB1, "Floods: bridge shut", textB}, {calB2, "Floods: bridge shut", textB}, {calC, "Floods recede", "The water is gone."}} {
		pages = append(pages, index.Page{RecordID: "<urn:uuid:meta-" + string(rune('a'+i)) + ">", URLKey: "example,news)/story.html",
			Timestamp: warc.Timestamp14(p.when), URL: story, Filename: f.files[0], Offset: int64(1000000 + i), PageMeta: index.PageMeta{Title: p.title, Text: p.text}})
	}
	if err := f.idx.Add(context.Background(), nil, pages); err != nil {
		t.Fatal(err)
	}
	return f
}

var markedDay = regexp.MustCompile(`<td class="cap c(\d)[^"]*"><a href="/web/(\d{8})\*/([^"#]+)#d(\d{8})" title="(\d+) captures?">(\d+)</a></td>`)

// markedDays maps each day the calendar marks (YYYYMMDD) to its count of
// captures, checking that its link leads to that day of url.
func markedDays(t *testing.T, page, url string) map[string]string {
	t.Helper()
	days := map[string]string{}
	for _, m := range markedDay.FindAllStringSubmatch(page, -1) {
		if m[2] != m[4] || m[3] != url || !strings.HasSuffix(m[2], m[6]) && !strings.HasSuffix(m[2], "0"+m[6]) {
			t.Errorf("day cell %s links elsewhere", m[0])
		}
		days[m[2]] = m[5]
	}
	if n := strings.Count(page, `class="cap`); n != len(days) {
		t.Errorf("%d marked days, %d of them as expected", n, len(days))
	}
	return days
}

func TestCalendarMarksTheDaysWithCapturesAndCountsThem(t *testing.T) {
	f := calendarArchive(t, Options{})
	for _, c := range []struct {
		path string
		want map[string]string
	}{
		{"/web/*/" + story, map[string]string{"20150102": "1", "20150301": "1"}}, // the latest year
		{"/web/2015*/" + story, map[string]string{"20150102": "1", "20150301": "1"}},
		{"/web/2014*/" + story, map[string]string{"20140812": "2", "20140813": "1"}}, // a revisit is a capture
		{"/web/20140812*/" + story, map[string]string{"20140812": "2", "20140813": "1"}},
		{"/web/2013*/" + story, map[string]string{}},
	} {
		r := f.get(t, c.path)
		b := body(t, r)
		if r.StatusCode != 200 || !strings.Contains(b, "5 captures of") {
			t.Errorf("%s: %d\n%s", c.path, r.StatusCode, b)
			continue
		}
		got := markedDays(t, b, story)
		if len(got) != len(c.want) {
			t.Errorf("%s: marked days %v, want %v", c.path, got, c.want)
		}
		for d, n := range c.want {
			if got[d] != n {
				t.Errorf("%s: day %s has %q captures, want %s", c.path, d, got[d], n)
			}
		}
		// Twelve months a year, and the month chart over both years.
		if n := strings.Count(b, `<table class="month">`); n != 12 {
			t.Errorf("%s: %d months", c.path, n)
		}
		for _, bar := range []string{`class="b10" title="Aug 2014: 3 captures"`, `class="b4" title="Jan 2015: 1 capture"`,
			`class="b4" title="Mar 2015: 1 capture"`, `class="b0" title="Feb 2015: 0 captures"`} {
			if !strings.Contains(b, bar) {
				t.Errorf("%s: the month chart lacks %s", c.path, bar)
			}
		}
	}
	// Year navigation.
	b := body(t, f.get(t, "/web/2014*/"+story))
	if !strings.Contains(b, `<a rel="next" href="/web/2015*/`+story+`">2015 →</a>`) || strings.Contains(b, `rel="prev"`) {
		t.Errorf("2014 does not lead to 2015 alone:\n%s", b)
	}
	b = body(t, f.get(t, "/web/*/"+story))
	if !strings.Contains(b, `<a rel="prev" href="/web/2014*/`+story+`">← 2014</a>`) || strings.Contains(b, `rel="next"`) {
		t.Errorf("2015 does not lead to 2014 alone:\n%s", b)
	}
	b = body(t, f.get(t, "/web/2030*/"+story)) // after the last capture: back to the last year with captures
	if !strings.Contains(b, `<a rel="prev" href="/web/2015*/`+story+`">← 2015</a>`) || strings.Contains(b, `rel="next"`) {
		t.Errorf("2030 does not lead back to 2015:\n%s", b)
	}
	if r := f.get(t, "/web/20140231*/"+story); r.StatusCode != 400 {
		t.Errorf("30 February: %d, want 400", r.StatusCode)
	}
	if r := f.getContent(t, "/web/2014*/"+story); r.StatusCode != 404 {
		t.Errorf("a calendar from the content origin: %d, want 404", r.StatusCode)
	}
}

// dayItems are the captures a day's list shows: time, then its marks.
func dayItems(page string) []string {
	var out []string
	for _, li := range regexp.MustCompile(`(?s)<li class="[a-z]+">(.*?)</li>`).FindAllStringSubmatch(page, -1) {
		out = append(out, stripTags(li[1]))
	}
	return out
}

func TestCalendarDayListsCapturesToTheSecondAndMarksChanges(t *testing.T) {
	f := calendarArchive(t, Options{})
	for _, c := range []struct {
		path string
		want []string
	}{
		{"/web/20140812*/" + story, []string{
			"2014-08-12 09:30:00 UTC first capture Floods",
			"2014-08-12 17:05:09 UTC unchanged revisit Floods", // a revisit has the text of the capture it repeats
		}},
		{"/web/2014*/" + story, []string{ // no day chosen: every day of the year
			"2014-08-12 09:30:00 UTC first capture Floods",
			"2014-08-12 17:05:09 UTC unchanged revisit Floods", // a revisit has the text of the capture it repeats
			"2014-08-13 09:30:00 UTC changed compare with previous Floods: bridge shut",
		}},
		{"/web/*/" + story, []string{
			"2015-01-02 03:04:05 UTC unchanged Floods: bridge shut", // the same bytes as B, though not a revisit
			"2015-03-01 23:59:58 UTC changed compare with previous Floods recede",
		}},
		{"/web/20150102*/" + story, []string{"2015-01-02 03:04:05 UTC unchanged Floods: bridge shut"}},
		{"/web/20150103*/" + story, nil},
	} {
		b := body(t, f.get(t, c.path))
		if got := dayItems(b); strings.Join(got, "\n") != strings.Join(c.want, "\n") {
			t.Errorf("%s: the day lists\n%s\nwant\n%s", c.path, strings.Join(got, "\n"), strings.Join(c.want, "\n"))
		}
	}
	b := body(t, f.get(t, "/web/20140812*/"+story))
	for _, want := range []string{
		`<td class="cap c2 chosen"><a href="/web/20140812*/` + story + `#d20140812"`,
		`href="/web/20140812170509/` + story + `"`,
		`<a href="/web/2014*/` + story + `">Every capture of 2014</a>`,
	} {
		if !strings.Contains(b, want) {
			t.Errorf("the calendar of 2014-08-12 lacks %s", want)
		}
	}
	b = body(t, f.get(t, "/web/2014*/"+story))
	if want := `href="/diff?url=` + "http%3A%2F%2Fnews.example%2Fstory.html" + `&amp;a=20140812170509&amp;b=20140813093000"`; !strings.Contains(b, want) {
		t.Errorf("the changed capture does not compare with the previous: want %s in\n%s", want, b)
	}
	if b := body(t, f.get(t, "/web/20150103*/"+story)); !strings.Contains(b, "No capture on this day.") {
		t.Errorf("a day without captures:\n%s", b)
	}
}
