package api

import (
	"bufio"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"os"
	"strings"
)

// MinTokenLength is the shortest token accepted: a shorter one could be
// guessed by trying.
const MinTokenLength = 16

// Tokens are the API tokens a server accepts, held only as SHA-256
// hashes: the tokens themselves are not kept in memory, and a check costs
// the same whichever token (or how much of one) matches. The zero value
// and nil hold none.
type Tokens struct {
	hashes [][sha256.Size]byte
}

// NewTokens hashes the tokens given, refusing one that is too short.
func NewTokens(list []string) (*Tokens, error) {
	t := &Tokens{}
	for i, tok := range list {
		if len(tok) < MinTokenLength {
			return nil, fmt.Errorf("token %d is %d characters long: at least %d are needed", i+1, len(tok), MinTokenLength)
		}
		t.hashes = append(t.hashes, sha256.Sum256([]byte(tok)))
	}
	return t, nil
}

// Len is how many tokens there are.
func (t *Tokens) Len() int {
	if t == nil {
		return 0
	}
	return len(t.hashes)
}

// Check reports whether token is one of the tokens. It compares the
// token's hash with every hash in constant time, so neither which token
// matched nor how much of one did shows in the time it takes.
func (t *Tokens) Check(token string) bool {
	if t == nil || token == "" {
		return false
	}
	h := sha256.Sum256([]byte(token))
	ok := 0
	for i := range t.hashes {
		ok |= subtle.ConstantTimeCompare(h[:], t.hashes[i][:])
	}
	return ok == 1
}

// ReadTokensFile reads a tokens file: one token a line, blank lines and
// lines starting with # ignored, spaces around a token trimmed. A file
// with no token in it is an error (a server meant to take writes would
// silently take none).
func ReadTokensFile(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	defer f.Close()
	var list []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		list = append(list, line)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(list) == 0 {
		return nil, fmt.Errorf("%s: no token in it (one a line; # starts a comment)", path)
	}
	return list, nil
}

// SplitTokens splits a list of tokens separated by commas or white space,
// as VELLUM_API_TOKENS holds them.
func SplitTokens(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool {
		return r == ',' || r == ' ' || r == '\t' || r == '\n' || r == '\r'
	})
}
