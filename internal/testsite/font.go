package testsite

import (
	"bytes"
	"encoding/binary"
	"slices"
	"sync"
	"unicode/utf16"
)

// Names and metrics of the fixture font. The font has 1000 units per em and
// every advance is a multiple of 125 units, so at 16px each glyph is a whole
// number of pixels wide and a test can predict a string's width exactly.
const (
	FontFamily     = "Fixture Serif"
	fontSubfamily  = "Regular"
	fontFullName   = "Fixture Serif Regular"
	fontPSName     = "FixtureSerif-Regular"
	fontVersion    = "Version 1.000"
	fontUnitsPerEm = 1000

	fontAscender  = 800
	fontDescender = -200
	fontLineGap   = 200
	fontCapHeight = 700
	fontXHeight   = 500

	fontFirstChar = 0x20 // space: glyph 1
	fontLastChar  = 0x7e // '~'
)

// ttGlyph is a glyph of the fixture font: an advance width and closed
// contours of on-curve points (straight lines only).
type ttGlyph struct {
	advance  int
	contours [][]ttPoint
}

type ttPoint struct{ x, y int }

// bbox is the glyph's bounding box; ok is false for a glyph without outline.
func (g ttGlyph) bbox() (xMin, yMin, xMax, yMax int, ok bool) {
	for _, c := range g.contours {
		for _, p := range c {
			if !ok {
				xMin, yMin, xMax, yMax, ok = p.x, p.y, p.x, p.y, true
				continue
			}
			xMin, yMin = min(xMin, p.x), min(yMin, p.y)
			xMax, yMax = max(xMax, p.x), max(yMax, p.y)
		}
	}
	return
}

func (g ttGlyph) points() int {
	n := 0
	for _, c := range g.contours {
		n += len(c)
	}
	return n
}

// box is a clockwise rectangle (an outer contour in TrueType's convention);
// hole is a counter-clockwise one (a counter inside an outer contour).
func box(x0, y0, x1, y1 int) []ttPoint {
	return []ttPoint{{x0, y0}, {x0, y1}, {x1, y1}, {x1, y0}}
}

func hole(x0, y0, x1, y1 int) []ttPoint {
	return []ttPoint{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}}
}

// FontAdvance is the advance width, in font units, of the glyph for r
// (the .notdef glyph's for characters the font lacks).
func FontAdvance(r rune) int {
	if r < fontFirstChar || r > fontLastChar {
		return fontGlyphs()[0].advance
	}
	return fontGlyphs()[r-fontFirstChar+1].advance
}

// fontGlyphs is the glyph set: .notdef, then one glyph per character from
// space to '~', in character order (so glyph id = code - 0x1f).
var fontGlyphs = sync.OnceValue(func() []ttGlyph {
	glyphs := []ttGlyph{{advance: 500, contours: [][]ttPoint{ // .notdef: a hollow box
		box(50, 0, 450, 700), hole(100, 50, 400, 650),
	}}}
	glyphs = append(glyphs, ttGlyph{advance: 250}) // space: no outline
	for c := fontFirstChar + 1; c <= fontLastChar; c++ {
		adv := 500 + 125*(c%4) // 500, 625, 750 or 875 units
		l, r := 60, adv-60
		var g ttGlyph
		switch {
		case c >= 'A' && c <= 'Z': // capitals: hollow boxes
			g.contours = [][]ttPoint{box(l, 0, r, fontCapHeight), hole(l+80, 80, r-80, fontCapHeight-80)}
		case c >= 'a' && c <= 'z': // lower case: solid bars, with ascenders and descenders
			lo, hi := 0, fontXHeight
			switch c {
			case 'b', 'd', 'f', 'h', 'k', 'l', 't':
				hi = 750
			case 'g', 'j', 'p', 'q', 'y':
				lo = fontDescender
			}
			g.contours = [][]ttPoint{box(l, lo, r, hi)}
		case c >= '0' && c <= '9': // digits: two stacked bars
			g.contours = [][]ttPoint{box(l, 0, r, 300), box(l, 400, r, fontCapHeight)}
		default: // punctuation: a small square
			g.contours = [][]ttPoint{box(l, 0, l+150, 150)}
		}
		g.advance = adv
		glyphs = append(glyphs, g)
	}
	return glyphs
})

// TrueTypeFont returns the fixture web font "Fixture Serif": a small but
// complete TrueType font, built here, with glyphs for printable ASCII
// (boxes and bars of several widths), that passes the OpenType Sanitizer
// browsers run on web fonts. Each call returns a fresh copy.
func TrueTypeFont() []byte { return bytes.Clone(trueTypeFont()) }

var trueTypeFont = sync.OnceValue(buildTrueTypeFont)

func buildTrueTypeFont() []byte {
	glyphs := fontGlyphs()
	numGlyphs := len(glyphs)

	// Global extents, for head, hhea, maxp and OS/2.
	first := true
	var xMin, yMin, xMax, yMax int
	var advMax, minLSB, minRSB, maxExtent, maxPoints, maxContours, advSum int
	for _, g := range glyphs {
		advMax = max(advMax, g.advance)
		advSum += g.advance
		maxPoints, maxContours = max(maxPoints, g.points()), max(maxContours, len(g.contours))
		x0, y0, x1, y1, ok := g.bbox()
		if !ok {
			continue
		}
		if first {
			xMin, yMin, xMax, yMax = x0, y0, x1, y1
			minLSB, minRSB, maxExtent = x0, g.advance-x1, x1
			first = false
		}
		xMin, yMin, xMax, yMax = min(xMin, x0), min(yMin, y0), max(xMax, x1), max(yMax, y1)
		minLSB, minRSB, maxExtent = min(minLSB, x0), min(minRSB, g.advance-x1), max(maxExtent, x1)
	}

	// glyf and loca (long offsets; every glyph 4-byte aligned).
	var glyf, loca []byte
	hmtx := []byte{}
	for _, g := range glyphs {
		loca = u32(loca, uint32(len(glyf)))
		x0, y0, x1, y1, ok := g.bbox()
		hmtx = u16(hmtx, uint16(g.advance))
		hmtx = i16(hmtx, x0) // lsb = xMin (0 for an empty glyph)
		if !ok {
			continue // an empty glyph has no data
		}
		glyf = i16(glyf, len(g.contours))
		glyf = i16(glyf, x0)
		glyf = i16(glyf, y0)
		glyf = i16(glyf, x1)
		glyf = i16(glyf, y1)
		end := -1
		for _, c := range g.contours {
			end += len(c)
			glyf = u16(glyf, uint16(end))
		}
		glyf = u16(glyf, 0) // no instructions
		for range g.points() {
			glyf = append(glyf, 0x01) // on curve, x and y as int16 deltas
		}
		var xs, ys []byte
		px, py := 0, 0
		for _, c := range g.contours {
			for _, p := range c {
				xs, ys = i16(xs, p.x-px), i16(ys, p.y-py)
				px, py = p.x, p.y
			}
		}
		glyf = append(append(glyf, xs...), ys...)
		glyf = pad4(glyf)
	}
	loca = u32(loca, uint32(len(glyf)))

	// head; checkSumAdjustment (offset 8) is filled in last.
	const created = 3786912000 // 2024-01-01T00:00:00Z, in seconds since 1904
	var head []byte
	head = u16(head, 1)
	head = u16(head, 0)
	head = u32(head, 0x00010000) // fontRevision 1.0
	head = u32(head, 0)          // checkSumAdjustment
	head = u32(head, 0x5F0F3CF5) // magicNumber
	head = u16(head, 0x0001)     // flags: baseline at y=0
	head = u16(head, fontUnitsPerEm)
	head = binary.BigEndian.AppendUint64(head, created)
	head = binary.BigEndian.AppendUint64(head, created)
	head = i16(head, xMin)
	head = i16(head, yMin)
	head = i16(head, xMax)
	head = i16(head, yMax)
	head = u16(head, 0) // macStyle
	head = u16(head, 8) // lowestRecPPEM
	head = i16(head, 2) // fontDirectionHint
	head = i16(head, 1) // indexToLocFormat: long
	head = i16(head, 0) // glyphDataFormat

	var hhea []byte
	hhea = u16(hhea, 1)
	hhea = u16(hhea, 0)
	hhea = i16(hhea, fontAscender)
	hhea = i16(hhea, fontDescender)
	hhea = i16(hhea, fontLineGap)
	hhea = u16(hhea, uint16(advMax))
	hhea = i16(hhea, minLSB)
	hhea = i16(hhea, minRSB)
	hhea = i16(hhea, maxExtent)
	hhea = i16(hhea, 1) // caretSlopeRise
	hhea = i16(hhea, 0) // caretSlopeRun
	hhea = i16(hhea, 0) // caretOffset
	hhea = append(hhea, make([]byte, 8)...)
	hhea = i16(hhea, 0) // metricDataFormat
	hhea = u16(hhea, uint16(numGlyphs))

	var maxp []byte
	maxp = u32(maxp, 0x00010000)
	maxp = u16(maxp, uint16(numGlyphs))
	maxp = u16(maxp, uint16(maxPoints))
	maxp = u16(maxp, uint16(maxContours))
	maxp = u16(maxp, 0) // maxCompositePoints
	maxp = u16(maxp, 0) // maxCompositeContours
	maxp = u16(maxp, 2) // maxZones
	maxp = append(maxp, make([]byte, 2*8)...)

	var os2 []byte
	os2 = u16(os2, 4)                              // version
	os2 = i16(os2, (advSum+numGlyphs/2)/numGlyphs) // xAvgCharWidth
	os2 = u16(os2, 400)                            // usWeightClass
	os2 = u16(os2, 5)                              // usWidthClass
	os2 = u16(os2, 0)                              // fsType: installable
	// Subscript and superscript sizes and offsets, strikeout size and position.
	for _, v := range []int{650, 600, 0, 75, 650, 600, 0, 350, 50, 250} {
		os2 = i16(os2, v)
	}
	os2 = i16(os2, 0)                                  // sFamilyClass
	os2 = append(os2, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0)    // panose: Latin text
	os2 = u32(os2, 1)                                  // ulUnicodeRange1: Basic Latin
	os2 = append(os2, make([]byte, 12)...)             // ulUnicodeRange2-4
	os2 = append(os2, "VLUM"...)                       // achVendID
	os2 = u16(os2, 0x0040)                             // fsSelection: REGULAR
	os2 = u16(os2, fontFirstChar)                      // usFirstCharIndex
	os2 = u16(os2, fontLastChar)                       // usLastCharIndex
	os2 = i16(os2, fontAscender)                       // sTypoAscender
	os2 = i16(os2, fontDescender)                      // sTypoDescender
	os2 = i16(os2, fontLineGap)                        // sTypoLineGap
	os2 = u16(os2, uint16(max(fontAscender, yMax)))    // usWinAscent
	os2 = u16(os2, uint16(max(-fontDescender, -yMin))) // usWinDescent
	os2 = u32(os2, 1)                                  // ulCodePageRange1: Latin 1
	os2 = u32(os2, 0)                                  // ulCodePageRange2
	os2 = i16(os2, fontXHeight)                        // sxHeight
	os2 = i16(os2, fontCapHeight)                      // sCapHeight
	os2 = u16(os2, 0)                                  // usDefaultChar
	os2 = u16(os2, ' ')                                // usBreakChar
	os2 = u16(os2, 1)                                  // usMaxContext

	// cmap: one format 4 subtable, under Unicode BMP (0/3) and Windows
	// Unicode BMP (3/1).
	sub := cmapFormat4(func(yield func(rune, int) bool) {
		for c := rune(fontFirstChar); c <= fontLastChar; c++ {
			if !yield(c, int(c-fontFirstChar+1)) {
				return
			}
		}
	})
	var cmap []byte
	cmap = u16(cmap, 0) // version
	cmap = u16(cmap, 2) // numTables
	for _, enc := range [][2]uint16{{0, 3}, {3, 1}} {
		cmap = u16(cmap, enc[0])
		cmap = u16(cmap, enc[1])
		cmap = u32(cmap, 4+8*2) // both records share the subtable
	}
	cmap = append(cmap, sub...)

	// name: Windows, Unicode BMP, en-US, UTF-16BE; records sorted by name id.
	names := []string{
		0: "Generated by Vellum's test fixtures; no rights reserved.",
		1: FontFamily,
		2: fontSubfamily,
		3: "1.000;VLUM;" + fontPSName,
		4: fontFullName,
		5: fontVersion,
		6: fontPSName,
	}
	var name, strs []byte
	name = u16(name, 0) // format
	name = u16(name, uint16(len(names)))
	name = u16(name, uint16(6+12*len(names))) // storage offset
	for id, s := range names {
		var enc []byte
		for _, u := range utf16.Encode([]rune(s)) {
			enc = u16(enc, u)
		}
		for _, v := range []int{3, 1, 0x409, id, len(enc), len(strs)} {
			name = u16(name, uint16(v))
		}
		strs = append(strs, enc...)
	}
	name = append(name, strs...)

	var post []byte
	post = u32(post, 0x00030000) // format 3: no glyph names
	post = u32(post, 0)          // italicAngle
	post = i16(post, -75)        // underlinePosition
	post = i16(post, 50)         // underlineThickness
	post = append(post, make([]byte, 4*5)...)

	return assembleSFNT([]sfntTable{
		{"head", head}, {"hhea", hhea}, {"maxp", maxp}, {"OS/2", os2}, {"hmtx", hmtx},
		{"cmap", cmap}, {"loca", loca}, {"glyf", glyf}, {"name", name}, {"post", post},
	})
}

// cmapFormat4 encodes a format 4 cmap subtable for the mapping, which must
// come in ascending code order within the BMP: runs of consecutive codes
// mapped to consecutive glyphs become one segment each, using idDelta.
func cmapFormat4(mapping func(yield func(rune, int) bool)) []byte {
	type segment struct{ start, end, delta int }
	var segs []segment
	for c, gid := range mapping {
		if n := len(segs); n > 0 && int(c) == segs[n-1].end+1 && gid-int(c) == segs[n-1].delta {
			segs[n-1].end = int(c)
			continue
		}
		segs = append(segs, segment{int(c), int(c), gid - int(c)})
	}
	segs = append(segs, segment{0xFFFF, 0xFFFF, 1}) // the required last segment, to glyph 0
	n := len(segs)
	searchRange, entrySelector := searchParams(n, 2)

	var b []byte
	b = u16(b, 4)                     // format
	b = u16(b, uint16(16+8*n))        // length
	b = u16(b, 0)                     // language
	b = u16(b, uint16(2*n))           // segCountX2
	b = u16(b, uint16(searchRange))   // searchRange
	b = u16(b, uint16(entrySelector)) // entrySelector
	b = u16(b, uint16(2*n-searchRange))
	for _, s := range segs {
		b = u16(b, uint16(s.end))
	}
	b = u16(b, 0) // reservedPad
	for _, s := range segs {
		b = u16(b, uint16(s.start))
	}
	for _, s := range segs {
		b = u16(b, uint16(s.delta)) // modulo 65536
	}
	for range segs {
		b = u16(b, 0) // idRangeOffset: none, idDelta maps
	}
	return b
}

// searchParams is the binary search header of n entries of size bytes:
// searchRange = size × the largest power of two ≤ n, and its log2.
func searchParams(n, size int) (searchRange, entrySelector int) {
	p := 1
	for p*2 <= n {
		p *= 2
		entrySelector++
	}
	return p * size, entrySelector
}

type sfntTable struct {
	tag  string
	data []byte
}

// assembleSFNT writes the offset table, the table directory sorted by tag,
// and the tables 4-byte aligned with their checksums, then sets
// head.checkSumAdjustment so the whole font sums to 0xB1B0AFBA.
func assembleSFNT(tables []sfntTable) []byte {
	slices.SortFunc(tables, func(a, b sfntTable) int { return bytes.Compare([]byte(a.tag), []byte(b.tag)) })
	n := len(tables)
	searchRange, entrySelector := searchParams(n, 16)
	var out []byte
	out = u32(out, 0x00010000) // sfntVersion: TrueType outlines
	out = u16(out, uint16(n))
	out = u16(out, uint16(searchRange))
	out = u16(out, uint16(entrySelector))
	out = u16(out, uint16(16*n-searchRange))
	offset := 12 + 16*n
	headAt := -1
	for _, t := range tables {
		out = append(out, t.tag...)
		out = u32(out, sfntChecksum(t.data))
		out = u32(out, uint32(offset))
		out = u32(out, uint32(len(t.data)))
		if t.tag == "head" {
			headAt = offset
		}
		offset += (len(t.data) + 3) &^ 3
	}
	for _, t := range tables {
		out = pad4(append(out, t.data...))
	}
	binary.BigEndian.PutUint32(out[headAt+8:], 0xB1B0AFBA-sfntChecksum(out))
	return out
}

// sfntChecksum sums b as big-endian uint32s, zero-padded to a multiple of 4.
func sfntChecksum(b []byte) uint32 {
	var sum uint32
	for i := 0; i < len(b); i += 4 {
		var w [4]byte
		copy(w[:], b[i:])
		sum += binary.BigEndian.Uint32(w[:])
	}
	return sum
}

func u16(b []byte, v uint16) []byte { return binary.BigEndian.AppendUint16(b, v) }
func u32(b []byte, v uint32) []byte { return binary.BigEndian.AppendUint32(b, v) }
func i16(b []byte, v int) []byte    { return binary.BigEndian.AppendUint16(b, uint16(int16(v))) }

func pad4(b []byte) []byte {
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	return b
}
