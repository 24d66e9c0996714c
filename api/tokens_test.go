package api

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestTokensFileAndEnvironment: a tokens file takes one token a line and
// skips blank lines and comments; the environment's list splits on commas
// and white space; a file with none, a missing file and a short token are
// errors naming the problem.
func TestTokensFileAndEnvironment(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "tokens")
	os.WriteFile(file, []byte("# the CMS\n  cms-token-0123456789abcdef  \n\n#old-token-0123456789\nbot-token-0123456789abcdef\n"), 0o600)
	list, err := ReadTokensFile(file)
	if err != nil || !slices.Equal(list, []string{"cms-token-0123456789abcdef", "bot-token-0123456789abcdef"}) {
		t.Fatalf("ReadTokensFile: %q, %v", list, err)
	}
	if got := SplitTokens(" a-token,b-token\tc-token\n d-token ,"); !slices.Equal(got, []string{"a-token", "b-token", "c-token", "d-token"}) {
		t.Errorf("SplitTokens: %q", got)
	}
	empty := filepath.Join(dir, "empty")
	os.WriteFile(empty, []byte("# nothing yet\n\n"), 0o600)
	for path, want := range map[string]string{empty: "no token in it", filepath.Join(dir, "missing"): "no such file"} {
		if _, err := ReadTokensFile(path); err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), path) {
			t.Errorf("ReadTokensFile(%s): %v; want an error naming the file and %q", path, err, want)
		}
	}
	if _, err := NewTokens([]string{"cms-token-0123456789abcdef", "short"}); err == nil || !strings.Contains(err.Error(), "token 2") {
		t.Errorf("a 5-character token: %v", err)
	}
}

// TestTokensCheck: only a whole token matches; nil and empty Tokens match
// nothing, not even the empty string.
func TestTokensCheck(t *testing.T) {
	tok, err := NewTokens([]string{"cms-token-0123456789abcdef", "bot-token-0123456789abcdef"})
	if err != nil {
		t.Fatal(err)
	}
	for token, want := range map[string]bool{
		"cms-token-0123456789abcdef": true, "bot-token-0123456789abcdef": true,
		"cms-token-0123456789abcde": false, "cms-token-0123456789abcdefg": false, "": false,
	} {
		if got := tok.Check(token); got != want {
			t.Errorf("Check(%q) = %v", token, got)
		}
	}
	var none *Tokens
	empty, _ := NewTokens(nil)
	if none.Check("") || empty.Check("") || none.Len() != 0 || tok.Len() != 2 {
		t.Error("no tokens must accept nothing")
	}
}
