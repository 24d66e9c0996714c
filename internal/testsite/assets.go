package testsite

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
)

// PNG returns a w×h PNG filled with c: a real image a browser can decode,
// whose pixels a replay test can check.
func PNG(w, h int, c color.RGBA) []byte {
	var buf bytes.Buffer
	_ = png.Encode(&buf, fill(w, h, c))
	return buf.Bytes()
}

// JPEG returns a w×h JPEG filled with c.
func JPEG(w, h int, c color.RGBA) []byte {
	var buf bytes.Buffer
	_ = jpeg.Encode(&buf, fill(w, h, c), &jpeg.Options{Quality: 90})
	return buf.Bytes()
}

func fill(w, h int, c color.RGBA) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.SetRGBA(x, y, c)
		}
	}
	return img
}

// Colours of the fixture images, so replay tests can tell them apart.
var (
	Red    = color.RGBA{200, 30, 30, 255}
	Green  = color.RGBA{30, 160, 60, 255}
	Blue   = color.RGBA{30, 60, 200, 255}
	Yellow = color.RGBA{230, 200, 20, 255}
	Grey   = color.RGBA{120, 120, 120, 255}
	Purple = color.RGBA{120, 40, 160, 255}
)

// fontBytes is the web font the site serves: a real TrueType font a browser
// decodes and uses, so replay tests can check the archived copy loads.
var fontBytes = TrueTypeFont()
