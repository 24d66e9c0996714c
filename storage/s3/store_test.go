package s3

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vellumhq/vellum/internal/miniotest"
	"github.com/vellumhq/vellum/storage"
	"github.com/vellumhq/vellum/storage/storetest"
)

var ctx = context.Background()

// testConfig points at m with its root credentials.
func testConfig(m *miniotest.Server, bucket, prefix string) Config {
	return Config{Endpoint: m.Endpoint, AccessKey: m.AccessKey, SecretKey: m.SecretKey,
		Bucket: bucket, Prefix: prefix, PartSize: MinPartSize}
}

func newStore(t *testing.T, cfg Config) *Store {
	t.Helper()
	s, err := New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestConformance(t *testing.T) {
	m := miniotest.Start(t)
	var n atomic.Int64
	t.Run("UnderPrefix", func(t *testing.T) {
		storetest.Run(t, func(t *testing.T) storage.Store {
			return newStore(t, testConfig(m, "conformance", fmt.Sprintf("run/%d", n.Add(1))))
		})
	})
	t.Run("BucketRoot", func(t *testing.T) {
		storetest.Run(t, func(t *testing.T) storage.Store {
			return newStore(t, testConfig(m, fmt.Sprintf("root-%d", n.Add(1)), ""))
		})
	})
}

// TestPrefixIsolation checks that keys are relative to the prefix and that
// listing and reading never reach past it.
func TestPrefixIsolation(t *testing.T) {
	m := miniotest.Start(t)
	a := newStore(t, testConfig(m, "shared", "a"))
	ab := newStore(t, testConfig(m, "shared", "ab"))
	root := newStore(t, testConfig(m, "shared", ""))
	if err := a.Put(ctx, "k", strings.NewReader("in a"), 4); err != nil {
		t.Fatal(err)
	}
	if err := ab.Put(ctx, "k", strings.NewReader("in ab"), 5); err != nil {
		t.Fatal(err)
	}
	var keys []string
	if err := a.List(ctx, "", func(in storage.Info) error { keys = append(keys, in.Key); return nil }); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(keys) != "[k]" {
		t.Errorf("a lists %v, want [k]", keys)
	}
	if info, err := root.Stat(ctx, "ab/k"); err != nil || info.Size != 5 {
		t.Errorf("root sees ab/k as %+v %v", info, err)
	}
}

func TestOpenEdges(t *testing.T) {
	m := miniotest.Start(t)
	s := newStore(t, testConfig(m, "edges", ""))
	data := []byte("0123456789")
	if err := s.Put(ctx, "f", bytes.NewReader(data), int64(len(data))); err != nil {
		t.Fatal(err)
	}
	for _, r := range []struct {
		off, n int64
		want   string
	}{{0, -1, "0123456789"}, {3, -1, "3456789"}, {3, 0, ""}, {9, 5, "9"}, {10, 5, ""}, {50, -1, ""}} {
		rc, err := s.Open(ctx, "f", r.off, r.n)
		if err != nil {
			t.Errorf("Open(%d, %d): %v", r.off, r.n, err)
			continue
		}
		got, err := io.ReadAll(rc)
		rc.Close()
		if err != nil || string(got) != r.want {
			t.Errorf("Open(%d, %d) = %q %v, want %q", r.off, r.n, got, err, r.want)
		}
	}
	if _, err := s.Open(ctx, "missing", 0, 0); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("Open of a missing key with n=0: %v", err)
	}
	if _, err := s.Open(ctx, "f", -1, 2); err == nil {
		t.Error("negative offset accepted")
	}
}

// checkMessage asserts one line that names the endpoint and bucket, wraps
// want and does not contain secret.
func checkMessage(t *testing.T, err error, cfg Config, want error, secret string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %v", want)
	}
	msg := err.Error()
	t.Logf("error: %s", msg)
	if !errors.Is(err, want) {
		t.Errorf("error does not wrap %q", want)
	}
	if !strings.Contains(msg, cfg.endpointName()) || !strings.Contains(msg, "s3://"+cfg.Bucket) {
		t.Errorf("error does not name %s", cfg)
	}
	if secret != "" && strings.Contains(msg, secret) {
		t.Errorf("error shows the secret key")
	}
	if strings.Contains(msg, "\n") {
		t.Errorf("error is not one line")
	}
}

func TestWrongCredentials(t *testing.T) {
	m := miniotest.Start(t)
	for name, cfg := range map[string]Config{
		"secret": {Endpoint: m.Endpoint, AccessKey: m.AccessKey, SecretKey: "wrong-" + m.SecretKey, Bucket: "creds"},
		"key":    {Endpoint: m.Endpoint, AccessKey: "nobody", SecretKey: m.SecretKey, Bucket: "creds"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := New(ctx, cfg)
			checkMessage(t, err, cfg, ErrAccessDenied, m.SecretKey)
			checkMessage(t, err, cfg, ErrAccessDenied, cfg.SecretKey)
		})
	}
}

func TestUnreachableEndpoint(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now
	cfg := Config{Endpoint: "http://" + addr, AccessKey: "vellum", SecretKey: "not-a-real-secret", Bucket: "nowhere"}
	start := time.Now()
	_, err = New(ctx, cfg)
	checkMessage(t, err, cfg, ErrUnreachable, cfg.SecretKey)
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v to give up on a closed port", d)
	}
}

// TestNoWritePermission uses an anonymous client on a bucket whose policy
// lets anyone read but not write: connecting works, writing fails with a
// message that says so.
func TestNoWritePermission(t *testing.T) {
	m := miniotest.Start(t)
	root := newStore(t, testConfig(m, "readonly", ""))
	if err := root.Put(ctx, "warcs/a.warc.gz", strings.NewReader("record"), 6); err != nil {
		t.Fatal(err)
	}
	policy := `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Principal":{"AWS":["*"]},"Action":["s3:GetBucketLocation","s3:ListBucket"],"Resource":["arn:aws:s3:::readonly"]},
		{"Effect":"Allow","Principal":{"AWS":["*"]},"Action":["s3:GetObject"],"Resource":["arn:aws:s3:::readonly/*"]}]}`
	if err := root.client.SetBucketPolicy(ctx, "readonly", policy); err != nil {
		t.Fatal(err)
	}
	cfg := Config{Endpoint: m.Endpoint, Bucket: "readonly"}
	anon := newStore(t, cfg)
	if info, err := anon.Stat(ctx, "warcs/a.warc.gz"); err != nil || info.Size != 6 {
		t.Fatalf("anonymous read: %+v %v", info, err)
	}
	err := anon.Put(ctx, "warcs/b.warc.gz", strings.NewReader("record"), 6)
	checkMessage(t, err, cfg, ErrNoWritePermission, m.SecretKey)
	path, sum := writeFile(t, []byte("record"))
	err = anon.PutFile(ctx, "warcs/b.warc.gz", path, 6, sum)
	checkMessage(t, err, cfg, ErrNoWritePermission, m.SecretKey)
	err = anon.Delete(ctx, "warcs/a.warc.gz")
	checkMessage(t, err, cfg, ErrNoWritePermission, m.SecretKey)

	// Without the policy, anonymous access is refused outright.
	_, err = New(ctx, Config{Endpoint: m.Endpoint, Bucket: "conformance-free"})
	checkMessage(t, err, Config{Endpoint: m.Endpoint, Bucket: "conformance-free"}, ErrAccessDenied, m.SecretKey)
}
