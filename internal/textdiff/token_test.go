package textdiff

import (
	"slices"
	"testing"
)

func TestTokenize(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"Hello, world!", []string{"Hello", ",", " ", "world", "!"}},
		{"don't  stop\n\n", []string{"don't", "  ", "stop", "\n\n"}},
		{"l’été well-known", []string{"l’été", " ", "well-known"}},
		{"'quoted' -dash- end-", []string{"'", "quoted", "'", " ", "-", "dash", "-", " ", "end", "-"}},
		{"$1,500.75 or 3.5%, 1.", []string{"$", "1,500.75", " ", "or", " ", "3.5", "%", ",", " ", "1", "."}},
		{"U.S. a.b", []string{"U", ".", "S", ".", " ", "a", ".", "b"}},
		{"東京タワーは高い", []string{"東", "京", "タ", "ワ", "ー", "は", "高", "い"}},
		{"서울 시장", []string{"서울", " ", "시장"}},
		{"cafe\u0301 naïve", []string{"cafe\u0301", " ", "naïve"}},
		{"a\xffb", []string{"a", "\xff", "b"}},
		{"x\u00a0y", []string{"x", "\u00a0", "y"}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			b := tokenize(tt.in)
			var got []string
			for i := 0; i+1 < len(b); i++ {
				got = append(got, tt.in[b[i]:b[i+1]])
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("tokenize(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestCountWords(t *testing.T) {
	tests := []struct {
		in   string
		want int
	}{
		{"", 0},
		{" , . ", 0},
		{"It's a well-known fact: 1,000 people.", 6},
		{"首相辞职", 4},
	}
	for _, tt := range tests {
		if got := countWords(tt.in); got != tt.want {
			t.Errorf("countWords(%q) = %d, want %d", tt.in, got, tt.want)
		}
	}
}
