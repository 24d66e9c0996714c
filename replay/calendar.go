package replay

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/vellumhq/vellum/index"
	"github.com/vellumhq/vellum/warc"
)

// The calendar of a URL is the Wayback Machine's: /web/*/<url> shows the
// year of its latest capture, /web/2014*/<url> the year 2014 and
// /web/20140812*/<url> that year with the captures of 12 August 2014 listed.
// The choice is in the path, not the query, which belongs to the archived URL.

// calCapture is one capture in a day's list.
type calCapture struct {
	Time, Replay, Title, Screenshot, Compare string
	Change                                   string // "changed", "unchanged" or "first": its payload against the previous capture's
	Revisit                                  bool
}

// calDay is a day with captures, listed under the grid.
type calDay struct {
	Date, ID, Link string
	Captures       []calCapture
}

// calCell is a day in a month grid; Day 0 is a blank before the 1st or
// after the last.
type calCell struct {
	Day, Count, Level int
	Link              string
	Chosen            bool
}

type calMonth struct {
	Name  string
	Count int
	Weeks [][]calCell
}

// chartYear is one year of the bar chart: a bar per month.
type chartYear struct {
	Year    int
	Link    string
	Current bool
	Count   int
	Months  [12]chartBar
}

type chartBar struct {
	Label        string
	Count, Level int
}

// calendarPath splits "<digits>*/<url>", the calendar of url for a year
// (4 digits), a month (6, shown as its year) or a day (8).
func calendarPath(rest string) (sel, url string, ok bool) {
	i := 0
	for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
		i++
	}
	if (i != 4 && i != 6 && i != 8) || !strings.HasPrefix(rest[i:], "*/") {
		return "", "", false
	}
	return rest[:i], rest[i+2:], true
}

// handleCalendar shows the captures of a URL by year, month and day (sel is
// "", a year, a month or a day), or, for a URL ending in "*", the URLs
// captured under that prefix.
func (s *Server) handleCalendar(w http.ResponseWriter, r *http.Request, rest, sel string) {
	if sel == "" && strings.HasSuffix(rest, "*") && (r.URL.RawQuery == "" || r.URL.RawQuery == "all=1") {
		s.handleList(w, r, rest, r.URL.RawQuery == "all=1")
		return
	}
	original, err := normalizeArchived(rest, r.URL.RawQuery)
	if err != nil {
		s.badRequest(w, r, err.Error())
		return
	}
	key, caps, ok := s.capturesOf(w, r, original)
	if !ok {
		return
	}
	pages, _ := s.idx.PageHeads(r.Context(), key) // titles and texts are a help: the calendar stands without them
	texts := textSources(caps, pages)
	last := caps[len(caps)-1]
	year, day := captureTime(last.Timestamp).Year(), ""
	if sel != "" {
		year, _ = strconv.Atoi(sel[:4])
	}
	if len(sel) == 8 {
		if _, err := time.Parse("20060102", sel); err != nil {
			s.badRequest(w, r, "calendar: "+sel+" is not a day")
			return
		}
		day = sel
	}
	link := func(sel string) string { return Prefix + sel + "*/" + original }
	chart := monthChart(caps, year, link)
	data := map[string]any{
		"Title": original, "Query": original, "URL": original, "Total": len(caps), "Year": year,
		"PageTitle": texts[last.Timestamp].Title, "TimeMap": Prefix + "timemap/link/" + original,
		"Latest": mementoURL(Prefix, last.Timestamp, "", last.URL), "LatestTime": uiTime(last.Timestamp),
		"First": uiTime(caps[0].Timestamp), "YearLink": link(strconv.Itoa(year)),
		"Chart": chart, "Months": yearGrid(caps, year, day, link),
	}
	// The year navigation steps to the nearest years with captures.
	for _, y := range chart {
		if y.Count > 0 && y.Year < year {
			data["PrevYear"], data["PrevYearLink"] = y.Year, y.Link
		}
		if y.Count > 0 && y.Year > year && data["NextYear"] == nil {
			data["NextYear"], data["NextYearLink"] = y.Year, y.Link
		}
	}
	days := s.dayLists(r, caps, texts, strconv.Itoa(year), day, link)
	if day != "" {
		data["Day"] = captureTime(day + "000000").Format("2006-01-02")
		if len(days) == 1 {
			data["Chosen"] = days[0]
		}
	} else {
		data["Days"] = days
	}
	s.render(w, http.StatusOK, "calendar.html", data)
}

// dayLists lists the captures of each day of the year (or of the one day
// when day is set), marking each whose payload differs from the previous
// capture's, with its title, its screenshot when it has one, and the word
// diff with the previous capture when texts holds both.
func (s *Server) dayLists(r *http.Request, caps []index.Capture, texts map[string]index.Page, year, day string, link func(string) string) []calDay {
	var days []calDay
	shots := map[string][]index.Capture{} // by page URL: the captures of one key may spell it differently
	prev := ""                            // payload digest of the previous capture
	for i, c := range caps {
		change := "first"
		if i > 0 {
			change = "unchanged"
			if c.Digest != prev && c.Digest != "" && prev != "" {
				change = "changed"
			}
		}
		prev = c.Digest
		if !strings.HasPrefix(c.Timestamp, year) || (day != "" && !strings.HasPrefix(c.Timestamp, day)) {
			continue
		}
		d := c.Timestamp[:8]
		if len(days) == 0 || days[len(days)-1].ID != "d"+d {
			days = append(days, calDay{Date: captureTime(d + "000000").Format("2006-01-02"), ID: "d" + d, Link: link(d) + "#d" + d})
		}
		cc := calCapture{Time: uiTime(c.Timestamp), Title: texts[c.Timestamp].Title, Change: change,
			Replay: mementoURL(Prefix, c.Timestamp, "", c.URL), Revisit: c.Type == warc.TypeRevisit}
		if change == "changed" && hasText(texts, caps[i-1].Timestamp) && hasText(texts, c.Timestamp) {
			cc.Compare = comparePath(c.URL, caps[i-1].Timestamp, c.Timestamp)
		}
		if _, ok := shots[c.URL]; !ok {
			shots[c.URL] = s.screenshots(r.Context(), c.URL)
		}
		if shot, ok := screenshotNear(shots[c.URL], c.Timestamp); ok {
			cc.Screenshot = s.screenshotLink(shot)
		}
		days[len(days)-1].Captures = append(days[len(days)-1].Captures, cc)
	}
	return days
}

func hasText(texts map[string]index.Page, ts string) bool {
	_, ok := texts[ts]
	return ok
}

// monthChart counts the captures of each month of every year from the
// first capture's to the last's, each bar's height a tenth of the busiest
// month's at most: CSS classes, as the UI's CSP allows no inline style.
func monthChart(caps []index.Capture, current int, link func(string) string) []chartYear {
	first, last := captureTime(caps[0].Timestamp).Year(), captureTime(caps[len(caps)-1].Timestamp).Year()
	years := make([]chartYear, last-first+1)
	for i := range years {
		y := first + i
		years[i] = chartYear{Year: y, Link: link(strconv.Itoa(y)), Current: y == current}
	}
	busiest := 0
	for _, c := range caps {
		t := captureTime(c.Timestamp)
		y := &years[t.Year()-first]
		y.Count++
		y.Months[t.Month()-1].Count++
		busiest = max(busiest, y.Months[t.Month()-1].Count)
	}
	for i := range years {
		for m := range years[i].Months {
			b := &years[i].Months[m]
			b.Level = (b.Count*10 + busiest - 1) / busiest // a month with one capture still shows
			b.Label = time.Month(m + 1).String()[:3] + " " + strconv.Itoa(years[i].Year) + ": " + plural(b.Count, "capture")
		}
	}
	return years
}

// yearGrid is the year's twelve months as weeks from Monday, each day with
// its number of captures.
func yearGrid(caps []index.Capture, year int, day string, link func(string) string) []calMonth {
	counts := map[string]int{} // YYYYMMDD → captures
	ys := strconv.Itoa(year)
	for _, c := range caps {
		if strings.HasPrefix(c.Timestamp, ys) {
			counts[c.Timestamp[:8]]++
		}
	}
	months := make([]calMonth, 12)
	for m := range months {
		first := time.Date(year, time.Month(m+1), 1, 0, 0, 0, 0, time.UTC)
		n := first.AddDate(0, 1, -1).Day()
		cells := make([]calCell, (int(first.Weekday())+6)%7, 42)
		for d := 1; d <= n; d++ {
			id := first.AddDate(0, 0, d-1).Format("20060102")
			c := calCell{Day: d, Count: counts[id], Chosen: id == day}
			if c.Count > 0 {
				c.Link = link(id) + "#d" + id
				c.Level = dayLevel(c.Count)
				months[m].Count += c.Count
			}
			cells = append(cells, c)
		}
		for len(cells)%7 != 0 {
			cells = append(cells, calCell{})
		}
		months[m].Name = first.Month().String()
		for i := 0; i < len(cells); i += 7 {
			months[m].Weeks = append(months[m].Weeks, cells[i:i+7])
		}
	}
	return months
}

// dayLevel is how strongly a day with n captures is marked.
func dayLevel(n int) int {
	switch {
	case n >= 10:
		return 4
	case n >= 4:
		return 3
	case n >= 2:
		return 2
	}
	return 1
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return strconv.Itoa(n) + " " + what + "s"
}
