package testsite

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/chromedp/cdproto/cdp"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/chromedp"
)

// sfnt is a TrueType font read back by a deliberately independent reader:
// the offset table, the directory and each table's bytes.
type sfnt struct {
	data   []byte
	tags   []string // in directory order
	tables map[string][]byte
}

// parseSFNT reads the offset table and table directory and checks what a
// sanitizer checks: the binary search header, sorted unique tags, aligned
// in-bounds non-overlapping tables, zero padding, and every checksum.
func parseSFNT(b []byte) (*sfnt, error) {
	be := binary.BigEndian
	if len(b) < 12 {
		return nil, fmt.Errorf("%d bytes: no offset table", len(b))
	}
	if v := be.Uint32(b); v != 0x00010000 {
		return nil, fmt.Errorf("sfntVersion %#08x, want 0x00010000 (TrueType)", v)
	}
	n := int(be.Uint16(b[4:]))
	pow := 1
	log2 := 0
	for pow*2 <= n {
		pow, log2 = pow*2, log2+1
	}
	if sr, es, rs := int(be.Uint16(b[6:])), int(be.Uint16(b[8:])), int(be.Uint16(b[10:])); sr != pow*16 || es != log2 || rs != n*16-pow*16 {
		return nil, fmt.Errorf("searchRange/entrySelector/rangeShift %d/%d/%d for %d tables, want %d/%d/%d", sr, es, rs, n, pow*16, log2, n*16-pow*16)
	}
	if len(b) < 12+16*n {
		return nil, fmt.Errorf("directory of %d tables truncated", n)
	}
	if len(b)%4 != 0 {
		return nil, fmt.Errorf("file length %d not a multiple of 4", len(b))
	}
	f := &sfnt{data: b, tables: map[string][]byte{}}
	type span struct{ off, end int }
	var spans []span
	for i := range n {
		e := b[12+16*i:]
		tag := string(e[:4])
		sum, off, length := be.Uint32(e[4:]), int(be.Uint32(e[8:])), int(be.Uint32(e[12:]))
		if i > 0 && tag <= f.tags[i-1] {
			return nil, fmt.Errorf("table %q after %q: directory not sorted", tag, f.tags[i-1])
		}
		if off%4 != 0 {
			return nil, fmt.Errorf("%s at offset %d: not 4-byte aligned", tag, off)
		}
		padded := (length + 3) &^ 3
		if off < 12+16*n || off+padded > len(b) {
			return nil, fmt.Errorf("%s at %d+%d: out of bounds", tag, off, length)
		}
		if slices.ContainsFunc(b[off+length:off+padded], func(c byte) bool { return c != 0 }) {
			return nil, fmt.Errorf("%s: non-zero padding", tag)
		}
		data := b[off : off+length]
		check := data
		if tag == "head" { // summed with checkSumAdjustment as zero
			check = slices.Clone(data)
			be.PutUint32(check[8:], 0)
		}
		if got := checksum(check); got != sum {
			return nil, fmt.Errorf("%s: checksum %#08x in the directory, table sums to %#08x", tag, sum, got)
		}
		f.tags = append(f.tags, tag)
		f.tables[tag] = data
		spans = append(spans, span{off, off + padded})
	}
	slices.SortFunc(spans, func(a, b span) int { return a.off - b.off })
	for i := 1; i < len(spans); i++ {
		if spans[i].off < spans[i-1].end {
			return nil, fmt.Errorf("tables overlap at offset %d", spans[i].off)
		}
	}
	if got := checksum(b); got != 0xB1B0AFBA {
		return nil, fmt.Errorf("whole font sums to %#08x, want 0xB1B0AFBA (checkSumAdjustment wrong)", got)
	}
	return f, nil
}

func checksum(b []byte) uint32 {
	var s uint32
	for i := 0; i < len(b); i += 4 {
		var w [4]byte
		copy(w[:], b[i:])
		s += binary.BigEndian.Uint32(w[:])
	}
	return s
}

func (f *sfnt) u16(tag string, off int) int { return int(binary.BigEndian.Uint16(f.tables[tag][off:])) }
func (f *sfnt) i16(tag string, off int) int {
	return int(int16(binary.BigEndian.Uint16(f.tables[tag][off:])))
}
func (f *sfnt) u32(tag string, off int) uint32 {
	return binary.BigEndian.Uint32(f.tables[tag][off:])
}

func (f *sfnt) numGlyphs() int { return f.u16("maxp", 4) }

// glyph returns glyph gid's bytes in glyf, by the long loca table.
func (f *sfnt) glyph(gid int) []byte {
	a, b := f.u32("loca", 4*gid), f.u32("loca", 4*gid+4)
	return f.tables["glyf"][a:b]
}

// advance is glyph gid's advance width from hmtx.
func (f *sfnt) advance(gid int) int {
	n := f.u16("hhea", 34)
	return f.u16("hmtx", 4*min(gid, n-1))
}

// cmapSubtable returns the subtable for a platform and encoding.
func (f *sfnt) cmapSubtable(platform, encoding int) []byte {
	c := f.tables["cmap"]
	be := binary.BigEndian
	for i := range int(be.Uint16(c[2:])) {
		r := c[4+8*i:]
		if int(be.Uint16(r)) == platform && int(be.Uint16(r[2:])) == encoding {
			return c[be.Uint32(r[4:]):]
		}
	}
	return nil
}

// lookup4 maps r through a format 4 subtable, as a shaper would.
func lookup4(t []byte, r rune) (int, error) {
	be := binary.BigEndian
	if f := be.Uint16(t); f != 4 {
		return 0, fmt.Errorf("cmap subtable format %d, want 4", f)
	}
	segX2 := int(be.Uint16(t[6:]))
	ends := t[14:]
	starts := t[16+segX2:]
	deltas := t[16+2*segX2:]
	ranges := t[16+3*segX2:]
	for i := 0; i < segX2; i += 2 {
		end := rune(be.Uint16(ends[i:]))
		if r > end {
			continue
		}
		start := rune(be.Uint16(starts[i:]))
		if r < start {
			return 0, nil
		}
		delta, ro := int(be.Uint16(deltas[i:])), int(be.Uint16(ranges[i:]))
		if ro == 0 {
			return (int(r) + delta) & 0xFFFF, nil
		}
		g := int(be.Uint16(ranges[i+ro+2*int(r-start):]))
		if g == 0 {
			return 0, nil
		}
		return (g + delta) & 0xFFFF, nil
	}
	return 0, fmt.Errorf("no segment ends at 0xFFFF")
}

// name returns a Windows Unicode English name record.
func (f *sfnt) name(id int) string {
	t := f.tables["name"]
	be := binary.BigEndian
	count, storage := int(be.Uint16(t[2:])), int(be.Uint16(t[4:]))
	for i := range count {
		r := t[6+12*i:]
		p, e, l, n := be.Uint16(r), be.Uint16(r[2:]), be.Uint16(r[4:]), int(be.Uint16(r[6:]))
		if p != 3 || e != 1 || l != 0x409 || n != id {
			continue
		}
		length, off := int(be.Uint16(r[8:])), int(be.Uint16(r[10:]))
		s := t[storage+off : storage+off+length]
		u := make([]uint16, len(s)/2)
		for j := range u {
			u[j] = be.Uint16(s[2*j:])
		}
		return string(utf16.Decode(u))
	}
	return ""
}

func mustParseFont(t *testing.T) *sfnt {
	t.Helper()
	f, err := parseSFNT(TrueTypeFont())
	if err != nil {
		t.Fatalf("TrueTypeFont: %v", err)
	}
	return f
}

func TestTrueTypeFontTables(t *testing.T) {
	f := mustParseFont(t)
	want := []string{"OS/2", "cmap", "glyf", "head", "hhea", "hmtx", "loca", "maxp", "name", "post"}
	if !slices.Equal(f.tags, want) {
		t.Fatalf("tables %q, want %q", f.tags, want)
	}
	for _, tag := range f.tags {
		t.Logf("%s %5d bytes", tag, len(f.tables[tag]))
	}
	t.Logf("font: %d bytes, %d glyphs", len(f.data), f.numGlyphs())

	if len(f.tables["head"]) != 54 || f.u32("head", 12) != 0x5F0F3CF5 || f.u16("head", 0) != 1 {
		t.Errorf("head: length %d, magic %#x, version %d", len(f.tables["head"]), f.u32("head", 12), f.u16("head", 0))
	}
	if upem := f.u16("head", 18); upem != 1000 {
		t.Errorf("unitsPerEm %d", upem)
	}
	if f.i16("head", 50) != 1 || f.i16("head", 52) != 0 {
		t.Errorf("indexToLocFormat %d, glyphDataFormat %d; want 1 and 0", f.i16("head", 50), f.i16("head", 52))
	}
	if len(f.tables["hhea"]) != 36 || f.u16("hhea", 0) != 1 || f.i16("hhea", 32) != 0 {
		t.Errorf("hhea: length %d, version %d, metricDataFormat %d", len(f.tables["hhea"]), f.u16("hhea", 0), f.i16("hhea", 32))
	}
	if len(f.tables["maxp"]) != 32 || f.u32("maxp", 0) != 0x00010000 {
		t.Errorf("maxp: length %d, version %#x; want 32 bytes, 1.0", len(f.tables["maxp"]), f.u32("maxp", 0))
	}
	if len(f.tables["OS/2"]) != 96 || f.u16("OS/2", 0) != 4 {
		t.Errorf("OS/2: length %d, version %d; want 96 bytes, version 4", len(f.tables["OS/2"]), f.u16("OS/2", 0))
	}
	if len(f.tables["post"]) != 32 || f.u32("post", 0) != 0x00030000 {
		t.Errorf("post: length %d, version %#x; want 32 bytes, 3.0", len(f.tables["post"]), f.u32("post", 0))
	}

	// One glyph count everywhere: maxp, loca, hmtx (and hhea ≤ it).
	n := f.numGlyphs()
	if n < 1+1+26+26+10 {
		t.Errorf("%d glyphs: too few for .notdef, space, letters and digits", n)
	}
	if l := len(f.tables["loca"]); l != 4*(n+1) {
		t.Errorf("loca: %d bytes for %d glyphs (long offsets)", l, n)
	}
	hm := f.u16("hhea", 34)
	if hm < 1 || hm > n || len(f.tables["hmtx"]) != 4*hm+2*(n-hm) {
		t.Errorf("hmtx: %d bytes, numberOfHMetrics %d, %d glyphs", len(f.tables["hmtx"]), hm, n)
	}
	prev := uint32(0)
	for i := 0; i <= n; i++ {
		o := f.u32("loca", 4*i)
		if o < prev || o%4 != 0 || int(o) > len(f.tables["glyf"]) {
			t.Fatalf("loca[%d] = %d after %d (glyf %d bytes)", i, o, prev, len(f.tables["glyf"]))
		}
		prev = o
	}

	// Every glyph parses, within the font's bounding box and maxp's limits.
	hxMin, hyMin, hxMax, hyMax := f.i16("head", 36), f.i16("head", 38), f.i16("head", 40), f.i16("head", 42)
	maxPoints, maxContours := f.u16("maxp", 6), f.u16("maxp", 8)
	for gid := range n {
		g := f.glyph(gid)
		if len(g) == 0 {
			continue
		}
		nc, pts, err := parseSimpleGlyph(g)
		if err != nil {
			t.Errorf("glyph %d: %v", gid, err)
			continue
		}
		be := binary.BigEndian
		x0, y0, x1, y1 := int(int16(be.Uint16(g[2:]))), int(int16(be.Uint16(g[4:]))), int(int16(be.Uint16(g[6:]))), int(int16(be.Uint16(g[8:])))
		if x0 < hxMin || y0 < hyMin || x1 > hxMax || y1 > hyMax {
			t.Errorf("glyph %d: box %d,%d–%d,%d outside head's %d,%d–%d,%d", gid, x0, y0, x1, y1, hxMin, hyMin, hxMax, hyMax)
		}
		if lsb := f.i16("hmtx", 4*gid+2); lsb != x0 {
			t.Errorf("glyph %d: lsb %d, xMin %d", gid, lsb, x0)
		}
		if nc > maxContours || len(pts) > maxPoints {
			t.Errorf("glyph %d: %d contours, %d points; maxp allows %d, %d", gid, nc, len(pts), maxContours, maxPoints)
		}
		for _, p := range pts {
			if p[0] < x0 || p[0] > x1 || p[1] < y0 || p[1] > y1 {
				t.Errorf("glyph %d: point %v outside its box", gid, p)
			}
		}
	}

	names := map[int]string{1: "Fixture Serif", 2: "Regular", 4: "Fixture Serif Regular", 5: "Version 1.000", 6: "FixtureSerif-Regular"}
	for id, w := range names {
		if got := f.name(id); got != w {
			t.Errorf("name %d = %q, want %q", id, got, w)
		}
	}
	if f.name(3) == "" {
		t.Errorf("no unique font identifier (name 3)")
	}
}

// parseSimpleGlyph decodes a simple glyph's points, checking its structure.
func parseSimpleGlyph(g []byte) (contours int, pts [][2]int, err error) {
	be := binary.BigEndian
	nc := int(int16(be.Uint16(g)))
	if nc <= 0 {
		return 0, nil, fmt.Errorf("%d contours: not a simple glyph", nc)
	}
	p := 10
	last := -1
	for range nc {
		e := int(be.Uint16(g[p:]))
		if e <= last {
			return 0, nil, fmt.Errorf("endPtsOfContours not increasing")
		}
		last, p = e, p+2
	}
	np := last + 1
	p += 2 + int(be.Uint16(g[p:])) // instructions
	flags := make([]byte, 0, np)
	for len(flags) < np {
		fl := g[p]
		p++
		if fl&0xC0 != 0 {
			return 0, nil, fmt.Errorf("reserved flag bits set: %#x", fl)
		}
		flags = append(flags, fl)
		if fl&0x08 != 0 {
			for range g[p] {
				flags = append(flags, fl)
			}
			p++
		}
	}
	coords := func(short, same byte) []int {
		v, out := 0, make([]int, np)
		for i, fl := range flags[:np] {
			switch {
			case fl&short != 0 && fl&same != 0:
				v += int(g[p])
				p++
			case fl&short != 0:
				v -= int(g[p])
				p++
			case fl&same == 0:
				v += int(int16(be.Uint16(g[p:])))
				p += 2
			}
			out[i] = v
		}
		return out
	}
	xs := coords(0x02, 0x10)
	ys := coords(0x04, 0x20)
	if len(g)-p > 3 {
		return 0, nil, fmt.Errorf("%d bytes after the coordinates", len(g)-p)
	}
	for i := range np {
		pts = append(pts, [2]int{xs[i], ys[i]})
	}
	return nc, pts, nil
}

func TestTrueTypeFontCmap(t *testing.T) {
	f := mustParseFont(t)
	win, uni := f.cmapSubtable(3, 1), f.cmapSubtable(0, 3)
	if win == nil || uni == nil {
		t.Fatalf("cmap lacks a subtable: (3,1) %v, (0,3) %v", win != nil, uni != nil)
	}
	n := f.numGlyphs()
	a, err := lookup4(win, 'A')
	if err != nil || a <= 0 || a >= n {
		t.Fatalf("cmap: 'A' → glyph %d (%v), want 0 < id < %d", a, err, n)
	}
	seen := map[int]rune{}
	for _, r := range "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789" {
		g, err := lookup4(win, r)
		if err != nil {
			t.Fatal(err)
		}
		if g2, _ := lookup4(uni, r); g2 != g {
			t.Errorf("%q: glyph %d under 3/1, %d under 0/3", r, g, g2)
		}
		if g <= 0 || g >= n {
			t.Errorf("%q → glyph %d, want 0 < id < %d", r, g, n)
			continue
		}
		if o, dup := seen[g]; dup {
			t.Errorf("%q and %q share glyph %d", o, r, g)
		}
		seen[g] = r
		if len(f.glyph(g)) == 0 || f.advance(g) == 0 {
			t.Errorf("%q → glyph %d: no outline or no advance", r, g)
		}
		if f.advance(g) != FontAdvance(r) {
			t.Errorf("%q: advance %d, FontAdvance says %d", r, f.advance(g), FontAdvance(r))
		}
	}
	sp, _ := lookup4(win, ' ')
	if sp <= 0 || len(f.glyph(sp)) != 0 || f.advance(sp) == 0 {
		t.Errorf("space → glyph %d, outline %d bytes, advance %d; want an empty glyph with an advance", sp, len(f.glyph(sp)), f.advance(sp))
	}
	for _, r := range []rune{'é', '\t', 0x4E2D, 0xFFFF} {
		if g, err := lookup4(win, r); g != 0 || err != nil {
			t.Errorf("%U → glyph %d (%v), want .notdef", r, g, err)
		}
	}
	// The advances differ, so the font's widths cannot pass for a fallback's.
	widths := map[int]bool{}
	for r := 'A'; r <= 'Z'; r++ {
		widths[FontAdvance(r)] = true
	}
	if len(widths) < 3 {
		t.Errorf("capitals have %d distinct advances", len(widths))
	}
}

func TestTrueTypeFontIsACopy(t *testing.T) {
	a := TrueTypeFont()
	a[0] = 0xFF
	if b := TrueTypeFont(); b[0] != 0 || !bytes.Equal(b[1:], a[1:]) {
		t.Errorf("TrueTypeFont is not a stable fresh copy")
	}
}

func TestSiteServesTheFont(t *testing.T) {
	s := &Site{}
	rec := httptest.NewRecorder()
	s.serveMain(rec, httptest.NewRequest("GET", "/fonts/serif.ttf", nil))
	if rec.Code != 200 || rec.Header().Get("Content-Type") != "font/ttf" || !bytes.Equal(rec.Body.Bytes(), TrueTypeFont()) {
		t.Errorf("/fonts/serif.ttf: %d %q, %d bytes", rec.Code, rec.Header().Get("Content-Type"), rec.Body.Len())
	}
	rec = httptest.NewRecorder()
	s.serveMain(rec, httptest.NewRequest("GET", "/css/fonts.css", nil))
	if !strings.Contains(rec.Body.String(), `src: url("/fonts/serif.ttf") format("truetype");`) {
		t.Errorf("fonts.css does not load the TrueType font:\n%s", rec.Body.String())
	}
	if !slices.Contains(MainRequisites, "/fonts/serif.ttf") {
		t.Errorf("MainRequisites lacks /fonts/serif.ttf")
	}
}

// fontSample is the text the browser test measures; fontPage shows it in
// the fixture font through the site's own stylesheet and font URL, and
// declares "Broken Serif", a copy with a bad head.magicNumber, which the
// browser must refuse: the control that shows a bad font fails the test.
const fontSample = "Vellum 0123456789 ABCDEFGHIJKLM nopqrstuvwxyz"

const fontPage = `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>font</title>
<link rel="stylesheet" href="/css/fonts.css">
<style>@font-face { font-family: "Broken Serif"; src: url("/fonts/broken.ttf") format("truetype"); }</style>
</head><body>
<p><span id="sample" style="font: 16px 'Fixture Serif', serif; white-space: pre">` + fontSample + `</span></p>
</body></html>`

// fontReport is what the page reports about the font.
type fontReport struct {
	Faces    []string  `json:"faces"` // family/status of each face load() returned
	Check    bool      `json:"check"`
	InFont   float64   `json:"inFont"`   // canvas width in "Fixture Serif"
	Fallback float64   `json:"fallback"` // canvas width in serif
	Span     float64   `json:"span"`     // laid-out width of the sample span
	Glyph    []float64 `json:"glyph"`    // width and ascent of "A" in the font
	Broken   string    `json:"broken"`   // what became of the broken copy
}

const fontScript = `(async () => {
  const faces = await document.fonts.load('16px "Fixture Serif"');
  const c = document.createElement("canvas").getContext("2d");
  const text = document.getElementById("sample").textContent;
  c.font = '16px "Fixture Serif", serif';
  const inFont = c.measureText(text).width;
  const m = c.measureText("A");
  c.font = '16px serif';
  const fallback = c.measureText(text).width;
  return {
    faces: faces.map(f => f.family + "/" + f.status),
    check: document.fonts.check('16px "Fixture Serif"'),
    inFont, fallback,
    span: document.getElementById("sample").getBoundingClientRect().width,
    glyph: [m.width, m.actualBoundingBoxAscent],
    broken: await document.fonts.load('16px "Broken Serif"').then(
      f => f.map(x => x.status).join(",") || "no faces", e => "rejected: " + e.name),
  };
})()`

// TestTrueTypeFontLoadsInChromium is the decisive check: Chromium runs web
// fonts through the OpenType Sanitizer and refuses any it finds wrong, so
// the font loading and laying text out at its own advances proves it valid.
func TestTrueTypeFontLoadsInChromium(t *testing.T) {
	path := os.Getenv("CHROMIUM")
	if path == "" {
		path = "/usr/bin/chromium"
	}
	if _, err := exec.LookPath(path); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("Chromium not found at %s (CI=true); `make test` installs Debian's chromium", path)
		}
		t.Logf("Chromium not found at %s: the font is not checked in a browser", path)
		return
	}

	site := &Site{}
	mux := http.NewServeMux()
	mux.HandleFunc("/{$}", func(w http.ResponseWriter, r *http.Request) { html(w, fontPage) })
	mux.HandleFunc("/css/fonts.css", site.serveMain)
	mux.HandleFunc("/fonts/serif.ttf", site.serveMain)
	mux.HandleFunc("/favicon.ico", site.serveMain)
	broken := TrueTypeFont()
	head := int(binary.BigEndian.Uint32(broken[12+16*slices.Index(mustParseFont(t).tags, "head")+8:]))
	broken[head+12] ^= 0xFF // magicNumber
	mux.HandleFunc("/fonts/broken.ttf", func(w http.ResponseWriter, r *http.Request) { blob(w, "font/ttf", broken) })
	srv := httptest.NewServer(mux) // on 127.0.0.1
	defer srv.Close()

	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	ctx, cancelCtx := chromedp.NewContext(actx)
	defer cancelCtx()
	ctx, cancelTimeout := context.WithTimeout(ctx, 60*time.Second)
	defer cancelTimeout()

	// The browser's console: OTS explains there why it rejects a font.
	var mu sync.Mutex
	var console []string
	chromedp.Listen(ctx, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		if e, ok := ev.(*cdplog.EventEntryAdded); ok {
			console = append(console, fmt.Sprintf("%s: %s", e.Entry.Level, e.Entry.Text))
		}
	})
	defer func() {
		mu.Lock()
		defer mu.Unlock()
		for _, l := range console {
			t.Logf("chromium console: %s", l)
		}
	}()
	if _, err := chromedp.Call(ctx, cdplog.Enable, cdp.Empty{}); err != nil {
		t.Fatalf("chromium: %v", err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/")); err != nil {
		t.Fatalf("chromium: %v", err)
	}
	rep, err := chromedp.Run(ctx, chromedp.Evaluate[fontReport](fontScript, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("document.fonts.load: %v (Chromium rejected the font)", err)
	}
	t.Logf("faces %v, check %v; %q is %.2fpx in Fixture Serif (span %.2fpx), %.2fpx in serif; \"A\" %.2fpx wide, %.2fpx tall; Broken Serif %s",
		rep.Faces, rep.Check, fontSample, rep.InFont, rep.Span, rep.Fallback, rep.Glyph[0], rep.Glyph[1], rep.Broken)
	mu.Lock()
	for _, l := range console {
		if strings.Contains(l, "/fonts/serif.ttf") {
			t.Errorf("Chromium complained about the font: %s", l)
		}
	}
	mu.Unlock()
	if !strings.HasPrefix(rep.Broken, "rejected") {
		t.Errorf("Chromium took the font with a bad magic number (%s): this test cannot tell a bad font", rep.Broken)
	}

	if len(rep.Faces) == 0 {
		t.Fatalf(`document.fonts.load('16px "Fixture Serif"') resolved to no faces`)
	}
	for _, f := range rep.Faces {
		if f != FontFamily+"/loaded" {
			t.Errorf("face %s, want %s/loaded", f, FontFamily)
		}
	}
	if !rep.Check {
		t.Errorf(`document.fonts.check('16px "Fixture Serif"') is false`)
	}
	if rep.InFont == rep.Fallback {
		t.Errorf("the sample is %.2fpx in the font and in the fallback: the font is not used", rep.InFont)
	}
	// At 16px and 1000 units per em every advance is a whole number of
	// pixels, so the width is exactly the font's own.
	want := 0.0
	for _, r := range fontSample {
		want += float64(FontAdvance(r)) * 16 / 1000
	}
	if math.Abs(rep.InFont-want) > 0.5 || math.Abs(rep.Span-want) > 0.5 {
		t.Errorf("the sample is %.2fpx on canvas, %.2fpx laid out; its advances in the font add to %.2fpx", rep.InFont, rep.Span, want)
	}
	if a := float64(FontAdvance('A')) * 16 / 1000; math.Abs(rep.Glyph[0]-a) > 0.5 || math.Abs(rep.Glyph[1]-fontCapHeight*16/1000.0) > 1 {
		t.Errorf(`"A" measures %.2fpx by %.2fpx, want %.2fpx by %.2fpx (its box)`, rep.Glyph[0], rep.Glyph[1], a, fontCapHeight*16/1000.0)
	}
}
