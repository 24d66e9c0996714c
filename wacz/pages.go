package wacz

import (
	"archive/zip"
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"
)

// PagesPath is the page list inside a WACZ.
const PagesPath = "pages/pages.jsonl"

// pagesHeader is the first line of pages.jsonl.
const pagesHeader = `{"format":"json-pages-1.0","id":"pages","title":"All Pages","hasText":true}`

// Page is one line of pages.jsonl: an archived page, with its title and main
// text so ReplayWeb.page can list and search it.
type Page struct {
	ID    string    `json:"id,omitempty"`
	URL   string    `json:"url"`
	TS    time.Time `json:"ts"`
	Title string    `json:"title,omitempty"`
	Text  string    `json:"text,omitempty"`
}

// AddPage lists a page in pages.jsonl.
func (w *Writer) AddPage(p Page) error {
	p.TS = p.TS.UTC()
	b, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("wacz: page %s: %w", p.URL, err)
	}
	return w.pages.writeLine(string(b))
}

func (w *Writer) writePages() error {
	r, err := w.pages.reader()
	if err != nil {
		return err
	}
	res, err := w.addFile(PagesPath, zip.Deflate, io.MultiReader(strings.NewReader(pagesHeader+"\n"), r))
	if err == nil {
		w.resources = append(w.resources, res)
	}
	return err
}

// readPages calls fn with every page of a pages.jsonl stream, skipping its
// header line (the first line holding a "format" member). A line that is
// not a page is reported to bad with its line number.
func readPages(r io.Reader, fn func(Page) error, bad func(line int, err error)) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 64<<20)
	for n := 1; sc.Scan(); n++ {
		b := sc.Bytes()
		if len(b) == 0 {
			continue
		}
		var p struct {
			Page
			Format string `json:"format"`
			TS     string `json:"ts"`
		}
		if err := json.Unmarshal(b, &p); err != nil {
			bad(n, err)
			continue
		}
		if p.Format != "" {
			continue
		}
		pg := p.Page
		if p.URL == "" {
			bad(n, fmt.Errorf("no url"))
			continue
		}
		t, err := parsePageTS(p.TS)
		if err != nil {
			bad(n, err)
			continue
		}
		pg.TS = t
		if err := fn(pg); err != nil {
			return err
		}
	}
	return sc.Err()
}

// parsePageTS reads a page's ts: ISO 8601 as py-wacz and ReplayWeb.page
// write it, or 14 digits.
func parsePageTS(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	for _, l := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), nil
		}
	}
	if t, err := time.Parse("20060102150405", s); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("bad ts %q", s)
}
