package index

import (
	"encoding/json"
	"fmt"

	"github.com/vellumhq/vellum/warc"
)

// Capture is one replayable record (response, revisit or resource): the
// fields of its CDXJ line.
type Capture struct {
	URLKey            string // SURT
	Timestamp         string // 14 digits, UTC
	URL               string
	Type              string // WARC-Type
	MIME              string
	Status            int
	Digest            string // payload digest, "sha256:<hex>"
	Length            int64
	Offset            int64
	Filename          string // relative to the archive directory
	RecordID          string
	RefersToURL       string // revisits only
	RefersToTimestamp string // revisits only, 14 digits
	Truncated         string // WARC-Truncated: "" for a whole record (CDXJ lines do not say)
}

// Page is the article metadata of one captured HTML page, from its metadata
// record.
type Page struct {
	RecordID     string // of the metadata record
	ConcurrentTo string // record ID of the page's response
	URLKey       string
	Timestamp    string
	URL          string
	Filename     string
	Offset       int64
	PageMeta
}

// PageMeta is the part of a metadata record's JSON that the index keeps.
// The field names are those of the metadata record (DESIGN §4).
type PageMeta struct {
	Title        string   `json:"title"`
	Authors      []string `json:"authors"`
	Published    string   `json:"published"`
	SiteName     string   `json:"site_name"`
	CanonicalURL string   `json:"canonical_url"`
	Language     string   `json:"language"`
	Description  string   `json:"description"`
	Image        string   `json:"image"`
	Text         string   `json:"text"`
}

// CaptureOf turns a written or read WARC record into its index row.
func CaptureOf(e warc.Entry) (Capture, error) {
	key, err := warc.SURT(e.TargetURI)
	if err != nil {
		return Capture{}, fmt.Errorf("index: %s: %w", e.TargetURI, err)
	}
	c := Capture{
		URLKey:    key,
		Timestamp: warc.Timestamp14(e.Date),
		URL:       e.TargetURI,
		Type:      e.Type,
		MIME:      e.MIME,
		Status:    e.Status,
		Digest:    e.PayloadDigest,
		Length:    e.Length,
		Offset:    e.Offset,
		Filename:  e.Filename,
		RecordID:  e.ID,
		Truncated: e.Truncated,
	}
	if e.Type == warc.TypeRevisit {
		c.RefersToURL = e.RefersToURI
		if !e.RefersToDate.IsZero() {
			c.RefersToTimestamp = warc.Timestamp14(e.RefersToDate)
		}
	}
	return c, nil
}

// PageOf turns a metadata record and its JSON block into its index row. The
// record may be of either form (see IsPage): the page's URL is its target
// without "urn:pageinfo:".
func PageOf(e warc.Entry, block []byte) (Page, error) {
	var m PageMeta
	if err := json.Unmarshal(block, &m); err != nil {
		return Page{}, fmt.Errorf("index: metadata %s: %w", e.ID, err)
	}
	page := warc.PageOfInfo(e.TargetURI)
	key, err := warc.SURT(page)
	if err != nil {
		return Page{}, fmt.Errorf("index: %s: %w", page, err)
	}
	if m.Authors == nil {
		m.Authors = []string{}
	}
	return Page{
		RecordID:     e.ID,
		ConcurrentTo: e.ConcurrentTo,
		URLKey:       key,
		Timestamp:    warc.Timestamp14(e.Date),
		URL:          page,
		Filename:     e.Filename,
		Offset:       e.Offset,
		PageMeta:     m,
	}, nil
}

// IsPage reports whether a record is one of Vellum's article metadata
// records: JSON in a metadata record, at "urn:pageinfo:<url>" as written
// now, or at the page's own URL as archives written before it hold them.
func IsPage(e warc.Entry) bool {
	return e.Type == warc.TypeMetadata && e.MIME == "application/json"
}
