package main

import (
	"cmp"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/vellumhq/vellum/index"
	"github.com/vellumhq/vellum/internal/layout"
	"github.com/vellumhq/vellum/warc"
)

// generator makes the synthetic archive. Its output depends on the seed only.
type generator struct {
	rng      *rand.Rand
	hosts    []string // "https://www.example-news-12.com"
	urlCount int
}

var (
	sections = []string{"world", "politics", "business", "tech", "science", "health", "sport", "culture",
		"opinion", "local", "climate", "travel", "food", "books", "markets", "education"}
	words = strings.Fields(`council election budget storm river school hospital court rail bridge
		market startup vaccine drought festival museum harbour strike summit minister mayor police
		energy wind solar housing rent union league final record museum island coast mountain
		forest farm water city village report inquiry study data climate ocean space rocket`)
	tlds      = []string{"com", "com", "com", "org", "net", "co.uk", "de", "fr", "it", "es", "nl", "com.au", "ca", "in"}
	subdomain = []string{"www", "www", "www", "news", "m", "", "edition", "local"}
)

func newGenerator(seed uint64) *generator {
	g := &generator{rng: rand.New(rand.NewPCG(seed, 0x7e11))}
	sites := 2500
	for i := range sites {
		name := fmt.Sprintf("%s-%s-%d", words[g.rng.IntN(len(words))], []string{"news", "times", "post", "herald", "daily", "tribune", "gazette"}[g.rng.IntN(7)], i)
		tld := tlds[g.rng.IntN(len(tlds))]
		scheme := "https"
		if g.rng.IntN(5) == 0 {
			scheme = "http"
		}
		host := name + "." + tld
		if s := subdomain[g.rng.IntN(len(subdomain))]; s != "" {
			host = s + "." + host
		}
		if g.rng.IntN(100) == 0 {
			host += ":8080"
		}
		g.hosts = append(g.hosts, scheme+"://"+host)
		if g.rng.IntN(3) == 0 { // a static host for media
			g.hosts = append(g.hosts, "https://static."+name+"."+tld)
		}
	}
	return g
}

// kind is one sort of archived resource, with how often it occurs.
type kind struct {
	weight       int
	mime         string
	minLen       int64
	maxLen       int64
	revisitShare int // percent of later captures that are revisits
}

var kinds = []kind{
	{40, "text/html", 4_000, 90_000, 10},
	{24, "image/jpeg", 8_000, 600_000, 80},
	{6, "image/png", 1_000, 200_000, 80},
	{6, "image/webp", 4_000, 300_000, 80},
	{8, "text/css", 2_000, 60_000, 90},
	{9, "application/javascript", 3_000, 250_000, 85},
	{2, "font/woff2", 15_000, 90_000, 95},
	{3, "application/json", 500, 20_000, 20},
	{2, "image/svg+xml", 500, 20_000, 90},
}

// captures returns n captures sorted the way they were written: by time,
// with filenames and offsets following from that order.
func (g *generator) captures(n int) []index.Capture {
	caps := make([]index.Capture, 0, n)
	epoch := time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	span := time.Date(2025, 12, 31, 0, 0, 0, 0, time.UTC).Unix() - epoch
	for len(caps) < n {
		g.urlCount++
		u, k := g.url()
		key, err := warc.SURT(u)
		if err != nil {
			continue
		}
		times := g.captureCount()
		first := epoch + g.rng.Int64N(span)
		t := first
		var digest string
		var firstTS string
		for j := 0; j < times && len(caps) < n; j++ {
			ts := warc.Timestamp14(time.Unix(t, 0))
			c := index.Capture{
				URLKey: key, Timestamp: ts, URL: u, Type: warc.TypeResponse, MIME: k.mime, Status: 200,
				Digest: digest, Length: k.minLen + g.rng.Int64N(k.maxLen-k.minLen), RecordID: g.recordID(),
			}
			switch {
			case j > 0 && g.rng.IntN(100) < k.revisitShare:
				c.Type, c.MIME = warc.TypeRevisit, "warc/revisit"
				c.Length = 500 + g.rng.Int64N(400)
				c.RefersToURL, c.RefersToTimestamp = u, firstTS
			case k.mime == "text/html" && g.rng.IntN(40) == 0:
				c.Status = []int{301, 302, 404, 503}[g.rng.IntN(4)]
				c.Length = 400 + g.rng.Int64N(800)
				c.MIME = "text/html"
				fallthrough
			default:
				digest, firstTS = g.digest(), ts
				c.Digest = digest
			}
			caps = append(caps, c)
			// Fronts are captured hours apart, articles days to months.
			if strings.HasSuffix(u, "/") {
				t += 3600 + g.rng.Int64N(7*86400)
			} else {
				t += 86400 + g.rng.Int64N(120*86400)
			}
		}
	}
	// Sorting indexes rather than the 200-byte rows is several times faster.
	order := make([]int32, len(caps))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(a, b int32) int {
		return cmp.Or(cmp.Compare(caps[a].Timestamp, caps[b].Timestamp), cmp.Compare(a, b))
	})
	sorted := make([]index.Capture, len(caps))
	for i, j := range order {
		sorted[i] = caps[j]
	}
	g.place(sorted)
	return sorted
}

// captureCount is how often one URL was captured: 1–20, mostly a few times.
func (g *generator) captureCount() int {
	r := g.rng.Float64()
	return 1 + int(19*r*r*r)
}

// url returns a new URL and the kind of resource it is.
func (g *generator) url() (string, kind) {
	host := g.hosts[g.rng.IntN(len(g.hosts))]
	w := g.rng.IntN(100)
	var k kind
	for _, c := range kinds {
		if w < c.weight {
			k = c
			break
		}
		w -= c.weight
	}
	if k.mime == "" {
		k = kinds[0]
	}
	year, month, day := 2015+g.rng.IntN(11), 1+g.rng.IntN(12), 1+g.rng.IntN(28)
	sec := sections[g.rng.IntN(len(sections))]
	id := g.rng.IntN(10_000_000)
	switch k.mime {
	case "text/html":
		switch g.rng.IntN(10) {
		case 0:
			return host + "/", k
		case 1:
			return fmt.Sprintf("%s/%s/", host, sec), k
		case 2:
			return fmt.Sprintf("%s/tag/%s-%s/?page=%d", host, g.word(), g.word(), 1+g.rng.IntN(5)), k
		default:
			return fmt.Sprintf("%s/%d/%02d/%02d/%s/%s-%s-%s-%d.html", host, year, month, day, sec, g.word(), g.word(), g.word(), id), k
		}
	case "text/css":
		return fmt.Sprintf("%s/assets/css/%s.%x.css?v=%d", host, sec, id, g.rng.IntN(50)), k
	case "application/javascript":
		return fmt.Sprintf("%s/assets/js/%s-%x.js", host, []string{"app", "vendor", "ads", "analytics", "player"}[g.rng.IntN(5)], id), k
	case "font/woff2":
		return fmt.Sprintf("%s/fonts/%s-%d.woff2", host, []string{"serif", "sans", "mono"}[g.rng.IntN(3)], id%8*100+100), k
	case "application/json":
		return fmt.Sprintf("%s/api/%s/latest.json?since=%d", host, sec, id), k
	}
	ext := map[string]string{"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp", "image/svg+xml": "svg"}[k.mime]
	return fmt.Sprintf("%s/images/%d/%02d/%s-%x-%dw.%s", host, year, month, g.word(), id, []int{320, 640, 1024, 1600}[g.rng.IntN(4)], ext), k
}

func (g *generator) word() string { return words[g.rng.IntN(len(words))] }

func (g *generator) digest() string {
	var b [32]byte
	for i := 0; i < len(b); i += 8 {
		v := g.rng.Uint64()
		for j := range 8 {
			b[i+j] = byte(v >> (8 * j))
		}
	}
	return "sha256:" + hex.EncodeToString(b[:])
}

func (g *generator) recordID() string {
	var b [16]byte
	for i := 0; i < len(b); i += 8 {
		v := g.rng.Uint64()
		for j := range 8 {
			b[i+j] = byte(v >> (8 * j))
		}
	}
	b[6], b[8] = b[6]&0x0f|0x40, b[8]&0x3f|0x80
	h := hex.EncodeToString(b[:])
	return "<urn:uuid:" + h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:] + ">"
}

// place gives time-ordered captures their WARC files and offsets: a run per
// day, files of that day rotating at 1 GiB, each response preceded by its
// request record.
func (g *generator) place(caps []index.Capture) {
	const rotate = 1 << 30
	var day, name string
	var serial int
	var off int64
	for i := range caps {
		c := &caps[i]
		if d := c.Timestamp[:8]; d != day || off >= rotate {
			if d != day {
				serial = 0
			}
			day, serial, off = d, serial+1, 0
			date, _ := time.Parse("20060102", d)
			name = fmt.Sprintf("%s/%s%s-%05d.warc.gz", layout.Day(date), d, "120000", serial)
			off = 600 // the warcinfo record
		}
		off += 300 + g.rng.Int64N(200) // the request record
		c.Filename, c.Offset = name, off
		off += c.Length
	}
}
