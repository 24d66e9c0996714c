package extract

import (
	"slices"
	"testing"
)

func TestSrcsetURLs(t *testing.T) {
	tests := []struct {
		name   string
		srcset string
		want   []string
	}{
		{"single", "a.jpg", []string{"a.jpg"}},
		{"densities", "a.jpg 1x, b.jpg 2x", []string{"a.jpg", "b.jpg"}},
		{"widths", "small.jpg 480w,large.jpg 1080w", []string{"small.jpg", "large.jpg"}},
		{"comma inside url", "a.jpg?w=1,2 1x, b.jpg?w=3,4 2x", []string{"a.jpg?w=1,2", "b.jpg?w=3,4"}},
		{"url ending in comma has no descriptors", "a.jpg, b.jpg 2x", []string{"a.jpg", "b.jpg"}},
		{"comma without space stays in the url", "a.jpg,b.jpg 2x", []string{"a.jpg,b.jpg"}},
		{"several trailing commas", "a.jpg,,, b.jpg", []string{"a.jpg", "b.jpg"}},
		{"leading commas and spaces", " ,, \n a.jpg 1x", []string{"a.jpg"}},
		{"newlines and tabs between candidates", "a.jpg\n\t100w,\n\tb.jpg\n\t200w", []string{"a.jpg", "b.jpg"}},
		{"width and height", "a.jpg 100w 50h", []string{"a.jpg"}},
		{"fractional density", "a.jpg 1.5x, b.jpg 2e0x", []string{"a.jpg", "b.jpg"}},
		{"zero density is valid", "a.jpg 0x", []string{"a.jpg"}},
		{"parenthesised descriptor with comma is invalid", "a.jpg foo(1,2), b.jpg 2x", []string{"b.jpg"}},
		{"negative density dropped", "a.jpg -1x, b.jpg", []string{"b.jpg"}},
		{"zero width dropped", "a.jpg 0w, b.jpg 10w", []string{"b.jpg"}},
		{"width and density dropped", "a.jpg 100w 2x, b.jpg", []string{"b.jpg"}},
		{"two densities dropped", "a.jpg 1x 2x, b.jpg", []string{"b.jpg"}},
		{"height alone dropped", "a.jpg 50h, b.jpg", []string{"b.jpg"}},
		{"unknown descriptor dropped", "a.jpg big, b.jpg", []string{"b.jpg"}},
		{"malformed floats dropped", "a.jpg .5x, b.jpg 1.x, c.jpg +1x, d.jpg infx, e.jpg 1x", []string{"e.jpg"}},
		{"data url with commas", "data:image/png;base64,AAAA 1x, b.jpg 2x", []string{"data:image/png;base64,AAAA", "b.jpg"}},
		{"empty", "  ", nil},
		{"only commas", ",,,", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			srcsetURLs(tt.srcset, func(u string) { got = append(got, u) })
			if !slices.Equal(got, tt.want) {
				t.Errorf("srcsetURLs(%q) = %q, want %q", tt.srcset, got, tt.want)
			}
		})
	}
}
