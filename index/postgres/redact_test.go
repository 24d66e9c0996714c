package postgres

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// A connection string in a message never shows its password, whether it
// parses or not; the rest stays readable.
func TestRedact(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"postgres://vellum:s3cret@db:5432/vellum?sslmode=disable", "postgres://vellum:xxxxx@db:5432/vellum?sslmode=disable"},
		{"postgresql://vellum@db/vellum", "postgresql://vellum@db/vellum"},
		{"postgres://vellum@db/vellum?password=s3cret", "postgres://vellum@db/vellum?password=xxxxx"},
		{"postgres://vellum:s3cret@db:port/vellum", "postgres://vellum:xxxxx@db:port/vellum"},
		{"postgres://vellum:s3:cr@t@db:x/vellum?password=s3cret", "postgres://vellum:xxxxx@db:x/vellum?…"},
		{"postgres://vellum:s3cret@db:x/vellum?password=a@b", "postgres://vellum:xxxxx@db:x/vellum?…"},
		{"host=db user=vellum password=s3cret", "host=db"},
	} {
		if got := Redact(tc.in); got != tc.want {
			t.Errorf("Redact(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// Open tells a string that is no connection string (ErrBadURL) from a
// server that does not answer, and names neither with its password.
func TestOpenBadURL(t *testing.T) {
	_, err := Open(context.Background(), "postgres://vellum:s3cret@db:port/vellum")
	if !errors.Is(err, ErrBadURL) || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("Open of a bad URL: %v; want ErrBadURL, without the password", err)
	}
	_, err = Open(context.Background(), "postgres://vellum:s3cret@127.0.0.1:1/vellum?sslmode=disable&connect_timeout=5")
	if err == nil || errors.Is(err, ErrBadURL) || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("Open of a closed port: %v; want a connection error, without the password", err)
	}
}
