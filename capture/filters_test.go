package capture

import (
	"strings"
	"testing"
)

func TestCompilePatterns(t *testing.T) {
	deep := strings.Repeat("(", 1001) + strings.Repeat(")", 1001)
	tests := []struct {
		name  string
		exprs []string
		err   string // the whole error; "" for none
	}{
		{"none", nil, ""},
		{"plain and escaped", []string{"/news/", `ad\.png$`, "(?i)SPORT"}, ""},
		{"empty", []string{"/news/", ""}, `--include "": empty pattern (it would match every URL)`},
		{"unclosed class", []string{"news/["}, `--include "news/[": invalid regexp: missing closing ]: "["`},
		{"bad repetition", []string{"*.png"}, `--include "*.png": invalid regexp: missing argument to repetition operator: "*"`},
		{"perl lookahead", []string{"news/(?!sport)"}, `--include "news/(?!sport)": invalid regexp: invalid or unsupported Perl syntax: "(?!"`},
		{"newline before the bad part", []string{"a\n["}, `--include "a\n[": invalid regexp: missing closing ]: "["`},
		{"newline before a bad class", []string{"[\nb"}, `--include "[\nb": invalid regexp: missing closing ]: "[\nb"`},
		{"nested too deeply", []string{deep}, `--include "` + deep + `": invalid regexp: expression nests too deeply: "` + deep + `"`},
		{"first bad one named", []string{"ok", "(", ")"}, `--include "(": invalid regexp: missing closing ): "("`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := CompilePatterns("--include", tt.exprs)
			if tt.err == "" {
				if err != nil {
					t.Fatal(err)
				}
				if len(res) != len(tt.exprs) {
					t.Fatalf("%d regexps for %d patterns", len(res), len(tt.exprs))
				}
				for i, re := range res {
					if re.String() != tt.exprs[i] {
						t.Errorf("regexp %d is %q, want %q", i, re, tt.exprs[i])
					}
				}
				return
			}
			if err == nil {
				t.Fatalf("no error; got %v", res)
			}
			if err.Error() != tt.err {
				t.Errorf("error\n%s\nwant\n%s", err, tt.err)
			}
			if strings.Contains(err.Error(), "\n") || res != nil {
				t.Errorf("error not one line, or regexps returned with it: %q %v", err, res)
			}
		})
	}
}

// The patterns match anywhere in the URL as it is fetched, as Colly's URL
// filters do: a user writes /news/, not ^https?://[^/]+/news/.*$.
func TestCompiledPatternsMatchUnanchored(t *testing.T) {
	res, err := CompilePatterns("--exclude", []string{"/news/", `ad\.png`})
	if err != nil {
		t.Fatal(err)
	}
	for u, want := range map[string][2]bool{
		"http://127.0.0.1:8000/news/a.html":     {true, false},
		"http://127.0.0.1:8000/img/ad.png":      {false, true},
		"http://127.0.0.1:8000/img/adxpng":      {false, false},
		"http://127.0.0.1:8000/sport/news.html": {false, false},
	} {
		if got := [2]bool{res[0].MatchString(u), res[1].MatchString(u)}; got != want {
			t.Errorf("%s: matches %v, want %v", u, got, want)
		}
	}
}
