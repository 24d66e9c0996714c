package warc

import (
	"bytes"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base32"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"hash"
	"strings"
)

// digestValue is a parsed "algorithm:value" digest field.
type digestValue struct {
	alg  string   // normalised: "sha1", "sha256", "sha512" or "md5"
	sums [][]byte // every decoding of the value that has the algorithm's size
}

// newHash returns a hash for a normalised algorithm name, or nil when unsupported.
func newHash(alg string) hash.Hash {
	switch alg {
	case "sha1":
		return sha1.New()
	case "sha256":
		return sha256.New()
	case "sha512":
		return sha512.New()
	case "md5":
		return md5.New()
	}
	return nil
}

// parseDigest parses a WARC digest such as "sha256:<hex>" or "sha1:<base32>".
// Values in hex, base32 (padded or not) and base64 (standard or URL-safe) are
// accepted, as written by different tools.
func parseDigest(v string) (digestValue, error) {
	name, val, ok := strings.Cut(strings.TrimSpace(v), ":")
	if !ok || val == "" {
		return digestValue{}, fmt.Errorf("digest %q: want algorithm:value", v)
	}
	alg := strings.ReplaceAll(strings.ToLower(name), "-", "")
	h := newHash(alg)
	if h == nil {
		return digestValue{}, fmt.Errorf("digest %q: unsupported algorithm %q", v, name)
	}
	d := digestValue{alg: alg}
	for _, dec := range digestDecoders {
		if b, err := dec(val); err == nil && len(b) == h.Size() {
			d.sums = append(d.sums, b)
		}
	}
	if len(d.sums) == 0 {
		return digestValue{}, fmt.Errorf("digest %q: value is not hex, base32 or base64 of a %s sum", v, alg)
	}
	return d, nil
}

var digestDecoders = []func(string) ([]byte, error){
	hex.DecodeString,
	func(s string) ([]byte, error) { return base32.StdEncoding.DecodeString(strings.ToUpper(s)) },
	func(s string) ([]byte, error) {
		return base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(strings.ToUpper(s))
	},
	base64.StdEncoding.DecodeString,
	base64.RawStdEncoding.DecodeString,
	base64.URLEncoding.DecodeString,
	base64.RawURLEncoding.DecodeString,
}

// matches reports whether sum is one of the decodings of d.
func (d digestValue) matches(sum []byte) bool {
	for _, s := range d.sums {
		if bytes.Equal(s, sum) {
			return true
		}
	}
	return false
}

// formatSHA256 renders a sha256 sum the way Vellum writes digests.
func formatSHA256(sum []byte) string {
	return "sha256:" + hex.EncodeToString(sum)
}
